//! The server side of the examples' blocking IO: read a request head from a
//! socket and answer it. The library never does IO; this is the glue an
//! application writes once. Every HTTP answer here says `Connection: close`:
//! the connection is closed after it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use noio_ws::handshake::error_response;
use noio_ws::handshake::http::StatusCode;
use noio_ws::{Accept, Config, Connection, HandshakeError, IncomingRequest, ServerHandshake, from_handshake};

use crate::deadline;
use crate::outcome::Outcome;

/// Any error, for the examples to print.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Reads a request head from a new socket, which must arrive whole within
/// `timeout` (a deadline across all the reads it takes, so a peer trickling
/// bytes cannot stretch it). `Err(outcome)` when there is no request to
/// serve: the peer left, or sent a bad head or too slowly (then it has been
/// answered with the error's status).
pub(crate) fn read_request(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<Result<IncomingRequest, Outcome>, Error> {
    let deadline = Instant::now() + timeout;
    let mut handshake = ServerHandshake::default();
    // The handshake gathers the head itself (up to its 16 KiB limit); this is
    // only where each read lands, and most heads fit in one.
    let mut buf = [0; 2048];
    loop {
        let n = match deadline::read_by(stream, deadline, |s| s.read(&mut buf))? {
            Some(0) => return Ok(Err(Outcome::Normal)),
            Some(n) => n,
            None => {
                stream.write_all(&plain_response(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request head came too slowly\n",
                ))?;
                return Ok(Err(Outcome::HandshakeTimedOut(timeout)));
            }
        };
        match handshake.recv(&buf[..n]) {
            Ok(None) => continue,
            Ok(Some(request)) => return Ok(Ok(request)),
            Err(error) => return refuse(stream, &error).map(Err),
        }
    }
}

/// Accepts an upgrade request and starts the connection; a request that
/// fails RFC 6455 section 4.2.1 is answered with its error status instead.
pub(crate) fn upgrade(
    stream: &mut TcpStream,
    request: IncomingRequest,
    accept: Accept,
    config: Config,
) -> Result<Result<Connection, Outcome>, Error> {
    match request.accept(accept) {
        Ok((response, accepted)) => {
            stream.write_all(&response)?;
            Ok(Ok(from_handshake(accepted, config)))
        }
        Err(error) => refuse(stream, &error).map(Err),
    }
}

/// Answers a failed handshake with its status (and `Connection: close`).
pub(crate) fn refuse(stream: &mut TcpStream, error: &HandshakeError) -> Result<Outcome, Error> {
    stream.write_all(&error_response(error))?;
    Ok(Outcome::Refused { status: error.status(), reason: error.to_string() })
}

/// A plain-text answer with `status`, for the errors that come before any
/// request (which `IncomingRequest::respond` would need).
pub(crate) fn plain_response(status: StatusCode, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
