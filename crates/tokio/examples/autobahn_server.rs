//! The async server the Autobahn Testsuite's fuzzingclient tests:
//! `cargo run --release -p noio-ws-tokio --example autobahn_server -- [PORT] [--delivery whole|frames|streaming]`
//! (default 9005, whole messages).
//!
//! The same server as the blocking `autobahn_server` of `noio-ws`, on the
//! tokio adapter: it echoes every message with its type on 127.0.0.1, with
//! limits large enough for the suite's 16 MiB messages, accepting
//! permessage-deflate unless given `--no-deflate`. `--delivery` picks how
//! the connection hands messages out: whole, frame by frame, or in pieces
//! as they arrive; each comes back as the same message. Connections that
//! end badly, which the suite provokes on purpose, get a line on standard
//! error. `cargo xtask autobahn` drives it.

use std::time::Duration;

use noio_ws_tokio::{Config, Delivery, Event, Frame, OpCode, ServerBuilder, WebSocket};
use tokio::net::{TcpListener, TcpStream};

/// Room for the suite's largest messages (16 MiB) and then some; a peer
/// silent for a minute is gone.
const CONFIG: Config = Config {
    max_frame_len: 64 << 20,
    max_message_len: 64 << 20,
    idle_timeout: Some(Duration::from_secs(60)),
    ..Config::DEFAULT
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = !take_switch(&mut args, "--no-deflate");
    let delivery = take_delivery(&mut args).unwrap_or_else(|error| {
        eprintln!("autobahn_server: {error}");
        eprintln!("usage: autobahn_server [PORT] [--no-deflate] [--delivery whole|frames|streaming]");
        std::process::exit(2);
    });
    let port = args.first().cloned().unwrap_or_else(|| "9005".to_string());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await.unwrap_or_else(|e| {
        eprintln!("autobahn_server: cannot listen on port {port}: {e}");
        std::process::exit(1);
    });
    println!("autobahn_server listening on ws://127.0.0.1:{port}");
    let server = ServerBuilder::new().deflate(deflate).config(Config { delivery, ..CONFIG });
    loop {
        let Ok((tcp, peer)) = listener.accept().await else { continue };
        let server = server.clone();
        tokio::spawn(async move {
            if let Err(error) = serve(&server, tcp).await {
                eprintln!("autobahn_server: {peer}: {error}");
            }
        });
    }
}

/// Echoes until the closing handshake is done: whole messages as they
/// came; frames and streamed pieces as frames of one message, with its
/// type on the first, so the peer gets the same messages whichever way
/// they were delivered.
async fn serve(server: &ServerBuilder, tcp: TcpStream) -> Result<(), noio_ws_tokio::Error> {
    tcp.set_nodelay(true)?;
    let mut ws: WebSocket<TcpStream> = server.accept(tcp).await?;
    // True while the message being echoed piecewise has its first frame out.
    let mut started = false;
    while let Some(event) = ws.recv_event().await {
        let (message, payload, fin) = match event? {
            Event::Message(m) => (m.opcode, m.payload, true),
            Event::Frame(f) => (f.message_opcode, f.payload, f.fin && f.frame_end),
            Event::Chunk(c) => (c.opcode, c.payload, c.fin),
            _ => continue, // pings are answered and closes echoed by the connection
        };
        let opcode = if started { OpCode::CONTINUATION } else { message };
        started = !fin;
        // After our close (or theirs) nothing more may be sent.
        if ws.connection().state().can_send_data() {
            ws.feed(Frame::new(opcode, payload).with_fin(fin)).await?;
        }
    }
    Ok(())
}

/// Takes `--delivery MODE` out of `args`: whole messages unless it says
/// `frames` or `streaming`.
fn take_delivery(args: &mut Vec<String>) -> Result<Delivery, String> {
    let Some(i) = args.iter().position(|a| a == "--delivery") else {
        return Ok(Delivery::WholeMessages);
    };
    let mode = args.get(i + 1).cloned().ok_or("--delivery needs whole, frames or streaming")?;
    args.drain(i..=i + 1);
    match mode.as_str() {
        "whole" => Ok(Delivery::WholeMessages),
        "frames" => Ok(Delivery::Frames),
        "streaming" => Ok(Delivery::Streaming),
        other => Err(format!("--delivery {other}: expected whole, frames or streaming")),
    }
}

/// Takes `flag`, a switch without a value, out of `args`: true if it was there.
fn take_switch(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|arg| arg != flag);
    args.len() != before
}
