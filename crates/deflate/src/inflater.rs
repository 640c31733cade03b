//! Decompression of incoming messages, chunk by chunk with bounded output
//! (RFC 7692 section 7.2.2).

use flate2::{Decompress, FlushDecompress, Status};
use noio_ws_codec::CloseCode;
use noio_ws_codec::bytes::BytesMut;
use noio_ws_registry::{ExtensionError, Progress};

/// What the sender removed from the end of each message.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The most output asked of zlib per call: bounded memory per step, whatever
/// the compression ratio.
const STEP: usize = 64 * 1024;

/// The least output asked of zlib per call.
const MIN_STEP: usize = 512;

/// One direction's decompressor.
pub(crate) struct Inflater {
    /// 9-15, as the compressor side explains.
    window_bits: u8,
    /// zlib's state and window, made when a compressed message first
    /// arrives. Without context takeover nothing in it outlives a message,
    /// so it is released after each one and an idle connection holds none.
    decompress: Option<Decompress>,
    /// No context takeover: every message starts from an empty window.
    reset_each_message: bool,
    /// Bytes of the restored `00 00 ff ff` fed so far for this message.
    tail_fed: usize,
    /// A block with BFINAL set ended the stream (section 7.2.3.4): the next
    /// message needs a fresh decompressor.
    stream_ended: bool,
    /// The last call filled its output, so zlib may hold more.
    output_pending: bool,
}

impl Inflater {
    /// A decompressor for a peer whose window is at most `2^window_bits`
    /// bytes (9 or more, as the compressor side explains).
    pub(crate) fn new(window_bits: u8, reset_each_message: bool) -> Self {
        Inflater {
            window_bits: window_bits.clamp(9, 15),
            decompress: None,
            reset_each_message,
            tail_fed: 0,
            stream_ended: false,
            output_pending: false,
        }
    }

    /// Inflates a prefix of `input` into at most `max_output` more bytes of
    /// `out`; `end` marks the message's last input.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        end: bool,
        out: &mut BytesMut,
        max_output: usize,
    ) -> Result<Progress, ExtensionError> {
        let mut progress = Progress::default();
        // Room proportional to the input first (text inflates a few times
        // over), doubled while the output keeps filling it: small messages
        // do not pay to clear a large buffer.
        let mut step = (input.len() * 4).clamp(MIN_STEP, STEP);
        let bits = self.window_bits;
        let decompress = self.decompress.get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
        loop {
            let input_done = progress.consumed == input.len();
            let tail_done = !end || self.stream_ended || self.tail_fed == TAIL.len();
            if input_done && tail_done && !self.output_pending {
                progress.drained = true;
                break;
            }
            let room = (max_output - progress.produced).min(step);
            if room == 0 {
                break;
            }
            if self.stream_ended && !input_done {
                // Section 7.2.3.4: after a block with BFINAL set, the rest of
                // the message is the header of an empty stored block that the
                // restored tail completes; there is nothing more to inflate.
                progress.consumed = input.len();
                continue;
            }
            let source: &[u8] = match (input_done, tail_done) {
                (false, _) => &input[progress.consumed..],
                (true, false) => &TAIL[self.tail_fed..],
                (true, true) => &[],
            };
            let start = out.len();
            out.resize(start + room, 0);
            let (before_in, before_out) = (decompress.total_in(), decompress.total_out());
            let status = decompress
                .decompress(source, &mut out[start..], FlushDecompress::Sync)
                .map_err(|e| invalid(&e.to_string()))?;
            let used = (decompress.total_in() - before_in) as usize;
            let produced = (decompress.total_out() - before_out) as usize;
            out.truncate(start + produced);
            progress.produced += produced;
            if input_done {
                self.tail_fed += used;
            } else {
                progress.consumed += used;
            }
            self.output_pending = produced == room;
            if self.output_pending {
                step = (step * 2).min(STEP);
            }
            if status == Status::StreamEnd {
                self.stream_ended = true;
                self.output_pending = false;
            }
            if used == 0 && produced == 0 {
                // zlib can do nothing more with what it has: the input so far
                // is a prefix of a block, or the tail completed nothing. Only
                // the message's last input has a tail; before it, this was a
                // call to collect output that had exactly filled the room.
                if input_done && end {
                    self.tail_fed = TAIL.len();
                }
                progress.drained = progress.consumed == input.len();
                break;
            }
        }
        let message_done = end && progress.drained && progress.consumed == input.len();
        if message_done {
            self.finish_message();
        }
        Ok(progress)
    }

    fn finish_message(&mut self) {
        if self.reset_each_message {
            self.decompress = None;
        } else if self.stream_ended {
            // zlib goes no further than a BFINAL block: the next message
            // starts a new stream, as it does at a sender that ended its own.
            if let Some(decompress) = self.decompress.as_mut() {
                decompress.reset(false);
            }
        }
        self.tail_fed = 0;
        self.stream_ended = false;
        self.output_pending = false;
    }
}

fn invalid(reason: &str) -> ExtensionError {
    ExtensionError::new(CloseCode::INVALID_PAYLOAD, format!("permessage-deflate: {reason}"))
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
        let mut deflater = Deflater::new(6, 15, false);
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
