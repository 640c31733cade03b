//! Our HTTP/2 client (`ClientBuilder::http2`, RFC 8441) against hyper
//! servers that serve HTTP/1.1 and HTTP/2 on one port (hyper-util's auto
//! server, h2c by prior knowledge and, over rustls, ALPN `h2`): text,
//! binary, 16 MiB, fragments, ping and close with and without deflate; the
//! fallback to HTTP/1.1 where the server does not enable extended CONNECT
//! or does not speak HTTP/2; a refusal's status and body; and, against a
//! bare h2 server, a reset stream as an abnormal closure.
#![cfg(all(feature = "http2", feature = "hyper", feature = "rustls"))]

mod common;
mod tls_support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use common::{SOON, pattern};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use noio_ws_tokio::hyper::UpgradedStream;
use noio_ws_tokio::tokio_rustls::TlsAcceptor;
use noio_ws_tokio::{ClientBuilder, ClientStream, CloseCode, Error, Event, Frame, ServerBuilder, WebSocket};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What the server saw of one upgrade: the HTTP version it came over, and
/// how its WebSocket ended.
type Served = (Version, Result<Option<CloseCode>, Error>);

/// Echoes every message until the close; reports the close code.
async fn echo(mut ws: WebSocket<UpgradedStream>) -> Result<Option<CloseCode>, Error> {
    while let Some(message) = ws.recv().await {
        let message = message?;
        ws.send(Frame::new(message.opcode, message.payload)).await?;
    }
    Ok(ws.close_frame().map(|close| close.code))
}

/// How the test server is set up.
#[derive(Clone, Copy)]
struct Setup {
    /// `SETTINGS_ENABLE_CONNECT_PROTOCOL` on the HTTP/2 side.
    connect_protocol: bool,
    /// TLS, with ALPN `h2` and `http/1.1`.
    tls: bool,
    deflate: bool,
}

/// A hyper-util auto server (HTTP/1.1 and HTTP/2) upgrading `/echo` with
/// our `ServerBuilder` and refusing anything else with 403 and a body.
/// Returns its address, the certificate (over TLS) and its reports.
async fn serve(
    setup: Setup,
) -> (SocketAddr, Option<Arc<rustls::ClientConfig>>, mpsc::UnboundedReceiver<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (report, reports) = mpsc::unbounded_channel();
    let (acceptor, client_tls) = if setup.tls {
        let (cert, config) = tls_support::self_signed("noio-ws h2 test", &["localhost"]);
        let mut config = Arc::unwrap_or_clone(config);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut client = Arc::unwrap_or_clone(tls_support::trusting(cert));
        client.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        (Some(TlsAcceptor::from(Arc::new(config))), Some(Arc::new(client)))
    } else {
        (None, None)
    };
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let report = report.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(acceptor) => {
                        let Ok(tls) = acceptor.accept(tcp).await else { return };
                        serve_connection(setup, tls, report).await;
                    }
                    None => serve_connection(setup, tcp, report).await,
                }
            });
        }
    });
    (addr, client_tls, reports)
}

