//! The receiving half of a connection: bytes read from the transport in,
//! events out. It owns everything about the incoming direction (the input
//! buffer, the frame decoder, the message in progress and its UTF-8 check)
//! and never writes a byte or changes the connection's state: what an event
//! asks for (a pong, a close reply, failing the connection) is the
//! connection's to do, by the table in `state.rs`.
//!
//! One frame takes one path: the decoder hands out a whole frame, or a piece
//! of one for what is streamed, assembled or transformed anyway;
//! [`Receiver::next_event`] checks a frame's header the first time it is
//! seen, then hands control frames to [`Receiver::control`], a message in
//! one untransformed frame (most messages) to the zero-copy
//! `single_frame_message`, and every other piece of data to
//! [`Receiver::data`]: one delivery core that joins pieces into whole
//! messages or hands them out as frames or chunks.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::ops::Range;
use core::time::Duration;

use noio_ws_codec::bytes::{Buf, Bytes, BytesMut};
use noio_ws_codec::{CloseCode, ClosePayload, FrameChunk, FrameDecoder, FrameHeader, OpCode, Role};
use noio_ws_registry::Registry;

use crate::growth::reserve_bounded;
use crate::incoming::IncomingMessage;
use crate::input_copy::{append_unmasking, room_for};
use crate::pipeline::{self, ActiveExtensions};
use crate::utf8::Utf8Validator;
use crate::{
    CloseFrame, Config, ControlFrame, DataFrame, Delivery, Event, Message, MessageChunk, ProtocolError,
};

/// The size of the first read `read_with` lends: small, so an idle
/// connection holds little; reads double from here while they come back full.
const FIRST_READ: usize = 4 << 10;

/// The most input room kept for the next read once everything received is
/// decoded: the first read's size.
const KEEP: usize = FIRST_READ;

/// What a receiving step may use of the rest of the connection.
pub(crate) struct Context<'a> {
    pub(crate) role: Role,
    pub(crate) config: &'a Config,
    pub(crate) registry: &'a mut Registry,
    /// The time of the latest input, which the events it completes carry.
    pub(crate) time: Option<Duration>,
}

/// The incoming direction's state.
#[derive(Debug)]
pub(crate) struct Receiver {
    decoder: FrameDecoder,
    /// Received bytes not yet decoded, after the first `lent`.
    input: BytesMut,
    /// Bytes received after the end of the frame part way in, while it was:
    /// they start a buffer of their own, so the frame is split off `input`
    /// without them and they are never moved; they become `input` once the
    /// frame is taken. Empty unless `input` holds just that frame's rest.
    next: BytesMut,
    /// The decoder of `next`, which starts decoding (unmasking as it copies)
    /// a frame that begins in `next` while `decoder` still holds the frame
    /// in `input`; it becomes `decoder` with `next`.
    next_decoder: FrameDecoder,
    /// Bytes at the front of `input` that make up the frame last lent out
    /// by reference (`next_message_ref`): dropped when the receiver is next
    /// used, as the borrow has ended by then.
    lent: usize,
    /// How many bytes the next `read_with` lends.
    read_len: usize,
    /// The data message being received, if it needs state between pieces.
    incoming: Option<IncomingMessage>,
    /// The rest of a frame piece whose decoded output did not fit in one
    /// event (frame and streaming delivery through an extension).
    /// Boxed: only compressed frames need it, and every connection holds
    /// the field.
    pending: Option<Box<PendingPiece>>,
    /// The frame part way in had its header checked before it was complete,
    /// and this many of its payload bytes were checked as UTF-8.
    early: Option<usize>,
}

/// Part of a frame's payload an extension has yet to decode.
#[derive(Debug)]
struct PendingPiece {
    header: FrameHeader,
    rest: Bytes,
    frame_end: bool,
}

