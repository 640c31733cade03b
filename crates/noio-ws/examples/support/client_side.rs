//! The client side of the examples' blocking IO: connect to a `ws://` URL
//! and complete the handshake. The library never does IO; this is the glue an
//! application writes once.

use std::io::{Read, Write};
use std::net::TcpStream;

use noio_ws::handshake::http::Uri;
use noio_ws::{ClientOutcome, ClientRequest, Config, Connection, Registry, from_handshake};

/// Any error, for the examples to print.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Opens a TCP connection to a `ws://` URL and completes the client handshake.
/// Returns the socket, the connection and the subprotocol the server chose.
pub(crate) fn connect(
    url: &str,
    protocols: &[&str],
    registry: Registry,
    config: Config,
) -> Result<(TcpStream, Connection, Option<String>), Error> {
    let uri: Uri = url.parse()?;
    if uri.scheme_str() != Some("ws") {
        return Err(format!("{url}: only ws:// URLs are supported (no TLS in these examples)").into());
    }
    let host = uri.host().ok_or("the URL has no host")?;
    let mut stream = TcpStream::connect((host, uri.port_u16().unwrap_or(80)))?;
    stream.set_nodelay(true)?;
    let mut request = ClientRequest::new(url)?.registry(registry);
    for protocol in protocols {
        request = request.protocol(protocol);
    }
    let mut handshake = request.start()?;
    stream.write_all(handshake.request_bytes())?;
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err("the server closed the connection during the handshake".into());
        }
        match handshake.recv(&buf[..n])? {
            None => continue,
            Some(ClientOutcome::Accepted { accepted, .. }) => {
                let protocol = accepted.protocol.clone();
                return Ok((stream, from_handshake(accepted, config), protocol));
            }
            Some(ClientOutcome::Rejected(rejected)) => {
                let body = String::from_utf8_lossy(&rejected.body);
                return Err(format!("the server refused: {} {body}", rejected.response.status()).into());
            }
            Some(ClientOutcome::Redirect { location, .. }) => {
                return Err(format!("redirected to {location}").into());
            }
        }
    }
}
