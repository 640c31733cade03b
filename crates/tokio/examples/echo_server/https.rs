//! `--tls`: the echo over `https://` and `wss://`, HTTP/1.1 and HTTP/2 on
//! one port.
//!
//! A self-signed certificate is made at start-up (rcgen) for `localhost`,
//! `127.0.0.1`, `::1` and the host the server listens on; `--cert-out FILE`
//! writes it as PEM for a client to trust (`client --ca FILE`). rustls
//! offers ALPN `h2` and `http/1.1`, and hyper-util's `auto` server reads
//! whichever the client picked. Its HTTP/2 side advertises
//! `SETTINGS_ENABLE_CONNECT_PROTOCOL` (`enable_connect_protocol`): without
//! it no client may send RFC 8441's extended CONNECT, and a browser opens a
//! second connection, over HTTP/1.1, for its WebSocket. Every request goes
//! through `noio_ws_tokio::hyper`'s upgrade, which takes an HTTP/1.1
//! `Upgrade` and an HTTP/2 CONNECT alike; the page comes over the same
//! connection.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use noio_ws_tokio::http::header::{CONNECTION, CONTENT_TYPE};
use noio_ws_tokio::http::{HeaderValue, Request, Response, StatusCode, Version};
use noio_ws_tokio::hyper::is_upgrade_request;
use noio_ws_tokio::rustls::ServerConfig;
use noio_ws_tokio::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use noio_ws_tokio::tokio_rustls::TlsAcceptor;
use noio_ws_tokio::tokio_rustls::server::TlsStream;
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;

use crate::{BUSY, Echo, page, wants_websocket};

/// The TLS server: its certificate, and hyper's HTTP/1.1 and HTTP/2.
pub(crate) struct Https {
    acceptor: TlsAcceptor,
    http: auto::Builder<TokioExecutor>,
    echo: Arc<Echo>,
    /// What the start-up line says of the certificate.
    pub(crate) certificate: String,
}

impl Https {
    /// A certificate for the names of `addr` (writing it to `cert_out`, if
    /// given) and the servers that use it.
    pub(crate) fn new(addr: &str, cert_out: Option<&str>, echo: Arc<Echo>) -> Result<Https, String> {
        let names = certificate_names(addr);
        let key = rcgen::KeyPair::generate().map_err(|e| format!("cannot make a key: {e}"))?;
        let mut params = rcgen::CertificateParams::new(names.clone())
            .map_err(|e| format!("bad certificate names: {e}"))?;
        params.distinguished_name.push(rcgen::DnType::CommonName, "noio-ws echo_server");
        let cert = params.self_signed(&key).map_err(|e| format!("cannot sign the certificate: {e}"))?;
        let mut certificate = format!("self-signed certificate for {}", names.join(", "));
        if let Some(path) = cert_out {
            std::fs::write(path, cert.pem()).map_err(|e| format!("cannot write {path}: {e}"))?;
            certificate.push_str(&format!(" in {path}"));
        }
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        // The adapter's provider (ring's), passed explicitly: no process-level
        // default is looked up.
        let mut config = ServerConfig::builder_with_provider(noio_ws_tokio::crypto_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key)
            .map_err(|e| format!("cannot use the certificate: {e}"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut http = auto::Builder::new(TokioExecutor::new());
        http.http1().timer(TokioTimer::new()).header_read_timeout(echo.limits.handshake_timeout);
        http.http2().timer(TokioTimer::new()).enable_connect_protocol();
        Ok(Https { acceptor: TlsAcceptor::from(Arc::new(config)), http, echo, certificate })
    }

    /// Serves one TCP connection: TLS, then HTTP requests (the page, and
    /// WebSockets: over HTTP/2 any number of them, each on its own task)
    /// until the client goes. `slot`, its place under the connection cap,
    /// is held until the connection and every WebSocket on it have ended.
    /// `Err` is the line to log.
    pub(crate) async fn serve(
        self: Arc<Self>,
        tcp: TcpStream,
        peer: SocketAddr,
        slot: OwnedSemaphorePermit,
    ) -> Result<(), String> {
        let tls = self.handshake(tcp).await?;
        let slot = Arc::new(slot);
        let this = Arc::clone(&self);
        let service = service_fn(move |request| {
            let response = this.respond(request, peer, Arc::clone(&slot));
            async move { Ok::<_, Infallible>(response) }
        });
        self.http
            .serve_connection_with_upgrades(TokioIo::new(tls), service)
            .await
            .map_err(|error| format!("HTTP: {error}"))
    }

    /// Answers a connection over the cap with 503, within the handshake
    /// timeout; the status if it went out.
    pub(crate) async fn refuse_over_capacity(&self, tcp: TcpStream) -> Option<StatusCode> {
        let refusal = async {
            let tls = self.handshake(tcp).await.ok()?;
            let service = service_fn(|request: Request<Incoming>| async move {
                let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", BUSY);
                // HTTP/2 has no Connection field; HTTP/2's client is left to go.
                if request.version() < Version::HTTP_2 {
                    response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
                }
                Ok::<_, Infallible>(response)
            });
            self.http.serve_connection(TokioIo::new(tls), service).await.ok()
        };
        tokio::time::timeout(self.echo.limits.handshake_timeout, refusal).await.ok().flatten()?;
        Some(StatusCode::SERVICE_UNAVAILABLE)
    }

    /// The TLS handshake, within the handshake timeout.
    async fn handshake(&self, tcp: TcpStream) -> Result<TlsStream<TcpStream>, String> {
        let timeout = self.echo.limits.handshake_timeout;
        match tokio::time::timeout(timeout, self.acceptor.accept(tcp)).await {
            Ok(tls) => tls.map_err(|error| format!("TLS handshake failed: {error}")),
            Err(_) => Err(format!("no TLS handshake within {timeout:?}")),
        }
    }

    /// One request's answer: the page or its 404, or a WebSocket upgrade
    /// (HTTP/1.1 `Upgrade` or HTTP/2 extended CONNECT) whose echo starts
    /// on its own task once hyper hands the stream over.
    fn respond(
        &self,
        mut request: Request<Incoming>,
        peer: SocketAddr,
        slot: Arc<OwnedSemaphorePermit>,
    ) -> Response<Full<Bytes>> {
        if !(is_upgrade_request(&request) || wants_websocket(&request)) {
            let (status, content_type, body) = page(request.uri().path());
            return plain(status, content_type, body);
        }
        let over = request.version();
        match self.echo.server.upgrade(&mut request) {
            Ok((response, pending)) => {
                let echo = Arc::clone(&self.echo);
                tokio::spawn(async move {
                    let _slot = slot;
                    let outcome = match pending.await {
                        Ok(ws) => echo.run(ws, peer, over).await,
                        Err(error) => Err(error.to_string()),
                    };
                    if let Err(failure) = outcome {
                        eprintln!("echo_server: {peer}: {failure}");
                    }
                });
                response
            }
            Err(rejection) => {
                eprintln!("echo_server: {peer}: handshake refused with {}: {rejection}", rejection.status());
                rejection.to_response()
            }
        }
    }
}

/// A response with `status` and a `body` of `content_type`.
fn plain(status: StatusCode, content_type: &'static str, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The names the certificate is for: the loopback names, and the host of
/// `addr` unless it is a wildcard address.
fn certificate_names(addr: &str) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let host = match addr.rsplit_once(':') {
        Some((host, _port)) => host.trim_start_matches('[').trim_end_matches(']'),
        None => addr,
    };
    if !host.is_empty() && host != "0.0.0.0" && host != "::" && !names.iter().any(|name| name == host) {
        names.push(host.to_string());
    }
    names
}
