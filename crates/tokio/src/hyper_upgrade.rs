//! Upgrading a hyper 1 request to a [`WebSocket`] (feature `hyper`), over
//! HTTP/1.1 and HTTP/2.
//!
//! hyper reads the request and writes the response; this module checks the
//! request with the same handshake code as [`accept`](crate::accept)
//! (method, `Upgrade` and `Connection` tokens, key, version 13, then the
//! subprotocol and permessage-deflate), gives the response to return from
//! the service, and a [`PendingUpgrade`] that resolves to the
//! [`WebSocket`] once hyper has written that response and handed the
//! connection over.
//!
//! Over HTTP/2 (RFC 8441) the request is a CONNECT with `:protocol`
//! websocket (hyper's `ext::Protocol`), the answer a `200`, and the
//! WebSocket is that request's stream: the same frames, masking and
//! permessage-deflate, with HTTP/2's flow control as the backpressure and
//! a stream reset as an abnormal closure. hyper accepts such requests only
//! when its server advertises them: `enable_connect_protocol()` on its
//! `http2` builder (hyper-util's `auto` builder has it under `.http2()`).
//!
//! ```no_run
//! use std::convert::Infallible;
//! use http_body_util::Full;
//! use hyper::body::{Bytes, Incoming};
//! use hyper::{Request, Response};
//! use hyper_util::rt::TokioIo;
//! use noio_ws_tokio::hyper::{is_upgrade_request, upgrade};
//!
//! // Any body with a `Default` (for the 101) and a `From<Bytes>` (for a refusal).
//! type Body = Full<Bytes>;
//!
//! async fn service(mut request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
//!     if !is_upgrade_request(&request) {
//!         return Ok(Response::new("not a WebSocket request\n".into()));
//!     }
//!     match upgrade(&mut request) {
//!         Ok((response, pending)) => {
//!             tokio::spawn(async move {
//!                 let Ok(mut ws) = pending.await else { return };
//!                 while let Some(Ok(message)) = ws.recv().await {
//!                     let echo = noio_ws_tokio::Frame::new(message.opcode, message.payload);
//!                     if ws.send(echo).await.is_err() {
//!                         break;
//!                     }
//!                 }
//!             });
//!             Ok(response)
//!         }
//!         // 400, 405, 426 with `Sec-WebSocket-Version: 13` ...
//!         Err(rejection) => Ok(rejection.to_response()),
//!     }
//! }
//!
//! # async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
//! loop {
//!     let (tcp, _) = listener.accept().await?;
//!     tokio::spawn(async move {
//!         let service = hyper::service::service_fn(service);
//!         let connection = hyper::server::conn::http1::Builder::new()
//!             .serve_connection(TokioIo::new(tcp), service)
//!             .with_upgrades(); // without it, hyper never hands the connection over
//!         let _ = connection.await;
//!     });
//! }
//! # }
//! ```
//!
//! # hyper's buffered bytes
//!
//! hyper may have read more than the request head: a client can send its
//! first frames in the same packet as its request. hyper 1 keeps those
//! bytes in the [`Upgraded`] connection (its `Parts::read_buf`), and an
//! `Upgraded` read as it is yields them before anything from the socket.
//! The [`PendingUpgrade`] takes them either way, with no extra copy or
//! indirection for the common transport:
//!
//! - when hyper served a `TokioIo<TcpStream>` (hyper's own `http1` or
//!   `http2` builders over TCP), `Upgraded::downcast` gives the
//!   `TcpStream` back and the buffered bytes go straight into the
//!   connection, as those after a head read by [`accept`](crate::accept)
//!   do ([`UpgradedStream::Tcp`]);
//! - otherwise (hyper-util's `auto` builder, which `axum::serve` uses, wraps
//!   the transport in a type of its own; a TLS stream; a Unix socket) the
//!   `Upgraded` itself is the transport, through `TokioIo`, and the buffered
//!   bytes come first from its reads ([`UpgradedStream::Upgraded`]).
//!
//! # What applies
//!
//! A [`ServerBuilder`]'s subprotocols, permessage-deflate, `Config`,
//! linger and handshake timeout apply (the timeout runs from the first poll
//! of the [`PendingUpgrade`] until hyper hands the connection over); its
//! `limits` do not, since hyper parsed the head under its own.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use ::hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use noio_ws::bytes::Bytes;
use noio_ws::handshake::http::header::{CONNECTION, CONTENT_TYPE, SEC_WEBSOCKET_VERSION, UPGRADE};
use noio_ws::handshake::http::{
    Extensions, HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri, Version,
};
use noio_ws::handshake::{ConnectProtocol, error_head, error_head_for};
use noio_ws::{Accepted, Config, HandshakeError, IncomingRequest, from_handshake};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use crate::options::Options;
use crate::{Error, Reject, ServerBuilder, Upgrade, WebSocket};

