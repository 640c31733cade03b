//! # noio-ws
//!
//! A sans-io WebSocket library ([RFC 6455]): it never touches a socket, a
//! clock or a thread. You read bytes from the network and hand them to a
//! [`Connection`]; it hands back [`Event`]s, and turns the [`Frame`]s you send
//! into bytes for you to write. The same core serves blocking code, any async
//! runtime, an embedded board or a fuzzer.
//!
//! This crate is the facade: it re-exports the layers under one name.
//!
//! | module | what it holds |
//! |---|---|
//! | [`codec`] | RFC 6455 section 5 framing: headers, masking, opcodes, close payloads |
//! | [`registry`] | custom opcodes, reserved-bit ownership, the [`Extension`] trait |
//! | [`connection`] | the connection state machine: messages, control frames, UTF-8, closing, limits |
//! | [`handshake`] | the HTTP/1.1 upgrade (RFC 6455 section 4): requests, responses, negotiation |
//! | `deflate` | permessage-deflate (RFC 7692), an extension for the registry (feature `deflate`, on by default) |
//!
//! A handshake ends in an [`Accepted`]; [`from_handshake`] turns it into the
//! [`Connection`] it agreed on. The loop below starts after the handshake.
//!
//! Every layer's error is re-exported here and converts into one [`Error`],
//! which still says the close code ([`Error::close_code`]) or HTTP status
//! ([`Error::status`]) that answers it.
//!
//! ## The driving loop
//!
//! Read into the connection's own buffer, drain the events, write what the
//! connection queued, and let it say when to close the transport.
//! [`Connection::send`] only queues a frame; everything to write, what the
//! application sent and what the connection sends by itself (pongs, close
//! replies, keepalive pings), comes out of [`Connection::poll_output`] in
//! wire order, so one drain after the events writes it all. Here a server
//! echoes every message over a real TCP connection on loopback.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use noio_ws::{CloseCode, Config, Connection, Event, Frame, Role, TransportAction};
//!
//! /// Echoes messages until the closing handshake is done.
//! fn serve(mut stream: TcpStream) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let mut conn = Connection::new(Role::Server, Config::default());
//!     loop {
//!         loop {
//!             match conn.next_event() {
//!                 // Queued, to be written below with everything else.
//!                 Ok(Event::Message(m)) => conn.send(Frame::new(m.opcode, m.payload))?,
//!                 Ok(Event::NeedData) => break,
//!                 Ok(_) => {} // pings are answered and closes echoed automatically
//!                 Err(violation) => {
//!                     eprintln!("closing with {}: {violation}", violation.close_code());
//!                     break;
//!                 }
//!             }
//!         }
//!         // Everything queued, in wire order, until `None`: a server's large
//!         // payload comes out as a part of its own, the message's own bytes.
//!         while let Some(part) = conn.poll_output() {
//!             stream.write_all(&part)?;
//!         }
//!         if conn.transport_action() != TransportAction::Keep {
//!             return Ok(()); // the server closes the TCP connection first
//!         }
//!         // Read straight into the connection's buffer: no copy. A read of 0
//!         // bytes ends the stream, which the next events report.
//!         conn.recv_with(|buf| stream.read(buf))?;
//!     }
//! }
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let server = std::thread::spawn(move || serve(listener.accept()?.0));
//!
//! // A client over the same API.
//! let mut stream = TcpStream::connect(addr)?;
//! let mut client = Connection::new(Role::Client, Config::default());
//! client.send(Frame::text("hello"))?;
//! client.send(Frame::close(CloseCode::NORMAL, "bye")?)?;
//! // Or take everything queued into one buffer: `out` is empty, so the
//! // connection hands its own buffer over, with no copy.
//! let mut out = noio_ws::bytes::BytesMut::new();
//! client.poll_output_into(&mut out);
//! stream.write_all(&out)?;
//! let mut got = Vec::new();
//! let mut buf = [0u8; 4096];
//! while client.transport_action() == TransportAction::Keep {
//!     let n = stream.read(&mut buf)?;
//!     client.recv(&buf[..n]);
//!     if n == 0 {
//!         client.recv_eof();
//!     }
//!     loop {
//!         match client.next_event()? {
//!             Event::NeedData => break,
//!             event => got.push(event),
//!         }
//!     }
//!     while let Some(part) = client.poll_output() {
//!         stream.write_all(&part)?;
//!     }
//! }
//! server.join().unwrap().map_err(|e| e.to_string())?;
//! assert!(matches!(&got[0], Event::Message(m) if m.as_text() == Some("hello")));
//! assert!(matches!(&got[1], Event::Close(c) if c.code == CloseCode::NORMAL));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## From the Python noio_ws
//!
//! | noio_ws (Python) | noio-ws (Rust) |
//! |---|---|
//! | `Connection('SERVER')` | [`Connection::new`]`(Role::Server, Config::default())` |
//! | `Connection(role, {3: 'latin-1'}, {11: 'compare'})` | [`Connection::with_opcodes`]`(role, config, `[`OpcodeRegistry::from_names`]`([(3, "latin-1"), (11, "compare")])?)`; or [`Connection::register_data`]`(3, "latin-1")?` and [`Connection::register_control`]`(11, "compare")?` on the connection (or on a [`Registry`] given to [`Connection::with_registry`]) |
//! | `conn.recv(bytechunk)` | [`Connection::recv`]`(&bytes)`; also [`recv_at`](Connection::recv_at) (with a time), [`recv_owned`](Connection::recv_owned) and [`recv_with`](Connection::recv_with) (no copy) |
//! | `conn.next_event()` returning a `Message` or `Information.NEED_DATA` | [`Connection::next_event`] returning an [`Event`], [`Event::NeedData`] when more bytes are needed; or [`Connection::next_event_ref`], which lends a short message's payload out of the input buffer (no copy, allocation or reference count) |
//! | `conn.send(Frame(data, 'text'))` returning bytes | [`Connection::send`]`(Frame::text(data))?` (or, from borrowed bytes with no `Frame`, [`Connection::send_text`]`(data)?` / [`Connection::send_binary`]) queues the frame; its bytes, after any pong or close reply queued before it, come out of [`Connection::poll_output`] (call until `None`: a server's large payload is a part of its own, not copied) or [`poll_output_into`](Connection::poll_output_into) (everything into one buffer); [`output_is_full`](Connection::output_is_full) says when to wait for the peer to read |
//! | `Frame(data, 'latin-1')` | [`Connection::frame`]`("latin-1", data)?` |
//! | `Frame(data, 'binary', fin=False)` | `Frame::binary(data).with_fin(false)`, then `Frame::continuation(data, fin)` |
//! | `Frame('', 'close', status_code=1000)` | `Frame::close(CloseCode::NORMAL, "")?` |
//! | `Frame(data, 'text', rsv_1=1)` | `Frame::text(data).with_rsv(Rsv::RSV1)`, after [`Connection::claim_rsv`]`(Rsv::RSV1)?` |
//! | `message.message` | [`Message::payload`] (`as_text()` for text) |
//! | `message.type` | [`Connection::type_name`]`(message.opcode)`: `"text"`, `"binary"`, `"continue"`, ... or the registered name; [`Message::opcode`] is the value |
//! | `message.reserved` (`[1, 0, 0]`) | [`Message::rsv`] (`rsv.to_array()` gives `[1, 0, 0]`) |
//! | `message.time` | [`Message::time`], the time given to [`recv_at`](Connection::recv_at) (a `Duration` on the caller's monotonic clock) |
//! | keepalive pings, timeouts (the caller's own code in noio_ws) | [`Config`]'s `ping_interval`, `pong_timeout`, `idle_timeout` and `close_timeout`, driven by [`Connection::poll_timeout`] and [`Connection::handle_timeout`] |
//! | `full_message=False` (the default there) | `Config { delivery: Delivery::Frames, .. }`: one [`Event::Frame`] per data frame with its own type, FIN and reserved bits; [`Delivery::Streaming`] hands out [`Event::Chunk`]s as bytes arrive |
//! | `full_message=True` | [`Delivery::WholeMessages`] (the default here): one [`Event::Message`] per message |
//! | `Handshake.client_handshake(...)` | [`ClientRequest::new`]`(uri)?` (then `.protocol(..)`, `.origin(..)?`, `.header(..)?`, `.extensions(..)`), `.start()?`, and write [`request_bytes`](ClientHandshake::request_bytes) |
//! | `Handshake.verify_response(response)` | [`ClientHandshake::recv`]`(&bytes)?` ending in `ClientOutcome::Accepted`, `Rejected` or `Redirect` |
//! | `Handshake.verify_request(request)` | [`ServerHandshake::recv`]`(&bytes)?`, then [`IncomingRequest::validate`] |
//! | `Handshake.server_handshake(...)` | [`IncomingRequest::accept`]`(Accept { protocol, extensions, headers })?` giving the 101 bytes and an [`Accepted`]; [`error_response`](handshake::error_response) or [`IncomingRequest::respond`] otherwise |
//! | building the `Connection` after the handshake | [`from_handshake`]`(accepted, config)` |
//!
//! [RFC 6455]: https://www.rfc-editor.org/rfc/rfc6455
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The frame codec: headers, masking, opcodes, close payloads ([`noio_ws_codec`]).
pub use noio_ws_codec as codec;

