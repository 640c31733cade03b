//! A chat room on axum 0.8 with noio-ws's `WebSocketUpgrade` (feature
//! `axum`): `/` serves a browser page, `/ws` upgrades, and every text
//! message a client sends goes to every connected client, through a
//! `tokio::sync::broadcast` channel. At most `--max-connections` clients
//! at once (more get 503 before any upgrade); messages are at most 4 KiB;
//! permessage-deflate is on whenever the browser offers it (they all do).
//!
//! ```sh
//! cargo run -p noio-ws-tokio --features axum --example axum_chat -- [ADDR] [--max-connections N]
//! # then open http://127.0.0.1:3000/ in two browser tabs
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use noio_ws_tokio::Config;
use noio_ws_tokio::axum::{Message, WebSocket, WebSocketUpgrade};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast};

/// Messages kept for a slow client before it starts missing some.
const BACKLOG: usize = 256;

/// The room: who is connected, and where messages go.
#[derive(Clone)]
struct Room {
    messages: broadcast::Sender<String>,
    slots: Arc<Semaphore>,
    next_id: Arc<AtomicU64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let max_connections = match args.iter().position(|a| a == "--max-connections") {
        Some(i) => {
            let value = args.get(i + 1).ok_or("--max-connections needs a number")?.parse()?;
            args.drain(i..i + 2);
            value
        }
        None => 100,
    };
    let addr = args.first().map_or("127.0.0.1:3000", String::as_str);

    let room = Room {
        messages: broadcast::channel(BACKLOG).0,
        slots: Arc::new(Semaphore::new(max_connections)),
        next_id: Arc::new(AtomicU64::new(1)),
    };
    let app = Router::new().route("/", get(page)).route("/ws", get(join)).with_state(room);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("axum_chat: http://{}/ (at most {max_connections} clients)", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// Upgrades while there is room: the slot is taken before the `101`, and
/// held until the connection ends.
async fn join(ws: WebSocketUpgrade, State(room): State<Room>) -> Response {
    let Ok(slot) = Arc::clone(&room.slots).try_acquire_owned() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "the room is full\n").into_response();
    };
    // Subscribed before the answer, so nothing sent after it is missed.
    let inbox = room.messages.subscribe();
    let id = room.next_id.fetch_add(1, Ordering::Relaxed);
    let config = Config {
        // A browser tab gone to sleep or a dead network is noticed.
        ping_interval: Some(Duration::from_secs(20)),
        idle_timeout: Some(Duration::from_secs(60)),
        ..Config::default()
    };
    ws.config(config)
        .max_message_size(4 << 10)
        .on_failed_upgrade(move |error| eprintln!("axum_chat: client {id} could not connect: {error}"))
        .on_upgrade(move |socket| chat(socket, id, room, inbox, slot))
}

/// One client: what it says goes to the room, what the room says goes to it.
async fn chat(
    socket: WebSocket,
    id: u64,
    room: Room,
    mut inbox: broadcast::Receiver<String>,
    _slot: OwnedSemaphorePermit,
) {
    // The sink and stream of `StreamExt::split`, as in axum's own chat
    // example. (`socket.into_inner().split()` gives noio-ws's halves, which
    // never wait for each other's lock.)
    let (mut write, mut read) = socket.split();
    let _ = room.messages.send(format!("* client {id} joined"));
    // The writer: the reader answers pings and closes by itself meanwhile.
    let writer = tokio::spawn(async move {
        loop {
            let line = match inbox.recv().await {
                Ok(line) => line,
                Err(broadcast::error::RecvError::Lagged(missed)) => format!("* {missed} messages missed"),
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if write.send(Message::text(line)).await.is_err() {
                break;
            }
        }
    });
    while let Some(received) = read.next().await {
        match received {
            Ok(Message::Text(text)) => {
                let _ = room.messages.send(format!("{id}: {text}"));
            }
            Ok(Message::Binary(_)) => eprintln!("axum_chat: client {id} sent binary, ignored"),
            // Pings are answered by the connection; the close is replied to.
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_)) => {}
            Err(error) => {
                eprintln!("axum_chat: client {id}: {error}");
                break;
            }
        }
    }
    writer.abort();
    let _ = room.messages.send(format!("* client {id} left"));
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>noio-ws chat</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
  #log { height: 24em; overflow-y: auto; border: 1px solid #ccc; padding: .5em; white-space: pre-wrap; }
  form { display: flex; gap: .5em; margin-top: .5em; } input { flex: 1; }
</style>
<h1>noio-ws chat</h1>
<div id="log"></div>
<form id="form"><input id="text" autocomplete="off" maxlength="1000" autofocus><button>Send</button></form>
<script>
  const log = document.getElementById("log");
  const show = (line) => { log.textContent += line + "\n"; log.scrollTop = log.scrollHeight; };
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws`);
  ws.onopen = () => show(`* connected (extensions: ${ws.extensions || "none"})`);
  ws.onmessage = (event) => show(event.data);
  ws.onclose = (event) => show(`* disconnected (${event.code}${event.reason ? " " + event.reason : ""})`);
  document.getElementById("form").onsubmit = (event) => {
    event.preventDefault();
    const input = document.getElementById("text");
    if (input.value && ws.readyState === WebSocket.OPEN) ws.send(input.value);
    input.value = "";
  };
</script>
</html>
"#;
