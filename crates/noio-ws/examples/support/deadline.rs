//! Blocking reads that give up at a deadline.
//!
//! A read timeout alone bounds one read, and a peer sending a byte just
//! before each timeout keeps a thread forever. These reads share one
//! deadline however many of them it takes.

use std::io;
use std::net::TcpStream;
use std::time::Instant;

/// Calls `read` on `stream` until it returns, giving up at `deadline`:
/// `Ok(None)` once the deadline has passed with nothing read. `read` is one
/// read of the socket, such as `|s| s.read(&mut buf)`.
pub(crate) fn read_by(
    stream: &mut TcpStream,
    deadline: Instant,
    mut read: impl FnMut(&mut TcpStream) -> io::Result<usize>,
) -> io::Result<Option<usize>> {
    loop {
        // A zero timeout is refused by set_read_timeout (it would mean none).
        let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|left| !left.is_zero())
        else {
            return Ok(None);
        };
        stream.set_read_timeout(Some(left))?;
        match read(stream) {
            Ok(n) => return Ok(Some(n)),
            // A timed-out read is WouldBlock on Unix and TimedOut on Windows;
            // either way, check the deadline again.
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
