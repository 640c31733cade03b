//! # noio-ws-handshake
//!
//! The WebSocket opening handshake of RFC 6455 section 4, sans-io like the
//! rest of noio-ws: bytes in, bytes out, built on the `http` and `httparse`
//! crates.
//!
//! - Client: [`ClientRequest`] builds the upgrade request (from a URI or an
//!   `http::Request`, with subprotocols, extension offers, an Origin and any
//!   headers); [`ClientHandshake::recv`] reads the response in any chunks
//!   and ends [`Accepted`], rejected (with its body) or redirected.
//! - Server: [`ServerHandshake::recv`] reads a request head in any chunks;
//!   [`IncomingRequest::accept`] checks it against section 4.2.1, negotiates
//!   the subprotocol and extensions and writes the 101 response;
//!   [`IncomingRequest::respond`] and [`error_response`] answer anything else.
//!   A request an HTTP server already parsed is checked the same way through
//!   [`IncomingRequest::from_request`], and answered with an `http::Response`
//!   head ([`IncomingRequest::accept_head`], [`error_head`]).
//!
//! - HTTP/2 and HTTP/3 (RFC 8441, RFC 9220): the same request and answer as
//!   an extended CONNECT on a stream, [`ClientRequest::extended_connect`] on
//!   the client, [`IncomingRequest::from_request`] and
//!   [`IncomingRequest::accept_head`] (a 200) on the server, with one
//!   negotiation for every version; see [`extended_connect`].
//!
//! Heads are bounded by [`Limits`] and found in time linear in the input
//! however it is chunked; every error names the HTTP status to answer. The
//! bytes after a head belong to the connection and come back in
//! [`Accepted::rest`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accepted;
mod client;
mod error;
pub mod extended_connect;
mod head;
mod headers;
mod key;
mod limits;
mod rejected;
mod server;

#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;

pub use accepted::Accepted;
pub use client::{ClientHandshake, ClientOutcome, ClientRequest, uri_port};
pub use error::HandshakeError;
pub use extended_connect::{ConnectProtocol, ExtendedConnect};
pub use key::{accept_key, key_from_bytes};
pub use limits::Limits;
pub use rejected::Rejected;
pub use server::{Accept, IncomingRequest, ServerHandshake, error_head, error_head_for, error_response};

/// The HTTP types the handshake speaks in.
pub use http;

/// This crate's own README (its crates.io page), whose samples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
