//! Compression of outgoing messages: raw DEFLATE, each message ending in a
//! sync flush whose `00 00 ff ff` is left out (RFC 7692 section 7.2.1).

use noio_ws_codec::bytes::BytesMut;
use noio_ws_registry::ExtensionError;

use crate::compress::Compressor;
use crate::window;

/// One direction's compressor.
pub(crate) struct Deflater {
    /// zlib's level, 0-9.
    level: u32,
    /// The agreed window, 8-15.
    window_bits: u8,
    /// zlib's memory level, 1-9: the hash table and block size.
    mem_level: u8,
    /// No context takeover: every message starts from an empty window.
    reset_each_message: bool,
    /// The compressor's window and tables, made when a message first needs
    /// them. Without context takeover nothing in them outlives a message,
    /// so they are released after each one and an idle connection holds
    /// none.
    compress: Option<Box<Compressor>>,
}

impl Deflater {
    /// A compressor at `level` (0-9) within a window of `2^window_bits`
    /// bytes, `window_bits` 8-15, with zlib's `mem_level` (1-9); anything
    /// else is brought into range.
    pub(crate) fn new(level: u32, window_bits: u8, mem_level: u8, reset_each_message: bool) -> Self {
        Deflater {
            level: level.min(9),
            window_bits: window::configured(window_bits),
            mem_level,
            reset_each_message,
            compress: None,
        }
    }

    /// How far back the compressor's matches reach, and whether it resets
    /// its context after each message: what the fuzz target checks against
    /// the agreement.
    #[cfg(feature = "fuzz")]
    pub(crate) fn settings(&self) -> (usize, bool) {
        let compressor = Compressor::new(self.level, self.window_bits, self.mem_level);
        (compressor.max_distance(), self.reset_each_message)
    }

    /// Compresses the next piece of a message; `end` finishes the message.
    pub(crate) fn compress(
        &mut self,
        input: &[u8],
        end: bool,
        out: &mut BytesMut,
    ) -> Result<(), ExtensionError> {
        let (level, bits, mem_level) = (self.level, self.window_bits, self.mem_level);
        let compress = self.compress.get_or_insert_with(|| Box::new(Compressor::new(level, bits, mem_level)));
        out.reserve(input.len() / 2 + 16);
        compress.compress(input, end, out);
        if end && self.reset_each_message {
            self.compress = None;
        }
        Ok(())
    }
}