impl Receiver {
    pub(crate) fn new(config: &Config) -> Self {
        Receiver {
            decoder: FrameDecoder::with_max_frame_len(config.max_frame_len),
            input: BytesMut::new(),
            next: BytesMut::new(),
            next_decoder: FrameDecoder::with_max_frame_len(config.max_frame_len),
            lent: 0,
            read_len: FIRST_READ.min(config.max_read_len).max(1),
            incoming: None,
            pending: None,
            early: None,
        }
    }

    // ---- input -------------------------------------------------------------

    /// Bytes received and not yet decoded.
    pub(crate) fn buffered(&self) -> usize {
        self.input.len() + self.next.len() - self.lent
    }

    /// Drops the frame lent out last, whose borrow has ended, and moves on
    /// to the bytes after a frame once it is taken. Every method that reads
    /// or changes `input` calls this first.
    #[inline(always)]
    fn settle(&mut self) {
        if self.lent > 0 {
            self.input.advance(self.lent);
            self.lent = 0;
        }
        // Once `input`'s frame is taken (its decoder between frames), bytes
        // waiting after it become the input. Checked here, inline: an
        // adapter looks at an empty input before every read.
        if self.input.is_empty() && self.decoder.is_between_frames() && self.has_next() {
            self.move_to_next();
        }
    }

    /// Makes `next` the input, its decoder the input's (see `settle`). Out
    /// of line: it runs only where a read brought bytes past a frame's end.
    #[inline(never)]
    fn move_to_next(&mut self) {
        self.input = core::mem::take(&mut self.next);
        core::mem::swap(&mut self.decoder, &mut self.next_decoder);
    }

    /// True while bytes received after the frame in `input` wait in `next`:
    /// some of them, or a header `next_decoder` took (the frame's payload
    /// yet to come).
    #[inline]
    fn has_next(&self) -> bool {
        !self.next.is_empty() || !self.next_decoder.is_between_frames()
    }

    /// Makes room for `additional` more bytes. The buffer grows with what
    /// has arrived, never on a peer's word: doubling stops at the end of the
    /// frame part way in, so a frame is never given more room than it
    /// declared, and nothing is reserved for the part of it still to come.
    fn reserve(&mut self, additional: usize) {
        let bound = match self.decoder.partial_remaining(&self.input) {
            Some(rest) => {
                usize::try_from(rest).map_or(usize::MAX, |rest| rest.saturating_add(self.input.len()))
            }
            None => usize::MAX,
        };
        reserve_bounded(&mut self.input, additional, bound);
    }

    /// Appends received bytes. Those past the end of a frame part way in
    /// start a buffer of their own (`next`): copied once, from `bytes`, and
    /// never moved when the frame is split off. Payloads are unmasked as they
    /// are copied in where that can be known ([`append`]): their bytes are
    /// read and written once.
    pub(crate) fn take_in(&mut self, bytes: &[u8]) {
        self.settle();
        if self.has_next() {
            reserve_bounded(&mut self.next, bytes.len(), usize::MAX);
            append(&mut self.next_decoder, &mut self.next, bytes);
            return;
        }
        let rest = self.decoder.partial_remaining(&self.input).and_then(|rest| usize::try_from(rest).ok());
        let (this, after) = match rest {
            Some(rest) if rest < bytes.len() => bytes.split_at(rest),
            _ => (bytes, &[][..]),
        };
        if self.input.is_empty() && self.decoder.is_between_frames() {
            reserve_bounded(&mut self.input, room_for(this), usize::MAX);
        } else {
            self.reserve(this.len());
        }
        append(&mut self.decoder, &mut self.input, this);
        if !after.is_empty() {
            self.next = BytesMut::with_capacity(room_for(after));
            append(&mut self.next_decoder, &mut self.next, after);
        }
    }

    /// Takes an owned buffer of received bytes, as the input buffer itself
    /// when nothing is buffered.
    pub(crate) fn take_owned(&mut self, bytes: BytesMut) {
        self.settle();
        if self.input.is_empty() {
            self.input = bytes;
        } else {
            self.take_in(&bytes);
        }
    }

