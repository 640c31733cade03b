//! [`Events`]: a `Stream` of every event of a connection (frames and
//! pieces in the other delivery modes, pings, pongs, the peer's close),
//! where the connection's own `Stream` gives whole messages only.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use noio_ws::Event;

use crate::Error;

/// What hands out a connection's events: a [`WebSocket`](crate::WebSocket)
/// or a [`ReadHalf`](crate::ReadHalf).
pub trait EventSource {
    /// The next event, as `recv_event` gives it.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>>;
}

/// A [`Stream`] of every event of a connection, borrowed from it (see
/// [`WebSocket::events`](crate::WebSocket::events)). Cancel safe, as
/// `recv_event` is.
#[derive(Debug)]
pub struct Events<'a, T: ?Sized> {
    source: &'a mut T,
}

impl<'a, T: ?Sized> Events<'a, T> {
    pub(crate) fn new(source: &'a mut T) -> Self {
        Events { source }
    }
}

impl<T: EventSource + ?Sized> Stream for Events<'_, T> {
    type Item = Result<Event, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().source.poll_event(cx)
    }
}
