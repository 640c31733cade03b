//! Upgrading hyper 1 requests: a hyper server (hyper's `http1` builder with
//! upgrades, and hyper-util's `auto` builder) upgraded by us, with our client
//! and tokio-tungstenite as clients; the bytes hyper buffered past the
//! request head reach the connection; rejections are proper HTTP answers;
//! permessage-deflate is negotiated.
#![cfg(feature = "hyper")]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;

use common::{RawPeer, SOON, pattern};
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use noio_ws_tokio::hyper::{UpgradeRejection, UpgradedStream, is_upgrade_request};
use noio_ws_tokio::noio_ws::Role;
use noio_ws_tokio::{
    ClientBuilder, CloseCode, Config, Event, Frame, Reject, ServerBuilder, Upgrade, connect,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as TMessage;

/// Which hyper server serves the connections.
#[derive(Clone, Copy, Debug)]
enum Server {
    /// hyper's `http1` builder over `TokioIo<TcpStream>`, `with_upgrades()`.
    Http1,
    /// hyper-util's `auto` builder, `serve_connection_with_upgrades`.
    Auto,
}

/// What the server saw of each upgraded connection.
#[derive(Debug)]
struct Served {
    /// The transport was the TcpStream, taken back by downcast.
    tcp: bool,
    /// The close code the client closed with.
    close: Option<CloseCode>,
}

/// Refusals of the test server's callback: `/forbidden` is refused, `/chat`
/// picks the subprotocol `chat` whatever the builder would.
fn callback(request: &Request<()>) -> Result<Upgrade, Reject> {
    match request.uri().path() {
        "/forbidden" => Err(Reject::new(StatusCode::FORBIDDEN, "not here\n")),
        "/chat" => Ok(Upgrade::new().protocol("chat")),
        _ => Ok(Upgrade::new()),
    }
}

/// The service: plain requests get 200 "plain"; upgrades are echoed (every
/// message, until the close) in a task that reports to `served`.
async fn service(
    builder: ServerBuilder,
    served: mpsc::UnboundedSender<Served>,
    mut request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if !is_upgrade_request(&request) && request.uri().path() == "/plain" {
        return Ok(Response::new(Full::new(Bytes::from_static(b"plain"))));
    }
    let (response, pending) = match builder.upgrade_with(&mut request, callback) {
        Ok(accepted) => accepted,
        Err(rejection) => return Ok(rejection.to_response()),
    };
    tokio::spawn(async move {
        let mut ws = pending.await.expect("hyper hands the connection over");
        let tcp = matches!(ws.get_ref(), UpgradedStream::Tcp(_));
        while let Some(message) = ws.recv().await {
            let Ok(message) = message else { break };
            if ws.send(Frame::new(message.opcode, message.payload)).await.is_err() {
                break;
            }
        }
        let _ = served.send(Served { tcp, close: ws.close_frame().map(|close| close.code) });
    });
    Ok(response)
}

/// Starts a hyper server upgrading with `builder`; its address and what it
/// reports of each connection.
async fn serve(server: Server, builder: ServerBuilder) -> (SocketAddr, mpsc::UnboundedReceiver<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (builder, tx) = (builder.clone(), tx.clone());
            let service = service_fn(move |request| service(builder.clone(), tx.clone(), request));
            tokio::spawn(async move {
                let io = TokioIo::new(tcp);
                // The connection's end (the client's going away) is no failure here.
                match server {
                    Server::Http1 => {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .with_upgrades()
                            .await;
                    }
                    Server::Auto => {
                        let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                            .serve_connection_with_upgrades(io, service)
                            .await;
                    }
                }
            });
        }
    });
    (addr, rx)
}

/// Text, 1 MiB of binary, a ping and a close through our client.
async fn our_client_exchanges(server: Server) {
    let (addr, mut served) = serve(server, ServerBuilder::new()).await;
    let (mut ws, response) = connect(format!("ws://{addr}/echo")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);

    ws.send_text("hello").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some("hello"));
    let big = pattern(1 << 20, 7);
    ws.send_binary(&big).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().payload, big);
    ws.send(Frame::ping("are you there")).await.unwrap();
    match ws.recv_event().await.unwrap().unwrap() {
        Event::Pong(pong) => assert_eq!(&pong.payload[..], b"are you there"),
        other => panic!("expected the pong, got {other:?}"),
    }
    let reply = ws.close(CloseCode::GOING_AWAY, "bye").await.unwrap();
    assert_eq!(reply.map(|close| close.code), Some(CloseCode::GOING_AWAY));

    let served = tokio::time::timeout(SOON, served.recv()).await.unwrap().unwrap();
    assert_eq!(served.close, Some(CloseCode::GOING_AWAY));
    // hyper's http1 builder served the TcpStream itself, which the downcast
    // took back; the auto builder wraps it in a type of its own.
    assert_eq!(served.tcp, matches!(server, Server::Http1), "{server:?}");
}

