//! The connection: bytes in, events out; frames in, bytes out.

use alloc::string::{String, ToString};

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{
    CloseCode, ClosePayload, FrameChunk, FrameDecoder, FrameEncoder, FrameHeader, MAX_CONTROL_PAYLOAD, Mask,
    OpCode, Role,
};
use noio_ws_registry::Registry;

use crate::close_state::{CloseState, TransportAction};
use crate::mask_keys::MaskKeys;
use crate::pipeline::{self, ActiveExtensions};
use crate::receive::IncomingMessage;
use crate::utf8::Utf8Validator;
use crate::{
    CloseFrame, Config, ControlFrame, Delivery, Event, Frame, Message, MessageChunk, ProtocolError,
    UsageError,
};

/// One end of a WebSocket connection, after the opening handshake.
///
/// Feed it the bytes read from the transport with [`recv`](Connection::recv)
/// (or read straight into its buffer with
/// [`receive_buffer`](Connection::receive_buffer) and
/// [`commit_received`](Connection::commit_received)), then call
/// [`next_event`](Connection::next_event) until it returns
/// [`Event::NeedData`]. Then write out what
/// [`poll_output`](Connection::poll_output) returns: the automatic pong and
/// close replies. [`send`](Connection::send) turns a [`Frame`] into bytes to
/// write, after any queued replies so the order on the wire is kept. Finally
/// [`transport_action`](Connection::transport_action) says when to close the
/// transport.
///
/// The connection never reads a clock, draws entropy of its own or touches IO.
pub struct Connection {
    role: Role,
    config: Config,
    registry: Registry,
    decoder: FrameDecoder,
    encoder: FrameEncoder,
    mask_keys: MaskKeys,
    /// Received bytes not yet decoded.
    input: BytesMut,
    /// Queued bytes to write: automatic replies.
    output: BytesMut,
    state: CloseState,
    /// The violation that failed the connection, returned again on every call.
    failure: Option<ProtocolError>,
    incoming: Option<IncomingMessage>,
    /// True while we are sending a fragmented message.
    sending_fragmented: bool,
    /// The extensions transforming the message being sent.
    sending_extensions: ActiveExtensions,
    /// The time given with the latest received bytes.
    time: Option<u64>,
    /// The transport ended without a closing handshake and the caller has not
    /// been told yet.
    abnormal_eof: bool,
    /// Streaming delivery: the rest of a frame piece whose decoded output
    /// did not fit in one chunk.
    pending: Option<PendingPiece>,
    /// Whole-message delivery: the frame being received had its header
    /// checked before it was complete, and this many of its payload bytes
    /// were checked as UTF-8.
    early: Option<usize>,
}

/// Part of a frame's payload an extension has yet to decode.
#[derive(Debug)]
struct PendingPiece {
    header: FrameHeader,
    rest: Bytes,
    frame_end: bool,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("buffered_input", &self.input.len())
            .field("queued_output", &self.output.len())
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection for `role` with `config`, no custom opcodes and no extensions.
    pub fn new(role: Role, config: Config) -> Self {
        Connection::with_registry(role, config, Registry::new())
    }

    /// A connection that also understands `registry`'s custom opcodes and
    /// runs its (negotiated) extensions.
    pub fn with_registry(role: Role, config: Config, registry: Registry) -> Self {
        Connection {
            role,
            config,
            registry,
            decoder: FrameDecoder::with_max_frame_len(config.max_frame_len),
            encoder: FrameEncoder::new(role),
            // Only a client masks; a server's generator is never drawn from.
            mask_keys: if role.masks_outgoing() { MaskKeys::from_environment() } else { MaskKeys::new(0) },
            input: BytesMut::new(),
            output: BytesMut::new(),
            state: CloseState::Open,
            failure: None,
            incoming: None,
            sending_fragmented: false,
            sending_extensions: ActiveExtensions::default(),
            time: None,
            abnormal_eof: false,
            pending: None,
            early: None,
        }
    }

