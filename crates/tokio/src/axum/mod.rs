//! axum 0.8 WebSockets on noio-ws (feature `axum`): the same names and
//! shapes as `axum::extract::ws` (`WebSocketUpgrade`, `WebSocket`,
//! `Message`, `Utf8Bytes`, `CloseFrame`, `close_code`), on noio-ws's
//! connection and with permessage-deflate.
//!
//! An app switches by its import: `use axum::extract::ws::{Message,
//! WebSocket, WebSocketUpgrade};` becomes
//!
//! ```no_run
//! use noio_ws_tokio::axum::{Message, WebSocket, WebSocketUpgrade};
//! use axum::{Router, response::Response, routing::get};
//!
//! async fn handler(ws: WebSocketUpgrade) -> Response {
//!     ws.protocols(["chat"]).on_upgrade(handle_socket)
//! }
//!
//! async fn handle_socket(mut socket: WebSocket) {
//!     while let Some(msg) = socket.recv().await {
//!         let Ok(msg) = msg else { return };
//!         if let Message::Text(text) = &msg {
//!             println!("got {text}");
//!         }
//!         if socket.send(msg).await.is_err() {
//!             return;
//!         }
//!     }
//! }
//!
//! # async fn serve() -> std::io::Result<()> {
//! let app: Router = Router::new().route("/ws", get(handler));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! What differs from axum's:
//! - permessage-deflate is negotiated when the client offers it (with the
//!   `deflate` feature; [`deflate(false)`](WebSocketUpgrade::deflate) to
//!   turn it off).
//! - The errors are this crate's [`Error`], which says what
//!   failed (a protocol violation with its close code, an abnormal
//!   closure, an IO error), where axum's is opaque (it converts into
//!   `axum::Error`, so `?` still works); `into_text` and `to_text` fail
//!   with `std::str::Utf8Error`.
//! - A pong goes out as soon as its ping is read, before anything the
//!   handler sends in answer; a close reply carries the peer's code but not
//!   its reason (tungstenite's echoes both).
//! - There are no `read_buffer_size` and `write_buffer_size` settings:
//!   reads are sized to what arrives, and an idle connection holds no read
//!   buffer; `send` writes at once and `feed` on
//!   [`into_inner`](WebSocket::into_inner) batches.
//!   [`max_write_buffer_size`](WebSocketUpgrade::max_write_buffer_size)
//!   makes `send` wait, not fail. Unmasked frames from a client are always
//!   refused (RFC 6455 section 5.1), so there is no
//!   `accept_unmasked_frames`.
//! - The connection runs keepalive pings and dead-peer, idle and close
//!   timeouts when its [`Config`](crate::Config) asks for them
//!   ([`config`](WebSocketUpgrade::config)); `into_inner` gives this
//!   crate's socket for [`split`](crate::WebSocket::split) into halves that
//!   never wait on each other, and a
//!   [`close`](crate::WebSocket::close) that waits for the peer's reply.
//! - The request is checked in full (RFC 6455 section 4.2.1: the key's
//!   form, a single `Host`, the grammar of the subprotocol and extension
//!   headers), and a wrong `Sec-WebSocket-Version` is answered with 426 and
//!   `Sec-WebSocket-Version: 13`, as the RFC asks, where axum answers 400.
//!   Otherwise the statuses are axum's: 405 for a method other than GET,
//!   400 for a bad header, 426 when the connection cannot be upgraded.
//! - [`requested_protocols`](WebSocketUpgrade::requested_protocols) gives
//!   `&str`s, and a subprotocol set with
//!   [`set_selected_protocol`](WebSocketUpgrade::set_selected_protocol)
//!   must be one the client offered (it returns an error otherwise).
//! - HTTP/2 requests (RFC 8441's extended CONNECT) are accepted as axum's
//!   are, when the server enables the connect protocol (`axum::serve` does
//!   with its `http2` feature); a malformed one is refused with
//!   [`UpgradeRejection::ExtendedConnect`].

mod message;
mod socket;
mod upgrade;

pub use message::{CloseCode, CloseFrame, Message, Utf8Bytes, close_code};
pub use socket::{Inner, WebSocket};
pub use upgrade::{DefaultOnFailedUpgrade, OnFailedUpgrade, WebSocketUpgrade};

pub use crate::Error;
pub use crate::hyper::UpgradeRejection;

/// So that axum code which returns `axum::Error` keeps its `?` on `recv`'s
/// and `send`'s results.
impl From<Error> for ::axum::Error {
    fn from(error: Error) -> Self {
        ::axum::Error::new(error)
    }
}

/// The rejection of [`WebSocketUpgrade`], named as axum names its own.
pub type WebSocketUpgradeRejection = UpgradeRejection;
