//! One axum app, written once against `axum::extract::ws` and compiled
//! twice: on axum's own WebSocket and, by changing that one import, on
//! `noio_ws_tokio::axum`. A tokio-tungstenite client runs the same script
//! against both, and both transcripts (what the client receives and what
//! the handlers see) must be the same.
#![cfg(feature = "axum")]

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as TMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as TCloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as TCloseCode;

/// The app, on the WebSocket module `$ws`: `/echo` echoes data with `recv`
/// and `send` and answers a text "close" with a close; `/split` answers
/// each text with itself and "!" through the sink and stream of
/// `StreamExt::split`. Each handler reports what it saw on a channel of its
/// own (the two connections' handlers run at once).
macro_rules! app {
    ($name:ident, $($ws:ident)::+) => {
        mod $name {
            use axum::Router;
            use axum::response::Response;
            use axum::routing::get;
            use futures_util::{SinkExt, StreamExt};
            use tokio::sync::mpsc::UnboundedSender;
            use $($ws)::+::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};

            pub(crate) fn router(seen: UnboundedSender<String>, split_seen: UnboundedSender<String>) -> Router {
                Router::new()
                    .route(
                        "/echo",
                        get(move |ws: WebSocketUpgrade| async move {
                            ws.protocols(["chat"]).max_message_size(1 << 20).on_upgrade(move |socket| echo(socket, seen))
                        }),
                    )
                    .route("/split", get(move |ws: WebSocketUpgrade| split(ws, split_seen)))
            }

            async fn echo(mut socket: WebSocket, seen: UnboundedSender<String>) {
                let protocol = socket.protocol().map(|p| p.to_str().unwrap().to_owned());
                seen.send(format!("protocol {protocol:?}")).unwrap();
                while let Some(msg) = socket.recv().await {
                    let Ok(msg) = msg else {
                        seen.send("error".to_owned()).unwrap();
                        return;
                    };
                    let reply = match &msg {
                        Message::Text(text) if text.as_str() == "close" => {
                            let reason = "bye".into();
                            Some(Message::Close(Some(CloseFrame { code: close_code::AWAY, reason })))
                        }
                        Message::Text(text) => Some(Message::text(format!("{} ({} bytes)", text, text.len()))),
                        Message::Binary(data) => Some(Message::binary(data.clone())),
                        Message::Ping(_) | Message::Pong(_) | Message::Close(_) => None,
                    };
                    seen.send(format!("{:?}", msg.clone().into_data())).unwrap();
                    if let Message::Close(close) = &msg {
                        let close = close.as_ref().map(|c| (c.code, c.reason.to_string()));
                        seen.send(format!("close {close:?}")).unwrap();
                    }
                    if let Some(reply) = reply {
                        if socket.send(reply).await.is_err() {
                            seen.send("send failed".to_owned()).unwrap();
                            return;
                        }
                    }
                }
                seen.send("end".to_owned()).unwrap();
            }

            /// `/close-sink`: after a text "go", closes the socket as a
            /// `Sink` (`SinkExt::close`), then reports what `recv` still gets.
            pub(crate) fn close_router(seen: UnboundedSender<String>) -> Router {
                Router::new().route(
                    "/close-sink",
                    get(move |ws: WebSocketUpgrade| async move {
                        ws.on_upgrade(move |mut socket| async move {
                            while let Some(Ok(msg)) = socket.recv().await {
                                if msg == Message::text("go") {
                                    break;
                                }
                            }
                            let closed = SinkExt::close(&mut socket).await;
                            seen.send(format!("closed {}", closed.is_ok())).unwrap();
                            while let Some(msg) = socket.recv().await {
                                seen.send(match msg {
                                    Ok(Message::Close(close)) => format!("close {:?}", close.map(|c| c.code)),
                                    Ok(msg) => format!("after close {:?}", msg.to_text().ok()),
                                    Err(_) => "error".to_owned(),
                                })
                                .unwrap();
                            }
                            seen.send("close end".to_owned()).unwrap();
                        })
                    }),
                )
            }

            async fn split(ws: WebSocketUpgrade, seen: UnboundedSender<String>) -> Response {
                ws.on_upgrade(move |socket| async move {
                    let (mut sink, mut stream) = socket.split();
                    while let Some(Ok(msg)) = stream.next().await {
                        if let Ok(text) = msg.to_text() {
                            seen.send(format!("split {text}")).unwrap();
                        }
                        if let Message::Text(text) = msg {
                            if sink.send(Message::from(format!("{text}!"))).await.is_err() {
                                break;
                            }
                        }
                    }
                    seen.send("split end".to_owned()).unwrap();
                })
            }
        }
    };
}

app!(on_axum, axum::extract::ws);
app!(on_noio_ws, noio_ws_tokio::axum);

