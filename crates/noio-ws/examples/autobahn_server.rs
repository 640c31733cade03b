//! The server the Autobahn Testsuite's fuzzingclient tests:
//! `cargo run --release --example autobahn_server -- [PORT]` (default 9002).
//!
//! Echoes every message with its type on 127.0.0.1, with limits large enough
//! for the suite's 16 MiB messages, accepting permessage-deflate unless given
//! `--no-deflate`. `cargo xtask autobahn` drives it.

#[path = "support/event_loop.rs"]
mod event_loop;
#[path = "support/extensions.rs"]
mod extensions;
#[path = "support/server_side.rs"]
mod server_side;

use std::net::{TcpListener, TcpStream};

use noio_ws::{Accept, Config};

/// Room for the suite's largest messages (16 MiB) and then some.
const CONFIG: Config = Config { max_frame_len: 64 << 20, max_message_len: 64 << 20, ..Config::DEFAULT };

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = extensions::deflate_wanted(&mut args);
    let port = args.first().cloned().unwrap_or_else(|| "9002".to_string());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap_or_else(|e| {
        eprintln!("autobahn_server: cannot listen on port {port}: {e}");
        std::process::exit(1);
    });
    println!("autobahn_server listening on ws://127.0.0.1:{port}");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            if let Err(error) = serve(stream, deflate) {
                eprintln!("autobahn_server: {error}");
            }
        });
    }
}

fn serve(mut stream: TcpStream, deflate: bool) -> Result<(), server_side::Error> {
    stream.set_nodelay(true)?;
    let Some(request) = server_side::read_request(&mut stream)? else {
        return Ok(());
    };
    let accept = Accept { registry: extensions::registry(deflate), ..Accept::default() };
    if let Some(mut conn) = server_side::upgrade(&mut stream, request, accept, CONFIG)? {
        event_loop::echo(&mut stream, &mut conn)?;
    }
    Ok(())
}
