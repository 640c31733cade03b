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
//!   owners for one reserved bit, and negotiating over the whole stack. Only negotiated
//!   extensions run and own their bits on the wire.
//! - [`parse_extensions`] and [`parse_tokens`]: the grammar of the
//!   `Sec-WebSocket-Extensions` and `Sec-WebSocket-Protocol` headers.
//!
//! [`Registry`] bundles the opcodes, the stack and the reserved bits the
//! application claims with no extension at all, for a connection.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

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

use noio_ws_codec::{OpCode, Rsv};

/// Everything a connection may understand beyond RFC 6455's defaults: its
/// custom opcodes, the reserved bits the application claims, and its
/// extensions.
///
/// The opcodes and the claimed bits are plain values (an
/// [`OpcodeRegistry`] clones; [`Registry::from_parts`] builds a registry from
/// them); the extensions hold each connection's own compression state, so a
/// registry as a whole is built per connection rather than cloned.
#[derive(Debug, Default)]
pub struct Registry {
    /// The custom opcodes.
    pub opcodes: OpcodeRegistry,
    /// The extensions.
    pub extensions: ExtensionStack,
    /// The reserved bits the application claimed.
    app_rsv: Rsv,
}

impl Registry {
    /// A registry with no custom opcode, no extension and no claimed bit.
    pub const fn new() -> Self {
        Registry { opcodes: OpcodeRegistry::new(), extensions: ExtensionStack::new(), app_rsv: Rsv::NONE }
    }

    /// A registry of `opcodes` and `extensions`, with the application's
    /// `app_rsv` claimed; fails when an extension holds one of those bits.
    pub fn from_parts(
        opcodes: OpcodeRegistry,
        extensions: ExtensionStack,
        app_rsv: Rsv,
    ) -> Result<Self, RegistryError> {
        let mut registry = Registry { opcodes, extensions, app_rsv: Rsv::NONE };
        // claim_rsv checks the bits against the extensions and reserves them.
        registry.claim_rsv(app_rsv)?;
        Ok(registry)
    }

    /// Claims reserved bits for the application itself, with no extension
    /// object (the Python noio_ws "set `rsv_1` and compress it yourself"):
    /// frames sent and received may then carry them on any frame. Fails for
    /// a bit an extension (candidate or negotiated) holds or the application
    /// already claimed; an extension pushed onto this registry's stack
    /// afterwards may not claim the bits either.
    pub fn claim_rsv(&mut self, rsv: Rsv) -> Result<(), RegistryError> {
        if rsv.intersects(self.app_rsv) {
            let holder = "the application".into();
            return Err(RegistryError::RsvConflict { wanted: rsv, held: self.app_rsv, holder });
        }
        self.extensions.check_free(rsv)?;
        self.extensions.reserve_for_application(rsv);
        self.app_rsv |= rsv;
        Ok(())
    }

    /// The bits the application claimed and holds: a claimed bit that an
    /// extension holds (after `extensions` was replaced by a stack built
    /// elsewhere) is the extension's, so a bit never has two owners.
    pub fn app_rsv(&self) -> Rsv {
        self.app_rsv.difference(self.extensions.claimed_rsv())
    }

    /// The reserved bits a received frame may carry: the application's, and
    /// those the negotiated extensions allow here.
    pub fn allowed_rsv(&self, opcode: OpCode, first_frame_of_message: bool) -> Rsv {
        self.app_rsv() | self.extensions.allowed_rsv(opcode, first_frame_of_message)
    }
}

/// This crate's own README (its crates.io page), whose samples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
