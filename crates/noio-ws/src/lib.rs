//! # noio-ws
//!
//! A sans-io WebSocket library: it never touches a socket, a clock or a
//! thread. You read bytes from the network and hand them in; it hands back
//! what the peer sent, and the bytes you should write.
//!
//! This facade re-exports the layers users need under one name. Today those
//! are the frame codec ([`codec`], RFC 6455 section 5) and the registry of
//! custom opcodes and extensions ([`registry`]); the connection state machine
//! and the HTTP upgrade handshake join them here as they land.
//!
//! ```
//! use noio_ws::codec::{FrameDecoder, OpCode};
//! use noio_ws::bytes::BytesMut;
//!
//! // An unmasked "Hello" from a server (RFC 6455 section 5.7).
//! let mut received = BytesMut::from(&[0x81, 0x05, b'H', b'e', b'l', b'l', b'o'][..]);
//! let frame = FrameDecoder::new().decode(&mut received).unwrap().unwrap();
//! assert_eq!(frame.header.opcode, OpCode::TEXT);
//! ```
#![no_std]
#![forbid(unsafe_code)]

/// The frame codec: headers, masking, opcodes, close payloads ([`noio_ws_codec`]).
pub use noio_ws_codec as codec;

/// The `bytes` crate, whose `Bytes` and `BytesMut` appear throughout the API.
pub use noio_ws_codec::bytes;

/// Custom opcodes, reserved-bit ownership and the extension trait ([`noio_ws_registry`]).
pub use noio_ws_registry as registry;

pub use noio_ws_codec::{CloseCode, OpCode, Role, Rsv};
pub use noio_ws_registry::{Extension, ExtensionStack, OpcodeRegistry, Registry};

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
