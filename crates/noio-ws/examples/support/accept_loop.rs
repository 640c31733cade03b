//! The servers' accept loop: a thread per connection, at most
//! `max_connections` at once, each logged if it ends badly and closed
//! gracefully.

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use noio_ws::TransportAction;
use noio_ws::handshake::http::StatusCode;

use crate::graceful_close;
use crate::outcome::Outcome;
use crate::server_limits::ServerLimits;
use crate::server_side::{self, Error};

/// How many over-the-cap connections may be getting their 503 at once;
/// past that they are closed without one. A 503 takes a thread for as long
/// as `graceful_close` drains, so these need a cap of their own.
const MAX_REFUSING: usize = 64;

/// Accepts connections on `listener` forever, serving each on its own thread
/// with `serve`. The loop sets the socket's write timeout, logs (to standard
/// error, one line, prefixed with `name` and the peer's address) every
/// outcome that is a failure or error, and closes the socket gracefully.
pub(crate) fn run(
    listener: TcpListener,
    name: &'static str,
    limits: ServerLimits,
    serve: impl Fn(&mut TcpStream, &ServerLimits) -> Result<Outcome, Error> + Send + Sync + 'static,
) {
    let serve = Arc::new(serve);
    let serving = Arc::new(AtomicUsize::new(0));
    let refusing = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                // Typically out of file descriptors: pause rather than spin
                // until connections end and free some.
                eprintln!("{name}: cannot accept: {error}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if let Some(slot) = Slot::take(&serving, limits.max_connections) {
            let serve = Arc::clone(&serve);
            spawn(name, peer, move || {
                let _slot = slot;
                finish(name, peer, stream, &limits, |stream| serve(stream, &limits));
            });
        } else if let Some(slot) = Slot::take(&refusing, MAX_REFUSING) {
            spawn(name, peer, move || {
                let _slot = slot;
                finish(name, peer, stream, &limits, |stream| {
                    let busy = server_side::plain_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "too many connections; try again later\n",
                    );
                    stream.write_all(&busy)?;
                    Ok(Outcome::OverCapacity(limits.max_connections))
                });
            });
        } else {
            // Dropped at once: a flood gets resets, not threads.
            drop(stream);
        }
    }
}

/// Starts a thread; one that cannot be started (out of memory or of
/// threads) is logged and its connection dropped, and the server goes on.
fn spawn(name: &str, peer: SocketAddr, work: impl FnOnce() + Send + 'static) {
    if let Err(error) = std::thread::Builder::new().name(peer.to_string()).spawn(work) {
        eprintln!("{name}: {peer}: cannot start a thread: {error}");
    }
}

/// Serves one connection with `serve`, logs how it ended if that was a
/// failure, and closes it.
fn finish(
    name: &str,
    peer: SocketAddr,
    mut stream: TcpStream,
    limits: &ServerLimits,
    serve: impl FnOnce(&mut TcpStream) -> Result<Outcome, Error>,
) {
    let result = stream
        .set_nodelay(true)
        // A peer that reads nothing would otherwise hold this thread for as
        // long as it likes once the socket's send buffer is full.
        .and_then(|()| stream.set_write_timeout(Some(limits.write_timeout)))
        .map_err(Error::from)
        .and_then(|()| serve(&mut stream));
    match result {
        Ok(outcome) if outcome.is_failure() => eprintln!("{name}: {peer}: {outcome}"),
        Ok(_) => {}
        // Reads time out inside the loops that set their deadlines, so a
        // timeout reaching here is a write's.
        Err(error) if error.downcast_ref::<std::io::Error>().is_some_and(|e| is_timeout(e.kind())) => {
            eprintln!(
                "{name}: {peer}: a write stalled for {:?}: the peer reads nothing",
                limits.write_timeout
            );
        }
        Err(error) => eprintln!("{name}: {peer}: {error}"),
    }
    graceful_close::close(stream, TransportAction::Close);
}

/// A timed-out socket operation: WouldBlock on Unix, TimedOut on Windows.
fn is_timeout(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// One of a bounded number of places, given back when dropped (also when
/// a thread that could not start drops its work, or its work panics).
struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// A place, if fewer than `max` are taken.
    fn take(taken: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        taken.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).ok()?;
        Some(Slot(Arc::clone(taken)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
