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
//! - `noio-ws-tokio`: the same core under a bench-local loop on tokio's
//!   current-thread runtime (a task per connection, readiness and
//!   non-blocking reads and writes). It is not the async adapter (issue 12),
//!   only this benchmark's loop.
//! - `tokio-websockets`: `ServerBuilder::accept`, then its `Stream` and
//!   `Sink` (`send` per message), as its `echo_server` example, on a
//!   current-thread runtime.
//! - `fastwebsockets`: `WebSocket::after_handshake` in a `FragmentCollector`,
//!   `read_frame` and `write_frame` per message, as its `echo_server`
//!   example, on a current-thread runtime; the HTTP upgrade is ours, as
//!   fastwebsockets leaves a server's to hyper.
//!
//! Every socket has `TCP_NODELAY`: ping-pong measures latency, not Nagle.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use futures_util::{SinkExt, StreamExt};
use noio_ws_codec::Role;
use noio_ws_codec::bytes::{Buf, Bytes, BytesMut};
use noio_ws_connection::{Config, Connection, Event, Frame, TransportAction};
use noio_ws_handshake::{Accept, IncomingRequest, ServerHandshake};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};

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
    let mut out = BytesMut::with_capacity(64 << 10);
    loop {
        loop {
            match conn.next_event() {
                Ok(Event::Message(m)) => {
                    conn.send(Frame::new(m.opcode, m.payload)).map_err(io::Error::other)?;
                }
                Ok(Event::NeedData) => break,
                Ok(Event::AbnormalClosure) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(io::Error::other(e)),
            }
        }
        conn.poll_output_into(&mut out);
        if !out.is_empty() {
            stream.write_all(&out)?;
            out.clear();
        }
        if conn.transport_action() != TransportAction::Keep {
            return Ok(());
        }
        conn.recv_with(|buf| stream.read(buf))?;
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

fn serve_tokio(listener: TcpListener, library: &str) -> Result<(), String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
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
                "noio-ws-tokio" => tokio::spawn(tokio::task::unconstrained(quietly(echo_noio_tokio(stream)))),
                "tokio-websockets" => {
                    tokio::spawn(tokio::task::unconstrained(quietly(echo_tokio_websockets(stream))))
                }
                _ => tokio::spawn(tokio::task::unconstrained(quietly(echo_fastwebsockets(stream)))),
            };
        }
    })
}

/// Runs a connection and drops how it ended: a load generator that leaves
/// mid-message is how every run ends.
async fn quietly<E>(connection: impl Future<Output = Result<(), E>>) {
    let _ = connection.await;
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

/// Our core under a readiness loop: read while there is room to, echo
/// every message read, write what is queued when the socket takes it.
async fn echo_noio_tokio(mut stream: tokio::net::TcpStream) -> io::Result<()> {
    let request = read_request_tokio(&mut stream).await?;
    let (response, mut conn) = accept(request)?;
    stream.write_all(&response).await?;
    let mut out = BytesMut::with_capacity(64 << 10);
    loop {
        loop {
            match conn.next_event() {
                Ok(Event::Message(m)) => {
                    conn.send(Frame::new(m.opcode, m.payload)).map_err(io::Error::other)?;
                }
                Ok(Event::NeedData) => break,
                Ok(Event::AbnormalClosure) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(io::Error::other(e)),
            }
            // Write before taking more when the peer is slow to read.
            if conn.output_is_full() {
                break;
            }
        }
        conn.poll_output_into(&mut out);
        while !out.is_empty() {
            match stream.try_write(&out) {
                Ok(n) => out.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if out.len() < Config::DEFAULT.output_high_water {
                        // Read meanwhile: the rest goes out on the next pass.
                        break;
                    }
                    stream.writable().await?;
                }
                Err(e) => return Err(e),
            }
        }
        if out.is_empty() {
            out.clear();
        }
        if conn.transport_action() != TransportAction::Keep {
            return Ok(());
        }
        let interest =
            if out.is_empty() { Interest::READABLE } else { Interest::READABLE | Interest::WRITABLE };
        let ready = stream.ready(interest).await?;
        if ready.is_readable() {
            match conn.recv_with(|buf| stream.try_read(buf)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }
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