    /// Has `fill` append a read to the input buffer: it is given the buffer
    /// (with room reserved) and how many bytes it may append at most, and
    /// returns how many it read. Only those are kept, clamped to the room,
    /// and only when `keep`; whatever else it appended (all of it, when it
    /// fails) is cut off here. Returns the read's result, clamped, and how
    /// many bytes were kept.
    pub(crate) fn read_with<E>(
        &mut self,
        fill: impl FnOnce(&mut BytesMut, usize) -> Result<usize, E>,
        keep: bool,
        config: &Config,
    ) -> (Result<usize, E>, usize) {
        let max = config.max_read_len.max(1);
        // What the reads bring sizes the next one, not what a frame declares:
        // a peer that declares a large frame and trickles it in is lent little.
        let lend = self.read_len;
        self.settle();
        // After a frame's end, reads go on in `next`.
        let into_input = !self.has_next();
        // What the frame part way in still needs: bytes read past it start
        // `next`, as in `take_in`, so the frame is split off `input` alone.
        let rest = if into_input {
            self.decoder.partial_remaining(&self.input).and_then(|rest| usize::try_from(rest).ok())
        } else {
            None
        };
        let buf = if into_input {
            self.reserve(lend);
            &mut self.input
        } else {
            reserve_bounded(&mut self.next, lend, usize::MAX);
            &mut self.next
        };
        let start = buf.len();
        let result = fill(buf, lend).map(|n| n.min(lend));
        let filled = match &result {
            Ok(n) => *n,
            Err(_) => 0,
        };
        let kept = if keep { filled } else { 0 };
        buf.truncate(start + kept);
        if let Some(rest) = rest.filter(|&rest| rest < kept) {
            // Shares `input`'s allocation: nothing is copied.
            self.next = self.input.split_off(start + rest);
        }
        self.read_len = if filled == lend {
            lend.saturating_mul(2).min(max)
        } else if filled < lend / 4 {
            (lend / 2).max(FIRST_READ.min(max))
        } else {
            lend
        };
        (result, kept)
    }

    /// Forgets everything received: after the peer's close, a failure or
    /// the end of the stream nothing more is processed.
    pub(crate) fn stop(&mut self) {
        self.input = BytesMut::new();
        self.next = BytesMut::new();
        self.next_decoder = FrameDecoder::with_max_frame_len(self.decoder.max_frame_len());
        self.lent = 0;
        self.incoming = None;
        self.pending = None;
        self.early = None;
    }

    /// True while a data message is part way in, from its first frame's
    /// header to its last byte.
    pub(crate) fn is_mid_message(&self) -> bool {
        self.incoming.is_some() || self.decoder.is_mid_frame() || self.pending.is_some()
    }

    // ---- events ------------------------------------------------------------

    /// The next event, or [`Event::NeedData`] once everything received is
    /// handed out.
    #[inline]
    pub(crate) fn next_event(&mut self, cx: &mut Context<'_>) -> Result<Event, ProtocolError> {
        self.settle();
        if self.input.is_empty() && self.pending.is_none() && self.decoder.is_between_frames() {
            // Nothing received that is not handed out: the answer to every
            // look before a read, without a pass through the decoder.
            return Ok(self.need_data());
        }
        if let Some(event) = self.short_message(cx) {
            return event;
        }
        loop {
            self.settle();
            if let Some(piece) = self.pending.take() {
                match self.data(cx, piece.header, piece.rest, piece.frame_end, 0)? {
                    Some(event) => return Ok(event),
                    None => continue,
                }
            }
            let piece = if self.takes_pieces(cx.config.delivery) {
                self.decoder.decode_chunk(&mut self.input)?
            } else {
                self.decoder.decode(&mut self.input)?.map(FrameChunk::from)
            };
            let Some(piece) = piece else {
                if self.check_arrived(cx)? {
                    // The frame turned out to be one taken in pieces.
                    continue;
                }
                return Ok(self.need_data());
            };
            let header = piece.header;
            let early = self.early.take();
            if piece.is_first() && early.is_none() {
                self.check_header(cx, &header)?;
            }
            let event = if header.opcode.is_control() {
                Some(self.control(cx, header, piece.payload)?)
            } else if self.incoming.is_none() && header.opcode != OpCode::CONTINUATION {
                // check_header left no state for this data frame: it is a
                // whole message on its own.
                Some(single_frame_message(cx, header, piece.payload)?)
            } else {
                let frame_end = piece.is_last();
                self.data(cx, header, piece.payload, frame_end, early.unwrap_or(0))?
            };
            if let Some(event) = event {
                return Ok(event);
            }
        }
    }

