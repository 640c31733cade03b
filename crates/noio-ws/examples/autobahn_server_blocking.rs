//! The server the Autobahn Testsuite's fuzzingclient tests:
//! `cargo run --release --example autobahn_server_blocking -- [PORT] [--delivery whole|frames|streaming]`
//! (default 9002, whole messages).
//!
//! Echoes every message with its type on 127.0.0.1, with limits large enough
//! for the suite's 16 MiB messages, accepting permessage-deflate unless given
//! `--no-deflate`. `--delivery` picks how the connection hands messages out:
//! whole, frame by frame, or in pieces as they arrive; each comes back as the
//! same message. It keeps the echo server's bounds on its peers (the same
//! flags change them) and logs connections that end badly, which the suite
//! provokes on purpose. `cargo xtask autobahn` drives it.

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

use noio_ws::{Accept, Config, Delivery};

use outcome::Outcome;
use server_limits::ServerLimits;

/// Room for the suite's largest messages (16 MiB) and then some.
const CONFIG: Config = Config { max_frame_len: 64 << 20, max_message_len: 64 << 20, ..Config::DEFAULT };

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = extensions::deflate_wanted(&mut args);
    let delivery = take_delivery(&mut args).unwrap_or_else(|error| {
        eprintln!("autobahn_server_blocking: {error}");
        std::process::exit(2);
    });
    let limits = ServerLimits::take_flags(&mut args).unwrap_or_else(|error| {
        eprintln!("autobahn_server_blocking: {error}");
        eprintln!(
            "usage: autobahn_server_blocking [PORT] [--no-deflate] [--delivery whole|frames|streaming] {}",
            ServerLimits::USAGE
        );
        std::process::exit(2);
    });
    let port = args.first().cloned().unwrap_or_else(|| "9002".to_string());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap_or_else(|e| {
        eprintln!("autobahn_server_blocking: cannot listen on port {port}: {e}");
        std::process::exit(1);
    });
    println!("autobahn_server_blocking listening on ws://127.0.0.1:{port}");
    let config = Config { delivery, ..CONFIG };
    accept_loop::run(listener, "autobahn_server", limits, move |stream, limits| {
        serve(stream, limits, deflate, config)
    });
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

fn serve(
    stream: &mut TcpStream,
    limits: &ServerLimits,
    deflate: bool,
    config: Config,
) -> Result<Outcome, server_side::Error> {
    let request = match server_side::read_request(stream, limits.handshake_timeout)? {
        Ok(request) => request,
        Err(outcome) => return Ok(outcome),
    };
    let accept = Accept { extensions: extensions::offered(deflate), ..Accept::default() };
    let mut conn = match server_side::upgrade(stream, request, accept, limits.connection_config(config))? {
        Ok(conn) => conn,
        Err(outcome) => return Ok(outcome),
    };
    Ok(event_loop::echo(stream, &mut conn)?.into())
}
