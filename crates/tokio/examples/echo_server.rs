//! An async WebSocket echo server: every connection a task on one runtime,
//! at most `--max-connections` at once (more get 503), 10 s to send the
//! request head (then 408), and a connection silent for `--idle-timeout`
//! seconds closed with 1001 (a keepalive ping goes out halfway).
//!
//! ```sh
//! cargo run -p noio-ws-tokio --example echo_server -- [ADDR] [--max-connections N] [--idle-timeout SECS]
//! cargo run -p noio-ws-tokio --example client -- ws://127.0.0.1:9001/
//! ```

use std::sync::Arc;
use std::time::Duration;

use noio_ws_tokio::http::StatusCode;
use noio_ws_tokio::{Config, Error, Frame, Reject, ServerBuilder};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How many over-the-cap connections may be getting their 503 at once;
/// past that they are dropped, so a flood costs no more tasks.
const MAX_REFUSING: usize = 64;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let max_connections = take_number(&mut args, "--max-connections")?.unwrap_or(1024);
    let idle = Duration::from_secs(take_number(&mut args, "--idle-timeout")?.unwrap_or(60) as u64);
    let addr = args.first().map_or("127.0.0.1:9001", String::as_str);

    let server = ServerBuilder::new().handshake_timeout(Some(Duration::from_secs(10))).config(Config {
        ping_interval: Some(idle / 2),
        // The idle timeout, not the pong's, decides when a silent peer goes.
        pong_timeout: None,
        idle_timeout: Some(idle),
        ..Config::default()
    });
    let listener = TcpListener::bind(addr).await?;
    eprintln!("echo_server: ws://{}/ (at most {max_connections} connections)", listener.local_addr()?);
    let serving = Arc::new(Semaphore::new(max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Typically out of file descriptors: pause rather than spin.
                eprintln!("echo_server: cannot accept: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let server = server.clone();
        if let Ok(slot) = Arc::clone(&serving).try_acquire_owned() {
            tokio::spawn(async move {
                let _slot = slot;
                if let Err(error) = echo(&server, tcp).await {
                    eprintln!("echo_server: {peer}: {error}");
                }
            });
        } else if let Ok(slot) = Arc::clone(&refusing).try_acquire_owned() {
            tokio::spawn(async move {
                let _slot = slot;
                let busy =
                    |_: &_| Err(Reject::new(StatusCode::SERVICE_UNAVAILABLE, "too many connections\n"));
                let _ = server.accept_with(tcp, busy).await;
            });
        }
    }
}

/// Echoes every message until the closing handshake is done.
async fn echo(server: &ServerBuilder, tcp: TcpStream) -> Result<(), Error> {
    tcp.set_nodelay(true)?;
    let mut ws = server.accept(tcp).await?;
    while let Some(message) = ws.recv().await {
        let message = message?;
        ws.send(Frame::new(message.opcode, message.payload)).await?;
    }
    Ok(())
}

/// Takes `flag` and its value, a positive number, out of `args`.
fn take_number(args: &mut Vec<String>, flag: &str) -> Result<Option<usize>, String> {
    let Some(at) = args.iter().position(|arg| arg == flag) else { return Ok(None) };
    let value = args.get(at + 1).ok_or_else(|| format!("{flag} needs a value"))?;
    let number = value
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{flag}: {value:?} is not a positive number"))?;
    args.drain(at..at + 2);
    Ok(Some(number))
}
