//! The bytes of a WebSocket carried by one HTTP/2 stream (RFC 8441, feature
//! `http2`): [`Http2Stream`] reads the stream's DATA frames and writes
//! DATA frames, as `AsyncRead` and `AsyncWrite`, so that the connection's
//! driver runs over it as over TCP.
//!
//! The transport mapping of RFC 8441 section 5: the stream's end
//! (`END_STREAM`) is the end of the byte stream (a read of 0), shutting
//! down the write side sends `END_STREAM`, and a reset stream (or a
//! connection gone away) reads as `UnexpectedEof`, which the driver takes
//! as the transport ending without a closing handshake: an abnormal
//! closure unless the closing handshake was done. HTTP/2 flow control is
//! the backpressure: a write takes no more than the send window the peer
//! granted, waiting for it when it is 0, and the receive window is given
//! back only for bytes the connection took.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use h2::{RecvStream, SendStream};
use noio_ws::bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// One HTTP/2 stream as a byte stream: what an extended CONNECT opened. The
/// HTTP/2 connection under it runs on a task of its own, spawned when it
/// was opened, until its last stream ends.
#[derive(Debug)]
pub struct Http2Stream {
    send: SendStream<Bytes>,
    recv: RecvStream,
    /// The rest of the last DATA frame read, not yet taken by a read.
    pending: Bytes,
    /// `END_STREAM` was sent.
    ended: bool,
}

impl Http2Stream {
    pub(crate) fn new(send: SendStream<Bytes>, recv: RecvStream) -> Self {
        Http2Stream { send, recv, pending: Bytes::new(), ended: false }
    }

    /// The HTTP/2 stream's id.
    pub fn stream_id(&self) -> u32 {
        self.send.stream_id().as_u32()
    }
}

/// An HTTP/2 error as an I/O error: a reset stream or a connection gone
/// away is the transport ending (`UnexpectedEof`), anything else fails it.
fn io_error(error: h2::Error) -> io::Error {
    if error.is_reset() || error.is_go_away() {
        io::Error::new(io::ErrorKind::UnexpectedEof, error)
    } else {
        io::Error::other(error)
    }
}

impl AsyncRead for Http2Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.pending.is_empty() {
            match ready!(this.recv.poll_data(cx)) {
                Some(Ok(data)) => {
                    // The window is given back as the bytes arrive here: they
                    // are ours to hold now, bounded by one frame.
                    let _ = this.recv.flow_control().release_capacity(data.len());
                    this.pending = data;
                }
                Some(Err(error)) => return Poll::Ready(Err(io_error(error))),
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = this.pending.len().min(buf.remaining());
        buf.put_slice(&this.pending[..n]);
        this.pending.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Http2Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    /// Gathers the slices (a frame's header and payload, say) into one DATA
    /// frame, as much of them as the send window takes: the bytes are
    /// copied into it either way, as h2 takes owned data.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let len = bufs.iter().fold(0usize, |sum, buf| sum.saturating_add(buf.len()));
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        if this.ended {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        this.send.reserve_capacity(len);
        let granted = loop {
            match ready!(this.send.poll_capacity(cx)) {
                // A grant used up before it was seen: the next one wakes us.
                Some(Ok(0)) => continue,
                Some(Ok(granted)) => break granted.min(len),
                Some(Err(error)) => return Poll::Ready(Err(io_error(error))),
                None => return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
            }
        };
        let mut data = BytesMut::with_capacity(granted);
        for buf in bufs {
            let take = buf.len().min(granted - data.len());
            data.extend_from_slice(&buf[..take]);
            if data.len() == granted {
                break;
            }
        }
        this.send.send_data(data.freeze(), false).map_err(io_error)?;
        Poll::Ready(Ok(granted))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The connection's task writes what the stream was given as soon as
        // it can; there is nothing held here to flush.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.ended {
            this.ended = true;
            this.send.send_data(Bytes::new(), true).map_err(io_error)?;
        }
        Poll::Ready(Ok(()))
    }
}
