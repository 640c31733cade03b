//! The Sec-WebSocket-Key a client sends and the Sec-WebSocket-Accept a server
//! answers with (RFC 6455 sections 1.3 and 4.2.2).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

/// The GUID RFC 6455 appends to the key before hashing.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The Sec-WebSocket-Accept value for a Sec-WebSocket-Key value: the base64
/// of the SHA-1 of the key (as sent, base64 text) followed by the GUID.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key);
    sha1.update(GUID);
    STANDARD.encode(sha1.finalize())
}

/// The Sec-WebSocket-Key value for 16 random bytes.
pub fn key_from_bytes(nonce: [u8; 16]) -> String {
    STANDARD.encode(nonce)
}

/// True when `key` is the base64 of exactly 16 bytes, as section 4.2.1 asks.
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    key.len() == 24 && STANDARD.decode(key).is_ok_and(|raw| raw.len() == 16)
}

/// 16 bytes from the best source this build has: the operating system's
/// randomness (through `RandomState`) with the `std` feature.
#[cfg(feature = "std")]
pub(crate) fn random_nonce() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut nonce = [0u8; 16];
    for half in nonce.chunks_mut(8) {
        let word = std::collections::hash_map::RandomState::new().build_hasher().finish();
        half.copy_from_slice(&word.to_ne_bytes());
    }
    nonce
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6455_section_1_3_known_answer() {
        assert_eq!(accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(key_from_bytes(*b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
    }

    #[test]
    fn keys_are_16_bytes_of_base64() {
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZSE="));
        assert!(!is_valid_key(b"not base64 at all!!!!!!!"));
        assert_ne!(random_nonce(), random_nonce());
    }
}
