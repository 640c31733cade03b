//! The axum extractor in an axum 0.8 app served by `axum::serve`: echo with
//! tokio-tungstenite and our client (deflate negotiated with ours), the
//! subprotocol axum's way, a broadcast to several clients, rejections, and
//! frames sent with the request reaching the handler.
#![cfg(feature = "axum")]

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use common::{RawPeer, SOON, pattern};
use futures_util::{SinkExt, StreamExt};
use noio_ws_tokio::axum::{Frame, Message, WebSocket, WebSocketUpgrade};
use noio_ws_tokio::http::StatusCode;
use noio_ws_tokio::noio_ws::Role;
use noio_ws_tokio::{ClientBuilder, CloseCode, Config, Event, connect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message as TMessage;

/// Echoes every message until the close.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if socket.send(Frame::new(message.opcode, message.payload)).await.is_err() {
            return;
        }
    }
}

async fn echo_handler(ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(echo)
}

/// Picks a subprotocol axum's way, and says which in a first text message.
async fn protocol_handler(ws: WebSocketUpgrade) -> Response {
    let ws = ws.protocols(["graphql-ws", "chat"]);
    let selected = ws.selected_protocol().map(|p| p.to_str().unwrap().to_owned());
    ws.on_upgrade(move |mut socket| async move {
        assert_eq!(socket.protocol(), selected.as_deref());
        let _ = socket.send_text(selected.as_deref().unwrap_or("none")).await;
        echo(socket).await;
    })
}

/// Sends every text message any client sends to every client.
async fn broadcast_handler(ws: WebSocketUpgrade, State(tx): State<broadcast::Sender<Message>>) -> Response {
    // Subscribed before the 101 goes out: once a client has its answer, it
    // gets every message sent after.
    let mut rx = tx.subscribe();
    ws.max_message_size(1 << 16).on_upgrade(move |socket| async move {
        let (mut read, mut write) = socket.split();
        let forward = tokio::spawn(async move {
            while let Ok(message) = rx.recv().await {
                if write.send(Frame::new(message.opcode, message.payload)).await.is_err() {
                    break;
                }
            }
        });
        while let Some(Ok(message)) = read.recv().await {
            let _ = tx.send(message);
        }
        forward.abort();
    })
}

/// Serves the test app; its address.
async fn serve() -> SocketAddr {
    let (tx, _) = broadcast::channel(16);
    let app = Router::new()
        // Any method, so the extractor (not the router) refuses a POST.
        .route("/echo", any(echo_handler))
        .route("/protocols", get(protocol_handler))
        .route("/broadcast", get(broadcast_handler))
        .route("/plain-echo", get(|ws: WebSocketUpgrade| async move { ws.deflate(false).on_upgrade(echo) }))
        .with_state(tx);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn tungstenite_client_echoes_through_axum() {
    let addr = serve().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut peer, response) =
        tokio_tungstenite::client_async(format!("ws://{addr}/echo"), tcp).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    peer.send(TMessage::text("hello")).await.unwrap();
    assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::text("hello"));
    let big = pattern(1 << 20, 5);
    peer.send(TMessage::binary(big.clone())).await.unwrap();
    assert_eq!(peer.next().await.unwrap().unwrap().into_data(), big);
    peer.close(None).await.unwrap();
    assert!(matches!(peer.next().await, Some(Ok(TMessage::Close(_)))));
}

#[cfg(feature = "deflate")]
#[tokio::test]
async fn our_client_gets_deflate_from_axum() {
    let addr = serve().await;
    let text = "a compressible line\n".repeat(5_000);
    for (path, negotiated) in [("/echo", true), ("/plain-echo", false)] {
        let (mut ws, response) = connect(format!("ws://{addr}{path}")).await.unwrap();
        let extensions = response.headers().get("sec-websocket-extensions");
        assert_eq!(extensions.is_some(), negotiated, "{path}");
        ws.send_text(&text).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some(text.as_str()));
        let reply = ws.close(CloseCode::NORMAL, "").await.unwrap();
        assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
    }
}

