//! # noio-ws-connection
//!
//! The WebSocket connection of RFC 6455 sections 5.4 to 7, after the opening
//! handshake, as a sans-io state machine: it never reads a clock, draws
//! entropy of its own or touches IO. Bytes read from the transport go in;
//! [`Event`]s come out. [`Frame`]s to send go in; bytes to write come out of
//! one queue, with the connection's own replies in their place.
//!
//! Inside, a receiver (`receiver.rs`: bytes to events) and a sender
//! (`sender.rs`: frames to the output queue) each own their direction's
//! state; `state.rs` holds every state transition, as a table, and
//! `connection.rs` composes the three.
//!
//! It enforces every rule of the protocol beyond framing, each failing the
//! connection with its close code: masking by role (1002), reserved bits
//! without an owner (1002), unknown opcodes (1002), continuation frames out of
//! place (1002), invalid UTF-8 in text and close reasons, detected as early as
//! the bytes show it (1007), malformed close payloads (1002 or 1007), frames
//! and messages over their limits (1009).
//!
//! ## The driving loop
//!
//! ```
//! use noio_ws_connection::{Config, Connection, Event, Frame};
//! use noio_ws_codec::Role;
//!
//! let mut server = Connection::new(Role::Server, Config::default());
//! // A masked "Hello" from a client (RFC 6455 section 5.7), as read from the socket.
//! server.recv(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
//! loop {
//!     match server.next_event()? {
//!         Event::Message(message) => server.send(Frame::text(message.as_text().unwrap()))?,
//!         Event::NeedData => break, // read more from the socket
//!         _ => {}
//!     }
//! }
//! // Write out everything queued: the echo, and any automatic pong or close reply.
//! let mut wire = Vec::new();
//! while let Some(bytes) = server.poll_output() {
//!     wire.extend_from_slice(&bytes);
//! }
//! assert_eq!(wire, [0x81, 0x05, b'H', b'e', b'l', b'l', b'o']);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;

mod config;
mod connection;
mod error;
mod event;
mod frame;
mod growth;
mod incoming;
mod input_copy;
mod mask_keys;
mod pipeline;
mod receiver;
mod sender;
mod state;
mod timers;
mod utf8;

#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;

pub use config::{Config, Delivery};
pub use connection::{Connection, MAX_SLICES};
pub use error::{ProtocolError, UsageError};
pub use event::{CloseFrame, ControlFrame, DataFrame, Event, EventRef, Message, MessageChunk, MessageRef};
pub use frame::Frame;
pub use state::{CloseState, TransportAction};
pub use timers::Timeout;

/// This crate's own README (its crates.io page), whose samples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