/// Custom opcodes, reserved-bit ownership and the extension trait ([`noio_ws_registry`]).
pub use noio_ws_registry as registry;

/// The connection state machine ([`noio_ws_connection`]).
pub use noio_ws_connection as connection;

/// The HTTP/1.1 upgrade handshake ([`noio_ws_handshake`]).
pub use noio_ws_handshake as handshake;

/// permessage-deflate, RFC 7692 ([`noio_ws_deflate`]); the `deflate` feature, on by default.
#[cfg(feature = "deflate")]
pub use noio_ws_deflate as deflate;
#[cfg(feature = "deflate")]
pub use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};

/// The `bytes` crate, whose `Bytes` and `BytesMut` appear throughout the API.
pub use noio_ws_codec::bytes;

mod error;

pub use error::Error;
pub use noio_ws_codec::{
    CloseCode, ClosePayloadError, DecodeError, EncodeError, InvalidOpCode, OpCode, Role, Rsv,
};
pub use noio_ws_connection::{
    CloseFrame, CloseState, Config, Connection, ControlFrame, DataFrame, Delivery, Event, EventRef, Frame,
    Message, MessageChunk, MessageRef, ProtocolError, Timeout, TransportAction, UsageError,
};
#[cfg(feature = "deflate")]
pub use noio_ws_deflate::ParamError;
pub use noio_ws_handshake::{
    Accept, Accepted, ClientHandshake, ClientOutcome, ClientRequest, ConnectProtocol, ExtendedConnect,
    HandshakeError, IncomingRequest, Limits, ServerHandshake,
};
pub use noio_ws_registry::{
    Extension, ExtensionError, ExtensionStack, HeaderError, NegotiationError, OpcodeRegistry, Registry,
    RegistryError,
};

