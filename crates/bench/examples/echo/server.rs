//! The echo servers, one per library, each through the API its own
//! documentation and examples point an echo server at:
//!
//! - `noio-ws-std`: our sans-io core on blocking `std::net`, a thread per
//!   connection (pinned with the process to one core, it stays one core):
//!   read straight into the connection's buffer (`recv_with`), take every
//!   message complete so far (`next_event`, whose payload is split off the
//!   input buffer as `Bytes`) and queue it back as it is (`send`, no copy),
//!   then one write of everything queued (`poll_output_into` into a
//!   buffer kept for the connection's life). Once warm nothing is allocated
//!   per message (`crates/connection/tests/steady_state.rs` proves the core
//!   loop so).
//! - `noio-ws-tokio`: our async adapter (`noio-ws-tokio`) on tokio's
//!   current-thread runtime, a task per connection: `accept`, then `recv`
//!   and `feed` per message, as its echo example.
//! - `tokio-websockets`: `ServerBuilder::accept`, then its `Stream` and
//!   `Sink` (`send` per message), as its `echo_server` example, on a
//!   current-thread runtime.
//! - `fastwebsockets`: `WebSocket::after_handshake` in a `FragmentCollector`,
//!   `read_frame` and `write_frame` per message, as its `echo_server`
//!   example, on a current-thread runtime; the HTTP upgrade is ours, as
//!   fastwebsockets leaves a server's to hyper.
//!
//! Every socket has `TCP_NODELAY`: ping-pong measures latency, not Nagle.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};
use std::net::{TcpListener, TcpStream};

use futures_util::{SinkExt, StreamExt};
use noio_ws_codec::Role;
use noio_ws_codec::bytes::{Buf, Bytes, BytesMut};
use noio_ws_connection::{CloseState, Config, Connection, Event, Frame, TransportAction};
use noio_ws_handshake::{Accept, IncomingRequest, ServerHandshake};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Flags;

/// The libraries `server --library` takes.
pub(crate) const LIBRARIES: [&str; 4] =
    ["noio-ws-std", "noio-ws-tokio", "tokio-websockets", "fastwebsockets"];

