//! Compression of outgoing messages: raw DEFLATE, each message ending in a
//! sync flush whose `00 00 ff ff` is removed (RFC 7692 section 7.2.1).

use flate2::{Compress, Compression, FlushCompress};
use noio_ws_codec::CloseCode;
use noio_ws_codec::bytes::BytesMut;
use noio_ws_registry::ExtensionError;

use crate::window;

/// The empty stored block a sync flush ends with.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// One direction's compressor.
pub(crate) struct Deflater {
    level: Compression,
    /// 9-15: zlib cannot make raw DEFLATE with an 8-bit window, so
    /// negotiation never agrees to one for this end (see `window`).
    window_bits: u8,
    /// No context takeover: every message starts from an empty window.
    reset_each_message: bool,
    /// zlib's state (a few hundred KiB), made when a message first needs it.
    /// Without context takeover nothing in it outlives a message, so it is
    /// released after each one and an idle connection holds none.
    compress: Option<Compress>,
}

impl Deflater {
    /// A compressor at `level` (0-9) with a window of `2^window_bits` bytes,
    /// `window_bits` 9-15 (anything else is brought into that range).
    pub(crate) fn new(level: u32, window_bits: u8, reset_each_message: bool) -> Self {
        Deflater {
            level: Compression::new(level),
            window_bits: window::honourable(window_bits),
            reset_each_message,
            compress: None,
        }
    }

    /// The window it compresses with, in bits, and whether it resets its
    /// context after each message: what the fuzz target checks against the
    /// agreement.
    #[cfg(feature = "fuzz")]
    pub(crate) fn settings(&self) -> (u8, bool) {
        (self.window_bits, self.reset_each_message)
    }

    /// Compresses the next piece of a message; `end` finishes the message.
    pub(crate) fn compress(
        &mut self,
        mut input: &[u8],
        end: bool,
        out: &mut BytesMut,
    ) -> Result<(), ExtensionError> {
        let flush = if end { FlushCompress::Sync } else { FlushCompress::None };
        let message_start = out.len();
        let (level, bits) = (self.level, self.window_bits);
        let compress =
            self.compress.get_or_insert_with(|| Compress::new_with_window_bits(level, false, bits));
        loop {
            let start = out.len();
            let room = input.len() / 2 + 64;
            out.resize(start + room, 0);
            let (before_in, before_out) = (compress.total_in(), compress.total_out());
            compress
                .compress(input, &mut out[start..], flush)
                .map_err(|e| ExtensionError::new(CloseCode::INTERNAL_ERROR, format!("deflate: {e}")))?;
            let consumed = (compress.total_in() - before_in) as usize;
            let produced = (compress.total_out() - before_out) as usize;
            out.truncate(start + produced);
            input = &input[consumed..];
            // Done once the input is in and the output did not fill up
            // (a full buffer may mean more flushed output is waiting).
            if input.is_empty() && produced < room {
                break;
            }
        }
        if end {
            if out[message_start..].ends_with(&TAIL) {
                out.truncate(out.len() - TAIL.len());
            } else {
                // zlib had nothing to flush, so it wrote no empty stored block:
                // send the 0x00 that the restored tail turns into one (section
                // 7.2.3.6: an empty message is the single byte 0x00).
                out.extend_from_slice(&[0x00]);
            }
            if self.reset_each_message {
                self.compress = None;
            }
        }
        Ok(())
    }
}
