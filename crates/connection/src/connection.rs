//! The connection: bytes in, events out; frames in, bytes out.

use alloc::string::{String, ToString};
use core::time::Duration;

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{
    CloseCode, ClosePayload, FrameChunk, FrameDecoder, FrameEncoder, FrameHeader, MAX_CONTROL_PAYLOAD, Mask,
    OpCode, Role, Rsv,
};
use noio_ws_registry::{Registry, RegistryError};

use crate::close_state::{CloseState, TransportAction};
use crate::growth::reserve_bounded;
use crate::mask_keys::MaskKeys;
use crate::pipeline::{self, ActiveExtensions};
use crate::receive::{IncomingMessage, take_piece};
use crate::timers::{Phase, Timeout, Timers};
use crate::utf8::Utf8Validator;
use crate::{
    CloseFrame, Config, ControlFrame, DataFrame, Delivery, Event, Frame, Message, MessageChunk,
    ProtocolError, UsageError,
};

/// One end of a WebSocket connection, after the opening handshake.
///
/// Feed it the bytes read from the transport with [`recv`](Connection::recv)
/// (or read straight into its buffer with
/// [`recv_with`](Connection::recv_with)), then call
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
    /// The payload of the automatic pong not yet queued. Each ping's pong
    /// is queued while the queued output stays under [`PONG_QUEUE`]; past
    /// it, only the latest ping is answered (RFC 6455 section 5.5.3 allows
    /// it), so pings from a peer whose output nobody writes cannot queue
    /// without bound.
    pending_pong: Option<Bytes>,
    /// How many bytes the next `recv_with` lends.
    read_len: usize,
    state: CloseState,
    /// The violation that failed the connection, returned again on every call.
    failure: Option<ProtocolError>,
    incoming: Option<IncomingMessage>,
    /// True while we are sending a fragmented message.
    sending_fragmented: bool,
    /// The extensions transforming the message being sent.
    sending_extensions: ActiveExtensions,
    /// The UTF-8 check of the fragmented text message being sent, so far.
    sending_text: Option<Utf8Validator>,
    /// Keepalive, pong, idle and close deadlines, and the time of the
    /// latest input (none when it came without one, so an event never
    /// carries an older input's time).
    timers: Timers,
    /// The closing handshake timed out: the transport is to be closed now,
    /// whatever the state.
    released: bool,
    /// The transport reached end of stream; it takes effect once everything
    /// received before it has been handed out.
    eof: EndOfStream,
    /// Streaming delivery: the rest of a frame piece whose decoded output
    /// did not fit in one chunk.
    pending: Option<PendingPiece>,
    /// Whole-message delivery: the frame being received had its header
    /// checked before it was complete, and this many of its payload bytes
    /// were checked as UTF-8.
    early: Option<usize>,
}

/// Where the transport's end of stream stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EndOfStream {
    /// The transport is open.
    Open,
    /// The end arrived; the events before it are still being handed out.
    Arrived,
    /// The end has been reported (or needed no report).
    Reported,
}

/// How many bytes of output may be queued before automatic pongs stop
/// queuing one per ping and only the latest ping waits for its answer:
/// enough for every ping of a burst of small ones (Autobahn's case 2.10
/// sends ten at once and expects ten pongs), little enough not to matter.
const PONG_QUEUE: usize = 1 << 10;