    /// Seeds the generator of a client's masking keys. RFC 6455 section 5.3
    /// wants keys nobody can predict: pass an unpredictable seed. With the
    /// `std` feature a seed from the operating system is used by default.
    pub fn with_mask_seed(mut self, seed: u64) -> Self {
        self.mask_keys = MaskKeys::new(seed);
        self
    }

    /// This end's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The custom opcodes and extensions.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Where the closing handshake stands.
    pub fn state(&self) -> CloseState {
        self.state
    }

    /// What to do with the transport now.
    pub fn transport_action(&self) -> TransportAction {
        self.state.transport_action(self.role)
    }

    // ---- input -------------------------------------------------------------

    /// Hands over bytes read from the transport (copied into the connection's
    /// buffer). Once no more frames will be processed (the connection failed,
    /// or the peer's close arrived) they are dropped.
    pub fn recv(&mut self, bytes: &[u8]) {
        if self.state.can_receive() {
            self.input.extend_from_slice(bytes);
        }
    }

    /// Like [`recv`](Connection::recv), with the time they were read in the
    /// caller's units; the events they complete carry it.
    pub fn recv_at(&mut self, bytes: &[u8], time: u64) {
        self.time = Some(time);
        self.recv(bytes);
    }

    /// Hands over an owned buffer of received bytes; when nothing is
    /// buffered it becomes the connection's buffer, with no copy.
    pub fn recv_owned(&mut self, bytes: BytesMut) {
        if !self.state.can_receive() {
            return;
        }
        if self.input.is_empty() {
            self.input = bytes;
        } else {
            self.input.extend_from_slice(&bytes);
        }
    }

    /// Lends `len` bytes of the connection's own buffer to read into (zeroed,
    /// as safe code requires); report how many were filled with
    /// [`commit_received`](Connection::commit_received).
    pub fn receive_buffer(&mut self, len: usize) -> &mut [u8] {
        let start = self.input.len();
        self.input.resize(start + len, 0);
        &mut self.input[start..]
    }

    /// Keeps the first `filled` bytes of the last
    /// [`receive_buffer`](Connection::receive_buffer) and drops the rest.
    pub fn commit_received(&mut self, lent: usize, filled: usize) {
        let lent = lent.min(self.input.len());
        let keep = if self.state.can_receive() { self.input.len() - lent + filled.min(lent) } else { 0 };
        self.input.truncate(keep);
    }

    /// Bytes received and not yet decoded: at most one frame (bounded by
    /// `max_frame_len`) plus what arrived since the last
    /// [`next_event`](Connection::next_event) returned [`Event::NeedData`].
    pub fn buffered(&self) -> usize {
        self.input.len()
    }

    /// The transport reached end of stream. Without a finished closing
    /// handshake the next event is [`Event::AbnormalClosure`].
    pub fn recv_eof(&mut self) {
        let (state, abnormal) = self.state.on_eof();
        self.state = state;
        self.abnormal_eof = abnormal;
    }

    // ---- events ------------------------------------------------------------

