//! The two IO moves between a [`Connection`] and a transport, as poll
//! functions: read straight into the connection's buffer, write straight
//! out of its queue. Neither keeps a buffer of its own, and a `Pending`
//! leaves everything where it was: bytes not read stay in the socket, bytes
//! not written stay queued in the connection.

use std::future::Future;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use noio_ws::Connection;
use noio_ws::connection::MAX_SLICES;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// Why a lent read or write stopped without taking bytes.
enum Stop {
    /// The transport cannot go on now; its waker is registered.
    Pending,
    /// The transport failed.
    Io(io::Error),
}

/// How many bytes a read of an idle connection takes, into the stack.
pub(crate) const IDLE_READ: usize = 4096;

/// One read from `io` into the connection. A connection with nothing
/// buffered whose last read was short (`busy` false) is idle: it reads
/// into a scratch buffer on the stack, and the connection copies in only
/// what came, so an idle connection holds no read buffer reserved for a
/// read that brought nothing (4 KiB of every idle connection). A busy one
/// reads straight into the room the connection lends (no copy, not zeroed,
/// reads growing with the traffic). `busy` is set to whether this read filled
/// what it was given. `Ready(Ok(0))` is the end of the stream, already
/// handed to the connection (an `UnexpectedEof` error included, see
/// [`end_or_error`]).
pub(crate) fn read_in<S: AsyncRead + Unpin>(
    conn: &mut Connection,
    io: &mut S,
    cx: &mut Context<'_>,
    busy: &mut bool,
) -> Poll<io::Result<usize>> {
    if !*busy && conn.buffered() == 0 {
        // Not zeroed: `ReadBuf` tracks what the read filled, and an idle
        // connection's reads come back empty (Pending) more often than not.
        let mut scratch = [MaybeUninit::<u8>::uninit(); IDLE_READ];
        let mut buf = ReadBuf::uninit(&mut scratch);
        return match Pin::new(io).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len();
                if n == 0 {
                    conn.recv_eof();
                } else {
                    conn.recv(buf.filled());
                }
                *busy = n == IDLE_READ;
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(error)) => end_or_error(conn, error),
            Poll::Pending => Poll::Pending,
        };
    }
    let mut lent = 0;
    let result = conn.recv_with_buf(|buf| {
        lent = buf.remaining_mut();
        // tokio's `read_buf` reads into the room as it is, uninitialised:
        // `recv_with`'s slice would be zeroed first, a second pass over
        // every byte of a large read (64 KiB for each 64 KiB message). A
        // poll of the future once, dropped after: a pending read takes
        // nothing, so this is as cancel-safe as `poll_read`.
        match pin!(io.read_buf(buf)).poll(cx) {
            Poll::Ready(Ok(_)) => Ok(()),
            Poll::Ready(Err(error)) => Err(Stop::Io(error)),
            Poll::Pending => Err(Stop::Pending),
        }
    });
    match result {
        Ok(n) => {
            *busy = n == lent && n > 0;
            Poll::Ready(Ok(n))
        }
        Err(Stop::Pending) => Poll::Pending,
        Err(Stop::Io(error)) => end_or_error(conn, error),
    }
}

/// A failed read's error, or the end of the stream it stands for: TLS
/// (rustls) reports a transport that ended without its `close_notify` as
/// `UnexpectedEof`. To the WebSocket that is the end of the stream as over
/// TCP, handed to the connection: after a closing handshake, an orderly
/// end; before one, an abnormal closure (1006); a frame cut short is never
/// taken, as the connection judges only whole frames.
fn end_or_error(conn: &mut Connection, error: io::Error) -> Poll<io::Result<usize>> {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        conn.recv_eof();
        Poll::Ready(Ok(0))
    } else {
        Poll::Ready(Err(error))
    }
}

/// One read from `io` into a scratch buffer on the stack, dropped: for
/// closing the transport, when nothing more is decoded. Reading into the
/// connection would keep the bytes wherever it still takes input (after a
/// close timeout, say), with no frame limit to bound them. `Ready(Ok(0))`
/// is the end of the stream, handed to the connection as `recv_with` does.
pub(crate) fn discard_in<S: AsyncRead + Unpin>(
    conn: &mut Connection,
    io: &mut S,
    cx: &mut Context<'_>,
) -> Poll<io::Result<usize>> {
    let mut scratch = [0; DISCARD_READ];
    let mut buf = ReadBuf::new(&mut scratch);
    match Pin::new(io).poll_read(cx, &mut buf) {
        Poll::Ready(Ok(())) => {
            let n = buf.filled().len();
            if n == 0 {
                conn.recv_eof();
            }
            Poll::Ready(Ok(n))
        }
        Poll::Ready(Err(error)) => end_or_error(conn, error),
        Poll::Pending => Poll::Pending,
    }
}

/// The size of each read [`discard_in`] drops.
const DISCARD_READ: usize = 4096;

