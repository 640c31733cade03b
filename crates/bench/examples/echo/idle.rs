//! The idle-memory run's load generator (`echo idle`, driven by `cargo
//! xtask bench --memory`): opens connections, then holds them idle while
//! the orchestrator reads the server's RSS.
//!
//! It speaks line by line on its standard streams, so that the orchestrator
//! can measure between the steps:
//!
//! 1. connects `--connections` connections to 127.0.0.1 (at most
//!    [`CONCURRENT`] handshakes at a time, so the server's listen backlog
//!    never overflows), completes the handshake on each and prints
//!    `connected N`;
//! 2. if `--size` is above 0, waits for a line on its standard input, then
//!    sends one binary message of that size on every connection, reads and
//!    checks each echo (byte for byte) and prints `echoed N`;
//! 3. holds every connection open, sending nothing, until its standard input
//!    ends, and exits; or fails after `--max-seconds` (so that nothing
//!    outlives a lost orchestrator).

use std::io::{self, BufRead, Write};
use std::time::Duration;

use noio_ws_codec::bytes::BytesMut;
use noio_ws_connection::{Connection, Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::Flags;
use crate::load::{connect, pattern};

/// Handshakes (or exchanges) in flight at once: under the 128 connections
/// a listen backlog holds at the least.
const CONCURRENT: usize = 100;

/// How long one connection's handshake or echo may take before the run fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// One connection, held.
type Held = (TcpStream, Connection);

/// Runs the three steps; see the module's documentation.
pub(crate) fn run(flags: &Flags) -> Result<(), String> {
    if flags.port == 0 {
        return Err("--port is needed".into());
    }
    let limit = flags.max_seconds;
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        eprintln!("echo idle: {limit:?} passed, exiting");
        std::process::exit(1);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let port = flags.port;
    let mut held = runtime.block_on(in_batches(Vec::new(), flags.connections, move |_| async move {
        let (stream, conn) = connect(port).await.map_err(|e| format!("connecting: {e}"))?;
        Ok((stream, conn))
    }))?;
    say(&format!("connected {}", held.len()))?;
    let mut stdin = io::stdin().lock();
    let mut line = String::new();
    if flags.size > 0 {
        stdin.read_line(&mut line).map_err(|e| format!("stdin: {e}"))?;
        let message = pattern(flags.size);
        let count = held.len();
        held = runtime.block_on(in_batches(held, count, move |held: Option<Held>| {
            let message = message.clone();
            async move {
                let (stream, conn) = held.expect("one held connection per exchange");
                exchange(stream, conn, &message).await
            }
        }))?;
        say(&format!("echoed {}", held.len()))?;
    }
    // Held until the orchestrator is done reading the server's memory.
    while stdin.read_line(&mut line).map_err(|e| format!("stdin: {e}"))? > 0 {}
    drop(held);
    Ok(())
}

/// Prints `line` at once: the orchestrator waits for it.
fn say(line: &str) -> Result<(), String> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| format!("stdout: {e}"))
}

/// Runs `step` `count` times, at most [`CONCURRENT`] at once, each given
/// the next of `inputs` (or `None` once they run out), and returns what
/// each made, in order.
async fn in_batches<F, Fut>(inputs: Vec<Held>, count: usize, step: F) -> Result<Vec<Held>, String>
where
    F: Fn(Option<Held>) -> Fut,
    Fut: Future<Output = Result<Held, String>> + Send + 'static,
{
    let mut inputs = inputs.into_iter();
    let mut made = Vec::with_capacity(count);
    while made.len() < count {
        let mut batch = JoinSet::new();
        for i in 0..CONCURRENT.min(count - made.len()) {
            let future = tokio::time::timeout(STEP_TIMEOUT, step(inputs.next()));
            batch.spawn(async move { (i, future.await) });
        }
        let mut done: Vec<(usize, Held)> = Vec::with_capacity(CONCURRENT);
        while let Some(joined) = batch.join_next().await {
            let (i, result) = joined.map_err(|e| format!("a connection's task: {e}"))?;
            let held = result.map_err(|_| format!("no answer within {STEP_TIMEOUT:?}"))??;
            done.push((i, held));
        }
        done.sort_by_key(|(i, _)| *i);
        made.extend(done.into_iter().map(|(_, held)| held));
    }
    Ok(made)
}

/// Sends `message` on the connection and reads its echo, which must be the
/// same bytes.
async fn exchange(mut stream: TcpStream, mut conn: Connection, message: &[u8]) -> Result<Held, String> {
    let failed = |e: io::Error| format!("the connection failed: {e}");
    conn.send_binary(message).map_err(|e| e.to_string())?;
    let mut out = BytesMut::new();
    conn.poll_output_into(&mut out);
    stream.write_all(&out).await.map_err(failed)?;
    let mut buf = vec![0; 4096];
    loop {
        match conn.next_event() {
            Ok(Event::Message(m)) if m.payload[..] == *message => return Ok((stream, conn)),
            Ok(Event::Message(_)) => return Err("the echo differs from the message sent".into()),
            Ok(Event::NeedData) => {
                let n = stream.read(&mut buf).await.map_err(failed)?;
                if n == 0 {
                    return Err("the server closed the connection".into());
                }
                conn.recv(&buf[..n]);
            }
            Ok(other) => return Err(format!("unexpected {other:?}")),
            Err(e) => return Err(format!("the server broke the protocol: {e}")),
        }
    }
}