/// True when `request` asks for a WebSocket: over HTTP/1.1 its `Upgrade`
/// header has the token `websocket` and its `Connection` header the token
/// `upgrade`; over HTTP/2 it is a CONNECT whose `:protocol` is websocket.
/// Whether the rest of it is a valid request, [`upgrade`] checks.
pub fn is_upgrade_request<B>(request: &Request<B>) -> bool {
    let headers = request.headers();
    if request.version() >= Version::HTTP_2 {
        let protocol = request.extensions().get::<::hyper::ext::Protocol>();
        return request.method() == Method::CONNECT
            && protocol.is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket"));
    }
    has_token(headers, &UPGRADE, "websocket") && has_token(headers, &CONNECTION, "upgrade")
}

/// Upgrades `request` with the defaults of [`ServerBuilder::new`]: no
/// subprotocol, permessage-deflate if the client offers it (with the
/// `deflate` feature).
///
/// Returns the response to return from the service (a `101`, or a `200`
/// over HTTP/2, with a default body, which hyper does not send) and the
/// [`PendingUpgrade`] to await for the connection, or the rejection to
/// answer with.
pub fn upgrade<B, R: Default>(
    request: &mut Request<B>,
) -> Result<(Response<R>, PendingUpgrade), UpgradeRejection> {
    ServerBuilder::new().upgrade(request)
}

/// The request's head, checked, and hyper's promise of its connection.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) request: IncomingRequest,
    pub(crate) on_upgrade: OnUpgrade,
}

/// The head of a request hyper parsed, without its body and extensions.
pub(crate) fn head_of(method: &Method, uri: &Uri, version: Version, headers: &HeaderMap) -> Request<()> {
    let mut head = Request::new(());
    *head.method_mut() = method.clone();
    *head.uri_mut() = uri.clone();
    *head.version_mut() = version;
    *head.headers_mut() = headers.clone();
    head
}

/// Checks the `head` of a request hyper parsed as an upgrade request and
/// takes hyper's upgrade out of the request's `extensions` (only once the
/// check passed, so a refused request keeps it). Over HTTP/2 the
/// `:protocol` hyper parsed goes with the head, as the handshake's
/// [`ConnectProtocol`].
pub(crate) fn prepare(
    mut head: Request<()>,
    extensions: &mut Extensions,
) -> Result<Prepared, UpgradeRejection> {
    let version = head.version();
    if let Some(protocol) = extensions.get::<::hyper::ext::Protocol>() {
        head.extensions_mut().insert(ConnectProtocol::new(protocol.as_str().to_owned()));
    }
    let request = IncomingRequest::from_request(head);
    let checked = request.validate().and_then(|()| {
        // Checked here rather than when accepting, so a malformed header is
        // the client's 400 at once, and the accept can only fail on
        // negotiation.
        request.protocols()?;
        request.extension_offers().map(drop)
    });
    checked.map_err(|error| UpgradeRejection::for_version(version, error))?;
    let on_upgrade = extensions.remove::<OnUpgrade>().ok_or(UpgradeRejection::NotUpgradable)?;
    Ok(Prepared { request, on_upgrade })
}

/// Accepts a checked request: the `101` head and the pending connection.
pub(crate) fn accept_prepared(
    builder: &ServerBuilder,
    prepared: Prepared,
    upgrade: Upgrade,
) -> Result<(Response<()>, PendingUpgrade), UpgradeRejection> {
    let accept = builder.accept_for(upgrade, &prepared.request).map_err(UpgradeRejection::Setup)?;
    let version = prepared.request.request().version();
    let (head, accepted) = prepared
        .request
        .accept_head(accept)
        .map_err(|error| UpgradeRejection::for_version(version, error))?;
    Ok((head, PendingUpgrade::new(prepared.on_upgrade, accepted, &builder.options)))
}