#[tokio::test]
async fn the_subprotocol_is_the_servers_first_that_the_client_offered() {
    let addr = serve().await;
    for (offered, selected) in [
        (&["chat", "graphql-ws"][..], Some("graphql-ws")),
        (&["chat", "mqtt"], Some("chat")),
        (&["mqtt"], None),
        (&[], None),
    ] {
        let client = offered.iter().fold(ClientBuilder::new(), |client, p| client.protocol(*p));
        let (mut ws, response) = client.connect(format!("ws://{addr}/protocols")).await.unwrap();
        let header = response.headers().get("sec-websocket-protocol").map(|p| p.to_str().unwrap());
        assert_eq!((header, ws.protocol()), (selected, selected), "{offered:?}");
        let first = ws.recv().await.unwrap().unwrap();
        assert_eq!(first.as_text(), Some(selected.unwrap_or("none")));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    }
}

#[tokio::test]
async fn a_message_is_broadcast_to_every_client() {
    let addr = serve().await;
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(connect(format!("ws://{addr}/broadcast")).await.unwrap().0);
    }
    // Every client is subscribed once connected: each one's message reaches all.
    for (i, client) in clients.iter_mut().enumerate() {
        client.send_text(&format!("hello from {i}")).await.unwrap();
    }
    for client in &mut clients {
        let mut seen = Vec::new();
        while seen.len() < 4 {
            let message = tokio::time::timeout(SOON, client.recv()).await.unwrap().unwrap().unwrap();
            seen.push(message.as_text().unwrap().to_owned());
        }
        seen.sort();
        assert_eq!(seen, (0..4).map(|i| format!("hello from {i}")).collect::<Vec<_>>());
    }
    // A message past the handler's max_message_size fails that connection
    // (1009) and is sent to no one.
    let too_big = "x".repeat(1 << 17);
    clients[0].send_text(&too_big).await.unwrap();
    clients[1].send_text("still here").await.unwrap();
    for client in &mut clients[1..] {
        let message = tokio::time::timeout(SOON, client.recv()).await.unwrap().unwrap().unwrap();
        assert_eq!(message.as_text(), Some("still here"));
    }
    let failed = loop {
        match tokio::time::timeout(SOON, clients[0].recv_event()).await.unwrap() {
            Some(Ok(Event::Close(close))) => break close.code,
            Some(Ok(_)) => {}
            other => panic!("expected the server's close, got {other:?}"),
        }
    };
    assert_eq!(failed, CloseCode::MESSAGE_TOO_BIG);
}

const REQUEST: &str = "GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/// Writes `request` in one write; the response's status and head.
async fn exchange(tcp: &mut TcpStream, request: &[u8]) -> (u16, String) {
    tcp.write_all(request).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.unwrap());
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    (head[9..12].parse().unwrap(), head)
}

#[tokio::test]
async fn axum_answers_bad_requests_with_the_rejections_status() {
    let addr = serve().await;
    for (request, status) in [
        (REQUEST.replace("GET", "POST"), 405),
        (REQUEST.replace("Upgrade: websocket\r\n", ""), 400),
        (REQUEST.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), 400),
        (REQUEST.replace("Version: 13", "Version: 8"), 426),
    ] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let (got, head) = exchange(&mut tcp, format!("{request}\r\n").as_bytes()).await;
        assert_eq!(got, status, "{request}\n{head}");
        if status == 426 {
            assert!(head.contains("sec-websocket-version: 13\r\n"), "{head}");
        }
    }
}

#[tokio::test]
async fn the_rejection_is_an_into_response() {
    let response = noio_ws_tokio::hyper::UpgradeRejection::Http2.into_response();
    assert_eq!(response.status(), StatusCode::HTTP_VERSION_NOT_SUPPORTED);
    let body = axum::body::to_bytes(response.into_body(), 1 << 10).await.unwrap();
    assert!(body.starts_with(b"WebSocket over HTTP/2"), "{body:?}");
}

#[tokio::test]
async fn frames_sent_with_the_request_reach_the_handler() {
    let addr = serve().await;
    let mut client = RawPeer::new(Role::Client, Config::default(), TcpStream::connect(addr).await.unwrap());
    client.conn.send(Frame::text("early")).unwrap();
    let mut bytes = format!("{REQUEST}\r\n").into_bytes();
    while let Some(out) = client.conn.poll_output() {
        bytes.extend_from_slice(&out);
    }
    let (status, _) = exchange(&mut client.io, &bytes).await;
    assert_eq!(status, 101);
    match tokio::time::timeout(SOON, client.next_event()).await.unwrap() {
        Some(Event::Message(message)) => assert_eq!(message.as_text(), Some("early")),
        other => panic!("expected the echo, got {other:?}"),
    }
}