/// Listens on 127.0.0.1, says the port and serves until killed, or until
/// `--max-seconds` have passed.
pub(crate) fn run(flags: &Flags) -> Result<(), String> {
    let library = flags.library.as_deref().ok_or("--library is needed")?;
    if !LIBRARIES.contains(&library) {
        return Err(format!("unknown library {library}; one of {LIBRARIES:?}"));
    }
    let listener = TcpListener::bind(("127.0.0.1", flags.port)).map_err(|e| format!("bind: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("port {port}");
    io::stdout().flush().map_err(|e| e.to_string())?;
    let max = flags.max_seconds;
    std::thread::spawn(move || {
        std::thread::sleep(max);
        eprintln!("echo server: {max:?} passed, exiting");
        std::process::exit(0);
    });
    match library {
        "noio-ws-std" => serve_std(listener),
        _ => serve_tokio(listener, library),
    }
}

// ---- noio-ws on std ------------------------------------------------------------

fn serve_std(listener: TcpListener) -> Result<(), String> {
    for stream in listener.incoming() {
        let stream = stream.map_err(|e| format!("accept: {e}"))?;
        std::thread::spawn(move || {
            // A load generator that leaves mid-message is how every run ends.
            let _ = echo_std(stream);
        });
    }
    Ok(())
}

fn echo_std(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let request = read_request_std(&mut stream)?;
    let (response, mut conn) = accept(request)?;
    stream.write_all(&response)?;
    let mut output = Output::new();
    loop {
        let echoed = echo_events(&mut conn)?;
        if conn.state() == CloseState::Closed {
            return Ok(());
        }
        output.take(&mut conn, echoed.large);
        output.write_all(&mut stream)?;
        if conn.transport_action() != TransportAction::Keep {
            return Ok(());
        }
        if echoed.need_data {
            conn.recv_with(|buf| stream.read(buf))?;
        }
    }
}

/// Echoes every message complete so far, each queued back as it came (its
/// payload split off the input, no copy), until the connection needs data
/// or its queue is full (then the driver writes before taking more).
fn echo_events(conn: &mut Connection) -> io::Result<Echoed> {
    let mut echoed = Echoed { large: false, need_data: false };
    while !conn.output_is_full() {
        match conn.next_event() {
            Ok(Event::Message(m)) => {
                echoed.large |= m.payload.len() >= ZERO_COPY_FROM;
                conn.send(Frame::new(m.opcode, m.payload)).map_err(io::Error::other)?;
            }
            Ok(Event::NeedData | Event::AbnormalClosure) => {
                echoed.need_data = true;
                break;
            }
            Ok(_) => {}
            Err(e) => return Err(io::Error::other(e)),
        }
    }
    Ok(echoed)
}

/// What [`echo_events`] did.
struct Echoed {
    /// A payload large enough to go out as a part of its own was echoed.
    large: bool,
    /// Every event was taken: reading comes next (else the queue filled up,
    /// and writing it comes first).
    need_data: bool,
}

/// The payload size from which our core queues a server's payload as a
/// part of its own, not copied (`ZERO_COPY_MIN` in the connection's
/// sender): such output goes out in one vectored write of its parts, where
/// `poll_output_into` would copy each payload once more.
const ZERO_COPY_FROM: usize = 4 << 10;

/// The most parts one vectored write takes.
const MAX_SLICES: usize = 64;

/// What our servers have taken from the connection and not yet written:
/// small frames in one buffer kept for the connection's life (filled by
/// `poll_output_into`, which swaps buffers with an empty one: no copy, and
/// no allocation once warm), or the parts of output with large payloads.
struct Output {
    buf: BytesMut,
    parts: VecDeque<Bytes>,
}

impl Output {
    fn new() -> Output {
        Output { buf: BytesMut::with_capacity(64 << 10), parts: VecDeque::new() }
    }

    fn is_empty(&self) -> bool {
        self.buf.is_empty() && self.parts.is_empty()
    }

    /// Takes everything `conn` queued, once what was taken before is
    /// written (it stays in order so); `large` says to take it in parts.
    fn take(&mut self, conn: &mut Connection, large: bool) {
        if !self.is_empty() {
            return;
        }
        if large {
            self.parts.extend(std::iter::from_fn(|| conn.poll_output()));
        } else {
            conn.poll_output_into(&mut self.buf);
        }
    }

    /// One write of as much as `write` takes (a vectored write of up to
    /// [`MAX_SLICES`] parts); the bytes written are dropped.
    fn write_once(&mut self, write: impl FnOnce(&[IoSlice<'_>]) -> io::Result<usize>) -> io::Result<()> {
        if !self.buf.is_empty() {
            let n = write(&[IoSlice::new(&self.buf)])?;
            self.buf.advance(n);
            if self.buf.is_empty() {
                // Its room back at the front, for the next frames.
                self.buf.clear();
            }
            return Ok(());
        }
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let count = self.parts.len().min(MAX_SLICES);
        for (slice, part) in slices.iter_mut().zip(&self.parts) {
            *slice = IoSlice::new(part);
        }
        let mut n = write(&slices[..count])?;
        while n > 0 {
            let front = self.parts.front_mut().expect("no more written than given");
            let step = n.min(front.len());
            front.advance(step);
            n -= step;
            if front.is_empty() {
                self.parts.pop_front();
            }
        }
        Ok(())
    }

    /// Writes everything taken, blocking.
    fn write_all(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        while !self.is_empty() {
            self.write_once(|slices| {
                // One part by plain write: writev costs more per call.
                let n = match slices {
                    [one] => stream.write(one)?,
                    _ => stream.write_vectored(slices)?,
                };
                match n {
                    0 => Err(io::ErrorKind::WriteZero.into()),
                    n => Ok(n),
                }
            })?;
        }
        Ok(())
    }
}

/// Reads the request head; our load generator sends nothing more before
/// the answer, so no bytes are lost past it.
fn read_request_std(stream: &mut TcpStream) -> io::Result<IncomingRequest> {
    let mut handshake = ServerHandshake::default();
    let mut buf = [0; 2048];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(request) = handshake.recv(&buf[..n]).map_err(io::Error::other)? {
            return Ok(request);
        }
    }
}

/// Accepts `request` with no subprotocol or extension: the answer to
/// write, and the server connection, given any bytes that came after the
/// head.
fn accept(request: IncomingRequest) -> io::Result<(Bytes, Connection)> {
    let rest = request.rest().clone();
    let (response, _accepted) = request.accept(Accept::default()).map_err(io::Error::other)?;
    let mut conn = Connection::new(Role::Server, Config::default());
    conn.recv(&rest);
    Ok((response, conn))
}

// ---- the tokio servers ----------------------------------------------------------

/// Runs a connection's future and drops how it ended: a load generator
/// that leaves mid-message is how every run ends. A macro, not an `async
/// fn` taking the future: such a function's state holds its argument and
/// the future it awaits both (rustc lays them out apart), which doubled
/// every server's task, and the task is most of what an idle connection
/// costs (`cargo xtask bench --memory`).
macro_rules! quietly {
    ($connection:expr) => {
        async move {
            let _ = $connection.await;
        }
    };
}

fn serve_tokio(listener: TcpListener, library: &str) -> Result<(), String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    // Timers too: our adapter bounds its handshake and closing with them.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let library = library.to_string();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        loop {
            let (stream, _) = listener.accept().await.map_err(|e| format!("accept: {e}"))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            // Unconstrained, as both peers' echo examples run theirs: tokio's
            // cooperative budget would otherwise yield a busy connection.
            match library.as_str() {
                "noio-ws-tokio" => {
                    tokio::spawn(tokio::task::unconstrained(quietly!(echo_noio_tokio(stream))))
                }
                "tokio-websockets" => {
                    tokio::spawn(tokio::task::unconstrained(quietly!(echo_tokio_websockets(stream))))
                }
                _ => tokio::spawn(tokio::task::unconstrained(quietly!(echo_fastwebsockets(stream)))),
            };
        }
    })
}

