//! A blocking WebSocket client: `cargo run --example client_blocking -- ws://127.0.0.1:9001/`.
//!
//! The sans-io core on plain `std::net`; `cargo run -p noio-ws-tokio --example client`
//! is the same on tokio.
//!
//! Sends each line of standard input as a text message and prints each text
//! message received as a line. On end of input it closes with 1000 and exits
//! 0 once the closing handshake is done; errors go to standard error with a
//! non-zero exit. It offers permessage-deflate unless given `--no-deflate`.
//! Connecting and the handshake have 10 s each; after that it waits for the
//! server as long as it takes, and for the server to close the TCP
//! connection after the closing handshake for up to 2 s.

#[path = "support/client_side.rs"]
mod client_side;
#[path = "support/deadline.rs"]
mod deadline;
#[path = "support/extensions.rs"]
mod extensions;
#[path = "support/graceful_close.rs"]
mod graceful_close;

use std::io::{BufRead, Read, Write};
use std::sync::{Arc, Mutex};

use noio_ws::{CloseCode, CloseState, Config, Event, Frame, TransportAction};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = extensions::deflate_wanted(&mut args);
    let [url] = &args[..] else {
        eprintln!("usage: client [--no-deflate] ws://HOST:PORT/PATH");
        std::process::exit(2);
    };
    if let Err(error) = run(url, deflate) {
        eprintln!("client_blocking: {error}");
        std::process::exit(1);
    }
}

fn run(url: &str, deflate: bool) -> Result<(), client_side::Error> {
    let (stream, conn, _) = client_side::connect(url, &[], extensions::offered(deflate), Config::default())?;
    // The socket is written from two threads; each writes under the
    // connection's lock so frames go out in the order the connection made them.
    let conn = Arc::new(Mutex::new(conn));
    let mut writer = stream.try_clone()?;
    let sender = {
        let conn = Arc::clone(&conn);
        std::thread::spawn(move || -> Result<(), client_side::Error> {
            for line in std::io::stdin().lock().lines() {
                let mut conn = conn.lock().expect("not poisoned");
                conn.send(Frame::text(line?))?;
                // The line's frame, after any pong the reader left queued.
                while let Some(part) = conn.poll_output() {
                    writer.write_all(&part)?;
                }
            }
            let mut conn = conn.lock().expect("not poisoned");
            conn.send(Frame::close(CloseCode::NORMAL, "")?)?;
            while let Some(part) = conn.poll_output() {
                writer.write_all(&part)?;
            }
            Ok(())
        })
    };

    let mut reader = stream;
    // Reads land here, not through `recv_with`, so the blocking read does not
    // hold the connection's lock and stall the sender.
    let mut buf = vec![0; 64 * 1024];
    let stdout = std::io::stdout();
    let action = loop {
        let n = reader.read(&mut buf)?;
        let mut conn = conn.lock().expect("not poisoned");
        conn.recv(&buf[..n]);
        if n == 0 {
            conn.recv_eof();
        }
        loop {
            let event = match conn.next_event() {
                Ok(event) => event,
                Err(violation) => {
                    // The connection queued a close frame with the
                    // violation's code: the server should read it.
                    while let Some(queued) = conn.poll_output() {
                        reader.write_all(&queued)?;
                    }
                    graceful_close::close(reader, TransportAction::Close);
                    return Err(format!("the server broke the protocol: {violation}").into());
                }
            };
            match event {
                Event::Message(message) => match message.as_text() {
                    Some(text) => writeln!(stdout.lock(), "{text}")?,
                    None => writeln!(stdout.lock(), "<{} bytes of binary>", message.payload.len())?,
                },
                Event::Close(close) if close.code != CloseCode::NORMAL => {
                    eprintln!("client_blocking: the server closed with {}: {}", close.code, close.reason);
                }
                Event::AbnormalClosure => {
                    return Err("the connection ended without a closing handshake".into());
                }
                Event::NeedData => break,
                _ => {}
            }
        }
        // Everything queued (pongs, our close reply), in wire order.
        while let Some(queued) = conn.poll_output() {
            reader.write_all(&queued)?;
        }
        if conn.transport_action() != TransportAction::Keep && conn.state() == CloseState::Closed {
            break conn.transport_action();
        }
        if n == 0 {
            return Err("the server closed the connection".into());
        }
    };
    graceful_close::close(reader, action);
    // The closing handshake is done; the sender thread may still wait on
    // input after a server-initiated close, so do not join it.
    drop(sender);
    Ok(())
}
