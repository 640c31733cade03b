//! WebSockets over HTTP/2 (RFC 8441) through hyper: a hyper h2c server that
//! enables the connect protocol, upgraded by `noio_ws_tokio::hyper`, and a
//! hyper HTTP/2 client sending the extended CONNECT that
//! `ClientRequest::extended_connect` builds. Text, binary, 1 MiB, fragments,
//! ping, close, with and without permessage-deflate; a malformed request is
//! refused with its status; a stream reset is an abnormal closure.
#![cfg(feature = "hyper")]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;

use common::{SOON, pattern};
use http_body_util::{Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::ext::Protocol;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use noio_ws_tokio::http::Version;
use noio_ws_tokio::hyper::{UpgradedStream, is_upgrade_request};
use noio_ws_tokio::noio_ws::registry::ExtensionStack;
use noio_ws_tokio::noio_ws::{ClientRequest, ConnectProtocol, PerMessageDeflate, from_handshake};
use noio_ws_tokio::{CloseCode, Config, Error, Event, Frame, ServerBuilder, WebSocket};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Echoes every message until the close; reports the close code.
async fn echo(mut ws: WebSocket<UpgradedStream>) -> Result<Option<CloseCode>, Error> {
    while let Some(message) = ws.recv().await {
        let message = message?;
        ws.send(Frame::new(message.opcode, message.payload)).await?;
    }
    Ok(ws.close_frame().map(|close| close.code))
}

/// A hyper HTTP/2 server (prior knowledge, no TLS) with the connect
/// protocol enabled; upgrades go to `echo`, whose outcomes (and the
/// rejections' statuses) are reported.
async fn serve(deflate: bool) -> (SocketAddr, mpsc::UnboundedReceiver<Result<Option<CloseCode>, Error>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (report, reports) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let report = report.clone();
            let service = service_fn(move |mut request: Request<Incoming>| {
                let report = report.clone();
                async move {
                    let builder = ServerBuilder::new().deflate(deflate).protocols(["chat"]);
                    let response = match builder.upgrade(&mut request) {
                        Ok((response, pending)) => {
                            tokio::spawn(async move {
                                let outcome = match pending.await {
                                    Ok(ws) => echo(ws).await,
                                    Err(error) => Err(error),
                                };
                                let _ = report.send(outcome);
                            });
                            response
                        }
                        Err(rejection) => rejection.to_response(),
                    };
                    Ok::<Response<Full<Bytes>>, Infallible>(response)
                }
            });
            tokio::spawn(async move {
                let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
                builder.enable_connect_protocol();
                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
            });
        }
    });
    (addr, reports)
}

/// A hyper HTTP/2 client connection to `addr`.
async fn h2_client(addr: SocketAddr) -> hyper::client::conn::http2::SendRequest<Empty<Bytes>> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(connection);
    sender
}

/// The request `ClientRequest` builds, as hyper sends it: our neutral
/// `:protocol` becomes hyper's.
fn to_hyper(request: Request<()>) -> Request<Empty<Bytes>> {
    let (mut parts, ()) = request.into_parts();
    let protocol = parts.extensions.remove::<ConnectProtocol>().unwrap();
    parts.extensions.insert(Protocol::from(protocol.as_str()));
    Request::from_parts(parts, Empty::new())
}

/// Our client over HTTP/2: the extended CONNECT, the 200, the stream.
async fn connect_h2(
    addr: SocketAddr,
    deflate: bool,
) -> (WebSocket<TokioIo<hyper::upgrade::Upgraded>>, Response<Incoming>) {
    let mut extensions = ExtensionStack::new();
    if deflate {
        extensions.push(PerMessageDeflate::new(Default::default())).unwrap();
    }
    let (request, pending) = ClientRequest::new(&format!("ws://{addr}/echo"))
        .unwrap()
        .protocol("chat")
        .extensions(extensions)
        .extended_connect(Version::HTTP_2)
        .unwrap();
    let mut sender = h2_client(addr).await;
    let request = to_hyper(request);
    assert!(is_upgrade_request(&request));
    let mut response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let head = {
        let mut head = Response::new(());
        *head.status_mut() = response.status();
        *head.headers_mut() = response.headers().clone();
        head
    };
    let accepted = pending.check_response(&head).unwrap();
    assert_eq!(accepted.protocol.as_deref(), Some("chat"));
    let upgraded = hyper::upgrade::on(&mut response).await.unwrap();
    let connection = from_handshake(accepted, Config::default());
    (WebSocket::from_connection(connection, TokioIo::new(upgraded)), response)
}

#[tokio::test]
async fn text_binary_fragments_ping_and_close_over_http2() {
    for deflate in [false, true] {
        let (addr, mut reports) = serve(deflate).await;
        let (mut ws, response) = connect_h2(addr, deflate).await;
        let extensions = response.headers().get("sec-websocket-extensions");
        assert_eq!(extensions.is_some(), deflate, "deflate {deflate}");
        ws.send_text("hello over h2").await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello over h2"));
        let big = pattern(1 << 20, 3);
        ws.send_binary(&big).await.unwrap();
        assert!(ws.recv().await.unwrap().unwrap().payload[..] == big[..], "the 1 MiB echo differs");
        // A fragmented message, and a ping in between.
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
        let served = tokio::time::timeout(SOON, reports.recv()).await.unwrap().unwrap();
        assert_eq!(served.unwrap(), Some(CloseCode::NORMAL));
    }
}

#[tokio::test]
async fn a_malformed_extended_connect_is_refused_with_its_status() {
    let (addr, _reports) = serve(false).await;
    let mut sender = h2_client(addr).await;
    let mut cases = Vec::new();
    // Another WebSocket version: 400 (not 426) with version 13.
    let (request, _) =
        ClientRequest::new(&format!("ws://{addr}/")).unwrap().extended_connect(Version::HTTP_2).unwrap();
    let mut request = to_hyper(request);
    request.headers_mut().insert("sec-websocket-version", "8".parse().unwrap());
    cases.push((request, StatusCode::BAD_REQUEST, true));
    // Another :protocol.
    let (request, _) =
        ClientRequest::new(&format!("ws://{addr}/")).unwrap().extended_connect(Version::HTTP_2).unwrap();
    let mut request = to_hyper(request);
    request.extensions_mut().insert(Protocol::from_static("webtransport"));
    cases.push((request, StatusCode::BAD_REQUEST, false));
    // A plain GET over HTTP/2 to the WebSocket endpoint.
    let get = Request::get(format!("http://{addr}/not-websocket")).body(Empty::new()).unwrap();
    cases.push((get, StatusCode::METHOD_NOT_ALLOWED, false));
    assert!(!is_upgrade_request(&cases[1].0), "another :protocol is not a WebSocket request");
    assert!(!is_upgrade_request(&cases[2].0));
    for (request, status, version13) in cases {
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), status);
        let version = response.headers().get("sec-websocket-version");
        assert_eq!(version.is_some_and(|v| v == "13"), version13, "{status}");
        assert!(!response.headers().contains_key("connection"));
    }
}

#[tokio::test]
async fn a_reset_stream_is_an_abnormal_closure() {
    let (addr, mut reports) = serve(false).await;
    let (mut ws, _response) = connect_h2(addr, false).await;
    ws.send_text("hello").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello"));
    // Dropping the client's stream without a close resets it.
    drop(ws);
    let served = tokio::time::timeout(SOON, reports.recv()).await.unwrap().unwrap();
    assert!(matches!(served, Err(Error::AbnormalClosure)), "{served:?}");
}
