//! # noio-ws-deflate
//!
//! permessage-deflate (RFC 7692) for noio-ws, written only against the
//! registry's public [`Extension`](noio_ws_registry::Extension) trait: push a
//! [`PerMessageDeflate`] onto a registry's extension stack and the handshake
//! negotiates it and the connection runs it, with no special case for it in
//! either.
//!
//! Decompression is fed frame by frame and hands out at most what the
//! connection allows per call, so a small compressed message can never grow
//! past the connection's message limit (close code 1009) before the memory
//! is spent. Control frames never reach the extension. Compressed data that
//! does not end where RFC 7692 lets a message end (cut off inside a block,
//! an empty payload, data after a final block) fails with 1007 and is never
//! decoded into the next message.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod compress;
mod decompress;
mod deflater;
mod extension;
mod inflater;
mod message_end;
mod params;
mod tables;
mod window;

#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;

pub use extension::{DeflateConfig, PerMessageDeflate};
pub use params::{NAME, ParamError, Params, WindowBits};

/// This crate's own README (its crates.io page), whose samples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