    /// [`Event::NeedData`], once everything received is decoded as far as it
    /// goes.
    #[inline]
    fn need_data(&mut self) -> Event {
        if self.input.is_empty() && self.input.capacity() > KEEP {
            // Everything received is decoded: a large buffer goes (an idle
            // connection holds little); a small one stays for the next read,
            // so a warm connection reading small messages allocates nothing.
            self.input = BytesMut::new();
        }
        Event::NeedData
    }

    /// [`short_message`](Receiver::short_message) lent out of the input
    /// buffer instead of split off it: the payload is unmasked in place and
    /// checked, and stays in `input` until the receiver is next used. Returns
    /// the opcode and where the payload lies ([`lent_payload`](Receiver::lent_payload)).
    #[inline(always)]
    pub(crate) fn short_message_ref(
        &mut self,
        cx: &Context<'_>,
    ) -> Option<Result<(OpCode, Range<usize>), ProtocolError>> {
        self.settle();
        if !self.takes_short_message(cx) {
            return None;
        }
        let (header, payload) = self.decoder.decode_short_in_place(&mut self.input)?;
        self.lent = payload.end;
        let text = &self.input[payload.clone()];
        if header.opcode == OpCode::TEXT && Utf8Validator::check_whole(text).is_err() {
            return Some(Err(ProtocolError::InvalidUtf8));
        }
        Some(Ok((header.opcode, payload)))
    }

    /// The payload [`short_message_ref`](Receiver::short_message_ref) lent out.
    pub(crate) fn lent_payload(&self, payload: Range<usize>) -> &[u8] {
        self.input.get(payload).unwrap_or_default()
    }

    /// True when the next frame may take the short path: no state between
    /// frames, whole-message delivery with no extension, and a first byte
    /// of FIN, no reserved bit, text or binary, a mask bit as the role
    /// expects and a length under the message limit: one compare on each of
    /// the first two bytes. The decoder then judges the rest.
    #[inline(always)]
    fn takes_short_message(&self, cx: &Context<'_>) -> bool {
        if self.incoming.is_some() || self.early.is_some() || self.pending.is_some() {
            return false;
        }
        if cx.config.delivery != Delivery::WholeMessages || !cx.registry.extensions.is_empty() {
            return false;
        }
        let Some(&[b0, b1]) = self.input.first_chunk::<2>() else {
            return false;
        };
        let mask_bit = if cx.role.expects_masked_incoming() { 0x80 } else { 0 };
        // The length is at least the 7-bit field (126 for a 16-bit one), so
        // a frame past the message limit on it takes the full path and fails
        // there; the decoder checks the 16-bit length against the frame limit.
        matches!(b0, 0x81 | 0x82)
            && b1 & 0x80 == mask_bit
            && short_len_fits(&self.input, b1, cx.config.max_message_len)
    }

