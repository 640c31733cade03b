//! The server side of the examples' blocking IO: read a request head from a
//! socket and answer it. The library never does IO; this is the glue an
//! application writes once.

use std::io::{Read, Write};
use std::net::TcpStream;

use noio_ws::handshake::error_response;
use noio_ws::{Accept, Config, Connection, IncomingRequest, ServerHandshake, from_handshake};

/// Any error, for the examples to print.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Reads a request head from a new socket. `None` when the peer left or sent
/// a bad head (which has then been answered with its error status).
pub(crate) fn read_request(stream: &mut TcpStream) -> Result<Option<IncomingRequest>, Error> {
    let mut handshake = ServerHandshake::default();
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        match handshake.recv(&buf[..n]) {
            Ok(None) => continue,
            Ok(Some(request)) => return Ok(Some(request)),
            Err(error) => {
                stream.write_all(&error_response(&error))?;
                return Ok(None);
            }
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
) -> Result<Option<Connection>, Error> {
    match request.accept(accept) {
        Ok((response, accepted)) => {
            stream.write_all(&response)?;
            Ok(Some(from_handshake(accepted, config)))
        }
        Err(error) => {
            stream.write_all(&error_response(&error))?;
            Ok(None)
        }
    }
}
