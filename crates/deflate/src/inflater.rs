//! Decompression of incoming messages, chunk by chunk with bounded output
//! (RFC 7692 section 7.2.2). Where a message may end is `message_end`'s
//! job.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_registry::{ExtensionError, Progress};

use crate::decompress::Decompressor;
use crate::message_end::{check_after_final, feed_tail, invalid};
use crate::window;

/// One direction's decompressor.
pub(crate) struct Inflater {
    /// 9-15: see `window`, which says why never 8.
    window_bits: u8,
    /// The decoder and its window, made when a compressed message first
    /// arrives. Without context takeover nothing in it outlives a message,
    /// so it is released after each one and an idle connection holds none.
    decompress: Option<Box<Decompressor>>,
    /// No context takeover: every message starts from an empty window.
    reset_each_message: bool,
    /// Payload bytes of this message so far.
    payload_len: u64,
    /// A block with BFINAL set ended the stream (section 7.2.3.4): the rest
    /// of the message may only be the octet that section allows, and the
    /// next message needs a fresh decompressor.
    stream_ended: bool,
    /// Payload bytes of this message after its final block.
    after_final: usize,
    /// A message was refused: the decoder's state is no longer the
    /// sender's, so nothing more is decoded.
    failed: bool,
}

impl Inflater {
    /// A decompressor for a peer whose window is at most `2^window_bits`
    /// bytes; it inflates with 9 bits or more, as `window` explains.
    pub(crate) fn new(window_bits: u8, reset_each_message: bool) -> Self {
        Inflater {
            window_bits: window::inflate_bits(window_bits),
            decompress: None,
            reset_each_message,
            payload_len: 0,
            stream_ended: false,
            after_final: 0,
            failed: false,
        }
    }

    /// Inflates a prefix of `input` into at most `max_output` more bytes of
    /// `out`; `end` marks the message's last input. Data that cannot be a
    /// whole DEFLATE stream up to the message's end fails with 1007, as
    /// does every call after that.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        end: bool,
        out: &mut BytesMut,
        max_output: usize,
    ) -> Result<Progress, ExtensionError> {
        if self.failed {
            return Err(invalid("an earlier message was refused"));
        }
        let result = self.decode_checked(input, end, out, max_output);
        self.failed = result.is_err();
        result
    }

    fn decode_checked(
        &mut self,
        input: &[u8],
        end: bool,
        out: &mut BytesMut,
        max_output: usize,
    ) -> Result<Progress, ExtensionError> {
        let mut progress = Progress::default();
        let bits = self.window_bits;
        let decompress = self.decompress.get_or_insert_with(|| Box::new(Decompressor::new(bits)));
        let mut rest = input;
        if !self.stream_ended {
            let step = decompress.inflate(input, out, max_output).map_err(invalid)?;
            progress.consumed = step.consumed;
            progress.produced = step.produced;
            self.payload_len += step.consumed as u64;
            rest = &input[step.consumed..];
            if step.full {
                // The room ran out with output still to come.
                return Ok(progress);
            }
            if decompress.stream_ended() {
                self.stream_ended = true;
                // Nothing after a final block is inflated, and nothing but
                // one octet may be there: what the decoder had taken past
                // it, then the rest.
                let (held, len) = decompress.take_after_end();
                check_after_final(&mut self.after_final, &held[..len])?;
            }
        }
        if self.stream_ended {
            check_after_final(&mut self.after_final, rest)?;
            self.payload_len += rest.len() as u64;
            progress.consumed = input.len();
        }
        // All input is in and no output is held back.
        progress.drained = true;
        if end {
            if !self.stream_ended {
                self.stream_ended = feed_tail(decompress, self.payload_len)?;
            }
            self.finish_message();
        }
        Ok(progress)
    }

    fn finish_message(&mut self) {
        // After a BFINAL block the stream is over: the next message starts a
        // new one, as it does at a sender that ended its own.
        if self.reset_each_message || self.stream_ended {
            self.decompress = None;
        }
        self.payload_len = 0;
        self.stream_ended = false;
        self.after_final = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deflater::Deflater;

    fn compressed(deflater: &mut Deflater, text: &[u8]) -> BytesMut {
        let mut out = BytesMut::new();
        deflater.compress(text, true, &mut out).unwrap();
        out
    }

    /// A piece whose output exactly fills the room it was given leaves zlib
    /// with nothing more to give; asking again must not count the message's
    /// tail as fed, or the next message starts inside an unfinished block.
    #[test]
    fn output_filling_its_room_mid_message_leaves_the_tail_to_feed() {
        let mut deflater = Deflater::new(6, 15, 8, false);
        let mut inflater = Inflater::new(15, false);
        let first = "a first message, a first message, a first message".repeat(4);
        let wire = compressed(&mut deflater, first.as_bytes());
        let (head, last) = wire.split_at(wire.len() - 1);
        let mut probe = Inflater::new(15, false);
        let held = probe.decode(head, false, &mut BytesMut::new(), usize::MAX).unwrap().produced;

        let mut out = BytesMut::new();
        let progress = inflater.decode(head, false, &mut out, held).unwrap();
        assert_eq!((progress.consumed, progress.produced), (head.len(), held));
        // The connection asks again once it has room for more.
        inflater.decode(&[], false, &mut out, usize::MAX).unwrap();
        let progress = inflater.decode(last, true, &mut out, usize::MAX).unwrap();
        assert!(progress.drained);
        assert_eq!(out, first.as_bytes());

        let second = compressed(&mut deflater, b"and a second one");
        let mut out = BytesMut::new();
        let progress = inflater.decode(&second, true, &mut out, usize::MAX).unwrap();
        assert!(progress.drained);
        assert_eq!(out, &b"and a second one"[..]);
    }
}
