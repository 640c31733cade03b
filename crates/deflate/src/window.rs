//! The LZ77 window sizes, 8 to 15 bits (RFC 7692 section 7.1.2), and how
//! this end keeps to each.
//!
//! zlib (zlib-rs, as C zlib) will not make raw DEFLATE with an 8-bit
//! window: its compressor is broken for 256 bytes, so asked for 8 it
//! refuses (raw) or silently uses 9 (zlib header). So an agreed 8 bits is
//! kept with a 9-bit window and [`Strategy::Rle`](zlib_rs::Strategy::Rle),
//! which limits every match to distance 1 (zlib's manual says so): within
//! any window, across message boundaries too. Every other window is used
//! as agreed, with zlib's default strategy.
//!
//! zlib's default strategy at 9 bits would also keep within 256 bytes: it
//! never matches further back than the window less 262 bytes (its
//! `MAX_DIST`), 250 here. That is how zlib is written, not a promise of its
//! API (a fork, intel/zlib, once broke it for small windows), so it is not
//! relied on.
//!
//! Inflating with a larger window than the peer's is harmless, so this end
//! always inflates with 9 bits or more: a zlib peer that agreed to 8 and
//! compresses with 9 is read as well.

use zlib_rs::Strategy;

/// RFC 7692's smallest window.
pub(crate) const MIN_BITS: u8 = 8;

/// RFC 7692's largest window, and the default.
pub(crate) const MAX_BITS: u8 = 15;

/// The smallest window zlib works with raw DEFLATE in.
const MIN_ZLIB_BITS: u8 = 9;

/// A configured window brought into RFC 7692's 8 to 15.
pub(crate) fn configured(bits: u8) -> u8 {
    bits.clamp(MIN_BITS, MAX_BITS)
}

/// The window this end inflates a peer's data with, given the peer's limit:
/// 9 to 15 bits, as a zlib peer that agreed to 8 may use 9.
pub(crate) fn inflate_bits(bits: u8) -> u8 {
    bits.clamp(MIN_ZLIB_BITS, MAX_BITS)
}

/// How to compress within a window of `bits` (8-15; others are brought
/// into that range): zlib's window bits and strategy.
pub(crate) fn deflate_params(bits: u8) -> (u8, Strategy) {
    match configured(bits) {
        // zlib cannot deflate raw with an 8-bit window; at 9 bits with RLE
        // every match is at distance 1 <= 2^8, so the 8-bit window is kept.
        MIN_BITS => (MIN_ZLIB_BITS, Strategy::Rle),
        bits => (bits, Strategy::Default),
    }
}