    /// The next event, or [`Event::NeedData`].
    ///
    /// After a violation by the peer the connection has failed: a close frame
    /// with the violation's code is queued in [`poll_output`](Connection::poll_output),
    /// and every later call returns the same error.
    pub fn next_event(&mut self) -> Result<Event, ProtocolError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        if core::mem::take(&mut self.abnormal_eof) {
            return Ok(Event::AbnormalClosure);
        }
        loop {
            if !self.state.can_receive() {
                return Ok(Event::NeedData);
            }
            if let Some(piece) = self.pending.take() {
                match self.handle_data(piece.header, piece.rest, piece.frame_end, 0) {
                    Ok(Some(event)) => return Ok(event),
                    Ok(None) => continue,
                    Err(e) => return Err(self.fail(e)),
                }
            }
            let piece = match self.config.delivery {
                Delivery::WholeMessages => {
                    self.decoder.decode(&mut self.input).map(|f| f.map(FrameChunk::from))
                }
                Delivery::Streaming => self.decoder.decode_chunk(&mut self.input),
            };
            let piece = match piece {
                Ok(Some(piece)) => piece,
                Ok(None) => {
                    if let Some((header, prefix)) = self.decoder.partial_frame(&self.input) {
                        // A frame split across reads: judge what has arrived, so a bad
                        // header or invalid text fails before the frame completes.
                        let (header, prefix) = (header, prefix.len());
                        if let Err(e) = self.check_early(header, prefix) {
                            return Err(self.fail(e));
                        }
                    }
                    if self.input.is_empty() {
                        // Everything received is decoded: hold no memory while idle.
                        self.input = BytesMut::new();
                    }
                    return Ok(Event::NeedData);
                }
                Err(e) => return Err(self.fail(e.into())),
            };
            match self.handle(piece) {
                Ok(Some(event)) => return Ok(event),
                Ok(None) => continue,
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    /// Fails the connection: queues a close frame with the violation's code
    /// (unless ours is already sent) and refuses everything after.
    fn fail(&mut self, error: ProtocolError) -> ProtocolError {
        if self.state.on_send_close().is_ok() {
            let close = Frame::close_reply(Some(error.close_code()));
            self.encode(&close);
        }
        self.state = self.state.on_violation();
        self.incoming = None;
        self.pending = None;
        self.input = BytesMut::new();
        self.failure = Some(error.clone());
        error
    }

    /// Checks the part of a frame that has arrived: its header once, then the
    /// UTF-8 of the payload bytes not checked yet (untransformed text only).
    fn check_early(&mut self, header: FrameHeader, received: usize) -> Result<(), ProtocolError> {
        let checked = match self.early {
            Some(checked) => checked,
            None => {
                self.check_header(&header)?;
                let starts_message = header.opcode.is_data() && header.opcode != OpCode::CONTINUATION;
                if starts_message && self.incoming.is_none() {
                    // check_header chose the single-frame path, which keeps no
                    // validator; this frame needs one while it arrives.
                    self.incoming =
                        Some(IncomingMessage::new(header.opcode, header.rsv, ActiveExtensions::default()));
                }
                0
            }
        };
        let mut validated = 0;
        if let Some(message) =
            self.incoming.as_mut().filter(|m| m.extensions.is_empty() && header.opcode.is_data())
        {
            if let Some(utf8) = message.utf8.as_mut() {
                let payload = &self.input[..received];
                utf8.feed(&payload[checked..]).map_err(|_| ProtocolError::InvalidUtf8)?;
                validated = received;
            }
        }
        self.early = Some(validated);
        Ok(())
    }

    fn handle(&mut self, piece: FrameChunk) -> Result<Option<Event>, ProtocolError> {
        let header = piece.header;
        let early = self.early.take();
        if piece.is_first() && early.is_none() {
            self.check_header(&header)?;
        }
        if header.opcode.is_control() {
            return self.handle_control(header, piece.payload);
        }
        let frame_end = piece.is_last();
        if self.incoming.is_none() && header.opcode != OpCode::CONTINUATION {
            // check_header left no assembly state for this data frame: it is a
            // whole message on its own.
            return self.single_frame_message(header, piece.payload);
        }
        self.handle_data(header, piece.payload, frame_end, early.unwrap_or(0))
    }

    /// The rules a frame's header must keep beyond the codec's, checked as
    /// soon as the header arrives.
    fn check_header(&mut self, header: &FrameHeader) -> Result<(), ProtocolError> {
        // RFC 6455 section 5.1: the server MUST close on an unmasked frame,
        // the client on a masked one.
        match (self.role.expects_masked_incoming(), header.mask.is_some()) {
            (true, false) => return Err(ProtocolError::UnmaskedFrame),
            (false, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        if !self.registry.opcodes.is_known(header.opcode) {
            return Err(ProtocolError::UnknownOpcode(header.opcode));
        }
        let starts_message = header.opcode.is_data() && header.opcode != OpCode::CONTINUATION;
        match (header.opcode, &self.incoming) {
            (OpCode::CONTINUATION, None) => return Err(ProtocolError::UnexpectedContinuation),
            (op, Some(_)) if starts_message => return Err(ProtocolError::ExpectedContinuation(op)),
            _ => {}
        }
        // Section 5.2: a nonzero RSV bit with no negotiated meaning MUST fail the connection.
        let allowed = self.registry.extensions.allowed_rsv(header.opcode, starts_message);
        let stray = header.rsv.difference(allowed);
        if !stray.is_empty() {
            return Err(ProtocolError::ReservedBitsSet(stray));
        }
        if starts_message {
            let extensions = if self.registry.extensions.is_empty() {
                ActiveExtensions::default()
            } else {
                pipeline::begin_decode(&mut self.registry.extensions, header)?
            };
            // A final, untransformed frame delivered whole needs no assembly
            // state: see single_frame_message.
            let single_frame =
                header.fin && extensions.is_empty() && self.config.delivery == Delivery::WholeMessages;
            if !single_frame {
                self.incoming = Some(IncomingMessage::new(header.opcode, header.rsv, extensions));
            }
        }
        Ok(())
    }

    /// A message in one whole frame, untransformed, delivered whole: most
    /// messages. No assembly state, no copy.
    fn single_frame_message(
        &mut self,
        header: FrameHeader,
        payload: Bytes,
    ) -> Result<Option<Event>, ProtocolError> {
        let max = self.config.max_message_len;
        if payload.len() as u64 > max {
            return Err(ProtocolError::MessageTooLong { max });
        }
        if header.opcode == OpCode::TEXT {
            Utf8Validator::check_whole(&payload).map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        Ok(Some(Event::Message(Message { opcode: header.opcode, payload, rsv: header.rsv, time: self.time })))
    }

    fn handle_control(
        &mut self,
        header: FrameHeader,
        payload: Bytes,
    ) -> Result<Option<Event>, ProtocolError> {
        let frame = ControlFrame { opcode: header.opcode, payload, rsv: header.rsv, time: self.time };
        match header.opcode {
            OpCode::PING => {
                if self.config.auto_pong && self.state == CloseState::Open {
                    self.encode(&Frame::pong(frame.payload.clone()));
                }
                Ok(Some(Event::Ping(frame)))
            }
            OpCode::PONG => Ok(Some(Event::Pong(frame))),
            OpCode::CLOSE => {
                let (code, reason) = match ClosePayload::parse(&frame.payload) {
                    Ok(Some(close)) => (Some(close.code), close.reason.to_string()),
                    Ok(None) => (None, String::new()),
                    Err(e) => return Err(e.into()),
                };
                self.state = self.state.on_receive_close();
                self.incoming = None;
                if !self.state.can_receive() {
                    // Nothing after the peer's close is processed; free its buffer.
                    self.input = BytesMut::new();
                }
                if self.config.auto_close && self.state == CloseState::CloseReceived {
                    // Section 5.5.1: reply with a close, typically echoing the code.
                    self.state = CloseState::Closed;
                    self.encode(&Frame::close_reply(code));
                }
                let code = code.unwrap_or(CloseCode::NO_STATUS_RECEIVED);
                Ok(Some(Event::Close(CloseFrame { code, reason, rsv: frame.rsv, time: frame.time })))
            }
            _ => Ok(Some(Event::Control(frame))),
        }
    }

    /// A piece of a data message; its first `checked` bytes were already
    /// checked as UTF-8 while the frame arrived.
    fn handle_data(
        &mut self,
        header: FrameHeader,
        payload: Bytes,
        frame_end: bool,
        checked: usize,
    ) -> Result<Option<Event>, ProtocolError> {
        let max = self.config.max_message_len;
        let Some(message) = self.incoming.as_mut() else {
            // check_header made a message for every data frame it let through.
            return Err(ProtocolError::UnexpectedContinuation);
        };
        let mut message_end = frame_end && header.fin;
        let payload = if message.extensions.is_empty() {
            payload
        } else {
            let budget = max.saturating_sub(message.len);
            let stack = &mut self.registry.extensions;
            let decoded = match self.config.delivery {
                Delivery::WholeMessages => {
                    pipeline::decode(stack, message.extensions, payload, message_end, budget)
                        .map(|out| (out, true))
                }
                Delivery::Streaming => {
                    let limit = self.config.max_chunk_len.max(1);
                    pipeline::decode_bounded(stack, message.extensions, &payload, message_end, budget, limit)
                        .map(|(out, used, finished)| {
                            if !finished {
                                let rest = payload.slice(used..);
                                self.pending = Some(PendingPiece { header, rest, frame_end });
                            }
                            (out, finished)
                        })
                }
            };
            let (out, finished) = decoded.map_err(|e| match e {
                ProtocolError::MessageTooLong { .. } => ProtocolError::MessageTooLong { max },
                other => other,
            })?;
            message_end &= finished;
            out
        };
        message.len += payload.len() as u64;
        if message.len > max {
            return Err(ProtocolError::MessageTooLong { max });
        }
        if let Some(utf8) = message.utf8.as_mut() {
            utf8.feed(&payload[checked..]).map_err(|_| ProtocolError::InvalidUtf8)?;
            if message_end {
                utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
            }
        }
        match self.config.delivery {
            Delivery::Streaming => {
                if payload.is_empty() && !message_end {
                    return Ok(None);
                }
                let chunk = MessageChunk {
                    opcode: message.opcode,
                    payload,
                    rsv: header.rsv,
                    first: !message.chunk_sent,
                    fin: message_end,
                    time: self.time,
                };
                message.chunk_sent = true;
                if message_end {
                    self.incoming = None;
                }
                Ok(Some(Event::Chunk(chunk)))
            }
            Delivery::WholeMessages => {
                message.push_fragment(payload);
                if !message_end {
                    return Ok(None);
                }
                let payload = message.take_payload();
                let (opcode, rsv) = (message.opcode, message.rsv);
                self.incoming = None;
                Ok(Some(Event::Message(Message { opcode, payload, rsv, time: self.time })))
            }
        }
    }

    // ---- output ------------------------------------------------------------

    /// The queued bytes to write (automatic pong and close replies), if any.
    pub fn poll_output(&mut self) -> Option<Bytes> {
        (!self.output.is_empty()).then(|| core::mem::take(&mut self.output).freeze())
    }

    /// Checks `frame` and returns the bytes to write: any queued replies,
    /// then the frame (the Python noio_ws `send`).
    pub fn send(&mut self, frame: Frame) -> Result<Bytes, UsageError> {
        let frame = self.prepare(frame)?;
        let mut output = core::mem::take(&mut self.output);
        self.encode_to(&frame, &mut output);
        Ok(output.freeze())
    }

    /// Like [`send`](Connection::send), appending to `dst` instead: the
    /// payload is copied once, into `dst`, and nothing is allocated once
    /// `dst` has room.
    pub fn send_into(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), UsageError> {
        let frame = self.prepare(frame)?;
        dst.extend_from_slice(&self.output);
        self.output = BytesMut::new();
        self.encode_to(&frame, dst);
        Ok(())
    }

    /// Like [`send`](Connection::send), as the two parts of one vectored
    /// write: queued replies plus the frame header, then the payload. A
    /// server's payload is the caller's `Bytes`, never copied; a client's is
    /// masked, so it is copied into the first part and the second is empty.
    pub fn send_parts(&mut self, frame: Frame) -> Result<[Bytes; 2], UsageError> {
        if self.role.masks_outgoing() {
            return Ok([self.send(frame)?, Bytes::new()]);
        }
        let frame = self.prepare(frame)?;
        let header = self.header_for(&frame);
        let mut head = core::mem::take(&mut self.output);
        let encoded = self.encoder.encode_header(&header, &mut head);
        debug_assert!(encoded.is_ok(), "{encoded:?}");
        Ok([head.freeze(), frame.payload])
    }

    /// A frame for the opcode named `name` (RFC 6455's, such as `"text"`, or
    /// a registered one, such as `"latin-1"`).
    pub fn frame(&self, name: &str, payload: impl Into<Bytes>) -> Result<Frame, UsageError> {
        let opcode = self
            .registry
            .opcodes
            .by_name(name)
            .ok_or_else(|| UsageError::UnknownOpcodeName(name.to_string()))?;
        Ok(Frame::new(opcode, payload))
    }

    /// Checks `frame` against the protocol and the state, runs a data
    /// frame through the extensions, and moves the state on as sending it
    /// will. Returns the frame as it goes on the wire.
    fn prepare(&mut self, mut frame: Frame) -> Result<Frame, UsageError> {
        let opcode = frame.opcode;
        if !self.registry.opcodes.is_known(opcode) {
            return Err(UsageError::UnknownOpcode(opcode));
        }
        let stray = frame.rsv.difference(self.registry.extensions.app_rsv());
        if !stray.is_empty() {
            return Err(UsageError::UnclaimedReservedBits(stray));
        }
        if opcode.is_control() {
            if !frame.fin || frame.payload.len() > MAX_CONTROL_PAYLOAD {
                return Err(UsageError::InvalidControlFrame { opcode, len: frame.payload.len() });
            }
            if opcode == OpCode::CLOSE {
                ClosePayload::parse(&frame.payload)?;
                self.state = self.state.on_send_close().map_err(|_| UsageError::Closed(opcode))?;
            } else if !self.state.can_send_data() {
                return Err(UsageError::Closed(opcode));
            }
        } else {
            if !self.state.can_send_data() {
                return Err(UsageError::Closed(opcode));
            }
            let starts_message = match (opcode == OpCode::CONTINUATION, self.sending_fragmented) {
                (true, false) => return Err(UsageError::NoMessageToContinue),
                (false, true) => return Err(UsageError::MessageInProgress(opcode)),
                (starts, _) => !starts,
            };
            if !self.registry.extensions.is_empty() {
                let stack = &mut self.registry.extensions;
                if starts_message {
                    let len_hint = frame.fin.then_some(frame.payload.len());
                    let (active, rsv) = pipeline::begin_encode(stack, opcode, len_hint)?;
                    self.sending_extensions = active;
                    frame.rsv |= rsv;
                }
                frame.payload = pipeline::encode(stack, self.sending_extensions, frame.payload, frame.fin)?;
            }
            self.sending_fragmented = !frame.fin;
        }
        Ok(frame)
    }

    /// The header for `frame`, with a fresh masking key for a client.
    fn header_for(&mut self, frame: &Frame) -> FrameHeader {
        let mask = self.role.masks_outgoing().then(|| Mask(self.mask_keys.next_key()));
        FrameHeader::new(frame.opcode, frame.payload.len() as u64)
            .with_fin(frame.fin)
            .with_rsv(frame.rsv)
            .with_mask(mask)
    }

    /// Queues a frame the connection itself sends (a reply or a failure's close).
    fn encode(&mut self, frame: &Frame) {
        let mut output = core::mem::take(&mut self.output);
        self.encode_to(frame, &mut output);
        self.output = output;
    }

    /// Appends a checked frame to `dst`.
    fn encode_to(&mut self, frame: &Frame, dst: &mut BytesMut) {
        let header = self.header_for(frame);
        // Every frame reaching here was checked (or built by the connection
        // within the rules), so encoding cannot fail.
        let encoded = self.encoder.encode(&header, &frame.payload, dst);
        debug_assert!(encoded.is_ok(), "{encoded:?}");
    }
}
