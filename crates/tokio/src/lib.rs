//! # noio-ws-tokio
//!
//! noio-ws on tokio: an async [`WebSocket`] over any `AsyncRead +
//! AsyncWrite` transport, a thin layer over one sans-io
//! [`Connection`](noio_ws::Connection) that holds all the protocol state.
//!
//! - Receive with [`WebSocket::recv`] or as a `Stream` of messages
//!   (every event, in any delivery mode, with [`WebSocket::recv_event`]);
//!   send with [`WebSocket::send`] or as a `Sink` of [`Frame`]s or
//!   [`Message`]s; [`WebSocket::close`] for the closing handshake.
//!   Receiving is cancel safe: dropping a `recv` in `tokio::select!` loses
//!   nothing.
//! - [`WebSocket::split`] gives a [`ReadHalf`] and a [`WriteHalf`] for two
//!   tasks, neither waiting for the other.
//! - The connection's keepalive pings, dead-peer and idle timeouts and its
//!   close timeout run on `tokio::time`; the transport is closed
//!   gracefully (and lingers after a failure, so the peer reads our close
//!   code); `send` waits while the output is past its high-water mark.
//! - [`connect`] (`ws://` and `wss://`, directly or through an HTTP
//!   proxy's `CONNECT` tunnel), [`client_async`] and [`ClientBuilder`] for
//!   clients; [`accept`], [`accept_with`] and [`ServerBuilder`] for
//!   servers, over any stream (a TLS one included). permessage-deflate is
//!   on by default (feature `deflate`).
//!
//! ```
//! use noio_ws_tokio::{CloseCode, accept, client_async};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), noio_ws_tokio::Error> {
//! let (client_io, server_io) = tokio::io::duplex(64 << 10);
//! let server = tokio::spawn(async move {
//!     let mut ws = accept(server_io).await?;
//!     while let Some(message) = ws.recv().await {
//!         let message = message?;
//!         ws.send(noio_ws_tokio::Frame::new(message.opcode, message.payload)).await?;
//!     }
//!     Ok::<_, noio_ws_tokio::Error>(ws.close_frame().map(|close| close.code))
//! });
//!
//! let (mut ws, _response) = client_async("ws://localhost/echo", client_io).await?;
//! ws.send_text("hello").await?;
//! let echo = ws.recv().await.expect("an echo")?;
//! assert_eq!(echo.as_text(), Some("hello"));
//! let reply = ws.close(CloseCode::NORMAL, "bye").await?;
//! assert_eq!(reply.map(|close| close.code), Some(CloseCode::NORMAL));
//! assert_eq!(server.await.unwrap()?, Some(CloseCode::NORMAL));
//! # Ok(()) }
//! ```
//!
//! ## Features
//!
//! | feature | default | what |
//! | --- | --- | --- |
//! | `deflate` | yes | permessage-deflate (RFC 7692) |
//! | `rustls-webpki-roots` | yes | `wss://` (enables `rustls`), trusting Mozilla's roots, compiled in |
//! | `rustls-native-roots` | no | `wss://` (enables `rustls`), trusting the platform's roots, read once per process; with `rustls-webpki-roots` too, both |
//! | `rustls` | through the above | `wss://` on rustls 0.23 with the `ring` provider; on its own, the roots come from [`ClientBuilder::tls_config`] |
//! | `hyper` | no | the module `hyper` upgrades a hyper 1 request (`hyper::upgrade`, `ServerBuilder::upgrade`): the `101` response (over HTTP/2, RFC 8441's `200`) to return from the service, and the connection once hyper hands it over, with the bytes hyper read past the request head |
//! | `axum` | no | (implies `hyper`) the module `axum`: axum 0.8's `WebSocketUpgrade`, `WebSocket` and `Message` by the same names and shapes (`use noio_ws_tokio::axum::{Message, WebSocket, WebSocketUpgrade};` in place of axum's), with permessage-deflate |
//!
//! TLS never needs a process-level rustls `CryptoProvider`: every config
//! this crate builds names the `ring` provider itself, so nothing panics
//! for lack of a default, and none is installed. The `rustls` and
//! `tokio_rustls` this crate uses are re-exported for your own configs.
//! Without TLS, `wss://` fails with [`Error::UnsupportedScheme`], naming
//! the feature to enable.
//!
//! ## TLS servers
//!
//! [`accept`] takes any stream, so a `wss://` server is a
//! `tokio_rustls::TlsAcceptor` in front of it:
//!
//! ```
//! # #[cfg(feature = "rustls")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use noio_ws_tokio::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
//! use noio_ws_tokio::rustls::{ClientConfig, RootCertStore, ServerConfig};
//! use noio_ws_tokio::tokio_rustls::TlsAcceptor;
//! use noio_ws_tokio::{ClientBuilder, CloseCode, Frame, accept};
//!
//! let ring = noio_ws_tokio::crypto_provider();
//! // A certificate for localhost, made here (in production: your own).
//! let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
//! let cert = certified.cert.der().clone();
//! let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
//! let mut server_config = ServerConfig::builder_with_provider(ring.clone())
//!     .with_safe_default_protocol_versions()?
//!     .with_no_client_auth()
//!     .with_single_cert(vec![cert.clone()], key)?;
//! server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
//! let acceptor = TlsAcceptor::from(Arc::new(server_config));
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let port = listener.local_addr()?.port();
//! let server = tokio::spawn(async move {
//!     let (tcp, _) = listener.accept().await?;
//!     let mut ws = accept(acceptor.accept(tcp).await?).await?;
//!     while let Some(message) = ws.recv().await {
//!         let message = message?;
//!         ws.send(Frame::new(message.opcode, message.payload)).await?;
//!     }
//!     Ok::<_, noio_ws_tokio::Error>(())
//! });
//!
//! // The client trusts that certificate alone.
//! let mut roots = RootCertStore::empty();
//! roots.add(cert)?;
//! let client_config = ClientConfig::builder_with_provider(ring)
//!     .with_safe_default_protocol_versions()?
//!     .with_root_certificates(roots)
//!     .with_no_client_auth();
//! let client = ClientBuilder::new().tls_config(Arc::new(client_config));
//! let (mut ws, _) = client.connect(format!("wss://localhost:{port}/")).await?;
//! ws.send_text("hello").await?;
//! assert_eq!(ws.recv().await.expect("an echo")?.as_text(), Some("hello"));
//! ws.close(CloseCode::NORMAL, "").await?;
//! server.await??;
//! # Ok(()) }
//! # #[cfg(not(feature = "rustls"))]
//! # fn main() {}
//! ```
//!
//! hyper and axum serve WebSockets over HTTP/1.1 and, when the server
//! enables the connect protocol, over HTTP/2 (RFC 8441's extended CONNECT;
//! see the `hyper` module). This crate's own client speaks HTTP/1.1.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accept;
mod clock;
mod connect;
mod driver;
mod error;
mod events;
#[cfg(feature = "http2")]
mod http2_connect;
#[cfg(feature = "http2")]
mod http2_stream;
mod options;
mod proxy;
mod split;
mod stream;
#[cfg(feature = "rustls")]
mod tls;
mod transfer;
mod wakers;
mod websocket;

