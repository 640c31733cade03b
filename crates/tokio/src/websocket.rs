//! [`WebSocket`]: one connection over one async transport, with plain
//! async methods, `Stream` and `Sink`.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;
use noio_ws::{CloseCode, CloseFrame, Connection, Delivery, Event, Frame, Message, UsageError};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::Error;
use crate::driver::{DEFAULT_LINGER, Driver};
use crate::events::{EventSource, Events};
use crate::split::{self, ReadHalf, WriteHalf};

/// A WebSocket connection over the transport `S` (a `TcpStream`, a TLS
/// stream, a `DuplexStream` ...): a thin layer over one sans-io
/// [`Connection`], which holds all the protocol state.
///
/// Receive with [`recv`](WebSocket::recv) (whole messages) or
/// [`recv_event`](WebSocket::recv_event) (every event: frames or pieces in
/// the other delivery modes, pings, pongs, the peer's close), or use it as a
/// [`Stream`] of messages; send with [`send`](WebSocket::send),
/// [`send_text`](WebSocket::send_text), [`send_binary`](WebSocket::send_binary)
/// or as a [`Sink`] of [`Frame`]s or [`Message`]s; end with
/// [`close`](WebSocket::close). [`split`](WebSocket::split) gives halves
/// for two tasks.
///
/// # Cancel safety
///
/// Every method is built on poll functions that keep nothing of their own:
/// bytes read are in the connection, bytes to write are queued in it. So
/// `recv`, `recv_event` and `flush` may be dropped at any await (in
/// `tokio::select!`, under a timeout) and nothing is lost: the next call
/// carries on where the dropped one stopped. `send` and its kin either
/// queued the frame whole or not at all; once queued, it goes out with the
/// next call that writes (any of them, `recv` included).
///
/// # What runs by itself
///
/// Pings are answered and the peer's close replied to by the connection;
/// receiving writes those replies (and keepalive pings) out as far as the
/// transport takes them without waiting, so they go out even when the
/// application only reads. The connection's timers ([`Config`]'s
/// `ping_interval`, `pong_timeout`, `idle_timeout`, `close_timeout`) run on
/// `tokio::time` while the connection is polled; they need a runtime with
/// the time driver on (`#[tokio::main]` has it).
///
/// When the closing handshake is done, the connection failed or the
/// transport ended, receiving closes the transport gracefully: writes out
/// what is queued (the close frame of a failure included), lets a client
/// wait for the server to close first, shuts the write side down, and reads
/// and drops what still comes until the peer's end of stream, all within the
/// linger time (2 s by default, [`with_linger`](WebSocket::with_linger)).
/// Only then does receiving return the failure, if there was one, and then
/// `None`. Dropping a `WebSocket` drops its transport at once: call
/// [`close`](WebSocket::close) (or receive until `None`) for a clean end.
///
/// [`Config`]: noio_ws::Config
#[derive(Debug)]
pub struct WebSocket<S> {
    pub(crate) driver: Driver<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocket<S> {
    /// Drives `connection`, whose opening handshake is done, over `stream`.
    /// The connection's timers run on a clock that starts now; give it no
    /// times of your own.
    pub fn from_connection(connection: Connection, stream: S) -> Self {
        WebSocket { driver: Driver::new(connection, stream, DEFAULT_LINGER, None) }
    }

    /// Like [`from_connection`](WebSocket::from_connection), noting the
    /// subprotocol the handshake agreed on.
    pub(crate) fn from_handshake(
        connection: Connection,
        stream: S,
        linger: Duration,
        protocol: Option<String>,
    ) -> Self {
        WebSocket { driver: Driver::new(connection, stream, linger, protocol) }
    }

    /// How long closing the transport may take (writing our last bytes,
    /// waiting for the peer's end of stream) before it is dropped.
    pub fn with_linger(mut self, linger: Duration) -> Self {
        self.driver.set_linger(linger);
        self
    }

    /// The next whole data message; the control frames in between are
    /// answered by the connection and skipped. `None` once the connection is
    /// closed; a violation by the peer or an abnormal closure comes as one
    /// error first. Cancel safe.
    ///
    /// Fails at once with [`Error::NotWholeMessages`] (taking nothing) when
    /// the connection delivers frames or pieces: use
    /// [`recv_event`](WebSocket::recv_event) for those.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next event of any kind, as [`Connection::next_event`] gives it
    /// (never [`Event::NeedData`]; the end of the transport without a
    /// closing handshake is [`Error::AbnormalClosure`]). Cancel safe.
    pub async fn recv_event(&mut self) -> Option<Result<Event, Error>> {
        poll_fn(|cx| self.poll_recv_event(cx)).await
    }

    /// [`recv`](WebSocket::recv) as a poll function.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        self.driver.poll_message(cx)
    }

