//! The axum extractor and socket in an axum 0.8 app served by
//! `axum::serve`: echo with tokio-tungstenite and our client (deflate
//! negotiated with ours), the subprotocol axum's way, a broadcast through
//! `StreamExt::split`, pings, pongs and closes as axum's `Message`s,
//! rejections, and frames sent with the request reaching the handler.
#![cfg(feature = "axum")]

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use common::{RawPeer, SOON, pattern};
use futures_util::{SinkExt, StreamExt};
use noio_ws_tokio::axum::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use noio_ws_tokio::http::StatusCode;
use noio_ws_tokio::noio_ws::{HandshakeError, Role};
use noio_ws_tokio::{ClientBuilder, CloseCode, Config, Event, Frame, connect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message as TMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as TCloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as TCloseCode;

/// Echoes every data message until the close, as axum's examples do.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if matches!(message, Message::Text(_) | Message::Binary(_)) && socket.send(message).await.is_err() {
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
        assert_eq!(socket.protocol().map(|p| p.to_str().unwrap()), selected.as_deref());
        let _ = socket.send(Message::text(selected.as_deref().unwrap_or("none"))).await;
        echo(socket).await;
    })
}

/// Sends every text message any client sends to every client, through the
/// sink and stream of `StreamExt::split`, as axum's chat example does.
async fn broadcast_handler(ws: WebSocketUpgrade, State(tx): State<broadcast::Sender<Utf8Bytes>>) -> Response {
    // Subscribed before the 101 goes out: once a client has its answer, it
    // gets every message sent after.
    let mut rx = tx.subscribe();
    ws.max_message_size(1 << 16).on_upgrade(move |socket| async move {
        let (mut sink, mut stream) = socket.split();
        let forward = tokio::spawn(async move {
            while let Ok(text) = rx.recv().await {
                if sink.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
        });
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message {
                let _ = tx.send(text);
            }
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

/// axum::serve speaks HTTP/2 (h2c by prior knowledge here) with the connect
/// protocol enabled; the extractor takes the extended CONNECT on a route
/// for any method, as axum's own does.
#[cfg(all(feature = "http2", feature = "deflate"))]
#[tokio::test]
async fn an_http2_client_gets_an_extended_connect_through_axum() {
    let addr = serve().await;
    let text = "over one HTTP/2 stream\n".repeat(2_000);
    let (mut ws, response) =
        ClientBuilder::new().http2(true).connect(format!("ws://{addr}/echo")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), noio_ws_tokio::http::Version::HTTP_2);
    assert!(matches!(ws.get_ref(), noio_ws_tokio::ClientStream::Http2(_)));
    assert!(response.headers().get("sec-websocket-extensions").is_some(), "deflate negotiated");
    ws.send_text(&text).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().as_text(), Some(text.as_str()));
    let big = pattern(1 << 20, 9);
    ws.send_binary(&big).await.unwrap();
    assert_eq!(ws.recv().await.unwrap().unwrap().payload, big);
    let reply = ws.close(CloseCode::NORMAL, "").await.unwrap();
    assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
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

/// Serves one route whose handler reports every message it receives
/// (pings, pongs and closes too) and, asked by a text "close", closes with
/// 4000 "bye"; the address and the reports, each message as `Some`, and
/// `None` once `recv` has ended.
async fn serve_observer() -> (SocketAddr, mpsc::UnboundedReceiver<Option<Message>>) {
    let (seen, reports) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/observe",
        get(move |ws: WebSocketUpgrade| async move {
            ws.on_upgrade(move |mut socket| async move {
                while let Some(Ok(message)) = socket.recv().await {
                    let close = message == Message::text("close");
                    seen.send(Some(message)).unwrap();
                    if close {
                        let frame = CloseFrame { code: 4000, reason: Utf8Bytes::from_static("bye") };
                        socket.send(Message::Close(Some(frame))).await.unwrap();
                    }
                }
                seen.send(None).unwrap();
            })
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, reports)
}

#[tokio::test]
async fn pings_pongs_and_the_peers_close_are_messages() {
    let (addr, mut seen) = serve_observer().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = tokio_tungstenite::client_async(format!("ws://{addr}/observe"), tcp).await.unwrap();
    peer.send(TMessage::Ping("are you there".into())).await.unwrap();
    // Answered by the connection, and shown to the handler.
    assert_eq!(peer.next().await.unwrap().unwrap(), TMessage::Pong("are you there".into()));
    assert_eq!(
        tokio::time::timeout(SOON, seen.recv()).await.unwrap(),
        Some(Some(Message::Ping("are you there".into())))
    );
    peer.send(TMessage::Pong("unasked".into())).await.unwrap();
    assert_eq!(
        tokio::time::timeout(SOON, seen.recv()).await.unwrap(),
        Some(Some(Message::Pong("unasked".into())))
    );
    let close = TCloseFrame { code: TCloseCode::Away, reason: "going".into() };
    peer.send(TMessage::Close(Some(close))).await.unwrap();
    let reason = Utf8Bytes::from_static("going");
    assert_eq!(
        tokio::time::timeout(SOON, seen.recv()).await.unwrap(),
        Some(Some(Message::Close(Some(CloseFrame { code: close_code::AWAY, reason }))))
    );
    // The reply echoes the code; then the server closes the transport.
    match peer.next().await {
        Some(Ok(TMessage::Close(Some(reply)))) => assert_eq!(reply.code, TCloseCode::Away),
        other => panic!("expected the close reply, got {other:?}"),
    }
    assert!(peer.next().await.is_none());
    // The handler's recv ended after the close: nothing more is reported.
    assert_eq!(tokio::time::timeout(SOON, seen.recv()).await.unwrap(), Some(None));
}

#[tokio::test]
async fn a_close_without_a_code_is_close_none() {
    let (addr, mut seen) = serve_observer().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = tokio_tungstenite::client_async(format!("ws://{addr}/observe"), tcp).await.unwrap();
    peer.send(TMessage::Close(None)).await.unwrap();
    assert_eq!(tokio::time::timeout(SOON, seen.recv()).await.unwrap(), Some(Some(Message::Close(None))));
}

#[tokio::test]
async fn sending_close_starts_the_handshake_and_recv_sees_the_reply() {
    let (addr, mut seen) = serve_observer().await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = tokio_tungstenite::client_async(format!("ws://{addr}/observe"), tcp).await.unwrap();
    peer.send(TMessage::text("close")).await.unwrap();
    assert_eq!(tokio::time::timeout(SOON, seen.recv()).await.unwrap(), Some(Some(Message::text("close"))));
    match peer.next().await {
        Some(Ok(TMessage::Close(Some(close)))) => {
            assert_eq!((u16::from(close.code), close.reason.as_str()), (4000, "bye"));
        }
        other => panic!("expected the server's close, got {other:?}"),
    }
    // tungstenite replies by itself, and the server then closes the transport.
    assert!(peer.next().await.is_none());
    // The handler's recv got that reply, then None.
    let reply = tokio::time::timeout(SOON, seen.recv()).await.unwrap();
    assert_eq!(reply, Some(Some(Message::Close(Some(CloseFrame { code: 4000, reason: "bye".into() })))));
    assert_eq!(tokio::time::timeout(SOON, seen.recv()).await.unwrap(), Some(None));
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
    let error = HandshakeError::NotConnect("GET".into());
    let response = noio_ws_tokio::hyper::UpgradeRejection::ExtendedConnect(error).into_response();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    // No Connection field: HTTP/2 has none.
    assert!(!response.headers().contains_key("connection"));
    let body = axum::body::to_bytes(response.into_body(), 1 << 10).await.unwrap();
    assert!(body.starts_with(b"a WebSocket over HTTP/2"), "{body:?}");
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

/// Serves `app` on a runtime of its own, on a thread of its own that is
/// never joined: a handler that never yields (a send spinning) then stalls
/// only that thread, and the test's timeout still fires.
fn serve_detached(app: Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
}

#[tokio::test]
async fn close_codes_reasons_and_control_payloads_that_may_not_be_sent_are_usage_errors() {
    use noio_ws_tokio::Error;
    let (results, mut reports) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/bad-sends",
        get(move |ws: WebSocketUpgrade| async move {
            ws.on_upgrade(move |mut socket| async move {
                let mut bad = Vec::new();
                for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
                    bad.push(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::default() })));
                }
                let long = Utf8Bytes::from("r".repeat(124));
                bad.push(Message::Close(Some(CloseFrame { code: close_code::NORMAL, reason: long })));
                bad.push(Message::Ping(vec![0; 126].into()));
                bad.push(Message::Pong(vec![0; 126].into()));
                for message in bad {
                    let what = format!("{message:?}");
                    let sent = socket.send(message.clone()).await;
                    results.send((what.clone(), matches!(sent, Err(Error::Usage(_))))).unwrap();
                    // The Sink's way too.
                    let fed = SinkExt::feed(&mut socket, message).await;
                    results.send((what, matches!(fed, Err(Error::Usage(_))))).unwrap();
                }
                // Nothing went out: the connection carries on.
                let longest = Utf8Bytes::from("r".repeat(123));
                let close = Message::Close(Some(CloseFrame { code: 4999, reason: longest }));
                socket.send(Message::text("still open")).await.unwrap();
                socket.send(close).await.unwrap();
                while socket.recv().await.is_some() {}
            })
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = tokio_tungstenite::client_async(format!("ws://{addr}/bad-sends"), tcp).await.unwrap();
    let first = tokio::time::timeout(SOON, peer.next()).await.unwrap();
    assert_eq!(first.unwrap().unwrap(), TMessage::text("still open"));
    match tokio::time::timeout(SOON, peer.next()).await.unwrap() {
        Some(Ok(TMessage::Close(Some(close)))) => {
            assert_eq!((u16::from(close.code), close.reason.len()), (4999, 123));
        }
        other => panic!("expected the close, got {other:?}"),
    }
    // Each of the 13 refused twice: by send and by the Sink.
    for _ in 0..2 * 13 {
        let (what, usage_error) = tokio::time::timeout(SOON, reports.recv()).await.unwrap().unwrap();
        assert!(usage_error, "{what} was not refused as a usage error");
    }
}

#[tokio::test]
async fn max_write_buffer_size_zero_sends_rather_than_spinning() {
    // axum's docs show max_write_buffer_size as "any size"; 0 is output
    // that is always "full": the send must still go out, once written.
    let app = Router::new().route(
        "/zero",
        get(|ws: WebSocketUpgrade| async move {
            ws.max_write_buffer_size(0).on_upgrade(|mut socket| async move {
                let _ = socket.send(Message::text("first")).await;
                let _ = socket.send(Message::text("second")).await;
                while socket.recv().await.is_some() {}
            })
        }),
    );
    let addr = serve_detached(app);
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = tokio_tungstenite::client_async(format!("ws://{addr}/zero"), tcp).await.unwrap();
    for expected in ["first", "second"] {
        let got = tokio::time::timeout(SOON, peer.next()).await.expect("the send never went out");
        assert_eq!(got.unwrap().unwrap(), TMessage::text(expected));
    }
    peer.close(None).await.unwrap();
}

#[tokio::test]
async fn recv_on_a_socket_switched_to_frames_fails_rather_than_dropping_data() {
    let (seen, mut reports) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/frames",
        get(move |ws: WebSocketUpgrade| async move {
            ws.on_upgrade(move |mut socket| async move {
                socket.inner_mut().set_delivery(noio_ws_tokio::Delivery::Frames).unwrap();
                let first = socket.recv().await;
                seen.send(format!("{first:?}")).unwrap();
                // It took nothing: back on whole messages, the text is there.
                socket.inner_mut().set_delivery(noio_ws_tokio::Delivery::WholeMessages).unwrap();
                while let Some(message) = socket.recv().await {
                    seen.send(format!("{message:?}")).unwrap();
                }
            })
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut peer, _) = tokio_tungstenite::client_async(format!("ws://{addr}/frames"), tcp).await.unwrap();
    peer.send(TMessage::text("not to be lost")).await.unwrap();
    let first = tokio::time::timeout(SOON, reports.recv()).await.unwrap().unwrap();
    // recv hands out whole messages: it says it cannot, as the crate's own
    // recv does, rather than skip the text.
    assert!(first.contains("NotWholeMessages"), "{first}");
    let next = tokio::time::timeout(SOON, reports.recv()).await.unwrap().unwrap();
    assert_eq!(next, format!("{:?}", Ok::<_, ()>(Message::text("not to be lost"))));
    peer.close(None).await.unwrap();
}

/// axum code that returns `axum::Error` through `?` compiles on ours too.
#[allow(dead_code)]
async fn forward_with_axum_errors(socket: &mut WebSocket) -> Result<(), axum::Error> {
    while let Some(message) = socket.recv().await {
        socket.send(message?).await?;
    }
    Ok(())
}