/// Upgrading hyper requests (feature `hyper`): the same settings as for a
/// raw stream, but hyper reads the request and writes the response.
impl ServerBuilder {
    /// Upgrades `request` with these settings (see [`upgrade`]); the
    /// subprotocol is the first the client offers of those this server
    /// speaks. The handshake `limits` do not apply: hyper parsed the head.
    pub fn upgrade<B, R: Default>(
        &self,
        request: &mut Request<B>,
    ) -> Result<(Response<R>, PendingUpgrade), UpgradeRejection> {
        self.upgrade_with(request, |_| Ok(Upgrade::new()))
    }

    /// Like [`upgrade`](ServerBuilder::upgrade), with `callback` looking at
    /// the checked request first, as for [`accept_with`](crate::accept_with):
    /// it may pick a subprotocol and add response headers, or refuse with a
    /// [`Reject`], which comes back as [`UpgradeRejection::Rejected`] to
    /// answer with.
    pub fn upgrade_with<B, R, F>(
        &self,
        request: &mut Request<B>,
        callback: F,
    ) -> Result<(Response<R>, PendingUpgrade), UpgradeRejection>
    where
        R: Default,
        F: FnOnce(&Request<()>) -> Result<Upgrade, Reject>,
    {
        let head = head_of(request.method(), request.uri(), request.version(), request.headers());
        let prepared = prepare(head, request.extensions_mut())?;
        let upgrade = callback(prepared.request.request()).map_err(UpgradeRejection::Rejected)?;
        let (head, pending) = accept_prepared(self, prepared, upgrade)?;
        Ok((head.map(|()| R::default()), pending))
    }
}

/// Why a request was not upgraded; answer it with
/// [`to_response`](UpgradeRejection::to_response) (with the `axum`
/// feature it is also an `IntoResponse`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpgradeRejection {
    /// The request is not a valid upgrade (RFC 6455 section 4.2.1): 405
    /// for another method than GET, 426 with `Sec-WebSocket-Version: 13`
    /// for another version, 505 for HTTP/1.0, else 400.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The callback of [`ServerBuilder::upgrade_with`] refused the request.
    #[error("the upgrade request was rejected with {}", .0.status)]
    Rejected(Reject),
    /// hyper cannot hand this request's connection over (426, as axum
    /// answers): the server was not built with upgrades (`with_upgrades()`
    /// on hyper's `http1` builder, `serve_connection_with_upgrades` on
    /// hyper-util's `auto`), or the upgrade was taken already.
    #[error("the connection cannot be upgraded: no upgrade state in the request")]
    NotUpgradable,
    /// An HTTP/2 request that is not a valid extended CONNECT (RFC 8441
    /// sections 4 and 5): 405 for another method than CONNECT, 400 with
    /// `Sec-WebSocket-Version: 13` for another version, else 400.
    #[error(transparent)]
    ExtendedConnect(HandshakeError),
    /// This server's extensions could not be set up (500); nothing the
    /// client did.
    #[error("the server's extensions could not be set up: {0}")]
    Setup(#[source] Error),
}

impl UpgradeRejection {
    /// A handshake error of a request over `version`.
    fn for_version(version: Version, error: HandshakeError) -> Self {
        if version >= Version::HTTP_2 {
            UpgradeRejection::ExtendedConnect(error)
        } else {
            UpgradeRejection::Handshake(error)
        }
    }

    /// The status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            UpgradeRejection::Handshake(error) => error.status(),
            UpgradeRejection::ExtendedConnect(error) => error_head_for(Version::HTTP_2, error).status(),
            UpgradeRejection::Rejected(reject) => reject.status,
            UpgradeRejection::NotUpgradable => StatusCode::UPGRADE_REQUIRED,
            UpgradeRejection::Setup(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The response answering the request: the status, a plain-text body
    /// saying why (a [`Reject`]'s own headers and body for
    /// [`Rejected`](UpgradeRejection::Rejected)) and `Connection: close`
    /// (unless a `Reject` says otherwise).
    ///
    /// Any body that is `From<Bytes>` (`Full<Bytes>`, axum's `Body`,
    /// `Bytes` itself, to `map` into another).
    pub fn to_response<R: From<Bytes>>(&self) -> Response<R> {
        let (mut head, body) = match self {
            UpgradeRejection::Handshake(error) => (error_head(error), Bytes::from(error.to_string())),
            UpgradeRejection::ExtendedConnect(error) => {
                (error_head_for(Version::HTTP_2, error), Bytes::from(error.to_string()))
            }
            UpgradeRejection::Rejected(reject) => {
                let mut head = Response::new(());
                *head.status_mut() = reject.status;
                *head.headers_mut() = (*reject.headers).clone();
                (head, reject.body.clone())
            }
            other => {
                let mut head = Response::new(());
                *head.status_mut() = other.status();
                if let UpgradeRejection::NotUpgradable = other {
                    // RFC 9110 section 15.5.22: "The server MUST send an
                    // Upgrade header field in a 426 response".
                    head.headers_mut().insert(UPGRADE, HeaderValue::from_static("websocket"));
                    // And the version to upgrade with, as every 426 of ours says.
                    head.headers_mut().insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
                }
                (head, Bytes::from(other.to_string()))
            }
        };
        let headers = head.headers_mut();
        // HTTP/2 has no Connection field (RFC 9113 section 8.2.2).
        if !matches!(self, UpgradeRejection::ExtendedConnect(_)) {
            headers.entry(CONNECTION).or_insert(HeaderValue::from_static("close"));
        }
        if !matches!(self, UpgradeRejection::Rejected(_)) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        }
        head.map(|()| R::from(body))
    }
}

