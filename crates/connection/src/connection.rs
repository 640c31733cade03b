//! The connection: a [`Receiver`] and a [`Sender`] composed, with the
//! lifecycle of `state.rs` between them. Bytes in, events out; frames in,
//! one queue of bytes out. What an event asks for (a pong, a close reply,
//! failing the connection) is decided here by the state table and queued on
//! the sender, so neither half calls the other.

use alloc::boxed::Box;
use core::time::Duration;

use noio_ws_codec::bytes::{BufMut, Bytes, BytesMut};
use noio_ws_codec::{CloseCode, OpCode, Role, Rsv};
use noio_ws_registry::{OpcodeRegistry, Registry, RegistryError};

use crate::receiver::{Context, Receiver};
use crate::sender::Sender;
use crate::state::{CloseState, Lifecycle, TransportAction};
use crate::timers::{Timeout, Timers};
use crate::{Config, Delivery, Event, EventRef, Frame, MessageRef, ProtocolError, UsageError};

/// The most pieces of output one [`Connection::poll_output_vectored`] lends:
/// as many as a vectored write usefully takes at once.
pub const MAX_SLICES: usize = 16;

/// One end of a WebSocket connection, after the opening handshake.
///
/// Feed it the bytes read from the transport with [`recv`](Connection::recv)
/// (or read straight into its buffer with
/// [`recv_with`](Connection::recv_with)), then call
/// [`next_event`](Connection::next_event) until it returns
/// [`Event::NeedData`]. [`send`](Connection::send) queues a [`Frame`];
/// everything queued, what the application sent and what the connection
/// sends by itself (pongs, close replies, keepalive pings), comes out of
/// [`poll_output`](Connection::poll_output) (or
/// [`poll_output_into`](Connection::poll_output_into)) in wire order.
/// Finally [`transport_action`](Connection::transport_action) says when to
/// close the transport.
///
/// The connection never reads a clock, draws entropy of its own or touches IO.
pub struct Connection {
    role: Role,
    config: Config,
    registry: Registry,
    receiver: Receiver,
    sender: Sender,
    lifecycle: Lifecycle,
    /// The violation that failed the connection, returned again on every call.
    /// Boxed: every connection holds the field, few ever fail.
    failure: Option<Box<ProtocolError>>,
    /// Keepalive, pong, idle and close deadlines, and the time of the
    /// latest input (none when it came without one, so an event never
    /// carries an older input's time).
    timers: Timers,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state())
            .field("buffered_input", &self.buffered())
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

    /// A connection that understands `opcodes` (the Python noio_ws
    /// `Connection(role, {3: 'latin-1'}, {11: 'compare'})`); an
    /// [`OpcodeRegistry`] is a value, cloned for each connection.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection};
    /// use noio_ws_registry::OpcodeRegistry;
    ///
    /// let opcodes = OpcodeRegistry::from_names([(3, "latin-1"), (11, "compare")])?;
    /// let server = Connection::with_opcodes(Role::Server, Config::default(), opcodes.clone());
    /// let client = Connection::with_opcodes(Role::Client, Config::default(), opcodes);
    /// assert_eq!(server.frame("latin-1", "x")?.opcode(), client.frame("latin-1", "x")?.opcode());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_opcodes(role: Role, config: Config, opcodes: OpcodeRegistry) -> Self {
        let mut registry = Registry::new();
        registry.opcodes = opcodes;
        Connection::with_registry(role, config, registry)
    }

    /// A connection that also understands `registry`'s custom opcodes, runs
    /// its (negotiated) extensions and allows its claimed reserved bits.
    pub fn with_registry(role: Role, config: Config, registry: Registry) -> Self {
        Connection {
            role,
            config,
            registry,
            receiver: Receiver::new(&config),
            sender: Sender::new(role),
            lifecycle: Lifecycle::new(),
            failure: None,
            timers: Timers::default(),
        }
    }

    /// Seeds the generator of a client's masking keys. RFC 6455 section 5.3
    /// wants keys nobody can predict: pass an unpredictable seed. With the
    /// `std` feature a seed from the operating system is used by default.
    pub fn with_mask_seed(mut self, seed: u64) -> Self {
        self.sender.set_mask_seed(seed);
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

    /// The custom opcodes, extensions and claimed reserved bits.
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
    /// `rsv_1=1`). Fails for a bit an extension holds (negotiated or a
    /// candidate) or one the application already claimed.
    pub fn claim_rsv(&mut self, rsv: Rsv) -> Result<(), RegistryError> {
        self.registry.claim_rsv(rsv)
    }

    /// Where the closing handshake stands.
    pub fn state(&self) -> CloseState {
        self.lifecycle.close_state()
    }

    /// What to do with the transport now.
    pub fn transport_action(&self) -> TransportAction {
        self.lifecycle.transport_action(self.role)
    }

    // ---- time --------------------------------------------------------------

    /// When [`handle_timeout`](Connection::handle_timeout) must next be
    /// called, on the caller's clock; `None` while no timer runs (each is
    /// off in [`Config`] or has nothing to time). It changes with every
    /// input and output: ask again after each.
    #[inline]
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.next(&self.config, self.lifecycle.phase(self.role))
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
        let (timeout, ping) = self.timers.expired(now, &self.config, self.lifecycle.phase(self.role))?;
        match timeout {
            Timeout::KeepalivePing => self.sender.queue_own(Frame::ping(Bytes::copy_from_slice(&ping))),
            Timeout::PongTimeout => {
                self.fail(ProtocolError::PongTimeout);
            }
            Timeout::Idle => {
                if self.lifecycle.send_close().is_ok() {
                    self.timers.closing();
                    if let Ok(close) = Frame::close(CloseCode::GOING_AWAY, "idle timeout") {
                        self.sender.queue_own(close);
                    }
                }
            }
            Timeout::CloseTimeout => self.lifecycle.release(),
        }
        Some(timeout)
    }

    // ---- input -------------------------------------------------------------

    /// Hands over bytes read from the transport (copied into the connection's
    /// buffer). Once no more frames will be processed (the connection failed,
    /// the peer's close arrived, or the stream ended) they are dropped. They
    /// come with no time: the events they complete carry none.
    pub fn recv(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.timers.heard(None);
        }
        if self.lifecycle.takes_input() {
            self.receiver.take_in(bytes);
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
        if self.lifecycle.takes_input() {
            self.receiver.take_in(bytes);
        }
    }

    /// Hands over an owned buffer of received bytes; when nothing is
    /// buffered it becomes the connection's buffer, with no copy. Like
    /// [`recv`](Connection::recv), they come with no time.
    pub fn recv_owned(&mut self, bytes: BytesMut) {
        if !bytes.is_empty() {
            self.timers.heard(None);
        }
        if self.lifecycle.takes_input() {
            self.receiver.take_owned(bytes);
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
    /// reads in large pieces; what a frame declares never sizes a read. Bytes
    /// read once no more frames are processed are dropped. Like
    /// [`recv`](Connection::recv), they come with no time.
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
        self.read_with(|buf, lend| {
            // The receiver cuts the zeros the read did not fill, and keeps
            // no more than the slice of a reader claiming more.
            let start = buf.len();
            buf.resize(start + lend, 0);
            read(&mut buf[start..])
        })
    }

    /// Like [`recv_with`](Connection::recv_with), but `read` is lent the
    /// buffer's room as a [`BufMut`] of the same size, not zeroed: for
    /// readers that fill uninitialised memory soundly themselves, such as
    /// tokio's `AsyncReadExt::read_buf`, so a large read costs no pass to
    /// zero the room first. Returns how many bytes `read` appended; an error
    /// gives them all back and is returned as it is. A `BufMut` panics when
    /// more is put into it than it has room for, as every `BufMut` does.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_codec::bytes::BufMut;
    /// use noio_ws_connection::{Config, Connection, Event};
    ///
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// let socket = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    /// let n = server.recv_with_buf(|buf| {
    ///     buf.put_slice(&socket);
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// assert_eq!(n, 11);
    /// let Event::Message(hello) = server.next_event()? else { panic!() };
    /// assert_eq!(hello.as_text(), Some("Hello"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recv_with_buf<E>(
        &mut self,
        read: impl FnOnce(&mut dyn BufMut) -> Result<(), E>,
    ) -> Result<usize, E> {
        self.read_with(|buf, lend| {
            let start = buf.len();
            // The limit keeps the read within the room reserved (what sizes
            // reads, `Config::max_read_len`); the trait object keeps the
            // caller from the buffer itself, which it may only append to.
            // After a failure the receiver cuts off what it put.
            read(&mut (&mut *buf).limit(lend)).map(|()| buf.len() - start)
        })
    }

    /// One read into the receiver's buffer by `fill`, and what it means:
    /// the end of the stream for 0 bytes, else the peer heard from.
    fn read_with<E>(
        &mut self,
        fill: impl FnOnce(&mut BytesMut, usize) -> Result<usize, E>,
    ) -> Result<usize, E> {
        let keep = self.lifecycle.takes_input();
        let (result, _) = self.receiver.read_with(fill, keep, &self.config);
        match result {
            Ok(0) => self.recv_eof(),
            Ok(_) => self.timers.heard(None),
            Err(_) => {}
        }
        result
    }

    /// Bytes received and not yet decoded: at most one frame (bounded by
    /// `max_frame_len`) plus what arrived since the last
    /// [`next_event`](Connection::next_event) returned [`Event::NeedData`].
    pub fn buffered(&self) -> usize {
        self.receiver.buffered()
    }

    /// The transport reached end of stream; bytes received after it are
    /// dropped. Everything received before it is still handed out by
    /// [`next_event`](Connection::next_event); then, without a finished
    /// closing handshake, comes [`Event::AbnormalClosure`], and the state
    /// becomes [`CloseState::Closed`].
    pub fn recv_eof(&mut self) {
        self.lifecycle.eof_arrived();
    }

    // ---- events ------------------------------------------------------------

    /// The next event, or [`Event::NeedData`].
    ///
    /// After a violation by the peer the connection has failed: a close frame
    /// with the violation's code is queued in [`poll_output`](Connection::poll_output),
    /// and every later call returns the same error.
    pub fn next_event(&mut self) -> Result<Event, ProtocolError> {
        if let Some(failure) = &self.failure {
            return Err(ProtocolError::clone(failure));
        }
        if !self.lifecycle.close_state().can_receive() {
            return Ok(self.end_of_input());
        }
        let mut cx = Context {
            role: self.role,
            config: &self.config,
            registry: &mut self.registry,
            time: self.timers.input_time(),
        };
        match self.receiver.next_event(&mut cx) {
            Ok(Event::NeedData) => Ok(self.end_of_input()),
            Ok(event @ (Event::Ping(_) | Event::Pong(_) | Event::Close(_))) => Ok(self.react(event)),
            Ok(event) => Ok(event),
            Err(error) => Err(self.fail(error)),
        }
    }

    /// Like [`next_event`](Connection::next_event), with a short message
    /// (under 64 KiB, text or binary, in one frame, delivered whole with
    /// no extension: most messages) lent straight out of the input buffer:
    /// unmasked in place, checked, and never copied, allocated or
    /// reference-counted. The borrow ends at the next call on the
    /// connection. Every other event comes as [`EventRef::Event`], exactly
    /// as `next_event` gives it.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection, Event, EventRef};
    ///
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// server.recv(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    /// let EventRef::Message(hello) = server.next_event_ref()? else { panic!() };
    /// assert_eq!(hello.as_text(), Some("Hello"));
    /// assert_eq!(server.next_event_ref()?, EventRef::Event(Event::NeedData));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_event_ref(&mut self) -> Result<EventRef<'_>, ProtocolError> {
        if self.failure.is_none() && self.lifecycle.close_state().can_receive() {
            let cx = Context {
                role: self.role,
                config: &self.config,
                registry: &mut self.registry,
                time: self.timers.input_time(),
            };
            let time = cx.time;
            match self.receiver.short_message_ref(&cx) {
                Some(Ok((opcode, payload))) => {
                    let payload = self.receiver.lent_payload(payload);
                    return Ok(EventRef::Message(MessageRef { opcode, payload, rsv: Rsv::NONE, time }));
                }
                Some(Err(error)) => return Err(self.fail(error)),
                None => {}
            }
        }
        self.next_event().map(EventRef::Event)
    }

    /// Does what a received control frame asks for, by the state table.
    fn react(&mut self, event: Event) -> Event {
        match &event {
            Event::Ping(ping) if self.config.auto_pong && self.lifecycle.answers_pings() => {
                self.sender.answer_ping(ping.payload.clone());
            }
            Event::Pong(pong) => self.timers.pong(&pong.payload),
            Event::Close(close) => {
                self.timers.closing();
                if self.lifecycle.receive_close() && self.config.auto_close {
                    // Section 5.5.1: reply with a close, typically echoing the
                    // code (none when the peer's close had none).
                    let code = (close.code != CloseCode::NO_STATUS_RECEIVED).then_some(close.code);
                    if self.lifecycle.send_close().is_ok() {
                        self.sender.queue_own(Frame::close_reply(code));
                    }
                }
            }
            _ => {}
        }
        event
    }

    /// Everything received has been handed out: [`Event::NeedData`], or the
    /// end of the stream once it has arrived.
    fn end_of_input(&mut self) -> Event {
        match self.lifecycle.eof_takes_effect() {
            None => Event::NeedData,
            Some(abnormal) => {
                self.receiver.stop();
                if abnormal { Event::AbnormalClosure } else { Event::NeedData }
            }
        }
    }

    /// Fails the connection: queues a close frame with the violation's code
    /// (unless ours is already sent) and refuses everything after.
    fn fail(&mut self, error: ProtocolError) -> ProtocolError {
        if self.lifecycle.violation() {
            self.sender.queue_own(Frame::close_reply(Some(error.close_code())));
        }
        self.receiver.stop();
        self.failure = Some(Box::new(error.clone()));
        error
    }

    /// Changes how data messages are delivered, from the next message on;
    /// refused while a message is arriving.
    pub fn set_delivery(&mut self, delivery: Delivery) -> Result<(), UsageError> {
        if self.receiver.is_mid_message() {
            return Err(UsageError::DeliveryChangeMidMessage);
        }
        self.config.delivery = delivery;
        Ok(())
    }

    // ---- output ------------------------------------------------------------

    /// Checks `frame` against the protocol and the state and queues it, after
    /// anything queued before (the Python noio_ws `send`, whose bytes here
    /// come out of [`poll_output`](Connection::poll_output)). A data frame
    /// goes through the negotiated extensions; a close frame begins (or
    /// finishes) the closing handshake.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection, Frame};
    ///
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// server.send(Frame::text("Hello"))?;
    /// let wire = server.poll_output().unwrap();
    /// assert_eq!(&wire[..], [0x81, 0x05, b'H', b'e', b'l', b'l', b'o']);
    /// assert_eq!(server.poll_output(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send(&mut self, mut frame: Frame) -> Result<(), UsageError> {
        if self.sender.is_plain(&frame, &self.registry) && self.lifecycle.close_state().can_send_data() {
            // Most frames: nothing to check or transform beyond this.
            self.sender.queue(frame);
            return Ok(());
        }
        Sender::check(&frame, &self.registry)?;
        let opcode = frame.opcode;
        if opcode == OpCode::CLOSE {
            self.lifecycle.send_close().map_err(|_| UsageError::Closed(opcode))?;
            self.timers.closing();
        } else if !self.lifecycle.close_state().can_send_data() {
            return Err(UsageError::Closed(opcode));
        } else if opcode.is_data() {
            self.sender.prepare_data(&mut frame, &mut self.registry)?;
        }
        self.sender.queue(frame);
        Ok(())
    }

    /// Queues a whole binary message from borrowed bytes: copied into the
    /// queue (for a client, masked in the same pass), with no `Bytes` or
    /// [`Frame`] to make. The fastest way to send a small message; a server
    /// sending a large payload it already holds as `Bytes` sends it uncopied
    /// with [`send`](Connection::send).
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection};
    ///
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// server.send_binary(&[1, 2, 3])?;
    /// server.send_text("hi")?;
    /// assert_eq!(&server.poll_output().unwrap()[..], [0x82, 3, 1, 2, 3, 0x81, 2, b'h', b'i']);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_binary(&mut self, payload: &[u8]) -> Result<(), UsageError> {
        self.send_slice(OpCode::BINARY, payload)
    }

    /// Queues a whole text message from a borrowed `str`, as
    /// [`send_binary`](Connection::send_binary) does (a `str` is UTF-8: no
    /// check).
    pub fn send_text(&mut self, text: &str) -> Result<(), UsageError> {
        self.send_slice(OpCode::TEXT, text.as_bytes())
    }

    /// A whole data message from borrowed bytes: straight into the queue
    /// when nothing is fragmented or transformed, else through
    /// [`send`](Connection::send) with a copy.
    fn send_slice(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), UsageError> {
        if !self.lifecycle.close_state().can_send_data() {
            return Err(UsageError::Closed(opcode));
        }
        if self.sender.takes_slices(&self.registry) {
            self.sender.queue_slice(opcode, payload);
            return Ok(());
        }
        let frame = Frame::new(opcode, Bytes::copy_from_slice(payload));
        // The bytes of a `str` need no second check.
        self.send(if opcode == OpCode::TEXT { frame.known_utf8() } else { frame })
    }

    /// The next part of the queued output, in wire order; `None` once
    /// everything is out. Call until `None` and write each part (or gather
    /// them for one vectored write): most of the time there is one. A
    /// server's large payloads come as the caller's own `Bytes`, with no
    /// copy; everything else as the bytes built for it.
    #[inline]
    pub fn poll_output(&mut self) -> Option<Bytes> {
        self.sender.poll()
    }

    /// Appends all the queued output to `dst` and returns how many bytes.
    /// When `dst` is empty the connection's buffer is handed over instead,
    /// and `dst`'s room kept for the next frames, unless what is queued is
    /// short (512 bytes at most) and fits `dst`'s room, which a copy of those
    /// few bytes fills faster: a driver that writes `dst` out and clears it
    /// sends large output with no copy and, once warm, allocates nothing.
    #[inline]
    pub fn poll_output_into(&mut self, dst: &mut BytesMut) -> usize {
        self.sender.poll_into(dst)
    }

    /// Lends the queued output, in wire order, to `write`, which returns how
    /// many of the bytes it was lent it took, as `io::Write::write` does: the
    /// output goes straight from the connection's buffer to the transport,
    /// with no copy in between and nothing to clear. Stops once everything
    /// is out, when `write` takes less than it was lent (the transport is
    /// full: call again when it can take more) or when it fails; the error
    /// is returned and what `write` did not take stays queued. Returns how
    /// many bytes were taken.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection};
    ///
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// server.send_text("hi")?;
    /// let mut socket = Vec::new();
    /// let written = server.poll_output_with(|bytes| std::io::Write::write(&mut socket, bytes))?;
    /// assert_eq!((written, &socket[..]), (4, &[0x81, 2, b'h', b'i'][..]));
    /// assert_eq!(server.queued_output_len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn poll_output_with<E>(&mut self, write: impl FnMut(&[u8]) -> Result<usize, E>) -> Result<usize, E> {
        self.sender.poll_with(write)
    }

    /// Lends the queued output, in wire order, to one vectored `write` (such
    /// as `Write::write_vectored` over `IoSlice`s made from the slices) of up
    /// to [`MAX_SLICES`] pieces: a server's large payloads are pieces of their
    /// own, so a frame's header and payload go out in one system call, with
    /// no copy. `write` returns how many bytes it took, which leave the
    /// queue; its error is returned with nothing taken. Returns how many
    /// bytes were taken; call again while output is queued.
    ///
    /// ```
    /// use noio_ws_codec::Role;
    /// use noio_ws_connection::{Config, Connection, Frame};
    ///
    /// let mut server = Connection::new(Role::Server, Config::default());
    /// server.send(Frame::binary(vec![7; 8 << 10]))?; // its payload is kept as it is
    /// let mut socket = Vec::new();
    /// let written = server.poll_output_vectored(|slices| {
    ///     assert_eq!(slices.len(), 2, "the header, then the payload");
    ///     slices.iter().for_each(|s| socket.extend_from_slice(s));
    ///     Ok::<_, std::io::Error>(slices.iter().map(|s| s.len()).sum())
    /// })?;
    /// assert_eq!((written, server.queued_output_len()), (4 + (8 << 10), 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn poll_output_vectored<E>(
        &mut self,
        write: impl FnOnce(&[&[u8]]) -> Result<usize, E>,
    ) -> Result<usize, E> {
        self.sender.poll_vectored(write)
    }

    /// How many bytes of output are queued. Automatic pongs queue one per
    /// ping only up to 1 KiB of output; past it only the latest ping is
    /// answered, so what the connection queues by itself stays under
    /// 1.3 KiB however many pings a peer sends without reading.
    pub fn queued_output_len(&self) -> usize {
        self.sender.queued_len()
    }

    /// True while the queued output is at or past
    /// [`Config::output_high_water`]: a driver should stop reading (and
    /// sending) until the peer has read some of it.
    pub fn output_is_full(&self) -> bool {
        self.queued_output_len() >= self.config.output_high_water
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
    ///
    /// let mut conn = Connection::new(Role::Server, Config::default());
    /// let latin1 = conn.register_data(3, "latin-1")?;
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
        let opcode =
            self.registry.opcodes.by_name(name).ok_or_else(|| UsageError::UnknownOpcodeName(name.into()))?;
        Ok(Frame::new(opcode, payload))
    }
}