#[cfg(feature = "hyper")]
#[path = "hyper_upgrade.rs"]
pub mod hyper;

#[cfg(feature = "axum")]
pub mod axum;

pub use accept::{Reject, ServerBuilder, Upgrade, accept, accept_with};
pub use connect::{ClientBuilder, IntoClientRequest, client_async, connect};
pub use error::Error;
pub use events::{EventSource, Events};
#[cfg(feature = "http2")]
pub use http2_stream::Http2Stream;
pub use proxy::ProxyError;
pub use split::{ReadHalf, ReuniteError, WriteHalf, reunite};
pub use stream::ClientStream;
pub use websocket::WebSocket;

/// The core, for everything this crate does not re-export by name.
pub use noio_ws;
#[cfg(feature = "deflate")]
pub use noio_ws::DeflateConfig;
/// The HTTP types of the handshake (`Request`, `StatusCode`, headers).
pub use noio_ws::handshake::http;
pub use noio_ws::{
    CloseCode, CloseFrame, CloseState, Config, ControlFrame, DataFrame, Delivery, Event, Frame, Message,
    MessageChunk, OpCode, ProtocolError, Role, UsageError,
};
/// rustls (with its `ring` provider), for [`ClientBuilder::tls_config`]
/// and for servers' `ServerConfig`s.
#[cfg(feature = "rustls")]
pub use rustls;
#[cfg(feature = "rustls")]
pub use tls::crypto_provider;
/// tokio-rustls, for a server's `TlsAcceptor` (see [`accept`]).
#[cfg(feature = "rustls")]
pub use tokio_rustls;

