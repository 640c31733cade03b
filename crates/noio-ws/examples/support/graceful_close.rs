//! Closing a TCP connection so the peer reads our last bytes.
//!
//! Dropping a socket that still has unread bytes makes the kernel send a
//! reset instead of a FIN, and a reset may discard what we wrote last (the
//! close frame, an HTTP error) before the peer reads it: the peer then sees
//! 1006 or a connection reset instead of our answer. So: shut down our side
//! (a FIN after our last bytes), read and discard what the peer still sends
//! until it closes too, and only then drop the socket, after a bounded time
//! at most.

use std::io::Read;
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use noio_ws::TransportAction;

use crate::deadline;

/// How long a closing socket waits for the peer to close its side: long
/// enough for a peer to read our close and answer it, short enough that a
/// peer that never closes holds its thread only briefly.
const DRAIN_FOR: Duration = Duration::from_secs(2);

/// Closes `stream` as `action` says, once everything we send is written.
/// [`TransportAction::AwaitPeerClose`] (a client after the closing
/// handshake) waits for the server to close first, as RFC 6455 section 7.1.1
/// asks, so the server holds the TIME_WAIT state; anything else (a server, or
/// a failed connection) shuts our side down first. Either way what the peer
/// still sends is read and discarded for at most [`DRAIN_FOR`].
pub(crate) fn close(mut stream: TcpStream, action: TransportAction) {
    if action != TransportAction::AwaitPeerClose {
        // Fails only if the peer is already gone, and then there is nothing to drain.
        let _ = stream.shutdown(Shutdown::Write);
    }
    let deadline = Instant::now() + DRAIN_FOR;
    let mut discard = [0; 4096];
    // Until the peer's end of stream (Ok(Some(0))), the deadline (Ok(None)) or an error.
    while let Ok(Some(1..)) = deadline::read_by(&mut stream, deadline, |s| s.read(&mut discard)) {}
}
