//! The connection's settings, one struct with safe defaults.

use core::time::Duration;

/// How received data messages are handed to the application.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// One [`Event::Message`](crate::Event::Message) per message, its
    /// fragments joined (a single-frame message is handed out without a copy).
    #[default]
    WholeMessages,
    /// One [`Event::Frame`](crate::Event::Frame) per data frame, as the
    /// Python noio_ws hands them out by default: the frame's own opcode
    /// (continuation frames say so), its FIN and reserved bits and its whole
    /// payload, bounded by `max_frame_len`. A compressed frame's decompressed
    /// bytes come in pieces of at most `max_chunk_len`, each saying whether
    /// it ends the frame.
    Frames,
    /// [`Event::Chunk`](crate::Event::Chunk)s as payload bytes arrive, each
    /// with its place in the message and its frame: nothing is buffered, so
    /// messages of any size pass through in bounded memory.
    Streaming,
}

/// Connection settings. Every limit has a safe default; raise them for
/// trusted peers only.
///
/// ```
/// use noio_ws_connection::{Config, Delivery};
///
/// let config = Config { max_message_len: 1 << 20, delivery: Delivery::Streaming, ..Config::default() };
/// assert!(config.auto_pong);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// The largest frame payload accepted, in bytes; a larger frame fails
    /// the connection with 1009 as soon as its header arrives. Default
    /// 64 MiB + 64 KiB: the message limit plus 1/1024 for the framing a
    /// compressor adds, so any message under the message limit passes in one
    /// frame, compressed or not (DEFLATE's stored blocks add 5 bytes per
    /// block: 16 MiB of random data is 16,782,337 bytes compressed).
    ///
    /// Memory does not follow this limit: the connection buffers a frame only
    /// as its bytes arrive, and whole-message delivery refuses an
    /// uncompressed frame longer than `max_message_len` on its header alone.
    pub max_frame_len: u64,
    /// The largest data message accepted (all fragments together, after
    /// extensions such as decompression), in bytes; beyond it the connection
    /// fails with 1009 before the memory is spent: an uncompressed frame that
    /// would take the message past it fails as soon as its header arrives.
    /// Default 64 MiB.
    pub max_message_len: u64,
    /// Answer each ping with a pong automatically. Default on.
    pub auto_pong: bool,
    /// Answer the peer's close frame with one echoing its code
    /// automatically. Default on.
    pub auto_close: bool,
    /// How data messages are delivered. Default whole messages; it may be
    /// changed between messages with
    /// [`Connection::set_delivery`](crate::Connection::set_delivery).
    pub delivery: Delivery,
    /// With frame and streaming delivery, the most bytes an extension's
    /// decoding (such as decompression) hands out in one event. Default 64 KiB; 0 is taken
    /// as 1.
    pub max_chunk_len: usize,
    /// The most bytes [`Connection::recv_with`](crate::Connection::recv_with)
    /// lends to one read. Reads start at 4 KiB (or this, if smaller) and
    /// double while they come back full, so an idle connection holds a small
    /// buffer and a busy one reads in large pieces. Default 64 KiB; 0 is taken
    /// as 1.
    pub max_read_len: usize,
    /// Send a keepalive ping after this long without a byte from the peer.
    /// Default off: a connection sends only what the application asks for,
    /// unless asked to keep the peer in check. Timers run only for a caller
    /// that drives them with
    /// [`handle_timeout`](crate::Connection::handle_timeout).
    pub ping_interval: Option<Duration>,
    /// Fail the connection (1011) when no pong answers our keepalive ping
    /// within this long. Default 20 s; it applies only to keepalive pings.
    pub pong_timeout: Option<Duration>,
    /// Give up on the closing handshake this long after it began: the
    /// transport is then to be closed (a client's wait for the server to
    /// close TCP first is bounded too). Default 10 s.
    pub close_timeout: Option<Duration>,
    /// Close the connection (1001) after this long without a byte from the
    /// peer. Default off.
    pub idle_timeout: Option<Duration>,
    /// The queued output, in bytes, at which
    /// [`Connection::output_is_full`](crate::Connection::output_is_full)
    /// tells a driver to stop reading and sending until the peer reads.
    /// Default 128 KiB. The connection never refuses to queue: what the
    /// application sends is the application's to pace, and what the
    /// connection sends by itself stays under 1.3 KiB.
    pub output_high_water: usize,
}

impl Config {
    /// The defaults: 64 MiB messages in frames of up to 64 MiB + 64 KiB,
    /// automatic pong and close replies, whole messages, 64 KiB decoded
    /// chunks and reads; no keepalive or idle timer, a 20 s pong timeout
    /// for keepalive pings and a 10 s closing handshake; 128 KiB of queued
    /// output before a driver should wait for the peer.
    pub const DEFAULT: Config = Config {
        max_frame_len: (64 << 20) + (64 << 10),
        max_message_len: 64 << 20,
        auto_pong: true,
        auto_close: true,
        delivery: Delivery::WholeMessages,
        max_chunk_len: 64 << 10,
        max_read_len: 64 << 10,
        ping_interval: None,
        pong_timeout: Some(Duration::from_secs(20)),
        close_timeout: Some(Duration::from_secs(10)),
        idle_timeout: None,
        output_high_water: 128 << 10,
    };
}

impl Default for Config {
    fn default() -> Self {
        Config::DEFAULT
    }
}
