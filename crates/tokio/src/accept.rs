//! The server's side of the opening handshake over any async stream:
//! [`accept`], [`accept_with`] and [`ServerBuilder`], on the sans-io
//! [`ServerHandshake`].
//!
//! The request head is read in small reads into a buffer on the handshake's
//! own future, gone once it ends; the bytes that came after the head (a
//! client's first frames, sent in the same packet) go into the connection.

use noio_ws::bytes::Bytes;
use noio_ws::handshake::error_response;
use noio_ws::handshake::http::header::CONNECTION;
use noio_ws::handshake::http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use noio_ws::{Accept, HandshakeError, IncomingRequest, ServerHandshake, from_handshake};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::options::{Options, option_setters};
use crate::{Error, WebSocket};

/// The size of each read of the request head; most heads fit in one.
const HEAD_READ: usize = 1024;

/// Accepts a WebSocket upgrade on `stream` with the defaults: no
/// subprotocol, permessage-deflate if the client offers it (with the
/// `deflate` feature), a 10 s handshake timeout.
///
/// A request that is not a valid upgrade is answered with its error's
/// status (`426` and `Sec-WebSocket-Version: 13` for another version) and
/// the error returned.
///
/// `stream` may be of any kind: for `wss://`, accept TLS first (a
/// `tokio_rustls::TlsAcceptor`) and pass its stream, as the crate docs'
/// "TLS servers" example does.
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> Result<WebSocket<S>, Error> {
    ServerBuilder::new().accept(stream).await
}

/// Like [`accept`], with `callback` looking at the request first: it may
/// choose a subprotocol and add response headers ([`Upgrade`]), or reject
/// the request with a status and body ([`Reject`]), which is then sent
/// and [`Error::RequestRejected`] returned.
///
/// ```no_run
/// use noio_ws_tokio::{Reject, Upgrade, accept_with};
/// use noio_ws_tokio::http::StatusCode;
///
/// # async fn serve(stream: tokio::net::TcpStream) -> Result<(), noio_ws_tokio::Error> {
/// let ws = accept_with(stream, |request| {
///     if request.uri().path() != "/chat" {
///         return Err(Reject::new(StatusCode::NOT_FOUND, "no such endpoint\n"));
///     }
///     Ok(Upgrade::new().protocol("chat"))
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn accept_with<S, F>(stream: S, callback: F) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&Request<()>) -> Result<Upgrade, Reject>,
{
    ServerBuilder::new().accept_with(stream, callback).await
}

/// How a server takes an upgrade request: the subprotocol it picks (one the
/// client offered) and extra headers for the `101` response.
#[derive(Clone, Debug, Default)]
pub struct Upgrade {
    pub(crate) protocol: Option<String>,
    pub(crate) headers: HeaderMap,
}

impl Upgrade {
    /// Takes the request as it is.
    pub fn new() -> Self {
        Upgrade::default()
    }

    /// Picks `protocol`, which must be one the client offered (else the
    /// handshake fails with 400).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// Adds a header to the `101` response.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }
}

/// How a server refuses an upgrade request: a status, headers and a body
/// (sent with a Content-Length and `Connection: close`).
#[derive(Clone, Debug)]
pub struct Reject {
    pub(crate) status: StatusCode,
    /// Boxed: a callback's `Result` stays small for the common `Ok`.
    pub(crate) headers: Box<HeaderMap>,
    pub(crate) body: Bytes,
}

impl Reject {
    /// A refusal with `status` and `body`.
    pub fn new(status: StatusCode, body: impl Into<Bytes>) -> Self {
        Reject { status, headers: Box::default(), body: body.into() }
    }

    /// Adds a header to the response.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }
}

/// A server's handshake settings: subprotocols, permessage-deflate, the
/// connection's `Config`, limits and timeouts.
///
/// ```no_run
/// use std::time::Duration;
/// use noio_ws_tokio::{Config, ServerBuilder};
///
/// # async fn serve(stream: tokio::net::TcpStream) -> Result<(), noio_ws_tokio::Error> {
/// let server = ServerBuilder::new()
///     .protocols(["chat", "superchat"])
///     .config(Config { ping_interval: Some(Duration::from_secs(30)), ..Config::default() })
///     .handshake_timeout(Some(Duration::from_secs(5)));
/// let mut ws = server.accept(stream).await?;
/// while let Some(message) = ws.recv().await {
///     ws.send(noio_ws_tokio::Frame::new(message?.opcode, "ok")).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ServerBuilder {
    protocols: Vec<String>,
    pub(crate) options: Options,
}

impl ServerBuilder {
    /// The defaults: no subprotocol, permessage-deflate accepted (with the
    /// `deflate` feature), `Config::default()`, 10 s for the handshake.
    pub fn new() -> Self {
        ServerBuilder::default()
    }

