//! [`ReadHalf`] and [`WriteHalf`]: one connection driven from two tasks.
//!
//! Both halves share the [`Driver`] (the connection and its transport)
//! behind a `std::sync::Mutex` that each poll holds only for its own
//! non-blocking work, never across an `.await`. Neither half waits for the
//! other: a poll of the transport returns `Pending` instead of blocking, so
//! the reader keeps reading while the writer waits for a full socket to
//! drain, and the writer keeps queueing while the reader waits for bytes.
//! The transport itself is shared the same way `tokio::io::split` shares
//! it, under one lock; its read side is polled only by the reader, its
//! write side by both (the reader writes the connection's automatic
//! replies) with a waker that wakes both ([`crate::wakers`]). Either half
//! wakes the other when it leaves it work: the reader when output drains
//! below the high-water mark or the transport closes, the writer when it
//! queues a close.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;
use noio_ws::{CloseCode, CloseFrame, Event, Frame, Message, UsageError};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::driver::Driver;
use crate::events::{EventSource, Events};
use crate::{Error, WebSocket};

type Shared<S> = Arc<Mutex<Driver<S>>>;

/// Splits `driver` into its two halves.
pub(crate) fn split<S>(driver: Driver<S>) -> (ReadHalf<S>, WriteHalf<S>) {
    let shared = Arc::new(Mutex::new(driver));
    (ReadHalf { shared: Arc::clone(&shared) }, WriteHalf { shared })
}

/// The lock, held for one non-blocking poll. Nothing panics while holding
/// it; were it poisoned all the same, the driver is still whole.
fn lock<S>(shared: &Shared<S>) -> MutexGuard<'_, Driver<S>> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The receiving half of a split [`WebSocket`]: what `recv` and the
/// `Stream` do there, and the closing of the transport. Automatic replies
/// (pongs, close replies, keepalive pings) go out from here, so a task
/// that only reads keeps the connection answering.
pub struct ReadHalf<S> {
    shared: Shared<S>,
}

/// The sending half of a split [`WebSocket`]: what `send`, `flush` and the
/// `Sink` do there. Closing the transport is the [`ReadHalf`]'s: after
/// [`close`](WriteHalf::close) the reader sees the peer's reply and ends.
pub struct WriteHalf<S> {
    shared: Shared<S>,
}

impl<S> fmt::Debug for ReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for WriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> ReadHalf<S> {
    /// The next whole message, as [`WebSocket::recv`] gives it. Cancel safe.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next event, as [`WebSocket::recv_event`] gives it. Cancel safe.
    pub async fn recv_event(&mut self) -> Option<Result<Event, Error>> {
        poll_fn(|cx| self.poll_recv_event(cx)).await
    }

    /// [`recv`](ReadHalf::recv) as a poll function.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        lock(&self.shared).poll_message(cx)
    }

    /// [`recv_event`](ReadHalf::recv_event) as a poll function.
    pub fn poll_recv_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        lock(&self.shared).poll_event(cx)
    }

    /// A [`Stream`] of every event.
    pub fn events(&mut self) -> Events<'_, Self> {
        Events::new(self)
    }

    /// The peer's close frame, once it has arrived.
    pub fn close_frame(&self) -> Option<CloseFrame> {
        lock(&self.shared).peer_close().cloned()
    }

    /// The subprotocol the opening handshake agreed on.
    pub fn protocol(&self) -> Option<String> {
        lock(&self.shared).protocol().map(str::to_owned)
    }

    /// True once the transport is closed.
    pub fn is_closed(&self) -> bool {
        lock(&self.shared).is_closed()
    }

    /// True when `write` is the other half of this connection.
    pub fn is_pair_of(&self, write: &WriteHalf<S>) -> bool {
        Arc::ptr_eq(&self.shared, &write.shared)
    }

    /// Puts the halves back together; fails, giving them back, for halves
    /// of two connections.
    pub fn reunite(self, write: WriteHalf<S>) -> Result<WebSocket<S>, ReuniteError<S>> {
        reunite(self, write)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> EventSource for ReadHalf<S> {
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        self.poll_recv_event(cx)
    }
}