/// A [`WebSocket`] whose `101` response is on its way: resolves to the
/// connection once hyper has written the response and handed the transport
/// over, with the bytes hyper read past the request head already in it.
///
/// Fails with [`Error::HandshakeTimeout`] if that takes longer than the
/// handshake timeout, and with [`Error::Io`] carrying hyper's error if
/// hyper never hands the connection over (the client went away, the
/// response was not returned to hyper, or hyper was not built with
/// upgrades). Polled again after it resolved, it fails with
/// [`Error::Closed`].
#[must_use = "the connection comes only by awaiting the PendingUpgrade"]
pub struct PendingUpgrade {
    on_upgrade: OnUpgrade,
    /// Taken when the connection is made.
    accepted: Option<Accepted>,
    config: Config,
    linger: Duration,
    timeout: Option<Duration>,
    /// Started at the first poll, so the clock is the runtime's then.
    timer: Option<Pin<Box<Sleep>>>,
}

impl PendingUpgrade {
    fn new(on_upgrade: OnUpgrade, accepted: Accepted, options: &Options) -> Self {
        PendingUpgrade {
            on_upgrade,
            accepted: Some(accepted),
            config: options.config,
            linger: options.linger,
            timeout: options.handshake_timeout,
            timer: None,
        }
    }

    /// The subprotocol agreed on, as the `101` response names it.
    pub fn protocol(&self) -> Option<&str> {
        self.accepted.as_ref().and_then(|accepted| accepted.protocol.as_deref())
    }

    /// The connection over hyper's transport, with its buffered bytes fed in.
    fn connect(&mut self, upgraded: Upgraded) -> Result<WebSocket<UpgradedStream>, Error> {
        let mut accepted = self.accepted.take().ok_or(Error::Closed)?;
        let stream = match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => {
                accepted.rest = parts.read_buf;
                UpgradedStream::Tcp(parts.io.into_inner())
            }
            // The Upgraded yields its buffered bytes first.
            Err(upgraded) => UpgradedStream::Upgraded(TokioIo::new(upgraded)),
        };
        let protocol = accepted.protocol.clone();
        let connection = from_handshake(accepted, self.config);
        Ok(WebSocket::from_handshake(connection, stream, self.linger, protocol))
    }
}

impl fmt::Debug for PendingUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingUpgrade")
            .field("protocol", &self.protocol())
            .field("done", &self.accepted.is_none())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Future for PendingUpgrade {
    type Output = Result<WebSocket<UpgradedStream>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.accepted.is_none() {
            return Poll::Ready(Err(Error::Closed));
        }
        if let Poll::Ready(upgraded) = Pin::new(&mut this.on_upgrade).poll(cx) {
            return Poll::Ready(match upgraded {
                Ok(upgraded) => this.connect(upgraded),
                Err(error) => {
                    this.accepted = None;
                    Err(Error::Io(io::Error::other(error)))
                }
            });
        }
        if let Some(limit) = this.timeout {
            let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
            ready!(timer.as_mut().poll(cx));
            this.accepted = None;
            return Poll::Ready(Err(Error::HandshakeTimeout(limit)));
        }
        Poll::Pending
    }
}

/// The transport of a connection upgraded from a hyper request.
#[derive(Debug)]
#[non_exhaustive]
pub enum UpgradedStream {
    /// hyper served a `TokioIo<TcpStream>`: the socket itself, taken back
    /// from hyper (hyper's buffered bytes went into the connection).
    Tcp(TcpStream),
    /// Any other transport, behind hyper's `Upgraded` (whose reads yield
    /// hyper's buffered bytes first).
    Upgraded(TokioIo<Upgraded>),
}