/// Writes everything `conn` has queued to `io`, then flushes `io`.
/// `Pending` once the transport takes no more, with what it did not take
/// still queued.
pub(crate) fn write_out<S: AsyncWrite + Unpin>(
    conn: &mut Connection,
    io: &mut S,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    let vectored = io.is_write_vectored();
    while conn.queued_output_len() > 0 {
        let written = |result| match result {
            Poll::Ready(Ok(0)) => Err(Stop::Io(io::ErrorKind::WriteZero.into())),
            Poll::Ready(Ok(n)) => Ok(n),
            Poll::Ready(Err(error)) => Err(Stop::Io(error)),
            Poll::Pending => Err(Stop::Pending),
        };
        let result = if vectored {
            // A large payload and its header (and the frames around them)
            // in one system call.
            conn.poll_output_vectored(|slices| {
                // One part (a small frame, or the rest of a short write)
                // goes by plain write: the kernel's writev path costs
                // ~170 ns more per call than send for the same bytes.
                if let [bytes] = slices {
                    return written(Pin::new(&mut *io).poll_write(cx, bytes));
                }
                let mut io_slices = [IoSlice::new(&[]); MAX_SLICES];
                for (io_slice, slice) in io_slices.iter_mut().zip(slices) {
                    *io_slice = IoSlice::new(slice);
                }
                written(Pin::new(&mut *io).poll_write_vectored(cx, &io_slices[..slices.len()]))
            })
        } else {
            conn.poll_output_with(|bytes| written(Pin::new(&mut *io).poll_write(cx, bytes)))
        };
        match result {
            // A short write stops the lending; the next round finds out
            // whether the transport takes more now.
            Ok(_) => {}
            Err(Stop::Pending) => return Poll::Pending,
            Err(Stop::Io(error)) => return Poll::Ready(Err(error)),
        }
    }
    Pin::new(io).poll_flush(cx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use noio_ws::{Config, Event, Role};
    use std::task::Waker;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn a_write_that_pends_keeps_the_rest_queued() {
        // A pipe of 64 bytes whose far end reads nothing until asked.
        let (mut near, mut far) = tokio::io::duplex(64);
        let mut conn = Connection::new(Role::Server, Config::default());
        conn.send_binary(&[7; 1000]).unwrap();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(write_out(&mut conn, &mut near, &mut cx).is_pending());
        assert_eq!(conn.queued_output_len(), 1004 - 64, "only what the pipe took left the queue");
        let mut wire = vec![0; 64];
        far.read_exact(&mut wire).await.unwrap();
        assert_eq!(&wire[..4], [0x82, 126, 0x03, 0xe8]);
        while conn.queued_output_len() > 0 {
            let _ = write_out(&mut conn, &mut near, &mut cx);
            let mut more = [0; 64];
            let n = far.read(&mut more).await.unwrap();
            wire.extend_from_slice(&more[..n]);
        }
        assert_eq!(wire.len(), 1004);
        assert!(wire[4..].iter().all(|&b| b == 7));
    }

    /// A transport that records each write it is given: plain (one
    /// slice) or vectored (how many slices), taking every byte.
    #[derive(Default)]
    struct Recording {
        writes: Vec<(bool, usize, usize)>,
    }

    impl AsyncWrite for Recording {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bytes: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.writes.push((false, 1, bytes.len()));
            Poll::Ready(Ok(bytes.len()))
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            slices: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let len = slices.iter().map(|s| s.len()).sum();
            self.writes.push((true, slices.len(), len));
            Poll::Ready(Ok(len))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn one_slice_goes_by_write_and_several_by_writev() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut conn = Connection::new(Role::Server, Config::default());
        conn.send_binary(b"hello").unwrap();
        let mut io = Recording::default();
        assert!(matches!(write_out(&mut conn, &mut io, &mut cx), Poll::Ready(Ok(()))));
        assert_eq!(io.writes, [(false, 1, 7)], "a small frame is one plain write");

        conn.send(noio_ws::Frame::binary(vec![9; 64 << 10])).unwrap();
        let mut io = Recording::default();
        assert!(matches!(write_out(&mut conn, &mut io, &mut cx), Poll::Ready(Ok(()))));
        assert_eq!(
            io.writes,
            [(true, 2, 10 + (64 << 10))],
            "a header and its large payload go out in one vectored write"
        );
    }

    #[tokio::test]
    async fn a_read_lands_in_the_connection_and_end_of_stream_reaches_it() {
        let (mut near, far) = tokio::io::duplex(64);
        let mut conn = Connection::new(Role::Client, Config::default());
        let mut cx = Context::from_waker(Waker::noop());
        let mut busy = false;
        assert!(read_in(&mut conn, &mut near, &mut cx, &mut busy).is_pending());
        {
            let mut far = far;
            tokio::io::AsyncWriteExt::write_all(&mut far, &[0x81, 2, b'h', b'i']).await.unwrap();
        } // dropped: end of stream
        assert!(matches!(read_in(&mut conn, &mut near, &mut cx, &mut busy), Poll::Ready(Ok(4))));
        assert!(!busy, "a short read leaves the connection idle");
        assert!(matches!(read_in(&mut conn, &mut near, &mut cx, &mut busy), Poll::Ready(Ok(0))));
        assert!(matches!(conn.next_event(), Ok(Event::Message(m)) if m.as_text() == Some("hi")));
        assert_eq!(conn.next_event(), Ok(Event::AbnormalClosure));
    }
}