/// The received whole messages, as [`ReadHalf::recv`] gives them.
impl<S: AsyncRead + AsyncWrite + Unpin> Stream for ReadHalf<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WriteHalf<S> {
    /// Waits for room, queues `frame` and writes everything queued, as
    /// [`WebSocket::send`] does.
    pub async fn send(&mut self, frame: Frame) -> Result<(), Error> {
        self.feed(frame).await?;
        self.flush().await
    }

    /// Waits for room and queues `frame`, as [`WebSocket::feed`] does.
    pub async fn feed(&mut self, frame: Frame) -> Result<(), Error> {
        poll_fn(|cx| lock(&self.shared).poll_ready(cx)).await?;
        lock(&self.shared).start_send(frame)
    }

    /// Sends a whole text message from a borrowed `str`.
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        poll_fn(|cx| lock(&self.shared).poll_ready(cx)).await?;
        lock(&self.shared).start_send_text(text)?;
        self.flush().await
    }

    /// Sends a whole binary message from borrowed bytes.
    pub async fn send_binary(&mut self, payload: &[u8]) -> Result<(), Error> {
        poll_fn(|cx| lock(&self.shared).poll_ready(cx)).await?;
        lock(&self.shared).start_send_binary(payload)?;
        self.flush().await
    }

    /// Writes everything queued and flushes the transport. Cancel safe.
    pub async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| lock(&self.shared).poll_flush(cx)).await
    }

    /// Sends our close frame (unless one was sent already) and writes it
    /// out. The [`ReadHalf`] then receives the peer's reply (or gives up
    /// after `Config::close_timeout`) and closes the transport.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        let frame = Frame::close(code, reason).map_err(UsageError::from)?;
        self.queue_close(frame)?;
        self.flush().await
    }

    /// Queues `frame`, a close, if a close may still be sent.
    fn queue_close(&mut self, frame: Frame) -> Result<(), Error> {
        let mut driver = lock(&self.shared);
        if driver.connection().state().can_send_data() && !driver.is_closed() {
            driver.start_send(frame)?;
        }
        Ok(())
    }

    /// True once the transport is closed.
    pub fn is_closed(&self) -> bool {
        lock(&self.shared).is_closed()
    }
}

/// Frames of every kind; `poll_close` is [`WriteHalf::close`] with 1000.
impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Frame> for WriteHalf<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        lock(&self.shared).poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, frame: Frame) -> Result<(), Error> {
        lock(&self.shared).start_send(frame)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        lock(&self.shared).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.queue_close(Frame::close(CloseCode::NORMAL, "").map_err(UsageError::from)?)?;
        lock(&this.shared).poll_flush(cx)
    }
}

crate::websocket::message_sink!(WriteHalf);

/// Puts `read` and `write` back into one [`WebSocket`].
pub fn reunite<S: AsyncRead + AsyncWrite + Unpin>(
    read: ReadHalf<S>,
    write: WriteHalf<S>,
) -> Result<WebSocket<S>, ReuniteError<S>> {
    if !read.is_pair_of(&write) {
        return Err(ReuniteError(read, write));
    }
    drop(write);
    // The two halves held the only references: this one is the last.
    match Arc::try_unwrap(read.shared) {
        Ok(mutex) => Ok(WebSocket { driver: mutex.into_inner().unwrap_or_else(PoisonError::into_inner) }),
        Err(shared) => {
            // Not reachable while only the halves hold the driver; kept as an
            // error rather than a panic.
            let write = WriteHalf { shared: Arc::clone(&shared) };
            Err(ReuniteError(ReadHalf { shared }, write))
        }
    }
}

/// [`reunite`] was given halves of two connections; here they are back.
pub struct ReuniteError<S>(pub ReadHalf<S>, pub WriteHalf<S>);

impl<S> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<S> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the halves come from different connections")
    }
}

impl<S> std::error::Error for ReuniteError<S> {}
