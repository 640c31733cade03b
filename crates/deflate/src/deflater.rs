//! Compression of outgoing messages: raw DEFLATE, each message ending in a
//! sync flush whose `00 00 ff ff` is removed (RFC 7692 section 7.2.1).

use noio_ws_codec::CloseCode;
use noio_ws_codec::bytes::BytesMut;
use noio_ws_registry::ExtensionError;
use zlib_rs::DeflateFlush;
#[cfg(feature = "fuzz")]
use zlib_rs::Strategy;

use crate::window;

/// The empty stored block a sync flush ends with.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// One direction's compressor.
pub(crate) struct Deflater {
    /// zlib's level, 0-9.
    level: u32,
    /// The agreed window, 8-15. 8 is kept with zlib's RLE strategy (see
    /// `window::deflate_params`).
    window_bits: u8,
    /// No context takeover: every message starts from an empty window.
    reset_each_message: bool,
    /// zlib's state (a few hundred KiB), made when a message first needs it.
    /// Without context takeover nothing in it outlives a message, so it is
    /// released after each one and an idle connection holds none.
    compress: Option<Engine>,
}

/// zlib-rs's compressor for the agreed window: its own window bits and
/// strategy from `window::deflate_params` (RLE for an 8-bit window).
struct Engine(zlib_rs::Deflate);

impl Engine {
    fn new(level: u32, window_bits: u8) -> Self {
        let (bits, strategy) = window::deflate_params(window_bits);
        Engine(zlib_rs::Deflate::new_with_config(zlib_rs::DeflateConfig {
            level: level as i32,
            window_bits: -i32::from(bits), // negative: raw DEFLATE
            strategy,
            ..zlib_rs::DeflateConfig::default()
        }))
    }

    /// Compresses what fits of `input` into `output`, ending with a sync
    /// flush if `flush`: the bytes consumed and produced.
    fn compress(&mut self, input: &[u8], output: &mut [u8], flush: bool) -> Result<(usize, usize), String> {
        let deflate = &mut self.0;
        let before = (deflate.total_in(), deflate.total_out());
        let flush = if flush { DeflateFlush::SyncFlush } else { DeflateFlush::NoFlush };
        deflate.compress(input, output, flush).map_err(|e| e.as_str().to_owned())?;
        Ok(((deflate.total_in() - before.0) as usize, (deflate.total_out() - before.1) as usize))
    }
}

impl Deflater {
    /// A compressor at `level` (0-9) within a window of `2^window_bits`
    /// bytes, `window_bits` 8-15 (anything else is brought into that range).
    pub(crate) fn new(level: u32, window_bits: u8, reset_each_message: bool) -> Self {
        Deflater {
            level: level.min(9),
            window_bits: window::configured(window_bits),
            reset_each_message,
            compress: None,
        }
    }

    /// zlib's window bits and strategy as it compresses, and whether it
    /// resets its context after each message: what the fuzz target checks
    /// against the agreement.
    #[cfg(feature = "fuzz")]
    pub(crate) fn settings(&self) -> (u8, Strategy, bool) {
        let (bits, strategy) = window::deflate_params(self.window_bits);
        (bits, strategy, self.reset_each_message)
    }

    /// Compresses the next piece of a message; `end` finishes the message.
    pub(crate) fn compress(
        &mut self,
        mut input: &[u8],
        end: bool,
        out: &mut BytesMut,
    ) -> Result<(), ExtensionError> {
        let message_start = out.len();
        let (level, bits) = (self.level, self.window_bits);
        let compress = self.compress.get_or_insert_with(|| Engine::new(level, bits));
        loop {
            let start = out.len();
            let room = input.len() / 2 + 64;
            out.resize(start + room, 0);
            let (consumed, produced) = compress
                .compress(input, &mut out[start..], end)
                .map_err(|e| ExtensionError::new(CloseCode::INTERNAL_ERROR, format!("deflate: {e}")))?;
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