async fn read_request_tokio(stream: &mut tokio::net::TcpStream) -> io::Result<IncomingRequest> {
    let mut handshake = ServerHandshake::default();
    let mut buf = [0; 2048];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(request) = handshake.recv(&buf[..n]).map_err(io::Error::other)? {
            return Ok(request);
        }
    }
}

/// Our async adapter as its echo example runs: `accept`, then `recv` each
/// message and `feed` it back (queued with its payload as it came, no
/// copy); `recv` writes the echoes of everything a read brought in one go
/// before it reads again.
async fn echo_noio_tokio(stream: tokio::net::TcpStream) -> Result<(), noio_ws_tokio::Error> {
    let mut ws = noio_ws_tokio::ServerBuilder::new().deflate(false).accept(stream).await?;
    while let Some(message) = ws.recv().await {
        let message = message?;
        ws.feed(Frame::new(message.opcode, message.payload)).await?;
    }
    Ok(())
}

/// tokio-websockets' own echo server loop.
async fn echo_tokio_websockets(stream: tokio::net::TcpStream) -> Result<(), tokio_websockets::Error> {
    let (_request, mut server) = tokio_websockets::ServerBuilder::new()
        .config(tokio_websockets::Config::default().frame_size(usize::MAX))
        .limits(tokio_websockets::Limits::unlimited())
        .accept(stream)
        .await?;
    while let Some(item) = server.next().await {
        let item = item?;
        if item.is_text() || item.is_binary() {
            server.send(item).await?;
        }
    }
    Ok(())
}

/// fastwebsockets' own echo server loop, after our handshake.
async fn echo_fastwebsockets(
    mut stream: tokio::net::TcpStream,
) -> Result<(), fastwebsockets::WebSocketError> {
    let request = read_request_tokio(&mut stream).await?;
    // Nothing follows the head before the answer: our generator waits for it.
    let (response, _accepted) = request.accept(Accept::default()).map_err(io::Error::other)?;
    stream.write_all(&response).await?;
    let socket = fastwebsockets::WebSocket::after_handshake(stream, fastwebsockets::Role::Server);
    let mut socket = fastwebsockets::FragmentCollector::new(socket);
    loop {
        let frame = socket.read_frame().await?;
        match frame.opcode {
            fastwebsockets::OpCode::Close => return Ok(()),
            fastwebsockets::OpCode::Text | fastwebsockets::OpCode::Binary => {
                socket.write_frame(frame).await?
            }
            _ => {}
        }
    }
}