impl AsyncRead for UpgradedStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpgradedStream::Tcp(tcp) => Pin::new(tcp).poll_read(cx, buf),
            UpgradedStream::Upgraded(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for UpgradedStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            UpgradedStream::Tcp(tcp) => Pin::new(tcp).poll_write(cx, buf),
            UpgradedStream::Upgraded(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpgradedStream::Tcp(tcp) => Pin::new(tcp).poll_flush(cx),
            UpgradedStream::Upgraded(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            UpgradedStream::Tcp(tcp) => Pin::new(tcp).poll_shutdown(cx),
            UpgradedStream::Upgraded(io) => Pin::new(io).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            UpgradedStream::Tcp(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            UpgradedStream::Upgraded(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            UpgradedStream::Tcp(tcp) => tcp.is_write_vectored(),
            UpgradedStream::Upgraded(io) => io.is_write_vectored(),
        }
    }
}

/// True when a comma-separated `name` header has `token` (ASCII case
/// insensitive), in any of its lines.
fn has_token(headers: &HeaderMap, name: &noio_ws::handshake::http::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.as_bytes().split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upgrade_request() -> Request<()> {
        Request::builder()
            .uri("/chat")
            .header("host", "example.com")
            .header("upgrade", "websocket")
            .header("connection", "keep-alive, Upgrade")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("sec-websocket-version", "13")
            .body(())
            .unwrap()
    }

    #[test]
    fn the_pending_upgrade_and_its_connection_cross_tasks() {
        fn send<T: Send>() {}
        send::<PendingUpgrade>();
        send::<WebSocket<UpgradedStream>>();
        send::<UpgradeRejection>();
    }

    #[test]
    fn an_upgrade_request_is_told_from_others() {
        assert!(is_upgrade_request(&upgrade_request()));
        let mut plain = upgrade_request();
        plain.headers_mut().remove("upgrade");
        assert!(!is_upgrade_request(&plain));
        let mut h2 = upgrade_request();
        *h2.version_mut() = Version::HTTP_2;
        assert!(!is_upgrade_request(&h2));
    }

    #[test]
    fn a_request_hyper_cannot_upgrade_is_426_with_an_upgrade_header() {
        // A request built by hand has no OnUpgrade in its extensions.
        let rejection = upgrade::<_, ()>(&mut upgrade_request()).unwrap_err();
        assert!(matches!(rejection, UpgradeRejection::NotUpgradable), "{rejection:?}");
        let response = rejection.to_response::<Bytes>();
        assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
        assert_eq!(response.headers()["upgrade"], "websocket");
        assert_eq!(response.headers()["connection"], "close");
    }

    #[test]
    fn a_426_for_a_request_hyper_cannot_upgrade_names_version_13() {
        let rejection = upgrade::<_, ()>(&mut upgrade_request()).unwrap_err();
        let response = rejection.to_response::<Bytes>();
        assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
        assert_eq!(response.headers()["sec-websocket-version"], "13");
    }

    #[test]
    fn rejections_carry_their_status_and_reason() {
        let mut h2 = upgrade_request();
        *h2.version_mut() = Version::HTTP_2;
        // An HTTP/1.1 upgrade's GET sent over HTTP/2, where a WebSocket is a CONNECT.
        let rejection = upgrade::<_, ()>(&mut h2).unwrap_err();
        assert_eq!(rejection.status(), StatusCode::METHOD_NOT_ALLOWED);
        let response = rejection.to_response::<Bytes>();
        assert!(response.body().starts_with(b"a WebSocket over HTTP/2"));
        assert!(!response.headers().contains_key("connection"), "no Connection over HTTP/2");

        let mut bad_protocols = upgrade_request();
        bad_protocols.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("a b"));
        let rejection = upgrade::<_, ()>(&mut bad_protocols).unwrap_err();
        assert_eq!(rejection.status(), StatusCode::BAD_REQUEST, "{rejection}");

        let reject = Reject::new(StatusCode::FORBIDDEN, "go away\n")
            .header(CONNECTION, HeaderValue::from_static("keep-alive"));
        let response = UpgradeRejection::Rejected(reject).to_response::<Bytes>();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(response.headers()["connection"], "keep-alive");
        assert!(!response.headers().contains_key("content-type"));
        assert_eq!(&response.body()[..], b"go away\n");
    }
}
