//! An async WebSocket echo server: `cargo run -p noio-ws-tokio --example echo_server [-- --addr HOST:PORT]`.
//!
//! Accepts upgrades on any path and echoes text and binary messages with
//! their type; pings are answered and closes echoed by the connection. It
//! selects the subprotocol `echo` when a client offers it and accepts
//! permessage-deflate (`--no-deflate` turns that off). A plain GET of `/`
//! returns a page whose script chats with the server, to try in a browser
//! (`/?selftest` makes the page check three echoes by itself and close).
//! Every connection is a task on one tokio runtime.
//!
//! With `--tls` (and the `hyper` feature: `cargo run -p noio-ws-tokio
//! --features hyper --example echo_server -- --tls`) it serves `https://`
//! and `wss://` instead, with a self-signed certificate made at start-up,
//! over HTTP/1.1 and HTTP/2 on the one port: ALPN picks the version, and
//! over HTTP/2 a WebSocket is an extended CONNECT (RFC 8441) on a stream of
//! the connection the page came on (see `https.rs`).
//!
//! It keeps its peers in bounds, each with a flag: at most 1,024
//! connections at once (`--max-connections`; more get 503), 10 s for the
//! whole request head (`--handshake-timeout`; 408 after), 60 s of silence
//! on a connection (`--idle-timeout`; a ping goes out halfway, and a peer
//! that answers nothing is closed with 1001) and 10 s for a write the peer
//! does not read (`--write-timeout`). A connection that ends badly (a
//! refused handshake, a protocol error, a timeout) gets one line on standard
//! error with the peer's address, the status or close code and the reason;
//! `--verbose` adds a line for each WebSocket opened (the HTTP version, the
//! subprotocol and extensions) and each one closed (the peer's close code
//! and reason).
//!
//! `echo_server_blocking` of the `noio-ws` crate is the same server on the
//! sans-io core and `std::net`, with no runtime; both pass the same tests.

#[cfg(all(feature = "hyper", feature = "rustls"))]
mod https;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use noio_ws_tokio::http::header::{CONTENT_TYPE, SEC_WEBSOCKET_KEY};
use noio_ws_tokio::http::{HeaderValue, Request, StatusCode, Version};
use noio_ws_tokio::{Config, Error, Frame, Reject, ServerBuilder, Upgrade, WebSocket};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How many over-the-cap connections may be getting their 503 at once;
/// past that they are dropped, so a flood costs no more tasks.
const MAX_REFUSING: usize = 64;

/// The page a browser gets from `GET /`: a chat box talking to this server.
const PAGE: &str = include_str!("page.html");

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = !take_switch(&mut args, "--no-deflate");
    let tls = take_switch(&mut args, "--tls");
    let verbose = take_switch(&mut args, "--verbose");
    let cert_out = take_value(&mut args, "--cert-out").unwrap_or_else(|problem| usage(&problem));
    let limits = Limits::take_flags(&mut args).unwrap_or_else(|problem| usage(&problem));
    let addr = match &args[..] {
        [] => "127.0.0.1:9001".to_string(),
        [flag, value] if flag == "--addr" => value.clone(),
        _ => usage("unexpected arguments"),
    };
    if cert_out.is_some() && !tls {
        usage("--cert-out goes with --tls");
    }
    let listener = TcpListener::bind(&addr).await.unwrap_or_else(|e| {
        eprintln!("echo_server: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    let echo = Arc::new(Echo {
        server: ServerBuilder::new()
            .protocols(["echo"])
            .deflate(deflate)
            .handshake_timeout(Some(limits.handshake_timeout))
            .config(limits.connection_config()),
        limits,
        verbose,
    });
    let transport = match tls {
        false => {
            println!("echo server on ws://{addr}/ (open http://{addr}/ in a browser)");
            Transport::Plain
        }
        #[cfg(all(feature = "hyper", feature = "rustls"))]
        true => {
            let https =
                https::Https::new(&addr, cert_out.as_deref(), Arc::clone(&echo)).unwrap_or_else(|problem| {
                    eprintln!("echo_server: {problem}");
                    std::process::exit(1);
                });
            println!(
                "echo server on wss://{addr}/ (open https://{addr}/ in a browser; {})",
                https.certificate
            );
            Transport::Tls(Arc::new(https))
        }
        #[cfg(not(all(feature = "hyper", feature = "rustls")))]
        true => usage(
            "--tls serves through hyper: cargo run -p noio-ws-tokio --features hyper --example echo_server -- --tls",
        ),
    };
    let serving = Arc::new(Semaphore::new(limits.max_connections));
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
        let _ = tcp.set_nodelay(true);
        let (echo, transport) = (Arc::clone(&echo), transport.clone());
        if let Ok(slot) = Arc::clone(&serving).try_acquire_owned() {
            tokio::spawn(async move {
                let served = match transport {
                    Transport::Plain => {
                        let _slot = slot;
                        serve(&echo, tcp, peer).await
                    }
                    // Over HTTP/2 the connection may carry several WebSockets,
                    // each holding the slot.
                    #[cfg(all(feature = "hyper", feature = "rustls"))]
                    Transport::Tls(https) => https.serve(tcp, peer, slot).await,
                };
                if let Err(failure) = served {
                    eprintln!("echo_server: {peer}: {failure}");
                }
            });
        } else if let Ok(slot) = Arc::clone(&refusing).try_acquire_owned() {
            tokio::spawn(async move {
                let _slot = slot;
                let status = match transport {
                    Transport::Plain => refuse_over_capacity(&echo.server, tcp).await,
                    #[cfg(all(feature = "hyper", feature = "rustls"))]
                    Transport::Tls(https) => https.refuse_over_capacity(tcp).await,
                };
                if let Some(status) = status {
                    eprintln!(
                        "echo_server: {peer}: already {} connections: answered {status}",
                        limits.max_connections
                    );
                }
            });
        }
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("echo_server: {problem}");
    eprintln!(
        "usage: echo_server [--addr HOST:PORT] [--no-deflate] [--tls [--cert-out FILE]] [--verbose] {}",
        Limits::USAGE
    );
    std::process::exit(2);
}

