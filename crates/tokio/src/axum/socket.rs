//! The socket [`WebSocketUpgrade::on_upgrade`](super::WebSocketUpgrade::on_upgrade)
//! hands out: axum's `WebSocket` API (`recv`, `send`, `protocol`, `Stream`
//! and `Sink` of [`Message`]s) over this crate's [`WebSocket`](crate::WebSocket).

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ::axum::http::HeaderValue;
use futures_core::Stream;
use futures_core::stream::FusedStream;
use futures_sink::Sink;
use noio_ws::{Delivery, Frame};

use super::Message;
use crate::Error;
use crate::hyper::UpgradedStream;

/// The connection this crate's [`WebSocket`](crate::WebSocket) drives over
/// an upgraded request.
pub type Inner = crate::WebSocket<UpgradedStream>;

/// An upgraded WebSocket connection, used as axum's `WebSocket` is: receive
/// with [`recv`](WebSocket::recv) or as a [`Stream`], send with
/// [`send`](WebSocket::send) or as a [`Sink`] (so `StreamExt::split` gives
/// a sink and a stream for two tasks).
///
/// Pings are answered and the peer's close replied to by the connection,
/// which also runs the keepalive and close timers of its
/// [`Config`](crate::Config). Received pings, pongs and the close still
/// come out of `recv`, as axum's do. Receiving is cancel safe.
///
/// [`into_inner`](WebSocket::into_inner) gives this crate's own
/// [`WebSocket`](crate::WebSocket), for what axum's API has no words for:
/// [`split`](crate::WebSocket::split) into halves that never wait on each
/// other, [`close`](crate::WebSocket::close) that waits for the reply,
/// frames and the other delivery modes.
#[derive(Debug)]
pub struct WebSocket {
    inner: Inner,
    protocol: Option<HeaderValue>,
    terminated: bool,
}

impl WebSocket {
    pub(crate) fn new(inner: Inner, protocol: Option<HeaderValue>) -> Self {
        WebSocket { inner, protocol, terminated: false }
    }

    /// The next message; `None` once the connection is closed (after the
    /// peer's `Close`, or after an error). Cancel safe.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Sends `message` and writes it out, waiting while the output is past
    /// its high-water mark. Sending `Close` starts the closing handshake.
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        self.inner.send(message.into_frame()?).await
    }

    /// The subprotocol the handshake agreed on, if any.
    pub fn protocol(&self) -> Option<&HeaderValue> {
        self.protocol.as_ref()
    }

    /// This crate's own socket under this one.
    pub fn into_inner(self) -> Inner {
        self.inner
    }

    /// This crate's own socket under this one, borrowed.
    pub fn inner_mut(&mut self) -> &mut Inner {
        &mut self.inner
    }

    /// [`recv`](WebSocket::recv) as a poll function.
    ///
    /// Fails at once with [`Error::NotWholeMessages`] (taking nothing) if
    /// [`inner_mut`](WebSocket::inner_mut) switched the connection to frames
    /// or pieces, which a [`Message`] cannot hold.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        let delivery = self.inner.connection().config().delivery;
        if delivery != Delivery::WholeMessages {
            return Poll::Ready(Some(Err(Error::NotWholeMessages(delivery))));
        }
        loop {
            match ready!(self.inner.poll_recv_event(cx)) {
                Some(Ok(event)) => {
                    if let Some(message) = Message::from_event(event) {
                        return Poll::Ready(Some(Ok(message)));
                    }
                }
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => {
                    self.terminated = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl Stream for WebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

impl FusedStream for WebSocket {
    /// True once the stream has ended (`None`).
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

/// Messages of every kind. `poll_close` is axum's: it sends a close with no
/// status code (unless a close was sent already) and flushes, without
/// waiting for the reply; what the peer still sends, its reply included,
/// comes out of [`recv`](WebSocket::recv) (or the `SplitStream`), and the
/// transport is closed once that has seen `None`. For a close that waits for
/// the reply, call [`close`](crate::WebSocket::close) on
/// [`into_inner`](WebSocket::into_inner).
impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Sink::<Frame>::poll_ready(Pin::new(&mut self.get_mut().inner), cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        Sink::<Frame>::start_send(Pin::new(&mut self.get_mut().inner), message.into_frame()?)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Sink::<Frame>::poll_flush(Pin::new(&mut self.get_mut().inner), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // Not the inner socket's poll_close, which receives (and drops)
        // until the transport is closed: with `StreamExt::split`, that would
        // take the reader's messages from under it.
        let driver = &mut self.get_mut().inner.driver;
        if driver.connection().state().can_send_data() && !driver.is_closed() {
            driver.start_send(Frame::close_empty())?;
        }
        driver.poll_flush(cx)
    }
}
