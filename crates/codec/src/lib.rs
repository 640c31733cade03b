//! # noio-ws-codec
//!
//! The WebSocket frame codec of [RFC 6455 section 5], on its own: frame
//! headers, masking, opcodes and close payloads. It does no IO, allocates no
//! memory per frame, and works without `std`.
//!
//! - [`FrameHeader::decode`] parses a header from any `&[u8]`, telling "need
//!   more bytes" apart from errors; [`FrameHeader::encode`] writes one.
//! - [`FrameDecoder`] turns a `BytesMut` of received bytes into [`DecodedFrame`]s
//!   whose payloads are unmasked in place and shared, not copied, or into
//!   [`FrameChunk`]s as bytes arrive, so no frame has to be buffered whole.
//! - [`FrameEncoder`] writes frames for a [`Role`], or only their headers for
//!   a vectored `[header, payload]` write.
//! - [`apply_mask`] masks or unmasks a payload, whole or piece by piece, with
//!   the widest vector instructions the CPU has; [`apply_mask_copy`] and
//!   [`extend_masked`] mask while copying.
//! - [`OpCode`], [`CloseCode`] and [`Rsv`] are open newtypes: unknown
//!   values are kept for the layers above to judge.
//!
//! The codec checks only what the framing itself requires (length encodings,
//! control frame size and fragmentation, the frame size limit). Reserved bits,
//! reserved opcodes, masking direction, UTF-8 and message assembly are the
//! connection's business.
//!
//! ```
//! use bytes::BytesMut;
//! use noio_ws_codec::{FrameDecoder, FrameEncoder, FrameHeader, Mask, OpCode, Role};
//!
//! let mut wire = BytesMut::new();
//! let header = FrameHeader::new(OpCode::BINARY, 3).with_mask(Some(Mask([1, 2, 3, 4])));
//! FrameEncoder::new(Role::Client).encode(&header, b"abc", &mut wire).unwrap();
//!
//! let frame = FrameDecoder::new().decode(&mut wire).unwrap().expect("a whole frame");
//! assert_eq!(frame.header, header);
//! assert_eq!(&frame.payload[..], b"abc");
//! ```
//!
//! ## Features
//! - `std` (default): `std` support in `bytes`, and run-time detection of
//!   AVX2 for masking on x86-64. Without it the crate needs only `core` and
//!   `alloc`, and masks with the instructions enabled at compile time (SSE2
//!   on x86-64, NEON on AArch64, AVX2 with `-C target-feature=+avx2`).
//!
//! [RFC 6455 section 5]: https://www.rfc-editor.org/rfc/rfc6455#section-5
#![cfg_attr(not(test), no_std)]
// Denied rather than forbidden so that one module, the vector masking loops
// (`mask/simd.rs`), can allow it; nothing else in the workspace uses `unsafe`.
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(test, feature = "fuzz"))]
extern crate alloc;
// Run-time CPU feature detection for the masking loops.
#[cfg(all(feature = "std", not(test)))]
extern crate std;

mod close_code;
mod close_payload;
mod decoder;
mod encoder;
mod error;
mod frame;
mod header;
mod mask;
mod opcode;
mod role;
mod rsv;

#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;

/// The `bytes` crate, re-exported because `Bytes` and `BytesMut` are in this API.
pub use bytes;
pub use close_code::CloseCode;
pub use close_payload::{ClosePayload, MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD};
pub use decoder::{DEFAULT_MAX_FRAME_LEN, FrameDecoder};
pub use encoder::FrameEncoder;
pub use error::{ClosePayloadError, DecodeError, EncodeError};
pub use frame::{DecodedFrame, FrameChunk};
pub use header::{FrameHeader, HeaderStatus, MAX_HEADER_LEN, MAX_PAYLOAD_LEN};
pub use mask::{Mask, apply_mask, apply_mask_copy, extend_masked, is_ascii};
pub use opcode::{InvalidOpCode, OpCode};
pub use role::Role;
pub use rsv::Rsv;

/// This crate's own README (its crates.io page), whose samples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