#[tokio::test]
async fn our_client_through_hyper_http1() {
    our_client_exchanges(Server::Http1).await;
}

#[tokio::test]
async fn our_client_through_hyper_util_auto() {
    our_client_exchanges(Server::Auto).await;
}

#[tokio::test]
async fn tungstenite_client_through_hyper() {
    for server in [Server::Http1, Server::Auto] {
        let (addr, mut served) = serve(server, ServerBuilder::new()).await;
        let tcp = TcpStream::connect(addr).await.unwrap();
        let (mut peer, response) =
            tokio_tungstenite::client_async(format!("ws://{addr}/echo"), tcp).await.unwrap();
        // tokio-tungstenite offers no permessage-deflate: none is answered.
        assert!(!response.headers().contains_key("sec-websocket-extensions"));

        peer.send(TMessage::text("hello")).await.unwrap();
        assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::text("hello"));
        let big = pattern(1 << 20, 3);
        peer.send(TMessage::binary(big.clone())).await.unwrap();
        assert_eq!(peer.next().await.unwrap().unwrap().into_data(), big);
        peer.send(TMessage::Ping(Bytes::from_static(b"ping"))).await.unwrap();
        assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::Pong(Bytes::from_static(b"ping")));
        peer.close(None).await.unwrap();
        // The server's close reply, then the end of the stream.
        assert!(matches!(peer.next().await, Some(Ok(TMessage::Close(_)))));
        assert!(peer.next().await.is_none());
        // Our end, which the server waits for (within its linger time).
        drop(peer);

        let served = tokio::time::timeout(SOON, served.recv()).await.unwrap().unwrap();
        assert_eq!(served.close, Some(CloseCode::NO_STATUS_RECEIVED), "{server:?}");
    }
}

const REQUEST: &str = "GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/// Writes `request` in one write and reads the response head (status line
/// and headers, lower-cased names).
async fn exchange(tcp: &mut TcpStream, request: &[u8]) -> (u16, Vec<(String, String)>) {
    tcp.write_all(request).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    (status, headers)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn frames_sent_with_the_request_in_one_write_reach_the_connection() {
    for server in [Server::Http1, Server::Auto] {
        let (addr, mut served) = serve(server, ServerBuilder::new().deflate(false)).await;
        // Our raw client's first frames go in the same write as the request
        // head, so hyper reads them with it and holds them in its buffer.
        let mut client =
            RawPeer::new(Role::Client, Config::default(), TcpStream::connect(addr).await.unwrap());
        client.conn.send(Frame::text("early")).unwrap();
        client.conn.send(Frame::binary(pattern(3000, 1))).unwrap();
        let mut bytes = format!("{REQUEST}\r\n").into_bytes();
        while let Some(out) = client.conn.poll_output() {
            bytes.extend_from_slice(&out);
        }
        let (status, _) = exchange(&mut client.io, &bytes).await;
        assert_eq!(status, 101);
        for expected in [&b"early"[..], &pattern(3000, 1)] {
            match tokio::time::timeout(SOON, client.next_event()).await.unwrap() {
                Some(Event::Message(message)) => assert_eq!(&message.payload[..], expected),
                other => panic!("{server:?}: expected the echo, got {other:?}"),
            }
        }
        client.send(Frame::close(CloseCode::NORMAL, "").unwrap()).await;
        assert!(matches!(client.next_event().await, Some(Event::Close(_))));
        drop(client);
        let served = tokio::time::timeout(SOON, served.recv()).await.unwrap().unwrap();
        assert_eq!(served.close, Some(CloseCode::NORMAL));
    }
}

#[tokio::test]
async fn bad_requests_get_their_http_status() {
    let (addr, _served) = serve(Server::Http1, ServerBuilder::new()).await;
    let cases = [
        (REQUEST.replace("GET", "POST"), 405),
        (REQUEST.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), 400),
        (REQUEST.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="), 400),
        (REQUEST.replace("Upgrade: websocket\r\n", ""), 400),
        (REQUEST.replace("Connection: Upgrade", "Connection: keep-alive"), 400),
        (format!("{REQUEST}Sec-WebSocket-Extensions: permessage-deflate; =\r\n"), 400),
        (REQUEST.replace("/echo", "/forbidden"), 403),
    ];
    for (request, expected) in cases {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let (status, headers) = exchange(&mut tcp, format!("{request}\r\n").as_bytes()).await;
        assert_eq!(status, expected, "{request}");
        assert_eq!(header(&headers, "connection"), Some("close"), "{request}");
        assert!(header(&headers, "sec-websocket-accept").is_none());
    }

    // Another version: 426 with the version this server speaks (RFC 6455 section 4.4).
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = REQUEST.replace("Version: 13", "Version: 8");
    let (status, headers) = exchange(&mut tcp, format!("{request}\r\n").as_bytes()).await;
    assert_eq!(status, 426);
    assert_eq!(header(&headers, "sec-websocket-version"), Some("13"));
    let mut body = String::new();
    tcp.read_to_string(&mut body).await.unwrap();
    assert!(body.contains("Sec-WebSocket-Version"), "{body}");

    // A plain request on the same server is served as usual.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let (status, _) = exchange(&mut tcp, b"GET /plain HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_rejection_of_our_own_client_is_its_status() {
    let (addr, _served) = serve(Server::Http1, ServerBuilder::new()).await;
    let error = connect(format!("ws://{addr}/forbidden")).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN), "{error}");
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn deflate_is_negotiated_unless_turned_off() {
    let text = "compressible ".repeat(10_000);
    for (server_deflate, negotiated) in [(true, true), (false, false)] {
        let (addr, _served) = serve(Server::Http1, ServerBuilder::new().deflate(server_deflate)).await;
        let (mut ws, response) = ClientBuilder::new().connect(format!("ws://{addr}/")).await.unwrap();
        let extensions = response.headers().get("sec-websocket-extensions");
        assert_eq!(
            extensions.is_some_and(|value| value.to_str().unwrap().starts_with("permessage-deflate")),
            negotiated
        );
        ws.send_text(&text).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some(text.as_str()));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    }
}

