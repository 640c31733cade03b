//! The client's side of the opening handshake: [`connect`] to a `ws://`
//! URL over TCP, [`client_async`] over a stream the caller opened, and
//! [`ClientBuilder`] for headers, subprotocols and settings, on the sans-io
//! [`ClientRequest`].
//!
//! The response head is read in small reads into a buffer on the
//! handshake's own future, gone once it ends; the bytes after the head (the
//! server's first frames) go into the connection.

use noio_ws::handshake::http::uri::Uri;
use noio_ws::handshake::http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use noio_ws::{ClientOutcome, ClientRequest, from_handshake};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::options::{Options, option_setters};
use crate::{ClientStream, Error, WebSocket};

/// The size of each read of the response head; most heads fit in one.
const HEAD_READ: usize = 1024;

/// What names the server to upgrade with: a URL (`&str`, `String`, `Uri`)
/// or a whole `http::Request` (its headers are sent as they are).
pub trait IntoClientRequest {
    /// The request.
    fn into_client_request(self) -> Result<Request<()>, Error>;
}

impl IntoClientRequest for Request<()> {
    fn into_client_request(self) -> Result<Request<()>, Error> {
        Ok(self)
    }
}

impl IntoClientRequest for Uri {
    fn into_client_request(self) -> Result<Request<()>, Error> {
        Request::get(self).body(()).map_err(|e| Error::InvalidRequest(e.to_string()))
    }
}

impl IntoClientRequest for &str {
    fn into_client_request(self) -> Result<Request<()>, Error> {
        let uri: Uri = self.parse().map_err(|e| Error::InvalidRequest(format!("{self}: {e}")))?;
        uri.into_client_request()
    }
}

impl IntoClientRequest for &String {
    fn into_client_request(self) -> Result<Request<()>, Error> {
        self.as_str().into_client_request()
    }
}

impl IntoClientRequest for String {
    fn into_client_request(self) -> Result<Request<()>, Error> {
        self.as_str().into_client_request()
    }
}

/// Connects to a `ws://` URL over TCP and upgrades, with the defaults:
/// permessage-deflate offered (with the `deflate` feature), 10 s for
/// connecting and the handshake together. Returns the connection and the
/// server's `101` response. `wss://` fails with
/// [`Error::UnsupportedScheme`]: TLS is not in this version.
///
/// ```no_run
/// # async fn run() -> Result<(), noio_ws_tokio::Error> {
/// let (mut ws, _response) = noio_ws_tokio::connect("ws://127.0.0.1:9001/").await?;
/// ws.send_text("hello").await?;
/// if let Some(reply) = ws.recv().await {
///     println!("{:?}", reply?.as_text());
/// }
/// ws.close(noio_ws_tokio::CloseCode::NORMAL, "").await?;
/// # Ok(()) }
/// ```
pub async fn connect(
    request: impl IntoClientRequest,
) -> Result<(WebSocket<ClientStream>, Response<()>), Error> {
    ClientBuilder::new().connect(request).await
}

/// Upgrades `stream`, already connected to the server `request` names, with
/// the defaults (see [`connect`]); the URL's scheme is not looked at, so a
/// stream of any kind (TLS included) works.
pub async fn client_async<S: AsyncRead + AsyncWrite + Unpin>(
    request: impl IntoClientRequest,
    stream: S,
) -> Result<(WebSocket<S>, Response<()>), Error> {
    ClientBuilder::new().client_async(request, stream).await
}

/// A client's handshake settings: extra headers, subprotocols to offer,
/// permessage-deflate, the connection's `Config`, limits and timeouts.
///
/// ```no_run
/// use noio_ws_tokio::ClientBuilder;
/// use noio_ws_tokio::http::{HeaderName, HeaderValue};
///
/// # async fn run() -> Result<(), noio_ws_tokio::Error> {
/// let (ws, _) = ClientBuilder::new()
///     .protocol("chat")
///     .header(HeaderName::from_static("authorization"), HeaderValue::from_static("Bearer 123"))
///     .deflate(false)
///     .connect("ws://127.0.0.1:9001/chat")
///     .await?;
/// assert_eq!(ws.protocol(), Some("chat"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    headers: HeaderMap,
    protocols: Vec<String>,
    options: Options,
}

impl ClientBuilder {
    /// The defaults: no extra header or subprotocol, permessage-deflate
    /// offered (with the `deflate` feature), `Config::default()`, 10 s for
    /// connecting and the handshake.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// Sends an extra header with the upgrade request.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Offers a subprotocol (call again for more, the most preferred first).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    option_setters!();

    /// Connects to a `ws://` URL over TCP and upgrades, as [`connect`] does,
    /// with these settings.
    pub async fn connect(
        &self,
        request: impl IntoClientRequest,
    ) -> Result<(WebSocket<ClientStream>, Response<()>), Error> {
        let request = request.into_client_request()?;
        let uri = request.uri();
        match uri.scheme_str() {
            Some("ws") => {}
            Some(scheme) => return Err(Error::UnsupportedScheme(scheme.to_owned())),
            None => return Err(Error::InvalidRequest(format!("{uri}: no scheme (ws://host/path)"))),
        }
        let host = uri.host().ok_or_else(|| Error::InvalidRequest(format!("{uri}: no host")))?;
        // An IPv6 literal comes bracketed, as URLs write it.
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host).to_owned();
        let port = uri.port_u16().unwrap_or(80);
        self.options
            .timed(async {
                let tcp = TcpStream::connect((host.as_str(), port)).await?;
                tcp.set_nodelay(true)?;
                self.handshake(request, ClientStream::Plain(tcp)).await
            })
            .await
    }

    /// Upgrades `stream`, as [`client_async`] does, with these settings.
    pub async fn client_async<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        request: impl IntoClientRequest,
        stream: S,
    ) -> Result<(WebSocket<S>, Response<()>), Error> {
        let request = request.into_client_request()?;
        self.options.timed(self.handshake(request, stream)).await
    }

    /// Sends the upgrade request and reads the response.
    async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        mut request: Request<()>,
        mut stream: S,
    ) -> Result<(WebSocket<S>, Response<()>), Error> {
        for (name, value) in &self.headers {
            request.headers_mut().append(name, value.clone());
        }
        let mut client = ClientRequest::from_request(request)
            .extensions(self.options.extensions()?)
            .limits(self.options.limits);
        for protocol in &self.protocols {
            client = client.protocol(protocol);
        }
        let mut handshake = client.start()?;
        stream.write_all(handshake.request_bytes()).await?;
        stream.flush().await?;
        let mut buf = [0; HEAD_READ];
        let outcome = loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Err(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the connection during the handshake",
                )));
            }
            if let Some(outcome) = handshake.recv(&buf[..n])? {
                break outcome;
            }
        };
        match outcome {
            ClientOutcome::Accepted { response, accepted } => {
                let protocol = accepted.protocol.clone();
                let connection = from_handshake(accepted, self.options.config);
                Ok((WebSocket::from_handshake(connection, stream, self.options.linger, protocol), response))
            }
            ClientOutcome::Rejected(rejected) => {
                Err(Error::HandshakeRefused { status: rejected.response.status(), body: rejected.body })
            }
            ClientOutcome::Redirect { response, location } => {
                Err(Error::Redirected { status: response.status(), location })
            }
        }
    }
}
