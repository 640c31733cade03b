//! # noio-ws-registry
//!
//! What a WebSocket connection may understand beyond RFC 6455's defaults, per
//! connection and never global:
//!
//! - [`OpcodeRegistry`]: names for the reserved opcodes, data (3-7) and
//!   control (11-15), so frames with them are received instead of refused.
//! - [`Extension`]: the trait an extension implements (permessage-deflate is
//!   one): the reserved bits it claims, its negotiation, and its chunk-fed
//!   transforms of data message payloads.
//! - [`ExtensionStack`]: a connection's extensions in order, refusing two
//!   owners for one reserved bit, letting the application claim bits with no
//!   extension at all, and negotiating over the whole stack. Only negotiated
//!   extensions run and own their bits on the wire.
//! - [`parse_extensions`] and [`parse_tokens`]: the grammar of the
//!   `Sec-WebSocket-Extensions` and `Sec-WebSocket-Protocol` headers.
//!
//! [`Registry`] bundles the opcodes and the stack for a connection.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod error;
mod extension;
mod header_grammar;
mod opcodes;
mod stack;

pub use error::{ExtensionError, HeaderError, NegotiationError, RegistryError};
pub use extension::{Extension, Progress};
pub use header_grammar::{
    ExtensionOffer, ExtensionParam, ExtensionResponse, format_extensions, is_tchar, is_token,
    parse_extensions, parse_tokens,
};
pub use opcodes::OpcodeRegistry;
pub use stack::ExtensionStack;

/// Everything a connection may understand beyond RFC 6455's defaults: its
/// custom opcodes and its extensions.
#[derive(Debug, Default)]
pub struct Registry {
    /// The custom opcodes.
    pub opcodes: OpcodeRegistry,
    /// The extensions and the application's reserved bits.
    pub extensions: ExtensionStack,
}

impl Registry {
    /// A registry with no custom opcode, no extension and no claimed bit.
    pub const fn new() -> Self {
        Registry { opcodes: OpcodeRegistry::new(), extensions: ExtensionStack::new() }
    }
}
