//! The sending half of a connection: frames in, bytes to write out, through
//! one queue. It owns everything about the outgoing direction: the encoder,
//! the masking keys, the fragmented message being sent (its extensions and
//! its UTF-8 check) and the output queue, which holds what the application
//! sent and what the connection sends by itself (pongs, close replies,
//! keepalive pings) in the order they are to go on the wire.
//!
//! The queue is the bytes being built plus, for a server, large payloads
//! kept as the caller's own `Bytes` between them, so they are written with
//! no copy.

use alloc::collections::VecDeque;
use core::mem;

use noio_ws_codec::bytes::{Buf, Bytes, BytesMut};
use noio_ws_codec::{ClosePayload, FrameEncoder, FrameHeader, MAX_CONTROL_PAYLOAD, Mask, OpCode, Role, Rsv};
use noio_ws_registry::Registry;

use crate::mask_keys::MaskKeys;
use crate::pipeline::{self, ActiveExtensions};
use crate::utf8::Utf8Validator;
use crate::{Frame, UsageError};

/// How many bytes of output may be queued before automatic pongs stop
/// queuing one per ping and only the latest ping waits for its answer:
/// enough for every ping of a burst of small ones (Autobahn's case 2.10
/// sends ten at once and expects ten pongs), little enough not to matter.
const PONG_QUEUE: usize = 1 << 10;

/// The smallest unmasked payload queued as the caller's `Bytes` rather than
/// copied: below it a copy costs less than keeping one more part.
const ZERO_COPY_MIN: usize = 4 << 10;

/// Past this many queued bytes, [`Sender::poll_into`] hands its buffer to
/// an empty `dst` rather than copying into it.
const SWAP_FROM: usize = 512;

/// The most output room the queue keeps for reuse once drained: enough for
/// a burst of small frames, so a warm connection sending small messages
/// allocates nothing; a larger buffer is let go with its bytes.
const KEEP: usize = 4 << 10;

/// The outgoing direction's state.
#[derive(Debug)]
pub(crate) struct Sender {
    /// The encoder, which holds the role: one copy of it, so that the
    /// masking rule the encoder checks is the one the header was built by
    /// and the check folds away where the encoder is inlined.
    encoder: FrameEncoder,
    mask_keys: MaskKeys,
    /// Parts of the queue ahead of `output`: frozen bytes and zero-copy
    /// payloads, in wire order.
    parts: VecDeque<Bytes>,
    /// The bytes in `parts`, kept as they come and go.
    parts_len: usize,
    /// The bytes of the frames the connection queued by itself (pongs,
    /// close frames, keepalive pings) since the queue was last empty: what
    /// bounds automatic pongs, whatever the application queues.
    own_len: usize,
    /// The tail of the queue, being built.
    output: BytesMut,
    /// The payload of the automatic pong not yet queued. Each ping's pong is
    /// queued while the queued output stays under [`PONG_QUEUE`]; past it,
    /// only the latest ping is answered (RFC 6455 section 5.5.3 allows it),
    /// so pings from a peer that does not read cannot queue without bound.
    pending_pong: Option<Bytes>,
    /// True while a fragmented message is being sent.
    fragmented: bool,
    /// The extensions transforming the message being sent.
    extensions: ActiveExtensions,
    /// The UTF-8 check of the fragmented text message being sent, so far.
    text: Option<Utf8Validator>,
}

impl Sender {
    pub(crate) fn new(role: Role) -> Self {
        Sender {
            encoder: FrameEncoder::new(role),
            // Only a client masks; a server's generator is never drawn from.
            mask_keys: if role.masks_outgoing() { MaskKeys::from_environment() } else { MaskKeys::new(0) },
            parts: VecDeque::new(),
            parts_len: 0,
            own_len: 0,
            output: BytesMut::new(),
            pending_pong: None,
            fragmented: false,
            extensions: ActiveExtensions::default(),
            text: None,
        }
    }

    pub(crate) fn set_mask_seed(&mut self, seed: u64) {
        self.mask_keys = MaskKeys::new(seed);
    }

    /// True for the commonest frame, which every check passes and nothing
    /// transforms: a whole binary message, or a whole text one made from a
    /// `str`, with no reserved bit, while no fragmented message is being
    /// sent and no extension runs. The connection queues it at once.
    #[inline(always)]
    pub(crate) fn is_plain(&self, frame: &Frame, registry: &Registry) -> bool {
        let kind_ok = frame.opcode == OpCode::BINARY || (frame.opcode == OpCode::TEXT && frame.utf8);
        kind_ok && frame.fin && frame.rsv.is_empty() && self.takes_slices(registry)
    }