#[tokio::test]
async fn subprotocols_are_picked_by_the_builder_or_the_callback() {
    let (addr, _served) = serve(Server::Http1, ServerBuilder::new().protocols(["json", "xml"])).await;
    let client = ClientBuilder::new().protocol("xml").protocol("json").protocol("chat");
    let offer = |path: &str| client.connect(format!("ws://{addr}{path}"));
    // The builder's: the first the client offers that the server speaks.
    let (ws, response) = offer("/").await.unwrap();
    assert_eq!(ws.protocol(), Some("xml"));
    assert_eq!(response.headers()["sec-websocket-protocol"], "xml");
    // The callback's, when it picks one.
    let (ws, _) = offer("/chat").await.unwrap();
    assert_eq!(ws.protocol(), Some("chat"));
    // The callback picking one the client did not offer is a 400.
    let error = ClientBuilder::new().connect(format!("ws://{addr}/chat")).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST), "{error}");
}

#[tokio::test]
async fn a_request_hyper_cannot_upgrade_fails_the_pending_upgrade() {
    // hyper's http1 builder without `with_upgrades()`: the 101 is written,
    // but the connection is never handed over, and hyper says so.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let service = service_fn(move |mut request: Request<Incoming>| {
            let tx = tx.clone();
            async move {
                let (response, pending) = match noio_ws_tokio::hyper::upgrade(&mut request) {
                    Ok(accepted) => accepted,
                    Err(rejection) => return Ok::<_, Infallible>(rejection.to_response::<Full<Bytes>>()),
                };
                tokio::spawn(async move {
                    let _ = tx.send(pending.await.map(|_| ()));
                });
                Ok(response)
            }
        });
        let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let (status, _) = exchange(&mut tcp, format!("{REQUEST}\r\n").as_bytes()).await;
    assert_eq!(status, 101);
    let outcome = tokio::time::timeout(SOON, rx.recv()).await.unwrap().unwrap();
    let error = outcome.unwrap_err();
    assert!(matches!(error, noio_ws_tokio::Error::Io(_)), "{error:?}");
}

#[test]
fn a_request_not_from_hyper_is_not_upgradable() {
    let mut request = Request::builder()
        .uri("/")
        .header("host", "localhost")
        .header("upgrade", "websocket")
        .header("connection", "upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "13")
        .body(())
        .unwrap();
    let rejection = noio_ws_tokio::hyper::upgrade::<_, ()>(&mut request).unwrap_err();
    assert!(matches!(rejection, UpgradeRejection::NotUpgradable));
    assert_eq!(rejection.status(), StatusCode::UPGRADE_REQUIRED);
}
