//! What the integration tests share: a raw peer made of the sans-io core
//! (to see every frame, and to misbehave), loopback TCP pairs, handshakes
//! over in-memory pipes, and tungstenite's settings.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use noio_ws_tokio::noio_ws::{Connection, Event, Frame, Role};
use noio_ws_tokio::{ClientBuilder, Config, ServerBuilder, WebSocket};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::net::{TcpListener, TcpStream};

/// A peer driven by hand: the core's connection over a stream, with no
/// adapter in between. It writes only when told to.
pub struct RawPeer<S> {
    pub conn: Connection,
    pub io: S,
    pub eof: bool,
}

impl<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> RawPeer<S> {
    /// A peer speaking as `role`, its WebSocket already open on `io`.
    pub fn new(role: Role, config: Config, io: S) -> Self {
        RawPeer { conn: Connection::new(role, config), io, eof: false }
    }

    /// The next event, reading as needed; `None` at the end of the stream.
    pub async fn next_event(&mut self) -> Option<Event> {
        loop {
            match self.conn.next_event().expect("the adapter keeps to the protocol") {
                Event::NeedData if self.eof => return None,
                Event::NeedData => {}
                Event::AbnormalClosure => return None,
                event => return Some(event),
            }
            let mut buf = [0; 4096];
            let n = self.io.read(&mut buf).await.unwrap_or(0);
            self.conn.recv(&buf[..n]);
            if n == 0 {
                self.eof = true;
                self.conn.recv_eof();
            }
        }
    }

    /// Queues `frame` and writes everything queued (automatic replies too).
    pub async fn send(&mut self, frame: Frame) {
        self.conn.send(frame).unwrap();
        self.flush().await;
    }

    /// Writes everything queued.
    pub async fn flush(&mut self) {
        while let Some(bytes) = self.conn.poll_output() {
            self.io.write_all(&bytes).await.unwrap();
        }
    }

    /// Reads until the end of the stream, counting the bytes.
    pub async fn read_to_end(&mut self) -> usize {
        let mut rest = Vec::new();
        self.io.read_to_end(&mut rest).await.unwrap_or(0)
    }
}

/// Two ends of a loopback TCP connection.
pub async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), server.unwrap().0)
}

/// Our client and our server, handshaken over an in-memory pipe of
/// `capacity` bytes each way.
pub async fn ours_pair(
    capacity: usize,
    client: ClientBuilder,
    server: ServerBuilder,
) -> (WebSocket<DuplexStream>, WebSocket<DuplexStream>) {
    let (client_io, server_io) = tokio::io::duplex(capacity);
    let (client, server) =
        tokio::join!(client.client_async("ws://localhost/", client_io), server.accept(server_io));
    (client.unwrap().0, server.unwrap())
}

/// Our server, and a raw client peer whose handshake we fake (the raw peer
/// needs none: the server accepts a request written by hand).
pub async fn ours_server_raw_client(
    capacity: usize,
    server: ServerBuilder,
) -> (WebSocket<DuplexStream>, RawPeer<DuplexStream>) {
    let (mut client_io, server_io) = tokio::io::duplex(capacity);
    let request = "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    client_io.write_all(request.as_bytes()).await.unwrap();
    let server = server.deflate(false).accept(server_io).await.unwrap();
    // Skip the 101 response head.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(client_io.read_u8().await.unwrap());
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    (server, RawPeer::new(Role::Client, Config::default(), client_io))
}

/// tungstenite's settings for the tests: room for the 16 MiB messages.
pub fn tungstenite_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20))
}

/// `len` bytes that compress poorly and differ from message to message.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A generous bound for anything that should happen at once on loopback.
pub const SOON: Duration = Duration::from_secs(10);