/// Serves `router`; its address.
async fn serve(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// What a tokio-tungstenite client receives running the script against
/// `router`, then what the handlers saw.
async fn transcript(router: fn(Seen, Seen) -> axum::Router) -> Vec<String> {
    let (seen, mut echo_seen) = mpsc::unbounded_channel();
    let (split_seen, mut split_lines) = mpsc::unbounded_channel();
    let addr = serve(router(seen, split_seen)).await;
    let mut lines = Vec::new();
    let request = tokio_tungstenite::tungstenite::ClientRequestBuilder::new(
        format!("ws://{addr}/echo").parse().unwrap(),
    )
    .with_sub_protocol("chat");
    let (mut peer, response) =
        tokio_tungstenite::client_async(request, TcpStream::connect(addr).await.unwrap()).await.unwrap();
    lines.push(format!(
        "status {} protocol {:?}",
        response.status(),
        response.headers().get("sec-websocket-protocol")
    ));
    for message in [
        TMessage::text("héllo"),
        TMessage::binary(vec![1, 2, 3]),
        TMessage::Ping("p".into()),
        TMessage::Pong("unasked".into()),
        TMessage::binary(vec![7; 100_000]),
        TMessage::text("close"),
    ] {
        peer.send(message).await.unwrap();
    }
    while let Some(received) = tokio::time::timeout(SOON, peer.next()).await.expect("the client waited") {
        lines.push(match received.unwrap() {
            TMessage::Binary(data) if data.len() > 16 => format!("client got {} bytes", data.len()),
            message => format!("client got {message:?}"),
        });
    }
    let (mut peer, _) = tokio_tungstenite::client_async(
        format!("ws://{addr}/split"),
        TcpStream::connect(addr).await.unwrap(),
    )
    .await
    .unwrap();
    peer.send(TMessage::text("one")).await.unwrap();
    lines.push(format!("client got {:?}", tokio::time::timeout(SOON, peer.next()).await.expect("no answer")));
    // No reason: a close reply carries the code alone on noio-ws, where
    // tungstenite's echoes the reason too.
    let close = TCloseFrame { code: TCloseCode::Normal, reason: "".into() };
    peer.send(TMessage::Close(Some(close))).await.unwrap();
    while let Some(received) = tokio::time::timeout(SOON, peer.next()).await.expect("the client waited") {
        lines.push(format!("client got {received:?}"));
    }
    for (seen, last) in [(&mut echo_seen, "end"), (&mut split_lines, "split end")] {
        while lines.last().map(String::as_str) != Some(last) {
            // The router keeps a sender: a handler that ended without its
            // last line would otherwise make this wait forever.
            let line = tokio::time::timeout(SOON, seen.recv()).await.expect(last).unwrap();
            lines.push(if line.len() > 64 { format!("handler saw {} chars", line.len()) } else { line });
        }
    }
    lines
}

/// Where a handler reports what it saw.
type Seen = mpsc::UnboundedSender<String>;

#[tokio::test]
async fn the_same_app_behaves_the_same_on_axums_socket_and_ours() {
    let on_axum = transcript(on_axum::router).await;
    let on_noio_ws = transcript(on_noio_ws::router).await;
    assert_eq!(on_noio_ws, on_axum);
    // And the transcript is the one the script means.
    assert!(
        on_axum.contains(&r#"client got Text(Utf8Bytes(b"h\xc3\xa9llo (6 bytes)"))"#.to_owned()),
        "{on_axum:#?}"
    );
    assert!(on_axum.contains(&"close Some((1001, \"bye\"))".to_owned()), "{on_axum:#?}");
}

/// What a tokio-tungstenite client and the handler see when the handler
/// closes its socket as a `Sink` while the client still has a message on
/// the way.
async fn close_transcript(router: fn(Seen) -> axum::Router) -> Vec<String> {
    let (seen, mut handler_lines) = mpsc::unbounded_channel();
    let addr = serve(router(seen)).await;
    let (mut peer, _) = tokio_tungstenite::client_async(
        format!("ws://{addr}/close-sink"),
        TcpStream::connect(addr).await.unwrap(),
    )
    .await
    .unwrap();
    // "in flight" is on its way before the handler closes.
    peer.send(TMessage::text("go")).await.unwrap();
    peer.send(TMessage::text("in flight")).await.unwrap();
    let mut lines = Vec::new();
    loop {
        match tokio::time::timeout(SOON, peer.next()).await {
            Ok(Some(received)) => lines.push(format!("client got {received:?}")),
            Ok(None) => break,
            Err(_) => {
                lines.push("client timed out".to_owned());
                break;
            }
        }
    }
    while lines.last().map(String::as_str) != Some("close end") {
        match tokio::time::timeout(SOON, handler_lines.recv()).await {
            Ok(Some(line)) => lines.push(line),
            _ => {
                lines.push("handler timed out".to_owned());
                break;
            }
        }
    }
    lines
}

/// Long enough for anything a loopback connection does here.
const SOON: std::time::Duration = std::time::Duration::from_secs(10);

#[tokio::test]
async fn closing_the_sink_sends_a_close_and_recv_still_gets_what_follows_as_on_axum() {
    let on_axum = close_transcript(on_axum::close_router).await;
    let on_noio_ws = close_transcript(on_noio_ws::close_router).await;
    assert_eq!(on_noio_ws, on_axum);
    // axum's close sends a close and returns; what was on its way and the
    // reply are still the reader's.
    assert!(on_axum.contains(&"after close Some(\"in flight\")".to_owned()), "{on_axum:#?}");
}
