//! A blocking WebSocket echo server: `cargo run --example echo_server_blocking [-- --addr HOST:PORT]`.
//!
//! The sans-io core on plain `std::net`, no runtime: the async adapter's
//! `echo_server` (`cargo run -p noio-ws-tokio --example echo_server`) does
//! the same on tokio, and both pass the same tests (`noio_ws_test_support::echo_examples`).
//!
//! Accepts upgrades on any path and echoes text and binary messages with
//! their type; pings are answered and closes echoed by the connection. It
//! selects the subprotocol `echo` when a client offers it and accepts
//! permessage-deflate (`--no-deflate` turns that off). A plain GET of `/`
//! returns a page whose script chats with the server, to try in a browser.
//! One thread per connection, plain `std::net`.
//!
//! It keeps its peers in bounds (`ServerLimits`, each with a flag): at most
//! 1,024 connections at once (more get 503), 10 s for the whole request
//! head (408 after), 60 s of silence on a connection (a ping goes out at
//! 30 s; a peer that answers nothing is closed with 1001) and 10 s for a
//! write the peer does not read. A connection that ends badly (a refused
//! handshake, a protocol error, a timeout) gets one line on standard error
//! with the peer's address, the status or close code and the reason.

#[path = "support/accept_loop.rs"]
mod accept_loop;
#[path = "support/deadline.rs"]
mod deadline;
#[path = "support/event_loop.rs"]
mod event_loop;
#[path = "support/extensions.rs"]
mod extensions;
#[path = "support/graceful_close.rs"]
mod graceful_close;
#[path = "support/outcome.rs"]
mod outcome;
#[path = "support/server_limits.rs"]
mod server_limits;
#[path = "support/server_side.rs"]
mod server_side;

use std::net::{TcpListener, TcpStream};

use noio_ws::handshake::http::header::{CONNECTION, CONTENT_TYPE};
use noio_ws::handshake::http::{HeaderMap, HeaderValue, StatusCode};
use noio_ws::{Accept, Config, IncomingRequest};

use outcome::Outcome;
use server_limits::ServerLimits;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = extensions::deflate_wanted(&mut args);
    let limits = ServerLimits::take_flags(&mut args).unwrap_or_else(|error| usage(&error));
    let addr = match &args[..] {
        [] => "127.0.0.1:9001".to_string(),
        [flag, value] if flag == "--addr" => value.clone(),
        _ => usage("unexpected arguments"),
    };
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| {
        eprintln!("echo_server_blocking: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    println!("echo server on ws://{addr}/ (open http://{addr}/ in a browser)");
    accept_loop::run(listener, "echo_server_blocking", limits, move |stream, limits| {
        serve(stream, limits, deflate)
    });
}

fn usage(problem: &str) -> ! {
    eprintln!("echo_server_blocking: {problem}");
    eprintln!("usage: echo_server_blocking [--addr HOST:PORT] [--no-deflate] {}", ServerLimits::USAGE);
    std::process::exit(2);
}

fn serve(
    stream: &mut TcpStream,
    limits: &ServerLimits,
    deflate: bool,
) -> Result<Outcome, server_side::Error> {
    let request = match server_side::read_request(stream, limits.handshake_timeout)? {
        Ok(request) => request,
        Err(outcome) => return Ok(outcome),
    };
    if !wants_websocket(&request) {
        let (status, body) = match request.request().uri().path() {
            "/" => (StatusCode::OK, PAGE),
            _ => (StatusCode::NOT_FOUND, "not found\n"),
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        // One request per connection: the socket is closed after the answer.
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
        std::io::Write::write_all(stream, &request.respond(status, &headers, body.as_bytes()))?;
        return Ok(Outcome::Normal);
    }
    let offered = match request.protocols() {
        Ok(offered) => offered,
        Err(error) => return server_side::refuse(stream, &error),
    };
    let protocol = offered.contains(&"echo").then(|| "echo".to_string());
    let accept = Accept { protocol, extensions: extensions::offered(deflate), ..Accept::default() };
    let config = limits.connection_config(Config::default());
    let mut conn = match server_side::upgrade(stream, request, accept, config)? {
        Ok(conn) => conn,
        Err(outcome) => return Ok(outcome),
    };
    Ok(event_loop::echo(stream, &mut conn)?.into())
}

/// True for a request to be handled as a WebSocket handshake: one asking
/// for the upgrade, or carrying `Sec-WebSocket-Key`. A browser's plain GET
/// never has the key, so a request with the key and no `Upgrade: websocket`
/// is a broken handshake; it gets the 400 `IncomingRequest::accept` answers
/// (RFC 6455 section 4.2.1), not the page. (426 would suit a client that can
/// only be told to upgrade; this one already tried.)
fn wants_websocket(request: &IncomingRequest) -> bool {
    request.is_upgrade() || request.request().headers().contains_key("sec-websocket-key")
}

/// The page a browser gets from `GET /`: a chat box talking to this server.
const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>noio-ws echo</title>
<style>body{font:16px system-ui;margin:2em;max-width:40em}#log{border:1px solid #ccc;height:20em;overflow:auto;padding:.5em}</style>
</head><body>
<h1>noio-ws echo</h1>
<div id="log"></div>
<form id="form"><input id="text" autofocus size="50" placeholder="say something"> <button>Send</button></form>
<script>
const log = (who, text) => { const p = document.createElement("p"); p.textContent = who + ": " + text; document.getElementById("log").append(p); };
const ws = new WebSocket(`ws://${location.host}/`, ["echo"]);
ws.onopen = () => log("status", "connected (subprotocol " + (ws.protocol || "none") + ")");
ws.onmessage = (event) => log("server", event.data);
ws.onclose = (event) => log("status", "closed with " + event.code);
document.getElementById("form").onsubmit = (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  ws.send(input.value); log("you", input.value); input.value = "";
};
</script>
</body></html>
"#;