    /// The rules a frame the application sends must keep, whatever the
    /// state: a known opcode, claimed reserved bits, a control frame's size
    /// and a close frame's payload.
    #[inline]
    pub(crate) fn check(frame: &Frame, registry: &Registry) -> Result<(), UsageError> {
        let opcode = frame.opcode;
        if !registry.opcodes.is_known(opcode) {
            return Err(UsageError::UnknownOpcode(opcode));
        }
        if !frame.rsv.is_empty() {
            let stray = frame.rsv.difference(registry.app_rsv());
            if !stray.is_empty() {
                return Err(UsageError::UnclaimedReservedBits(stray));
            }
        }
        if opcode.is_control() {
            if !frame.fin || frame.payload.len() > MAX_CONTROL_PAYLOAD {
                return Err(UsageError::InvalidControlFrame { opcode, len: frame.payload.len() });
            }
            if opcode == OpCode::CLOSE {
                ClosePayload::parse(&frame.payload)?;
            }
        }
        Ok(())
    }

    /// Takes a data frame into the message being sent: checks its place in
    /// the fragmentation and its text, and runs it through the extensions,
    /// leaving the frame as it goes on the wire.
    #[inline]
    pub(crate) fn prepare_data(
        &mut self,
        frame: &mut Frame,
        registry: &mut Registry,
    ) -> Result<(), UsageError> {
        let opcode = frame.opcode;
        let starts_message = match (opcode == OpCode::CONTINUATION, self.fragmented) {
            (true, false) => return Err(UsageError::NoMessageToContinue),
            (false, true) => return Err(UsageError::MessageInProgress(opcode)),
            (continues, _) => !continues,
        };
        let text =
            if starts_message { (opcode == OpCode::TEXT).then(Utf8Validator::default) } else { self.text };
        let text = match text {
            // A frame made from a `str` is whole UTF-8: it needs no check
            // unless the frame before it ended inside a character.
            Some(validator) if !(frame.utf8 && validator.is_idle()) => Some(check_text(validator, frame)?),
            other => other,
        };
        if !registry.extensions.is_empty() {
            let stack = &mut registry.extensions;
            if starts_message {
                let len_hint = frame.fin.then_some(frame.payload.len());
                let (active, rsv) = pipeline::begin_encode(stack, opcode, len_hint)?;
                self.extensions = active;
                frame.rsv |= rsv;
            }
            let payload = mem::take(&mut frame.payload);
            frame.payload = pipeline::encode(stack, self.extensions, payload, frame.fin)?;
        }
        self.fragmented = !frame.fin;
        self.text = text.filter(|_| !frame.fin);
        Ok(())
    }

    /// Queues a checked frame, after any pong still waiting.
    pub(crate) fn queue(&mut self, frame: Frame) {
        // Even the application's own pong goes after the one waiting: a
        // pong answers the ping it echoes, so neither may replace the other.
        if self.pending_pong.is_some() {
            self.queue_pending_pong();
        }
        self.encode(frame);
    }

    /// Queues a frame the connection sends by itself: a close reply, a
    /// failure's close, a keepalive ping or an idle close.
    pub(crate) fn queue_own(&mut self, frame: Frame) {
        let before = self.output.len() + self.parts_len;
        self.queue(frame);
        self.own_len += self.output.len() + self.parts_len - before;
    }

    /// Appends `frame` to the queue.
    fn encode(&mut self, frame: Frame) {
        let header = self.header(frame.opcode, frame.payload.len(), frame.fin, frame.rsv);
        let zero_copy = !self.encoder.role().masks_outgoing() && frame.payload.len() >= ZERO_COPY_MIN;
        // Every frame reaching here was checked (or built by the connection
        // within the rules), so encoding cannot fail.
        let encoded = if zero_copy {
            // The header in a buffer of its own: splitting it off `output`
            // would keep the rest of that buffer alive with it.
            let mut head = BytesMut::with_capacity(header.encoded_len() + self.output.len());
            head.extend_from_slice(&self.output);
            self.output.clear();
            let encoded = self.encoder.encode_header(&header, &mut head);
            self.parts_len += head.len() + frame.payload.len();
            self.parts.push_back(head.freeze());
            self.parts.push_back(frame.payload);
            encoded
        } else {
            self.encoder.encode(&header, &frame.payload, &mut self.output)
        };
        debug_assert!(encoded.is_ok(), "{encoded:?}");
    }