/// The book's chapters whose samples run on tokio (`docs/`), as doctests
/// here with the features they use (`cargo test --doc -p noio-ws-tokio
/// --all-features`); never built otherwise, so the chapters' links to
/// their neighbours do not reach the rendered docs.
#[cfg(all(doctest, feature = "axum", feature = "rustls", feature = "http2"))]
pub mod book {
    /// `docs/tokio.md`.
    #[doc = include_str!("../../../docs/tokio.md")]
    pub struct Tokio;
    /// `docs/quick-start.md`.
    #[doc = include_str!("../../../docs/quick-start.md")]
    pub struct QuickStart;
    /// `docs/migrating.md`.
    #[doc = include_str!("../../../docs/migrating.md")]
    pub struct Migrating;
    /// `docs/http2.md`.
    #[doc = include_str!("../../../docs/http2.md")]
    pub struct Http2;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>() {}
    fn send_and_sync<T: Send + Sync>() {}

    #[test]
    fn the_connection_types_cross_tasks() {
        // Extensions are Send, not Sync: the WebSocket moves between tasks,
        // and its halves share it behind a mutex.
        send::<WebSocket<tokio::net::TcpStream>>();
        send::<WebSocket<ClientStream>>();
        send_and_sync::<ClientStream>();
        send_and_sync::<ClientBuilder>();
        send_and_sync::<ReadHalf<tokio::net::TcpStream>>();
        send_and_sync::<WriteHalf<tokio::net::TcpStream>>();
        send_and_sync::<Error>();
    }

    #[test]
    fn the_handshake_is_not_kept_in_the_callers_task() {
        // The accept and connect futures hold a pointer to the handshake's
        // state, which is freed when it returns, not the state itself (its
        // head buffer and timer): the task serving a connection for hours
        // was 4 KiB larger with it. Found by `cargo xtask bench --memory`.
        let builder = ServerBuilder::new();
        let (stream, _peer) = tokio::io::duplex(64);
        let accepting = builder.accept(stream);
        assert!(size_of_val(&accepting) <= 256, "{} bytes", size_of_val(&accepting));
        let client = ClientBuilder::new();
        let connecting = client.connect("ws://127.0.0.1:1/");
        assert!(size_of_val(&connecting) <= 512, "{} bytes", size_of_val(&connecting));
    }

    #[test]
    fn the_adapter_adds_little_to_the_connection() {
        // The WebSocket is the connection plus a transport, a clock and a
        // few words of state; the Sleep and the wakers' slots are on the
        // heap (the Sleep only once a timer runs).
        let adapter = size_of::<WebSocket<()>>() - size_of::<noio_ws::Connection>();
        assert!(adapter <= 160, "{adapter} bytes beside the connection");
        assert!(
            size_of::<noio_ws::Connection>() <= 1024,
            "the core grew: {}",
            size_of::<noio_ws::Connection>()
        );
    }
}

/// This crate's own README (its crates.io page), whose samples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