/// The size of the first read `recv_with` lends: small, so an idle
/// connection holds little; reads double from here while they come back full.
const FIRST_READ: usize = 4 << 10;

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
            .field("queued_output", &self.queued_output_len())
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
            pending_pong: None,
            read_len: FIRST_READ.min(config.max_read_len).max(1),
            state: CloseState::Open,
            failure: None,
            incoming: None,
            sending_fragmented: false,
            sending_extensions: ActiveExtensions::default(),
            sending_text: None,
            timers: Timers::default(),
            released: false,
            eof: EndOfStream::Open,
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

    /// Names the reserved data opcode `code` (3-7) on this connection, so
    /// frames with it may be sent and received (the Python noio_ws
    /// `Connection(role, {3: 'latin-1'})`). Nothing about custom opcodes is
    /// negotiated: both ends must agree on them by other means.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection};
    ///
    /// let mut conn = Connection::new(Role::Server, Config::default());
    /// let latin1 = conn.register_data(3, "latin-1")?;
    /// let compare = conn.register_control(11, "compare")?;
    /// assert_eq!((conn.type_name(latin1), conn.type_name(compare)), ("latin-1", "compare"));
    /// # Ok::<(), noio_ws_registry::RegistryError>(())
    /// ```
    pub fn register_data(&mut self, code: u8, name: &str) -> Result<OpCode, RegistryError> {
        self.registry.opcodes.register_data(code, name)
    }

    /// Names the reserved control opcode `code` (11-15) on this connection
    /// (the Python noio_ws `Connection(role, None, {11: 'compare'})`).
    pub fn register_control(&mut self, code: u8, name: &str) -> Result<OpCode, RegistryError> {
        self.registry.opcodes.register_control(code, name)
    }

    /// Claims reserved bits for the application on this connection: frames
    /// it sends and receives may then carry them (the Python noio_ws
    /// `rsv_1=1`). Fails for a bit a negotiated extension owns.
    pub fn claim_rsv(&mut self, rsv: Rsv) -> Result<(), RegistryError> {
        self.registry.extensions.claim_rsv(rsv)
    }

    /// Where the closing handshake stands.
    pub fn state(&self) -> CloseState {
        self.state
    }

    /// What to do with the transport now.
    pub fn transport_action(&self) -> TransportAction {
        if self.released {
            return TransportAction::Close;
        }
        self.state.transport_action(self.role)
    }

    // ---- time --------------------------------------------------------------

    /// When [`handle_timeout`](Connection::handle_timeout) must next be
    /// called, on the caller's clock; `None` while no timer runs (each is
    /// off in [`Config`] or has nothing to time). It changes with every
    /// input and output: ask again after each.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.next(&self.config, self.phase())
    }

    /// The caller's clock says `now` (a monotonic [`Duration`] since any
    /// fixed start): runs the timer that is due, if one is, and says which.
    /// A keepalive ping or an idle close is queued for
    /// [`poll_output`](Connection::poll_output); after a pong timeout the
    /// connection has failed (the next event is
    /// [`ProtocolError::PongTimeout`]); after a close timeout
    /// [`transport_action`](Connection::transport_action) is
    /// [`TransportAction::Close`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection, Timeout};
    ///
    /// let config = Config { ping_interval: Some(Duration::from_secs(30)), ..Config::default() };
    /// let mut server = Connection::new(Role::Server, config);
    /// server.handle_timeout(Duration::ZERO); // the clock starts
    /// assert_eq!(server.poll_timeout(), Some(Duration::from_secs(30)));
    /// assert_eq!(server.handle_timeout(Duration::from_secs(30)), Some(Timeout::KeepalivePing));
    /// assert!(server.poll_output().is_some(), "the ping to write");
    /// ```
    pub fn handle_timeout(&mut self, now: Duration) -> Option<Timeout> {
        let (timeout, ping) = self.timers.expired(now, &self.config, self.phase())?;
        match timeout {
            Timeout::KeepalivePing => self.encode(&Frame::ping(Bytes::copy_from_slice(&ping))),
            Timeout::PongTimeout => {
                self.fail(ProtocolError::PongTimeout);
            }
            Timeout::Idle => {
                if let Ok(state) = self.state.on_send_close() {
                    self.state = state;
                    self.timers.closing();
                    if let Ok(close) = Frame::close(CloseCode::GOING_AWAY, "idle timeout") {
                        self.encode(&close);
                    }
                }
            }
            Timeout::CloseTimeout => self.released = true,
        }
        Some(timeout)
    }

    /// What the timers are timing.
    fn phase(&self) -> Phase {
        match (self.state, self.role) {
            _ if self.released => Phase::Done,
            (CloseState::Open, _) => Phase::Open,
            (CloseState::CloseSent | CloseState::CloseReceived, _) => Phase::Closing,
            // A client waits for the server to close the transport first.
            (CloseState::Closed, Role::Client) => Phase::Closing,
            (CloseState::Closed, Role::Server) | (CloseState::Failed, _) => Phase::Done,
        }
    }

    // ---- input -------------------------------------------------------------

    /// True while received bytes are still taken in: not after the peer's
    /// close, a failure or the end of the stream.
    fn takes_input(&self) -> bool {
        self.state.can_receive() && self.eof == EndOfStream::Open
    }

    /// How far the input buffer may grow by doubling: to the end of the
    /// frame being received when its header is in, so a frame is never
    /// given more room than it declared (nor, before its bytes come, any).
    fn input_bound(&self) -> usize {
        match self.decoder.partial_remaining(&self.input) {
            Some(rest) => {
                usize::try_from(rest).map_or(usize::MAX, |rest| rest.saturating_add(self.input.len()))
            }
            None => usize::MAX,
        }
    }

    /// Hands over bytes read from the transport (copied into the connection's
    /// buffer). Once no more frames will be processed (the connection failed,
    /// the peer's close arrived, or the stream ended) they are dropped. They
    /// come with no time: the events they complete carry none.
    pub fn recv(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.timers.heard(None);
        }
        self.take_in(bytes);
    }

    /// Appends received bytes to the input buffer, if input is still taken.
    fn take_in(&mut self, bytes: &[u8]) {
        if self.takes_input() {
            let bound = self.input_bound();
            reserve_bounded(&mut self.input, bytes.len(), bound);
            self.input.extend_from_slice(bytes);
        }
    }

    /// Like [`recv`](Connection::recv), with the time they were read in the
    /// caller's units; the events they complete carry it.
    ///
    /// `time` is the caller's monotonic clock, as a [`Duration`] since any
    /// fixed start; it also moves the connection's timers on.
    pub fn recv_at(&mut self, bytes: &[u8], time: Duration) {
        if bytes.is_empty() {
            self.timers.clock(time);
        } else {
            self.timers.heard(Some(time));
        }
        self.take_in(bytes);
    }

    /// Hands over an owned buffer of received bytes; when nothing is
    /// buffered it becomes the connection's buffer, with no copy. Like
    /// [`recv`](Connection::recv), they come with no time.
    pub fn recv_owned(&mut self, bytes: BytesMut) {
        if !bytes.is_empty() {
            self.timers.heard(None);
        }
        if !self.takes_input() {
            return;
        }
        if self.input.is_empty() {
            self.input = bytes;
        } else {
            self.take_in(&bytes);
        }
    }

    /// Reads straight into the connection's buffer, with no copy: `read` is
    /// lent a zeroed slice of the buffer's end (safe code cannot lend
    /// uninitialised memory) and returns how many bytes it filled, as
    /// [`std::io::Read::read`] does. Those bytes are kept and the rest of the
    /// slice given back; an error gives all of it back and is returned as it
    /// is. A read of 0 bytes is the end of the stream, as for `Read`: it
    /// calls [`recv_eof`](Connection::recv_eof).
    ///
    /// The slice starts at 4 KiB and doubles, up to
    /// [`Config::max_read_len`], while reads fill it, halving again when they
    /// come back mostly empty: an idle connection lends little, a busy one
    /// reads in large pieces. Bytes read once no more frames are processed
    /// are dropped. Like [`recv`](Connection::recv), they come with no time.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection, Event};
    ///
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// let mut socket: &[u8] = &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    /// let n = server.recv_with(|buf| std::io::Read::read(&mut socket, buf))?;
    /// assert_eq!(n, 11);
    /// let Event::Message(hello) = server.next_event()? else { panic!() };
    /// assert_eq!(hello.as_text(), Some("Hello"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recv_with<E>(&mut self, read: impl FnOnce(&mut [u8]) -> Result<usize, E>) -> Result<usize, E> {
        let lend = self.read_len;
        let start = self.input.len();
        let bound = self.input_bound();
        reserve_bounded(&mut self.input, lend, bound);
        self.input.resize(start + lend, 0);
        let result = read(&mut self.input[start..]);
        let filled = match &result {
            // A reader claiming more than it was lent keeps only the slice.
            Ok(n) => (*n).min(lend),
            Err(_) => 0,
        };
        let keep = if self.takes_input() { start + filled } else { start };
        if filled > 0 {
            self.timers.heard(None);
        }
        self.input.truncate(keep);
        let max = self.config.max_read_len.max(1);
        self.read_len = if filled == lend {
            lend.saturating_mul(2).min(max)
        } else if filled < lend / 4 {
            (lend / 2).max(FIRST_READ.min(max))
        } else {
            lend
        };
        if matches!(result, Ok(0)) {
            self.recv_eof();
        }
        result.map(|n| n.min(lend))
    }

    /// Bytes received and not yet decoded: at most one frame (bounded by
    /// `max_frame_len`) plus what arrived since the last
    /// [`next_event`](Connection::next_event) returned [`Event::NeedData`].
    pub fn buffered(&self) -> usize {
        self.input.len()
    }

    /// The transport reached end of stream; bytes received after it are
    /// dropped. Everything received before it is still handed out by
    /// [`next_event`](Connection::next_event); then, without a finished
    /// closing handshake, comes [`Event::AbnormalClosure`], and the state
    /// becomes [`CloseState::Closed`].
    pub fn recv_eof(&mut self) {
        if self.eof == EndOfStream::Open {
            self.eof = EndOfStream::Arrived;
        }
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
        loop {
            if !self.state.can_receive() {
                return Ok(self.end_of_input());
            }
            if let Some(piece) = self.pending.take() {
                match self.handle_data(piece.header, piece.rest, piece.frame_end, 0) {
                    Ok(Some(event)) => return Ok(event),
                    Ok(None) => continue,
                    Err(e) => return Err(self.fail(e)),
                }
            }
            let piece = if self.takes_pieces() {
                self.decoder.decode_chunk(&mut self.input)
            } else {
                self.decoder.decode(&mut self.input).map(|f| f.map(FrameChunk::from))
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
                        if prefix > 0 && self.takes_pieces() {
                            // check_early found a message that is assembled or
                            // transformed: take its bytes in pieces from now on.
                            continue;
                        }
                    }
                    if self.input.is_empty() {
                        // Everything received is decoded: hold no memory while idle.
                        self.input = BytesMut::new();
                    }
                    return Ok(self.end_of_input());
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

    /// True when the next frame bytes are taken in pieces as they arrive
    /// rather than as whole frames. Whole frames for what is delivered as it
    /// stands (single-frame messages, control frames, frames in
    /// [`Delivery::Frames`]); pieces for what is streamed, or assembled or
    /// transformed anyway, so a fragmented or compressed message never holds
    /// a frame's worth of input besides itself.
    #[inline]
    fn takes_pieces(&self) -> bool {
        if self.decoder.is_mid_frame() {
            return true;
        }
        let message = self.incoming.as_ref();
        match self.config.delivery {
            Delivery::Streaming => true,
            Delivery::WholeMessages => message.is_some_and(IncomingMessage::assembles),
            Delivery::Frames => message.is_some_and(|m| !m.extensions.is_empty()),
        }
    }

    /// Changes how data messages are delivered, from the next message on;
    /// refused while a message is arriving.
    pub fn set_delivery(&mut self, delivery: Delivery) -> Result<(), UsageError> {
        if self.incoming.is_some() || self.decoder.is_mid_frame() || self.pending.is_some() {
            return Err(UsageError::DeliveryChangeMidMessage);
        }
        self.config.delivery = delivery;
        Ok(())
    }

    /// Everything received has been handed out: [`Event::NeedData`], or the
    /// end of the stream once it has arrived.
    #[inline]
    fn end_of_input(&mut self) -> Event {
        if self.eof != EndOfStream::Arrived {
            return Event::NeedData;
        }
        self.eof = EndOfStream::Reported;
        let (state, abnormal) = self.state.on_eof();
        self.state = state;
        self.incoming = None;
        self.input = BytesMut::new();
        if abnormal { Event::AbnormalClosure } else { Event::NeedData }
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
                    self.incoming = Some(IncomingMessage::single_frame(header.opcode, header.rsv));
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
        if header.opcode.is_control() {
            return Ok(());
        }
        let extensions = match &self.incoming {
            Some(message) => message.extensions,
            None if self.registry.extensions.is_empty() => ActiveExtensions::default(),
            None => pipeline::begin_decode(&mut self.registry.extensions, header)?,
        };
        if extensions.is_empty() {
            // The payload is the message's: a frame that would take it past
            // the limit fails on its header, before any of it is buffered.
            let so_far = self.incoming.as_ref().map_or(0, |m| m.len);
            let max = self.config.max_message_len;
            if header.payload_len > max.saturating_sub(so_far) {
                return Err(ProtocolError::MessageTooLong { max });
            }
        }
        if starts_message {
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
        // check_header judged the length against max_message_len already.
        if header.opcode == OpCode::TEXT {
            Utf8Validator::check_whole(&payload).map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        Ok(Some(Event::Message(Message {
            opcode: header.opcode,
            payload,
            rsv: header.rsv,
            time: self.timers.input_time(),
        })))
    }

    fn handle_control(
        &mut self,
        header: FrameHeader,
        payload: Bytes,
    ) -> Result<Option<Event>, ProtocolError> {
        let frame =
            ControlFrame { opcode: header.opcode, payload, rsv: header.rsv, time: self.timers.input_time() };
        match header.opcode {
            OpCode::PING => {
                if self.config.auto_pong && self.state == CloseState::Open {
                    // The answer to the ping before goes into the queue while
                    // the queue is short; past that the newer ping replaces it.
                    if self.output.len() < PONG_QUEUE {
                        self.queue_pending_pong();
                    }
                    self.pending_pong = Some(frame.payload.clone());
                }
                Ok(Some(Event::Ping(frame)))
            }
            OpCode::PONG => {
                self.timers.pong(&frame.payload);
                Ok(Some(Event::Pong(frame)))
            }
            OpCode::CLOSE => {
                let (code, reason) = match ClosePayload::parse(&frame.payload) {
                    Ok(Some(close)) => (Some(close.code), close.reason.to_string()),
                    Ok(None) => (None, String::new()),
                    Err(e) => return Err(e.into()),
                };
                self.state = self.state.on_receive_close();
                self.timers.closing();
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
        let budget = max.saturating_sub(message.len);
        let over_limit = |e| match e {
            ProtocolError::MessageTooLong { .. } => ProtocolError::MessageTooLong { max },
            other => other,
        };
        let stack = &mut self.registry.extensions;
        if self.config.delivery == Delivery::WholeMessages {
            // Decoded straight into the joined message; only an untransformed
            // piece is kept as it is, so a message in one frame is not copied.
            if message.extensions.is_empty() {
                let fresh = payload.get(checked..).unwrap_or_default();
                take_piece(&mut message.len, &mut message.utf8, payload.len(), fresh, max)?;
                message.push_fragment(payload, usize::try_from(max).unwrap_or(usize::MAX));
            } else {
                let start = message.joined.len();
                let joined = &mut message.joined;
                pipeline::decode_into(stack, message.extensions, payload, message_end, budget, joined)
                    .map_err(over_limit)?;
                let fresh = &message.joined[start..];
                take_piece(&mut message.len, &mut message.utf8, fresh.len(), fresh, max)?;
            }
            if !message_end {
                return Ok(None);
            }
            message.finish_text()?;
            let payload = message.take_payload();
            let (opcode, rsv) = (message.opcode, message.rsv);
            self.incoming = None;
            return Ok(Some(Event::Message(Message {
                opcode,
                payload,
                rsv,
                time: self.timers.input_time(),
            })));
        }
        let payload = if message.extensions.is_empty() {
            payload
        } else {
            let limit = self.config.max_chunk_len;
            let (out, used, finished) =
                pipeline::decode_bounded(stack, message.extensions, &payload, message_end, budget, limit)
                    .map_err(over_limit)?;
            if !finished {
                let rest = payload.slice(used..);
                self.pending = Some(PendingPiece { header, rest, frame_end });
            }
            message_end &= finished;
            out
        };
        let fresh = payload.get(checked..).unwrap_or_default();
        take_piece(&mut message.len, &mut message.utf8, payload.len(), fresh, max)?;
        if message_end {
            message.finish_text()?;
        }
        // The piece ends its frame unless the frame has bytes still to
        // arrive or to decode.
        let piece_ends_frame = frame_end && self.pending.is_none();
        let time = self.timers.input_time();
        let event = match self.config.delivery {
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

    // ---- output ------------------------------------------------------------

    /// The queued bytes to write (automatic pong and close replies), if any.
    pub fn poll_output(&mut self) -> Option<Bytes> {
        self.queue_pending_pong();
        (!self.output.is_empty()).then(|| core::mem::take(&mut self.output).freeze())
    }

    /// How many bytes [`poll_output`](Connection::poll_output) would return
    /// now. Automatic pongs queue one per ping only up to 1 KiB of output;
    /// past it only the latest ping is answered. With at most one close reply
    /// or failure close besides, this stays under 1.3 KiB however many pings
    /// a peer sends without reading: a driver that cannot write may keep
    /// reading.
    pub fn queued_output_len(&self) -> usize {
        let pong = self.pending_pong.as_ref().map_or(0, |payload| {
            let mask = if self.role.masks_outgoing() { 4 } else { 0 };
            2 + mask + payload.len()
        });
        self.output.len() + pong
    }

    /// Checks `frame` and returns the bytes to write: any queued replies,
    /// then the frame (the Python noio_ws `send`).
    pub fn send(&mut self, frame: Frame) -> Result<Bytes, UsageError> {
        let frame = self.prepare(frame)?;
        self.queue_pending_pong();
        let mut output = core::mem::take(&mut self.output);
        self.encode_to(&frame, &mut output);
        Ok(output.freeze())
    }

    /// Like [`send`](Connection::send), appending to `dst` instead: the
    /// payload is copied once, into `dst`, and nothing is allocated once
    /// `dst` has room.
    pub fn send_into(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), UsageError> {
        let frame = self.prepare(frame)?;
        self.queue_pending_pong();
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
        self.queue_pending_pong();
        let header = self.header_for(&frame);
        let mut head = core::mem::take(&mut self.output);
        let encoded = self.encoder.encode_header(&header, &mut head);
        debug_assert!(encoded.is_ok(), "{encoded:?}");
        Ok([head.freeze(), frame.payload])
    }

    /// The name of `opcode` on this connection, never failing (the Python
    /// noio_ws `.type` of a message or frame): `"text"`, `"binary"`,
    /// `"continue"`, `"close"`, `"ping"`, `"pong"`, or the name a custom
    /// opcode was registered with. [`frame`](Connection::frame) takes these
    /// names back (and `"continuation"` too).
    ///
    /// ```
    /// use noio_ws_codec::{OpCode, Role};
    /// use noio_ws_connection::{Config, Connection};
    /// use noio_ws_registry::{Registry, RegistryError};
    ///
    /// let mut registry = Registry::new();
    /// let latin1 = registry.opcodes.register_data(3, "latin-1")?;
    /// let conn = Connection::with_registry(Role::Server, Config::default(), registry);
    /// assert_eq!(conn.type_name(latin1), "latin-1");
    /// assert_eq!(conn.type_name(OpCode::CONTINUATION), "continue");
    /// # Ok::<(), noio_ws_registry::RegistryError>(())
    /// ```
    pub fn type_name(&self, opcode: OpCode) -> &str {
        self.registry.opcodes.name(opcode)
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
                self.timers.closing();
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
            let text = if starts_message {
                (opcode == OpCode::TEXT).then(Utf8Validator::default)
            } else {
                self.sending_text
            };
            let text = match text {
                // A frame made from a `str` is whole UTF-8: it needs no check
                // unless the frame before it ended inside a character.
                Some(validator) if !(frame.utf8 && validator.is_idle()) => {
                    Some(check_outgoing_text(validator, &frame)?)
                }
                other => other,
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
            self.sending_text = text.filter(|_| !frame.fin);
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

    /// Queues the answer to the latest ping, if one is waiting, so it goes
    /// out before anything queued after it.
    fn queue_pending_pong(&mut self) {
        if let Some(payload) = self.pending_pong.take() {
            self.encode(&Frame::pong(payload));
        }
    }

    /// Queues a frame the connection itself sends (a reply or a failure's
    /// close), after any pong still waiting.
    fn encode(&mut self, frame: &Frame) {
        if frame.opcode != OpCode::PONG {
            self.queue_pending_pong();
        }
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

/// Checks that an outgoing text frame continues its message's UTF-8 as
/// `validator` has it so far; returns the check's state after the frame, to
/// keep once it is sent.
fn check_outgoing_text(mut validator: Utf8Validator, frame: &Frame) -> Result<Utf8Validator, UsageError> {
    validator.feed(&frame.payload).map_err(|_| UsageError::InvalidUtf8)?;
    if frame.fin {
        validator.finish().map_err(|_| UsageError::InvalidUtf8)?;
    }
    Ok(validator)
}