async fn serve_connection<S>(setup: Setup, io: S, report: mpsc::UnboundedSender<Served>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |mut request: Request<Incoming>| {
        let report = report.clone();
        async move {
            if request.uri().path() != "/echo" {
                let body = Full::new(Bytes::from_static(b"not here"));
                return Ok::<_, Infallible>(
                    Response::builder().status(StatusCode::FORBIDDEN).body(body).unwrap(),
                );
            }
            let version = request.version();
            let builder = ServerBuilder::new().deflate(setup.deflate).protocols(["chat"]);
            let response = match builder.upgrade(&mut request) {
                Ok((response, pending)) => {
                    tokio::spawn(async move {
                        let outcome = match pending.await {
                            Ok(ws) => echo(ws).await,
                            Err(error) => Err(error),
                        };
                        let _ = report.send((version, outcome));
                    });
                    response
                }
                Err(rejection) => rejection.to_response(),
            };
            Ok(response)
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    if setup.connect_protocol {
        builder.http2().enable_connect_protocol();
    }
    let _ = builder.serve_connection_with_upgrades(TokioIo::new(io), service).await;
}

/// Our client with HTTP/2 on, and the TLS config that trusts the server.
fn client(tls: Option<Arc<rustls::ClientConfig>>, deflate: bool) -> ClientBuilder {
    let builder = ClientBuilder::new().http2(true).deflate(deflate).protocol("chat");
    match tls {
        Some(config) => builder.tls_config(config),
        None => builder,
    }
}

/// Text, 16 MiB of binary, a fragmented message with a ping between its
/// fragments, and the close, over `ws`.
async fn exchange(ws: &mut WebSocket<ClientStream>) {
    ws.send_text("hello over h2").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello over h2"));
    let big = pattern(16 << 20, 5);
    ws.send_binary(&big).await.unwrap();
    assert!(ws.recv().await.unwrap().unwrap().payload[..] == big[..], "the 16 MiB echo differs");
    ws.feed(Frame::text("frag").with_fin(false)).await.unwrap();
    ws.feed(Frame::ping("p")).await.unwrap();
    ws.send(Frame::continuation("ments", true)).await.unwrap();
    let mut saw_pong = false;
    loop {
        match ws.recv_event().await.unwrap().unwrap() {
            Event::Pong(pong) => saw_pong = pong.payload == "p",
            Event::Message(message) => {
                assert_eq!(message.as_text(), Some("fragments"));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(saw_pong);
    let reply = ws.close(CloseCode::NORMAL, "bye").await.unwrap();
    assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
}

#[tokio::test]
async fn a_websocket_over_h2c_and_over_tls_h2_with_and_without_deflate() {
    for tls in [false, true] {
        for deflate in [false, true] {
            let setup = Setup { connect_protocol: true, tls, deflate };
            let (addr, client_tls, mut reports) = serve(setup).await;
            let url = match tls {
                true => format!("wss://localhost:{}/echo", addr.port()),
                false => format!("ws://{addr}/echo"),
            };
            let (mut ws, response) = client(client_tls, deflate).connect(&url).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "a 200, not a 101");
            assert_eq!(response.version(), Version::HTTP_2);
            assert!(matches!(ws.get_ref(), ClientStream::Http2(_)), "tls {tls}");
            assert_eq!(ws.protocol(), Some("chat"));
            let extensions = response.headers().get("sec-websocket-extensions");
            assert_eq!(extensions.is_some(), deflate, "deflate {deflate}");
            exchange(&mut ws).await;
            let (version, outcome) = tokio::time::timeout(SOON, reports.recv()).await.unwrap().unwrap();
            assert_eq!(version, Version::HTTP_2);
            assert_eq!(outcome.unwrap(), Some(CloseCode::NORMAL));
        }
    }
}

#[tokio::test]
async fn without_the_connect_protocol_setting_the_client_upgrades_over_http1() {
    for tls in [false, true] {
        let setup = Setup { connect_protocol: false, tls, deflate: true };
        let (addr, client_tls, mut reports) = serve(setup).await;
        let url = match tls {
            true => format!("wss://localhost:{}/echo", addr.port()),
            false => format!("ws://{addr}/echo"),
        };
        let (mut ws, response) = client(client_tls, true).connect(&url).await.unwrap();
        assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
        assert!(!matches!(ws.get_ref(), ClientStream::Http2(_)));
        if tls {
            let alpn = ws.get_ref().tls().unwrap().alpn_protocol();
            assert_eq!(alpn, Some(&b"http/1.1"[..]), "the second connection does not offer h2");
        }
        ws.send_text("over HTTP/1.1").await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("over HTTP/1.1"));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        let (version, outcome) = tokio::time::timeout(SOON, reports.recv()).await.unwrap().unwrap();
        assert_eq!(version, Version::HTTP_11);
        assert_eq!(outcome.unwrap(), Some(CloseCode::NORMAL));
    }
}

#[tokio::test]
async fn a_server_that_speaks_only_http1_gets_an_http1_upgrade() {
    let (addr, mut outcomes) = tls_support::plain_echo_server_for_each().await;
    let (mut ws, response) = ClientBuilder::new().http2(true).connect(format!("ws://{addr}/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    // The first connection carried the HTTP/2 preface, which an HTTP/1.1
    // server refuses; the WebSocket is the second.
    let refused = tokio::time::timeout(SOON, outcomes.recv()).await.unwrap().unwrap();
    assert!(refused.is_err(), "{refused:?}");
    ws.send_text("hi").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hi"));
    ws.close(CloseCode::NORMAL, "").await.unwrap();
    let served = tokio::time::timeout(SOON, outcomes.recv()).await.unwrap().unwrap();
    assert_eq!(served.unwrap(), Some(CloseCode::NORMAL));
}

#[tokio::test]
async fn a_refused_extended_connect_gives_its_status_and_body() {
    let (addr, _, _reports) = serve(Setup { connect_protocol: true, tls: false, deflate: false }).await;
    let refused = client(None, false).connect(format!("ws://{addr}/elsewhere")).await;
    match refused {
        Err(Error::HandshakeRefused { status, body }) => {
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert_eq!(body, "not here");
        }
        other => panic!("{other:?}"),
    }
}

/// A bare h2 server (prior knowledge, extended CONNECT on) that answers
/// the first request with 200, takes one DATA frame, and resets the
/// stream.
async fn resetting_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut connection =
            h2::server::Builder::new().enable_connect_protocol().handshake::<_, Bytes>(tcp).await.unwrap();
        let (request, mut respond) = connection.accept().await.unwrap().unwrap();
        tokio::spawn(async move { while connection.accept().await.is_some() {} });
        let mut body = request.into_body();
        let mut send = respond.send_response(Response::new(()), false).unwrap();
        let _ = body.data().await;
        send.send_reset(h2::Reason::INTERNAL_ERROR);
        // Kept alive past the reset, so that only the stream ends.
        tokio::time::sleep(SOON).await;
        drop(body);
    });
    addr
}

#[tokio::test]
async fn a_stream_reset_by_the_server_is_an_abnormal_closure() {
    let addr = resetting_server().await;
    let (mut ws, response) =
        ClientBuilder::new().http2(true).deflate(false).connect(format!("ws://{addr}/")).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    ws.send_text("hello").await.unwrap();
    let outcome = tokio::time::timeout(SOON, ws.recv()).await.unwrap();
    assert!(matches!(outcome, Some(Err(Error::AbnormalClosure))), "{outcome:?}");
}
