//! The LZ77 window sizes, 8 to 15 bits (RFC 7692 section 7.1.2), and how
//! this end keeps to each.
//!
//! Compression keeps every match within the agreed window, 8 bits too:
//! zlib's matcher reaches at most its window less 262 bytes (the lookahead
//! it keeps), so at 8 bits, where that would be below zero, it runs with a
//! 512-byte window and every match within 250 bytes (`compress`).
//!
//! Decompression holds a window of the size agreed for the peer, and
//! refuses a match reaching further back; at least 9 bits, so a zlib peer
//! that agreed to 8 and compresses with 9 (as zlib does when asked for 8)
//! is read as well.

/// RFC 7692's smallest window.
pub(crate) const MIN_BITS: u8 = 8;

/// RFC 7692's largest window, and the one a peer may use when nothing
/// limits it.
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