    /// Queues a whole text or binary message from the caller's bytes, copied
    /// (and for a client masked) straight into the queue: the path of
    /// [`is_plain`](Sender::is_plain) frames with no `Bytes` to count.
    pub(crate) fn queue_slice(&mut self, opcode: OpCode, payload: &[u8]) {
        if self.pending_pong.is_some() {
            self.queue_pending_pong();
        }
        let header = self.header(opcode, payload.len(), true, Rsv::NONE);
        let encoded = self.encoder.encode(&header, payload, &mut self.output);
        debug_assert!(encoded.is_ok(), "{encoded:?}");
    }

    /// True when a whole message may take [`queue_slice`](Sender::queue_slice):
    /// no fragmented message is being sent and no extension runs.
    #[inline(always)]
    pub(crate) fn takes_slices(&self, registry: &Registry) -> bool {
        !self.fragmented && registry.extensions.is_empty()
    }

    /// Answers a ping: its pong goes out before anything queued after it.
    /// The answer to the ping before is queued while what the connection
    /// queued by itself is short; past that the newer ping replaces it.
    pub(crate) fn answer_ping(&mut self, payload: Bytes) {
        if self.own_len < PONG_QUEUE {
            self.queue_pending_pong();
        }
        self.pending_pong = Some(payload);
    }

    /// Queues the answer to the latest ping, if one is waiting.
    fn queue_pending_pong(&mut self) {
        if let Some(payload) = self.pending_pong.take() {
            let before = self.output.len();
            self.encode(Frame::pong(payload));
            self.own_len += self.output.len() - before;
        }
    }

    /// The header of a frame to send, with a fresh masking key for a client.
    #[inline]
    fn header(&mut self, opcode: OpCode, len: usize, fin: bool, rsv: Rsv) -> FrameHeader {
        let mask = self.encoder.role().masks_outgoing().then(|| Mask(self.mask_keys.next_key()));
        FrameHeader::new(opcode, len as u64).with_fin(fin).with_rsv(rsv).with_mask(mask)
    }

    // ---- the queue ---------------------------------------------------------

    /// The bytes queued, the pong waiting included.
    pub(crate) fn queued_len(&self) -> usize {
        let pong = self.pending_pong.as_ref().map_or(0, |payload| {
            let mask = if self.encoder.role().masks_outgoing() { 4 } else { 0 };
            2 + mask + payload.len()
        });
        self.parts_len + self.output.len() + pong
    }

    /// The next part of the queue, in wire order. The bytes built are
    /// handed out with their buffer, not split off it: a split would keep
    /// the buffer's spare room alive, shared, in an idle connection.
    #[inline]
    pub(crate) fn poll(&mut self) -> Option<Bytes> {
        if self.pending_pong.is_some() {
            self.queue_pending_pong();
        }
        if let Some(part) = self.parts.pop_front() {
            self.parts_len -= part.len();
            if self.parts.is_empty() {
                self.release_parts();
            }
            return Some(part);
        }
        self.own_len = 0;
        if self.output.is_empty() {
            return None;
        }
        Some(mem::take(&mut self.output).freeze())
    }

    /// Lends the queue, in wire order, to `write`, which returns how many
    /// bytes of what it was lent it took (as `io::Write::write` does); those
    /// leave the queue. Stops when the queue is empty, `write` takes less
    /// than it was lent (the transport is full) or fails (the error is
    /// returned, nothing it did not take is lost). Returns how many bytes
    /// were taken.
    #[inline]
    pub(crate) fn poll_with<E>(
        &mut self,
        mut write: impl FnMut(&[u8]) -> Result<usize, E>,
    ) -> Result<usize, E> {
        if self.pending_pong.is_some() {
            self.queue_pending_pong();
        }
        let mut taken = 0;
        if !self.parts.is_empty() {
            let (n, all) = self.poll_parts_with(&mut write)?;
            if !all {
                return Ok(n);
            }
            taken = n;
        }
        if !self.output.is_empty() {
            let n = write(&self.output)?.min(self.output.len());
            taken += n;
            if n < self.output.len() {
                self.output.advance(n);
                return Ok(taken);
            }
        }
        self.drained(self.output.len());
        Ok(taken)
    }

    /// Lets the parts' queue go once it is empty: parts are for large
    /// payloads, and an idle connection holds no room for them. A queue that
    /// never held any is left alone, as replacing it costs a drop per message.
    #[inline]
    fn release_parts(&mut self) {
        if self.parts.capacity() != 0 {
            self.parts = VecDeque::new();
        }
    }