    /// The fast path for most messages: a short text or binary message in
    /// one whole frame, with no reserved bit, masked as the role wants,
    /// delivered whole with no extension. `None` for anything else, which
    /// the full path then takes (and judges, errors included).
    #[inline(always)]
    fn short_message(&mut self, cx: &Context<'_>) -> Option<Result<Event, ProtocolError>> {
        if !self.takes_short_message(cx) {
            return None;
        }
        let frame = self.decoder.decode_short(&mut self.input)?;
        Some(single_frame_message(cx, frame.header, frame.payload))
    }

    /// True when the next frame bytes are taken in pieces as they arrive
    /// rather than as whole frames. Whole frames for what is delivered as it
    /// stands (single-frame messages, control frames, frames in
    /// [`Delivery::Frames`]); pieces for what is streamed, or assembled or
    /// transformed anyway, so a fragmented or compressed message never holds
    /// a frame's worth of input besides itself.
    #[inline]
    fn takes_pieces(&self, delivery: Delivery) -> bool {
        if self.decoder.is_mid_frame() {
            return true;
        }
        let message = self.incoming.as_ref();
        match delivery {
            Delivery::Streaming => true,
            Delivery::WholeMessages => message.is_some_and(IncomingMessage::assembles),
            Delivery::Frames => message.is_some_and(|m| !m.extensions.is_empty()),
        }
    }

    /// Judges the part of a frame that has arrived, so a bad header or
    /// invalid text fails before the frame completes: its header once, then
    /// the UTF-8 of the payload bytes not checked yet (untransformed text
    /// only). True when the frame is to be taken in pieces from now on.
    fn check_arrived(&mut self, cx: &mut Context<'_>) -> Result<bool, ProtocolError> {
        let Some((header, prefix)) = self.decoder.partial_frame(&self.input) else {
            return Ok(false);
        };
        let received = prefix.len();
        let checked = match self.early {
            Some(checked) => checked,
            None => {
                self.check_header(cx, &header)?;
                let starts_message = header.opcode.is_data() && header.opcode != OpCode::CONTINUATION;
                if starts_message && self.incoming.is_none() {
                    // check_header chose the single-frame path, which keeps no
                    // state; this frame needs its text checked while it arrives.
                    self.incoming = Some(IncomingMessage::single_frame(header.opcode, header.rsv));
                }
                0
            }
        };
        let message = self.incoming.as_mut().filter(|m| m.extensions.is_empty() && header.opcode.is_data());
        let validated = match message {
            Some(message) if message.utf8.is_some() => {
                // Counted when the frame is taken; only the text is checked here.
                message.take_piece(0, &self.input[checked..received], false, u64::MAX)?;
                received
            }
            _ => 0,
        };
        self.early = Some(validated);
        Ok(received > 0 && self.takes_pieces(cx.config.delivery))
    }

