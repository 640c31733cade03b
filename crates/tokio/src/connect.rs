//! The client's side of the opening handshake: [`connect`] to a `ws://`
//! or `wss://` URL over TCP (directly or through an HTTP proxy's tunnel),
//! [`client_async`] over a stream the caller opened, and [`ClientBuilder`]
//! for headers, subprotocols, TLS, the proxy and settings, on the sans-io
//! [`ClientRequest`].
//!
//! The response head is read in small reads into a buffer on the
//! handshake's own future, gone once it ends; the bytes after the head (the
//! server's first frames) go into the connection. Likewise the bytes after
//! a proxy's answer go to TLS or to the handshake.

use noio_ws::handshake::http::uri::Uri;
use noio_ws::handshake::http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use noio_ws::{ClientOutcome, ClientRequest, from_handshake};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::options::{Options, option_setters};
use crate::proxy::{self, Proxy};
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

/// The port `uri` names: `None` for none (or an empty one, `host:`), which
/// is the scheme's default, an error for one that is not a port number
/// (`host:99999`), which `Uri` parses but gives no port for.
pub(crate) fn explicit_port(uri: &Uri) -> Result<Option<u16>, String> {
    noio_ws::handshake::uri_port(uri).map_err(|error| error.to_string())
}

/// Connects to a `ws://` or `wss://` URL over TCP and upgrades, with the
/// defaults: permessage-deflate offered (with the `deflate` feature), 10 s
/// for connecting, TLS and the handshake together, no proxy. Returns the
/// connection and the server's `101` response.
///
/// `wss://` needs the `rustls` feature (on by default, through
/// `rustls-webpki-roots`): the server's certificate is verified against the
/// roots the features pick, for the URL's host (also sent as SNI), and ALPN
/// offers `http/1.1`. Without it `wss://` fails with
/// [`Error::UnsupportedScheme`], saying which feature to enable; a refused
/// certificate fails with `Error::Tls`.
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

/// The TLS a connection is opened with, if any: the client config and the
/// name the server's certificate must carry.
#[cfg(feature = "rustls")]
type TlsTarget = Option<(std::sync::Arc<rustls::ClientConfig>, rustls::pki_types::ServerName<'static>)>;
/// Without rustls no connection is opened with TLS (`wss://` is refused
/// before one is).
#[cfg(not(feature = "rustls"))]
type TlsTarget = Option<core::convert::Infallible>;

/// A client's handshake settings: extra headers, subprotocols to offer,
/// permessage-deflate, TLS settings for `wss://`, an HTTP proxy, the
/// connection's `Config`, limits and timeouts.
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
    pub(crate) options: Options,
    proxy: Option<Proxy>,
    #[cfg(feature = "rustls")]
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    /// Try HTTP/2's extended CONNECT first ([`ClientBuilder::http2`]).
    #[cfg(feature = "http2")]
    http2: bool,
}

impl ClientBuilder {
    /// The defaults: no extra header or subprotocol, permessage-deflate
    /// offered (with the `deflate` feature), the default TLS settings (see
    /// [`connect`]), no proxy, `Config::default()`, 10 s for connecting and
    /// the handshake.
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