/// How connections arrive: TCP carrying HTTP/1.1 upgrades, which our own
/// handshake reads, or (`--tls`) TLS carrying HTTP/1.1 or HTTP/2, which
/// hyper reads.
#[derive(Clone)]
enum Transport {
    Plain,
    #[cfg(all(feature = "hyper", feature = "rustls"))]
    Tls(Arc<https::Https>),
}

/// What every connection is served with, whatever its transport.
struct Echo {
    /// The WebSocket settings: subprotocol `echo`, permessage-deflate, the
    /// handshake timeout and the connection's idle timers.
    server: ServerBuilder,
    limits: Limits,
    /// A log line for each WebSocket opened and closed.
    verbose: bool,
}

impl Echo {
    /// Echoes every message until the closing handshake is done. `over`:
    /// the HTTP version the WebSocket was opened with, for the log. `Err`
    /// is the line to log.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        mut ws: WebSocket<S>,
        peer: SocketAddr,
        over: Version,
    ) -> Result<(), String> {
        if self.verbose {
            let extensions: Vec<&str> = ws.connection().registry().extensions.names().collect();
            let how = match over {
                Version::HTTP_2 => "HTTP/2 extended CONNECT",
                _ => "HTTP/1.1 upgrade",
            };
            eprintln!(
                "echo_server: {peer}: opened by {how}, subprotocol {}, extensions {}",
                ws.protocol().unwrap_or("none"),
                if extensions.is_empty() { "none".to_string() } else { extensions.join(", ") }
            );
        }
        let mut echoed = 0u64;
        while let Some(message) = ws.recv().await {
            let message = message.map_err(|error| ending(&error))?;
            // Queued, not yet written: `recv` writes the echoes of everything a
            // read brought at once, before it waits for the next read. `feed`
            // waits only while the peer is not reading what we queued.
            let echo = ws.feed(Frame::new(message.opcode, message.payload));
            match tokio::time::timeout(self.limits.write_timeout, echo).await {
                Ok(sent) => sent.map_err(|error| ending(&error))?,
                Err(_) => {
                    return Err(format!(
                        "a write stalled for {:?}: the peer reads nothing",
                        self.limits.write_timeout
                    ));
                }
            }
            echoed += 1;
        }
        if self.verbose {
            match ws.close_frame() {
                Some(close) => eprintln!(
                    "echo_server: {peer}: closed by the peer with {} {:?} after {}",
                    close.code,
                    close.reason,
                    messages(echoed)
                ),
                None => {
                    eprintln!("echo_server: {peer}: ended without a close frame after {}", messages(echoed))
                }
            }
        }
        Ok(())
    }
}

/// "1 message", "2 messages".
fn messages(count: u64) -> String {
    format!("{count} message{}", if count == 1 { "" } else { "s" })
}