    /// Once everything queued is out, the last `batch` bytes of it from
    /// the buffer: the buffer is emptied from its start (cleared, not
    /// advanced, so its room is reused whole), and the connection's own
    /// output count restarts. A buffer grown past [`KEEP`] stays while the
    /// traffic fills it (a pipelining peer's batches would otherwise free and
    /// regrow it every time: seven allocations a 6.5 KB batch) and goes once
    /// a batch uses under a quarter of it, so a connection back to small
    /// messages, or idle after them, holds no more than `KEEP`.
    #[inline]
    fn drained(&mut self, batch: usize) {
        self.output.clear();
        if self.output.capacity() > KEEP && batch < self.output.capacity() / 4 {
            self.output = BytesMut::new();
        }
        self.own_len = 0;
    }

    /// [`poll_with`](Sender::poll_with) for the parts ahead of `output`:
    /// how many bytes `write` took, and whether it took them all. Out of
    /// line: only large server payloads make parts.
    #[inline(never)]
    fn poll_parts_with<E>(
        &mut self,
        write: &mut impl FnMut(&[u8]) -> Result<usize, E>,
    ) -> Result<(usize, bool), E> {
        let mut taken = 0;
        while let Some(part) = self.parts.front_mut() {
            // A writer claiming more than it was lent took only that.
            let n = write(part)?.min(part.len());
            taken += n;
            self.parts_len -= n;
            if n < part.len() {
                part.advance(n);
                return Ok((taken, false));
            }
            self.parts.pop_front();
        }
        self.release_parts();
        Ok((taken, true))
    }

    /// Lends up to [`MAX_SLICES`](crate::connection::MAX_SLICES) pieces of
    /// the queue, in wire order, to one `write`, which says how many bytes
    /// it took; those leave the queue. Returns that count.
    pub(crate) fn poll_vectored<E>(
        &mut self,
        write: impl FnOnce(&[&[u8]]) -> Result<usize, E>,
    ) -> Result<usize, E> {
        if self.pending_pong.is_some() {
            self.queue_pending_pong();
        }
        let mut slices: [&[u8]; crate::connection::MAX_SLICES] = [&[]; crate::connection::MAX_SLICES];
        let mut count = 0;
        for part in self.parts.iter().take(slices.len()) {
            slices[count] = part;
            count += 1;
        }
        if count < slices.len() && !self.output.is_empty() {
            slices[count] = &self.output;
            count += 1;
        }
        let lent: usize = slices[..count].iter().map(|s| s.len()).sum();
        // A writer claiming more than it was lent took only that.
        let mut n = write(&slices[..count])?.min(lent);
        let taken = n;
        while n > 0 {
            let Some(part) = self.parts.front_mut() else { break };
            let step = n.min(part.len());
            part.advance(step);
            self.parts_len -= step;
            n -= step;
            if part.is_empty() {
                self.parts.pop_front();
            }
        }
        if self.parts.is_empty() && n == self.output.len() {
            // All of it went: cleared by `drained`, not advanced first, so
            // the next frame is encoded at the buffer's start, no reclaim.
            self.release_parts();
            self.drained(n);
        } else if n > 0 {
            self.output.advance(n);
        }
        Ok(taken)
    }

    /// Appends the whole queue to `dst`; returns how many bytes. An empty
    /// `dst` and the queue's buffer swap places instead, with no copy, when
    /// more than [`SWAP_FROM`] bytes are queued or they do not fit `dst`'s
    /// room; the queue then keeps `dst`'s room for the next frames, up to
    /// [`KEEP`].
    #[inline]
    pub(crate) fn poll_into(&mut self, dst: &mut BytesMut) -> usize {
        if self.pending_pong.is_some() {
            self.queue_pending_pong();
        }
        let written = self.parts_len + self.output.len();
        if !self.parts.is_empty() {
            for part in mem::take(&mut self.parts) {
                dst.extend_from_slice(&part);
            }
            self.parts_len = 0;
        }
        // An empty `dst` and the buffer swap places, unless what is queued
        // is short and fits `dst`'s room: then a copy of a few bytes costs
        // less than the swap, whose reads of the just-written fields stall
        // (16-byte frames: a fifth slower to send, measured side by side).
        let batch = self.output.len();
        if dst.is_empty() && (batch > SWAP_FROM || batch > dst.capacity()) {
            mem::swap(dst, &mut self.output);
        } else {
            dst.extend_from_slice(&self.output);
        }
        self.drained(batch);
        written
    }
}

/// Checks that an outgoing text frame continues its message's UTF-8 as
/// `validator` has it so far; returns the check's state after the frame, to
/// keep once it is sent.
fn check_text(mut validator: Utf8Validator, frame: &Frame) -> Result<Utf8Validator, UsageError> {
    validator.feed(&frame.payload).map_err(|_| UsageError::InvalidUtf8)?;
    if frame.fin {
        validator.finish().map_err(|_| UsageError::InvalidUtf8)?;
    }
    Ok(validator)
}