    /// Connects through the HTTP proxy at `url`, `http://host[:port]` (port
    /// 80 by default), with `CONNECT`; a userinfo (`http://user:pass@host`,
    /// percent-encoded) is sent as basic credentials in
    /// `Proxy-Authorization`. Only [`connect`](Self::connect) uses it.
    /// A URL that cannot be used is an [`Error::Proxy`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), noio_ws_tokio::Error> {
    /// let (ws, _) = noio_ws_tokio::ClientBuilder::new()
    ///     .proxy("http://user:secret@proxy.internal:3128")?
    ///     .connect("wss://example.com/socket")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn proxy(mut self, url: &str) -> Result<Self, Error> {
        self.proxy = Some(Proxy::parse(url)?);
        Ok(self)
    }

    /// The TLS settings for `wss://`, instead of the default ones: your own
    /// roots, client certificates, protocol versions, ALPN. Build the
    /// config with `ClientConfig::builder_with_provider` (the `rustls`
    /// re-exported here has the `ring` provider) so it needs no
    /// process-level `CryptoProvider`; offer `http/1.1` in
    /// `alpn_protocols` if the server picks protocols by ALPN.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use noio_ws_tokio::rustls::{self, ClientConfig, RootCertStore};
    ///
    /// # fn run(my_ca: rustls::pki_types::CertificateDer<'static>) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut roots = RootCertStore::empty();
    /// roots.add(my_ca)?;
    /// let mut config = ClientConfig::builder_with_provider(noio_ws_tokio::crypto_provider())
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// config.alpn_protocols = vec![b"http/1.1".to_vec()];
    /// let client = noio_ws_tokio::ClientBuilder::new().tls_config(Arc::new(config));
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "rustls")]
    pub fn tls_config(mut self, config: std::sync::Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Opens the WebSocket over HTTP/2 (RFC 8441) where the server allows
    /// it, else over HTTP/1.1 as without this; off by default. Over
    /// `wss://`, TLS offers ALPN `h2` and `http/1.1` (with the default TLS
    /// settings, or a config of the caller's that names no ALPN protocol;
    /// one that names some is used as it is); where the
    /// server picks `h2`, the client waits for its SETTINGS and sends the
    /// extended CONNECT only if they enable it (`h2` alone does not say a
    /// server takes WebSockets), else it connects again over HTTP/1.1. Over
    /// `ws://` it speaks HTTP/2 with prior knowledge (h2c), and falls back
    /// likewise, also when the server does not answer in HTTP/2. Only
    /// [`connect`](Self::connect) uses it; the stream is
    /// [`ClientStream::Http2`], whose HTTP/2 connection runs on a task
    /// spawned on the current tokio runtime.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), noio_ws_tokio::Error> {
    /// let (ws, response) =
    ///     noio_ws_tokio::ClientBuilder::new().http2(true).connect("wss://example.com/socket").await?;
    /// println!("upgraded over {:?}", response.version());
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "http2")]
    pub fn http2(mut self, on: bool) -> Self {
        self.http2 = on;
        self
    }

    option_setters!();

    /// Connects to a `ws://` or `wss://` URL over TCP (through the proxy,
    /// if one is set) and upgrades, as [`connect`] does, with these
    /// settings. The handshake timeout covers it all: connecting, the
    /// proxy's answer, TLS and the upgrade.
    pub async fn connect(
        &self,
        request: impl IntoClientRequest,
    ) -> Result<(WebSocket<ClientStream>, Response<()>), Error> {
        let request = request.into_client_request()?;
        // On the heap, and freed once it returns, as the server's handshake.
        Box::pin(self.connect_request(request)).await
    }

    /// [`connect`](ClientBuilder::connect)'s work.
    async fn connect_request(
        &self,
        request: Request<()>,
    ) -> Result<(WebSocket<ClientStream>, Response<()>), Error> {
        let uri = request.uri();
        let secure = match uri.scheme_str() {
            Some(scheme) if scheme.eq_ignore_ascii_case("ws") => false,
            #[cfg(feature = "rustls")]
            Some(scheme) if scheme.eq_ignore_ascii_case("wss") => true,
            Some(scheme) => return Err(Error::UnsupportedScheme(scheme.to_owned())),
            None => return Err(Error::InvalidRequest(format!("{uri}: no scheme (ws://host/path)"))),
        };
        let authority_host = uri.host().ok_or_else(|| Error::InvalidRequest(format!("{uri}: no host")))?;
        // An IPv6 literal comes bracketed, as URLs write it.
        let host = authority_host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(authority_host)
            .to_owned();
        let port = explicit_port(uri)
            .map_err(|e| Error::InvalidRequest(format!("{uri}: {e}")))?
            .unwrap_or(if secure { 443 } else { 80 });
        // The proxy's CONNECT target keeps the brackets.
        let target = format!("{authority_host}:{port}");
        #[cfg(feature = "rustls")]
        let tls: TlsTarget = match secure {
            true => Some((self.tls_config_or_default()?, crate::tls::server_name(&host)?)),
            false => None,
        };
        #[cfg(not(feature = "rustls"))]
        let tls: TlsTarget = None;
        self.options
            .timed(async {
                #[cfg(feature = "http2")]
                if self.http2 {
                    // ALPN offers h2 too: the defaults' way, or the caller's config's.
                    #[cfg(feature = "rustls")]
                    let h2_tls = match (&tls, &self.tls) {
                        (Some((_, name)), None) => Some((crate::tls::default_h2_config()?, name.clone())),
                        (Some((config, name)), Some(_)) => {
                            Some((crate::tls::offering_h2(config), name.clone()))
                        }
                        (None, _) => None,
                    };
                    #[cfg(not(feature = "rustls"))]
                    let h2_tls = tls;
                    let (stream, early) = self.open(&host, port, &target, h2_tls).await?;
                    let prior_knowledge = match &stream {
                        ClientStream::Plain(_) => true,
                        #[cfg(feature = "rustls")]
                        ClientStream::Tls(tls) => match tls.get_ref().1.alpn_protocol() {
                            Some(b"h2") => false,
                            // The server chose HTTP/1.1: upgrade on this connection.
                            _ => return self.handshake(request, stream, &early).await,
                        },
                        #[cfg(feature = "http2")]
                        ClientStream::Http2(_) => unreachable!("open gives TCP or TLS"),
                    };
                    let early = noio_ws::bytes::Bytes::from(early);
                    match crate::http2_connect::connect(self, request.clone(), stream, early, prior_knowledge)
                        .await?
                    {
                        crate::http2_connect::Outcome::Open(open) => return Ok(*open),
                        crate::http2_connect::Outcome::UseHttp1 => {}
                    }
                }
                // Again, after HTTP/2 was tried: ALPN must not offer h2 now.
                #[cfg(all(feature = "rustls", feature = "http2"))]
                let tls = match self.http2 {
                    true => tls.map(|(config, name)| (crate::tls::without_h2(&config), name)),
                    false => tls,
                };
                let (stream, early) = self.open(&host, port, &target, tls).await?;
                self.handshake(request, stream, &early).await
            })
            .await
    }

    /// Opens the transport: TCP to the server or through the proxy's
    /// tunnel, and TLS over it where `tls` says. Returns it with the bytes
    /// already read past the proxy's answer that are not TLS's.
    async fn open(
        &self,
        host: &str,
        port: u16,
        target: &str,
        tls: TlsTarget,
    ) -> Result<(ClientStream, Vec<u8>), Error> {
        let (tcp, early) = match &self.proxy {
            Some(proxy) => proxy::tunnel(proxy, target, &self.options.limits).await?,
            None => {
                let tcp = TcpStream::connect((host, port)).await?;
                tcp.set_nodelay(true)?;
                (tcp, Vec::new())
            }
        };
        #[cfg(feature = "rustls")]
        if let Some((config, name)) = tls {
            // The tunnel's first bytes are TLS's.
            let tls = crate::tls::handshake(config, name, tcp, &early).await?;
            return Ok((ClientStream::Tls(Box::new(tls)), Vec::new()));
        }
        #[cfg(not(feature = "rustls"))]
        if let Some(never) = tls {
            match never {}
        }
        // The tunnel's first bytes are the server's.
        Ok((ClientStream::Plain(tcp), early))
    }

    /// The `ClientRequest` every HTTP version starts from: `request` with
    /// the builder's headers, subprotocols, extensions and limits.
    pub(crate) fn client_request(&self, mut request: Request<()>) -> Result<ClientRequest, Error> {
        for (name, value) in &self.headers {
            request.headers_mut().append(name, value.clone());
        }
        let mut client = ClientRequest::from_request(request)
            .extensions(self.options.extensions()?)
            .limits(self.options.limits);
        for protocol in &self.protocols {
            client = client.protocol(protocol);
        }
        Ok(client)
    }

    /// The caller's TLS settings, or the default ones.
    #[cfg(feature = "rustls")]
    fn tls_config_or_default(&self) -> Result<std::sync::Arc<rustls::ClientConfig>, Error> {
        match &self.tls {
            Some(config) => Ok(config.clone()),
            None => crate::tls::default_config(),
        }
    }

    /// Upgrades `stream`, as [`client_async`] does, with these settings.
    pub async fn client_async<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        request: impl IntoClientRequest,
        stream: S,
    ) -> Result<(WebSocket<S>, Response<()>), Error> {
        let request = request.into_client_request()?;
        Box::pin(self.options.timed(self.handshake(request, stream, &[]))).await
    }

    /// Sends the upgrade request and reads the response, taking `early`
    /// (bytes already received on `stream`) as its first bytes.
    async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        request: Request<()>,
        mut stream: S,
        early: &[u8],
    ) -> Result<(WebSocket<S>, Response<()>), Error> {
        let mut handshake = self.client_request(request)?.start()?;
        stream.write_all(handshake.request_bytes()).await?;
        stream.flush().await?;
        let mut buf = [0; HEAD_READ];
        let mut outcome = match early.is_empty() {
            true => None,
            false => handshake.recv(early)?,
        };
        let outcome = loop {
            if let Some(outcome) = outcome {
                break outcome;
            }
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Err(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the connection during the handshake",
                )));
            }
            outcome = handshake.recv(&buf[..n])?;
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