/// Serves one TCP connection: the page, or the echo until the closing
/// handshake is done. `Err` is the line to log.
async fn serve(echo: &Echo, tcp: TcpStream, peer: SocketAddr) -> Result<(), String> {
    let ws = match echo.server.accept_with(tcp, route).await {
        Ok(ws) => ws,
        // The page, or its 404: answered, nothing to report.
        Err(Error::RequestRejected { .. }) => return Ok(()),
        // A client that left before its request is no failure either.
        Err(Error::Io(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
        Err(Error::HandshakeTimeout(after)) => {
            return Err(format!(
                "no whole request head within {after:?}: answered {}",
                StatusCode::REQUEST_TIMEOUT
            ));
        }
        Err(Error::Handshake(error)) => {
            return Err(format!("handshake refused with {}: {error}", error.status()));
        }
        Err(error) => return Err(error.to_string()),
    };
    echo.run(ws, peer, Version::HTTP_11).await
}

/// How a connection that ran ended badly, with its close code.
fn ending(error: &Error) -> String {
    match (error, error.close_code()) {
        // Its message says the code.
        (Error::IdleTimeout(_) | Error::AbnormalClosure, _) | (_, None) => error.to_string(),
        (_, Some(code)) => format!("failed with {code}: {error}"),
    }
}

/// Upgrades a WebSocket handshake (the builder picks the subprotocol);
/// answers anything else with the page or a 404, one request per
/// connection.
fn route(request: &Request<()>) -> Result<Upgrade, Reject> {
    if wants_websocket(request) {
        return Ok(Upgrade::new());
    }
    let (status, content_type, body) = page(request.uri().path());
    Err(Reject::new(status, body).header(CONTENT_TYPE, HeaderValue::from_static(content_type)))
}

/// What a plain request of `path` gets: the status, the content type and
/// the body. The page at `/`, else a 404.
fn page(path: &str) -> (StatusCode, &'static str, &'static str) {
    match path {
        "/" => (StatusCode::OK, "text/html; charset=utf-8", PAGE),
        _ => (StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "not found\n"),
    }
}

/// True for a request to be handled as a WebSocket handshake: one asking
/// for the upgrade, or carrying `Sec-WebSocket-Key`. A browser's plain GET
/// never has the key, so a request with the key and no `Upgrade: websocket`
/// is a broken handshake; it gets the handshake's 400 (RFC 6455 section
/// 4.2.1), not the page.
fn wants_websocket<B>(request: &Request<B>) -> bool {
    let upgrade = request.headers().get_all("upgrade").iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|value| value.split(',').any(|token| token.trim().eq_ignore_ascii_case("websocket")))
    });
    upgrade || request.headers().contains_key(SEC_WEBSOCKET_KEY)
}

/// Answers a connection over the cap with 503; the status if it went out.
async fn refuse_over_capacity(server: &ServerBuilder, tcp: TcpStream) -> Option<StatusCode> {
    let busy = |_: &Request<()>| Err(Reject::new(StatusCode::SERVICE_UNAVAILABLE, BUSY));
    match server.accept_with(tcp, busy).await {
        Err(Error::RequestRejected { status }) => Some(status),
        _ => None,
    }
}

/// The body of a 503.
const BUSY: &str = "too many connections; try again later\n";

/// How much the server lets its peers hold: connections, and time.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// The most connections served at once; more get 503.
    max_connections: usize,
    /// How long a peer has to send its whole request head.
    handshake_timeout: Duration,
    /// How long an upgraded connection may go without a byte from the peer
    /// (a ping goes out halfway).
    idle_timeout: Duration,
    /// How long one echo may wait for a peer that reads nothing.
    write_timeout: Duration,
}

impl Limits {
    /// The flags [`take_flags`](Limits::take_flags) understands, for a usage line.
    const USAGE: &str =
        "[--max-connections N] [--handshake-timeout SECS] [--idle-timeout SECS] [--write-timeout SECS]";

    /// Takes the limit flags (each followed by its value; seconds may have
    /// a fraction) out of `args`, leaving the rest; the defaults (1,024
    /// connections, 10 s, 60 s, 10 s) for those not given.
    fn take_flags(args: &mut Vec<String>) -> Result<Limits, String> {
        let mut limits = Limits {
            max_connections: 1024,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
        };
        let mut rest = Vec::new();
        let mut args_iter = std::mem::take(args).into_iter();
        while let Some(arg) = args_iter.next() {
            let mut value = || args_iter.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--max-connections" => limits.max_connections = count(&arg, &value()?)?,
                "--handshake-timeout" => limits.handshake_timeout = seconds(&arg, &value()?)?,
                "--idle-timeout" => limits.idle_timeout = seconds(&arg, &value()?)?,
                "--write-timeout" => limits.write_timeout = seconds(&arg, &value()?)?,
                _ => rest.push(arg),
            }
        }
        *args = rest;
        Ok(limits)
    }

    /// The connection's own timers keep the idle limit: a keepalive ping
    /// after half of it in silence (a live peer's pong is traffic, and
    /// browsers answer pings by themselves), and a close with 1001 after all
    /// of it.
    fn connection_config(&self) -> Config {
        Config {
            ping_interval: Some(self.idle_timeout / 2),
            // The idle timeout, not the pong's, decides when a silent peer goes.
            pong_timeout: None,
            idle_timeout: Some(self.idle_timeout),
            ..Config::default()
        }
    }
}

/// Takes `flag` and the value after it out of `args`, if it is there.
fn take_value(args: &mut Vec<String>, flag: &str) -> Result<Option<String>, String> {
    let Some(at) = args.iter().position(|arg| arg == flag) else { return Ok(None) };
    if at + 1 >= args.len() {
        return Err(format!("{flag} needs a value"));
    }
    let value = args.remove(at + 1);
    args.remove(at);
    Ok(Some(value))
}

/// Takes `flag`, a switch without a value, out of `args`: true if it was there.
fn take_switch(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|arg| arg != flag);
    args.len() != before
}

/// A count of at least 1.
fn count(flag: &str, value: &str) -> Result<usize, String> {
    value.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("{flag}: {value:?} is not a positive number"))
}

/// A positive number of seconds.
fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    value
        .parse()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{flag}: {value:?} is not a positive number of seconds"))
}