    /// The rules a frame's header must keep beyond the codec's, checked as
    /// soon as the header arrives; a data frame starting a message that needs
    /// state between pieces gets it here.
    #[inline(always)]
    fn check_header(&mut self, cx: &mut Context<'_>, header: &FrameHeader) -> Result<(), ProtocolError> {
        // RFC 6455 section 5.1: the server MUST close on an unmasked frame,
        // the client on a masked one.
        match (cx.role.expects_masked_incoming(), header.mask.is_some()) {
            (true, false) => return Err(ProtocolError::UnmaskedFrame),
            (false, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        if !cx.registry.opcodes.is_known(header.opcode) {
            return Err(ProtocolError::UnknownOpcode(header.opcode));
        }
        let starts_message = header.opcode.is_data() && header.opcode != OpCode::CONTINUATION;
        match (header.opcode, &self.incoming) {
            (OpCode::CONTINUATION, None) => return Err(ProtocolError::UnexpectedContinuation),
            (op, Some(_)) if starts_message => return Err(ProtocolError::ExpectedContinuation(op)),
            _ => {}
        }
        // Section 5.2: a nonzero RSV bit with no negotiated meaning MUST fail the connection.
        let stray = if header.rsv.is_empty() {
            header.rsv
        } else {
            header.rsv.difference(cx.registry.allowed_rsv(header.opcode, starts_message))
        };
        if !stray.is_empty() {
            return Err(ProtocolError::ReservedBitsSet(stray));
        }
        if header.opcode.is_control() {
            return Ok(());
        }
        let extensions = match &self.incoming {
            Some(message) => message.extensions,
            None if cx.registry.extensions.is_empty() => ActiveExtensions::default(),
            None => pipeline::begin_decode(&mut cx.registry.extensions, header)?,
        };
        if extensions.is_empty() {
            // The payload is the message's: a frame that would take it past
            // the limit fails on its header, before any of it is buffered.
            let so_far = self.incoming.as_ref().map_or(0, |m| m.len);
            let max = cx.config.max_message_len;
            if header.payload_len > max.saturating_sub(so_far) {
                return Err(ProtocolError::MessageTooLong { max });
            }
        }
        if starts_message {
            // A final, untransformed frame delivered whole needs no state:
            // see single_frame_message.
            let single_frame =
                header.fin && extensions.is_empty() && cx.config.delivery == Delivery::WholeMessages;
            if !single_frame {
                self.incoming = Some(IncomingMessage::new(header.opcode, header.rsv, extensions));
            }
        }
        Ok(())
    }

    /// A control frame, as its event. A close frame ends the receiving:
    /// nothing after it is processed, so its buffers are freed.
    fn control(
        &mut self,
        cx: &Context<'_>,
        header: FrameHeader,
        payload: Bytes,
    ) -> Result<Event, ProtocolError> {
        let (opcode, rsv, time) = (header.opcode, header.rsv, cx.time);
        Ok(match opcode {
            OpCode::PING => Event::Ping(ControlFrame { opcode, payload, rsv, time }),
            OpCode::PONG => Event::Pong(ControlFrame { opcode, payload, rsv, time }),
            OpCode::CLOSE => {
                let (code, reason) = match ClosePayload::parse(&payload)? {
                    Some(close) => (close.code, close.reason.to_string()),
                    // Section 7.1.5: no status code is reported as 1005.
                    None => (CloseCode::NO_STATUS_RECEIVED, String::new()),
                };
                self.stop();
                Event::Close(CloseFrame { code, reason, rsv, time })
            }
            _ => Event::Control(ControlFrame { opcode, payload, rsv, time }),
        })
    }

    /// A piece of a data message that needs state: decoded through its
    /// extensions, counted and checked, then joined into the whole message
    /// or handed out as a frame or chunk. Its first `checked` bytes were
    /// checked as UTF-8 while the frame arrived.
    fn data(
        &mut self,
        cx: &mut Context<'_>,
        header: FrameHeader,
        payload: Bytes,
        frame_end: bool,
        checked: usize,
    ) -> Result<Option<Event>, ProtocolError> {
        let max = cx.config.max_message_len;
        let Some(message) = self.incoming.as_mut() else {
            // check_header made a message for every data frame it let through.
            return Err(ProtocolError::UnexpectedContinuation);
        };
        let mut message_end = frame_end && header.fin;
        let budget = max.saturating_sub(message.len);
        let over_limit = |e| match e {
            ProtocolError::MessageTooLong { .. } => ProtocolError::MessageTooLong { max },
            other => other,
        };
        let stack = &mut cx.registry.extensions;
        let delivery = cx.config.delivery;
        if delivery == Delivery::WholeMessages {
            // Decoded straight into the joined message; only an untransformed
            // piece is kept as it is, so a message in one frame is not copied.
            let whole = if message.extensions.is_empty() {
                message.join(payload, checked, message_end, max)?
            } else {
                let start = message.joined.len();
                let joined = &mut message.joined;
                pipeline::decode_into(stack, message.extensions, payload, message_end, budget, joined)
                    .map_err(over_limit)?;
                message.take_decoded(start, message_end, max)?
            };
            let Some(payload) = whole else {
                return Ok(None);
            };
            let (opcode, rsv) = (message.opcode, message.rsv);
            self.incoming = None;
            return Ok(Some(Event::Message(Message { opcode, payload, rsv, time: cx.time })));
        }
        let payload = if message.extensions.is_empty() {
            payload
        } else {
            let limit = cx.config.max_chunk_len;
            let (out, used, finished) =
                pipeline::decode_bounded(stack, message.extensions, &payload, message_end, budget, limit)
                    .map_err(over_limit)?;
            if !finished {
                let rest = payload.slice(used..);
                self.pending = Some(Box::new(PendingPiece { header, rest, frame_end }));
            }
            message_end &= finished;
            out
        };
        let fresh = payload.get(checked..).unwrap_or_default();
        message.take_piece(payload.len(), fresh, message_end, max)?;
        // The piece ends its frame unless the frame has bytes still to
        // arrive or to decode.
        let piece_ends_frame = frame_end && self.pending.is_none();
        let time = cx.time;
        let event = match delivery {
            // A frame gives an event even when empty; a piece of one only
            // when it brings bytes or ends it.
            Delivery::Frames if payload.is_empty() && !piece_ends_frame => return Ok(None),
            Delivery::Frames => Event::Frame(DataFrame {
                opcode: header.opcode,
                message_opcode: message.opcode,
                payload,
                fin: header.fin,
                rsv: header.rsv,
                frame_end: piece_ends_frame,
                time,
            }),
            _ if payload.is_empty() && !message_end => return Ok(None),
            _ => Event::Chunk(MessageChunk {
                opcode: message.opcode,
                payload,
                rsv: header.rsv,
                first: !message.chunk_sent,
                frame_end: piece_ends_frame,
                fin: message_end,
                time,
            }),
        };
        message.chunk_sent = true;
        if message_end {
            self.incoming = None;
        }
        Ok(Some(event))
    }
}

/// Appends `bytes` to `buf`, the buffer `decoder` decodes, unmasking what
/// it can on the way: the frame spanning reads through the decoder
/// (`FrameDecoder::extend`), or, into an empty buffer between frames, the
/// long whole frames the bytes begin with ([`append_unmasking`]). The rest
/// goes in as it is, to be unmasked in place by the decoder.
fn append(decoder: &mut FrameDecoder, buf: &mut BytesMut, bytes: &[u8]) {
    let mut taken = decoder.extend(buf, bytes);
    if taken == 0 && buf.is_empty() && decoder.is_between_frames() {
        taken = append_unmasking(buf, bytes, decoder.max_frame_len());
    }
    buf.extend_from_slice(&bytes[taken..]);
}

/// True when the 7- or 16-bit length of the frame at the front of `input`
/// (second byte `b1`) is within `max`; a 64-bit length never takes the short
/// path.
#[inline(always)]
fn short_len_fits(input: &[u8], b1: u8, max: u64) -> bool {
    let len7 = b1 & 0x7F;
    if len7 < 126 {
        return u64::from(len7) <= max;
    }
    len7 == 126 && input.get(2..4).is_some_and(|len| u64::from(u16::from_be_bytes([len[0], len[1]])) <= max)
}

/// A message in one whole frame, untransformed, delivered whole: most
/// messages. No state, no copy; check_header judged its length already.
#[inline(always)]
fn single_frame_message(
    cx: &Context<'_>,
    header: FrameHeader,
    payload: Bytes,
) -> Result<Event, ProtocolError> {
    if header.opcode == OpCode::TEXT {
        Utf8Validator::check_whole(&payload).map_err(|_| ProtocolError::InvalidUtf8)?;
    }
    Ok(Event::Message(Message { opcode: header.opcode, payload, rsv: header.rsv, time: cx.time }))
}