/// Starts the connection a finished handshake agreed on: its role, its
/// negotiated extensions, and the bytes that arrived after the handshake's
/// head (handed over without a copy when nothing else holds them). Custom
/// opcodes and the application's reserved bits, which no handshake
/// negotiates, are registered on the connection afterwards
/// ([`Connection::register_data`] ...); the bytes already received are
/// judged only once events are asked for, so registering before the first
/// [`Connection::next_event`] is in time.
pub fn from_handshake(accepted: Accepted, config: Config) -> Connection {
    let mut registry = Registry::new();
    registry.extensions = accepted.extensions;
    let mut connection = Connection::with_registry(accepted.role, config, registry);
    match accepted.rest.try_into_mut() {
        Ok(owned) => connection.recv_owned(owned),
        Err(shared) => connection.recv(&shared),
    }
    connection
}

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The book's chapters (`docs/`) whose samples need only this crate, each
/// compiled and run as doctests (`cargo test --doc -p noio-ws`); never
/// built otherwise. The chapters whose samples run on tokio are the
/// adapter's (`noio-ws-tokio`).
#[cfg(all(doctest, feature = "deflate"))]
pub mod book {
    /// `docs/websockets.md`.
    #[doc = include_str!("../../../docs/websockets.md")]
    pub struct WebSockets;
    /// `docs/connection.md`.
    #[doc = include_str!("../../../docs/connection.md")]
    pub struct Core;
    /// `docs/deflate.md`.
    #[doc = include_str!("../../../docs/deflate.md")]
    pub struct Deflate;
    /// `docs/extending.md`.
    #[doc = include_str!("../../../docs/extending.md")]
    pub struct Extending;
    /// `docs/security.md`.
    #[doc = include_str!("../../../docs/security.md")]
    pub struct Security;
    /// `docs/memory.md`.
    #[doc = include_str!("../../../docs/memory.md")]
    pub struct Memory;
    /// `docs/from-python.md`.
    #[doc = include_str!("../../../docs/from-python.md")]
    pub struct FromPython;
    /// `docs/codec.md`.
    #[doc = include_str!("../../../docs/codec.md")]
    pub struct Codec;
}

/// This crate's own README (its crates.io page), whose samples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
