//! The client side of the examples' blocking IO: connect to a `ws://` URL
//! and complete the handshake, each within a time limit. The library never
//! does IO; this is the glue an application writes once.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use noio_ws::handshake::http::Uri;
use noio_ws::{ClientOutcome, ClientRequest, Config, Connection, ExtensionStack, from_handshake};

use crate::deadline;

/// Any error, for the examples to print.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long connecting may take (for each address the host resolves to).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the server has to send its whole response head, once connected.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one write may wait for a server that reads nothing.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a TCP connection to a `ws://` URL and completes the client handshake.
/// Returns the socket, the connection and the subprotocol the server chose.
/// The socket keeps a write timeout and has no read timeout: after the
/// handshake, waiting for the server is the caller's business.
pub(crate) fn connect(
    url: &str,
    protocols: &[&str],
    extensions: ExtensionStack,
    config: Config,
) -> Result<(TcpStream, Connection, Option<String>), Error> {
    let uri: Uri = url.parse()?;
    if uri.scheme_str() != Some("ws") {
        return Err(format!("{url}: only ws:// URLs are supported (no TLS in these examples)").into());
    }
    let host = uri.host().ok_or("the URL has no host")?;
    // An IPv6 literal comes bracketed, as URLs write it.
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let mut stream = open(host, uri.port_u16().unwrap_or(80))?;
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut request = ClientRequest::new(url)?.extensions(extensions);
    for protocol in protocols {
        request = request.protocol(protocol);
    }
    let mut handshake = request.start()?;
    stream.write_all(handshake.request_bytes())?;
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    // The handshake gathers the head itself; this is only where reads land.
    let mut buf = [0; 4096];
    let outcome = loop {
        let n = deadline::read_by(&mut stream, deadline, |s| s.read(&mut buf))?
            .ok_or_else(|| format!("no handshake response within {HANDSHAKE_TIMEOUT:?}"))?;
        if n == 0 {
            return Err("the server closed the connection during the handshake".into());
        }
        if let Some(outcome) = handshake.recv(&buf[..n])? {
            break outcome;
        }
    };
    match outcome {
        ClientOutcome::Accepted { accepted, .. } => {
            stream.set_read_timeout(None)?;
            let protocol = accepted.protocol.clone();
            Ok((stream, from_handshake(accepted, config), protocol))
        }
        ClientOutcome::Rejected(rejected) => {
            let body = String::from_utf8_lossy(&rejected.body);
            Err(format!("the server refused: {} {body}", rejected.response.status()).into())
        }
        ClientOutcome::Redirect { location, .. } => Err(format!("redirected to {location}").into()),
    }
}

/// Connects to the first of `host`'s addresses that answers in time.
fn open(host: &str, port: u16) -> Result<TcpStream, Error> {
    let mut last_error = None;
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(format!("{addr}: {error}")),
        }
    }
    Err(last_error.unwrap_or_else(|| format!("{host} has no address")).into())
}
