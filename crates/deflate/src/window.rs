//! The LZ77 window sizes this end can keep to. RFC 7692 section 7.1.2
//! allows 8 to 15 bits, but zlib compresses raw DEFLATE with 9 to 15 only
//! (asked for 8, it silently uses 9), so this end never agrees to compress
//! within 8 bits: a server declines an offer that asks it to, a client
//! fails a handshake whose response demands it, and a configured 8 is
//! offered and answered as 9. Inflating with a larger window than the
//! peer's is harmless, so a peer may compress within 8.

/// The smallest window zlib compresses raw DEFLATE with, and the smallest
/// this end inflates with (a zlib peer that agreed to 8 uses 9).
pub(crate) const MIN_BITS: u8 = 9;

/// RFC 7692's largest window, and the default.
pub(crate) const MAX_BITS: u8 = 15;

/// A configured window as this end can keep to it: 9 to 15.
pub(crate) fn honourable(bits: u8) -> u8 {
    bits.clamp(MIN_BITS, MAX_BITS)
}

/// Whether this end's compressor can keep to a limit of `bits`.
pub(crate) fn can_compress_within(bits: u8) -> bool {
    bits >= MIN_BITS
}
