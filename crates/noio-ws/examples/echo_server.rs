//! A WebSocket echo server: `cargo run --example echo_server [-- --addr HOST:PORT]`.
//!
//! Accepts upgrades on any path and echoes text and binary messages with
//! their type; pings are answered and closes echoed by the connection. It
//! selects the subprotocol `echo` when a client offers it and accepts
//! permessage-deflate (`--no-deflate` turns that off). A plain GET of `/`
//! returns a page whose script chats with the server, to try in a browser.
//! One thread per connection, plain `std::net`.

#[path = "support/event_loop.rs"]
mod event_loop;
#[path = "support/extensions.rs"]
mod extensions;
#[path = "support/server_side.rs"]
mod server_side;

use std::net::{TcpListener, TcpStream};

use noio_ws::handshake::http::{HeaderMap, HeaderValue, StatusCode, header::CONTENT_TYPE};
use noio_ws::{Accept, Config};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = extensions::deflate_wanted(&mut args);
    let addr = match &args[..] {
        [] => "127.0.0.1:9001".to_string(),
        [flag, value] if flag == "--addr" => value.clone(),
        _ => {
            eprintln!("usage: echo_server [--addr HOST:PORT] [--no-deflate]");
            std::process::exit(2);
        }
    };
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| {
        eprintln!("echo_server: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    println!("echo server on ws://{addr}/ (open http://{addr}/ in a browser)");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            if let Err(error) = serve(stream, deflate) {
                eprintln!("echo_server: {error}");
            }
        });
    }
}

fn serve(mut stream: TcpStream, deflate: bool) -> Result<(), server_side::Error> {
    stream.set_nodelay(true)?;
    let Some(request) = server_side::read_request(&mut stream)? else {
        return Ok(());
    };
    if !request.is_upgrade() {
        let (status, body) = match request.request().uri().path() {
            "/" => (StatusCode::OK, PAGE),
            _ => (StatusCode::NOT_FOUND, "not found\n"),
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        std::io::Write::write_all(&mut stream, &request.respond(status, &headers, body.as_bytes()))?;
        return Ok(());
    }
    let protocol = request.protocols()?.contains(&"echo").then(|| "echo".to_string());
    let accept = Accept { protocol, registry: extensions::registry(deflate), ..Accept::default() };
    if let Some(mut conn) = server_side::upgrade(&mut stream, request, accept, Config::default())? {
        event_loop::echo(&mut stream, &mut conn)?;
    }
    Ok(())
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