    /// [`recv_event`](WebSocket::recv_event) as a poll function.
    pub fn poll_recv_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        self.driver.poll_event(cx)
    }

    /// A [`Stream`] of every event, as [`recv_event`](WebSocket::recv_event) gives them.
    pub fn events(&mut self) -> Events<'_, Self> {
        Events::new(self)
    }

    /// Waits for room in the output (see [`feed`](WebSocket::feed)),
    /// queues `frame` and writes everything queued.
    pub async fn send(&mut self, frame: Frame) -> Result<(), Error> {
        self.feed(frame).await?;
        self.flush().await
    }

    /// Waits until the queued output is under `Config::output_high_water`
    /// (writing it out meanwhile), then queues `frame` without writing it:
    /// the next `send` or `flush` does, or `recv` once it has handed out
    /// every event already received and waits for the network. An echo loop
    /// of `recv` and `feed` so writes what a read brought back in one go. A
    /// peer that reads nothing makes this wait, so it cannot make the
    /// connection buffer without bound.
    pub async fn feed(&mut self, frame: Frame) -> Result<(), Error> {
        poll_fn(|cx| self.driver.poll_ready(cx)).await?;
        self.driver.start_send(frame)
    }

    /// Sends a whole text message from a borrowed `str` (copied into the
    /// output queue, with no `Frame` to make), as [`send`](WebSocket::send) does.
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        poll_fn(|cx| self.driver.poll_ready(cx)).await?;
        self.driver.start_send_text(text)?;
        self.flush().await
    }

    /// Sends a whole binary message from borrowed bytes, as
    /// [`send_text`](WebSocket::send_text) does.
    pub async fn send_binary(&mut self, payload: &[u8]) -> Result<(), Error> {
        poll_fn(|cx| self.driver.poll_ready(cx)).await?;
        self.driver.start_send_binary(payload)?;
        self.flush().await
    }

    /// Writes everything queued and flushes the transport. Cancel safe.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| self.driver.poll_flush(cx)).await
    }

    /// Closes the connection: sends our close frame with `code` and
    /// `reason` (unless one was sent already), drops the data that still
    /// arrives, waits for the peer's close within `Config::close_timeout`,
    /// and closes the transport. Returns the peer's close frame, `None` if
    /// it did not come in time.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<Option<CloseFrame>, Error> {
        let frame = Frame::close(code, reason).map_err(UsageError::from)?;
        poll_fn(|cx| self.poll_close_with(cx, &frame)).await?;
        Ok(self.driver.peer_close().cloned())
    }

    /// Queues `frame` (a close) if a close may still be sent, then receives
    /// and drops until the transport is closed.
    fn poll_close_with(&mut self, cx: &mut Context<'_>, frame: &Frame) -> Poll<Result<(), Error>> {
        if self.driver.connection().state().can_send_data() && !self.driver.is_closed() {
            self.driver.start_send(frame.clone())?;
        }
        loop {
            match ready!(self.driver.poll_event(cx)) {
                Some(Ok(_)) => {}
                Some(Err(error)) => return Poll::Ready(Err(error)),
                None => return Poll::Ready(Ok(())),
            }
        }
    }

    /// Splits the connection into halves that two tasks may own: the
    /// reader never waits for the writer's transport, nor the writer for
    /// the reader. See [`ReadHalf`] and [`WriteHalf`].
    pub fn split(self) -> (ReadHalf<S>, WriteHalf<S>) {
        split::split(self.driver)
    }

    /// The subprotocol the opening handshake agreed on.
    pub fn protocol(&self) -> Option<&str> {
        self.driver.protocol()
    }

    /// The peer's close frame, once it has arrived.
    pub fn close_frame(&self) -> Option<&CloseFrame> {
        self.driver.peer_close()
    }

    /// True once the transport is closed: nothing more will be sent or received.
    pub fn is_closed(&self) -> bool {
        self.driver.is_closed()
    }

    /// The connection, to look at (its state, role, config, registry).
    pub fn connection(&self) -> &Connection {
        self.driver.connection()
    }

    /// Changes how data messages are delivered from the next message on
    /// ([`Connection::set_delivery`]); refused while a message is arriving.
    pub fn set_delivery(&mut self, delivery: Delivery) -> Result<(), Error> {
        self.driver.set_delivery(delivery)
    }

    /// The transport.
    pub fn get_ref(&self) -> &S {
        self.driver.get_ref()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> EventSource for WebSocket<S> {
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        self.driver.poll_event(cx)
    }
}

/// The received whole messages, as [`WebSocket::recv`] gives them.
impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocket<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().driver.poll_message(cx)
    }
}

/// Frames of every kind, fragments included; `poll_close` is
/// [`WebSocket::close`] with 1000.
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Frame> for WebSocket<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().driver.poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, frame: Frame) -> Result<(), Error> {
        self.get_mut().driver.start_send(frame)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().driver.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let frame = Frame::close(CloseCode::NORMAL, "").map_err(UsageError::from)?;
        self.get_mut().poll_close_with(cx, &frame)
    }
}

/// `Sink<Message>` for a type that is a `Sink<Frame>` (the `WebSocket` and
/// its `WriteHalf`): whole messages, sent with their opcode and payload (a
/// received message echoes as it came).
macro_rules! message_sink {
    ($sender:ident) => {
        /// Whole messages, sent with their opcode and payload (a received
        /// message echoes as it came).
        impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for $sender<S> {
            type Error = Error;

            fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                Sink::<Frame>::poll_ready(self, cx)
            }

            fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
                Sink::<Frame>::start_send(self, Frame::new(message.opcode, message.payload))
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                Sink::<Frame>::poll_flush(self, cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                Sink::<Frame>::poll_close(self, cx)
            }
        }
    };
}
pub(crate) use message_sink;

message_sink!(WebSocket);