    /// The subprotocols this server speaks: the first the client offers
    /// (in the client's order of preference) is picked, none if it offers
    /// none of them.
    pub fn protocols<P: Into<String>>(mut self, protocols: impl IntoIterator<Item = P>) -> Self {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    option_setters!();

    /// Accepts an upgrade on `stream`, as [`accept`] does, with these settings.
    pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(&self, stream: S) -> Result<WebSocket<S>, Error> {
        self.accept_with(stream, |_| Ok(Upgrade::new())).await
    }

    /// Accepts an upgrade on `stream` after `callback`, as [`accept_with`]
    /// does, with these settings. A request head that does not arrive whole
    /// within the handshake timeout is answered with 408.
    pub async fn accept_with<S, F>(&self, stream: S, callback: F) -> Result<WebSocket<S>, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin,
        F: FnOnce(&Request<()>) -> Result<Upgrade, Reject>,
    {
        // On the heap, and freed once it returns: the handshake's state (its
        // head buffer, its timer) would otherwise stay in the caller's task
        // for the connection's whole life, 4 KiB of every idle connection.
        Box::pin(self.handshake(stream, callback)).await
    }

    /// [`accept_with`](ServerBuilder::accept_with)'s work.
    async fn handshake<S, F>(&self, mut stream: S, callback: F) -> Result<WebSocket<S>, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin,
        F: FnOnce(&Request<()>) -> Result<Upgrade, Reject>,
    {
        let request = match self.options.timed(read_request(&mut stream, &self.options)).await {
            Ok(request) => request,
            Err(error @ Error::HandshakeTimeout(_)) => {
                let mut headers = HeaderMap::new();
                headers.insert(CONNECTION, HeaderValue::from_static("close"));
                let response = plain_response(
                    StatusCode::REQUEST_TIMEOUT,
                    &headers,
                    b"the request head came too slowly\n",
                );
                // Best effort: the peer is slow, and gets only the linger time.
                let _ = self.timed_answer(&mut stream, &response).await;
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        let upgrade = match callback(request.request()) {
            Ok(upgrade) => upgrade,
            Err(reject) => {
                let mut headers = *reject.headers;
                headers.entry(CONNECTION).or_insert(HeaderValue::from_static("close"));
                let response = request.respond(reject.status, &headers, &reject.body);
                self.timed_answer(&mut stream, &response).await?;
                return Err(Error::RequestRejected { status: reject.status });
            }
        };
        let accept = self.accept_for(upgrade, &request)?;
        match request.accept(accept) {
            Ok((response, accepted)) => {
                // Flushed: a transport that buffers writes (TLS, a
                // BufStream, hyper's upgraded stream) would hold the 101
                // while we wait for the client, which waits for it.
                self.options
                    .timed(async {
                        stream.write_all(&response).await?;
                        Ok(stream.flush().await?)
                    })
                    .await?;
                let protocol = accepted.protocol.clone();
                let connection = from_handshake(accepted, self.options.config);
                Ok(WebSocket::from_handshake(connection, stream, self.options.linger, protocol))
            }
            Err(error) => {
                self.timed_answer(&mut stream, &error_response(&error)).await?;
                Err(Error::Handshake(error))
            }
        }
    }

    /// How to accept `request` after the callback's `upgrade`: its
    /// subprotocol or else ours, our extensions, its headers. The same for
    /// a raw stream and for a request an HTTP server parsed.
    pub(crate) fn accept_for(&self, upgrade: Upgrade, request: &IncomingRequest) -> Result<Accept, Error> {
        let protocol = upgrade.protocol.or_else(|| self.pick_protocol(request));
        Ok(Accept { protocol, extensions: self.options.extensions()?, headers: upgrade.headers })
    }

    /// The first subprotocol the client offers that this server speaks.
    fn pick_protocol(&self, request: &IncomingRequest) -> Option<String> {
        let offered = request.protocols().ok()?;
        offered.into_iter().find(|p| self.protocols.iter().any(|ours| ours == p)).map(str::to_owned)
    }

    /// Sends an HTTP answer that ends the connection, within the linger time.
    async fn timed_answer<S: AsyncWrite + Unpin>(
        &self,
        stream: &mut S,
        response: &[u8],
    ) -> Result<(), Error> {
        match tokio::time::timeout(self.options.linger, send_and_shut(stream, response)).await {
            Ok(result) => result,
            Err(_) => Err(Error::HandshakeTimeout(self.options.linger)),
        }
    }
}

/// Reads a request head; a malformed or oversized one is answered with its
/// error's status.
async fn read_request<S>(stream: &mut S, options: &Options) -> Result<IncomingRequest, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut handshake = ServerHandshake::new(options.limits);
    let mut buf = [0; HEAD_READ];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the peer closed the connection before a whole request head",
            )));
        }
        match handshake.recv(&buf[..n]) {
            Ok(None) => {}
            Ok(Some(request)) => return Ok(request),
            Err(error) => {
                refuse(stream, &error).await;
                return Err(Error::Handshake(error));
            }
        }
    }
}

/// Answers a malformed request head with its error's status, best effort.
async fn refuse<S: AsyncWrite + Unpin>(stream: &mut S, error: &HandshakeError) {
    let _ = send_and_shut(stream, &error_response(error)).await;
}

/// Writes `response` and shuts the write side down: the peer reads it, then our end.
async fn send_and_shut<S: AsyncWrite + Unpin>(stream: &mut S, response: &[u8]) -> Result<(), Error> {
    stream.write_all(response).await?;
    stream.shutdown().await?;
    Ok(())
}

/// An HTTP answer with `status`, `headers` and `body`, for the answers that
/// come before a whole request (which [`IncomingRequest::respond`] needs).
fn plain_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}
