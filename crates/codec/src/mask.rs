//! The client-to-server masking key and the XOR that applies it
//! (RFC 6455 section 5.3).

/// A four-byte masking key.
///
/// Masking and unmasking are the same operation: byte `i` of the payload is
/// XORed with byte `i % 4` of the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mask(pub [u8; 4]);

impl Mask {
    /// XORs `buf` with this key, where `buf` starts `offset` bytes into the payload.
    #[inline]
    pub fn apply(self, buf: &mut [u8], offset: usize) {
        apply_mask(buf, self, offset);
    }
}

impl From<[u8; 4]> for Mask {
    fn from(key: [u8; 4]) -> Mask {
        Mask(key)
    }
}

impl From<u32> for Mask {
    /// The key whose wire bytes are `key` in big-endian order.
    fn from(key: u32) -> Mask {
        Mask(key.to_be_bytes())
    }
}

/// Bytes masked per step of the long loop. A fixed-size block lets LLVM turn
/// the loop into vector XORs on any target without `unsafe` or intrinsics.
const BLOCK: usize = 64;

/// XORs `buf` with `mask`, where `buf` starts `offset` bytes into the payload.
///
/// Applying the same mask twice restores the input, and masking a payload in
/// pieces (each with its own offset) gives the same bytes as masking it whole,
/// so a payload can be unmasked chunk by chunk as it arrives. Only
/// `offset % 4` matters.
#[inline]
pub fn apply_mask(buf: &mut [u8], mask: Mask, offset: usize) {
    // The key as it lines up with buf[0]: byte `offset % 4` of the key first.
    let shift = (offset % 4) as u32 * 8;
    let key = u32::from_le_bytes(mask.0).rotate_right(shift).to_le_bytes();
    if buf.len() >= BLOCK {
        apply_long(buf, key);
    } else {
        apply_short(buf, key);
    }
}

/// Whole 64-byte blocks, then the rest through the short path. Kept out of
/// line so the short path inlines into the decoder.
#[inline(never)]
fn apply_long(buf: &mut [u8], key: [u8; 4]) {
    // The key repeated across a block, made from one integer: building it
    // byte by byte cost more than masking a few hundred bytes.
    let key4 = u32::from_ne_bytes(key);
    let block_key = [u64::from(key4) | (u64::from(key4) << 32); BLOCK / 8];
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for (word, k) in block.chunks_exact_mut(8).zip(block_key) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            word.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ k).to_ne_bytes());
        }
    }
    // BLOCK is a multiple of 4: the remainder starts at the same key phase.
    apply_short(blocks.into_remainder(), key);
}

/// Eight bytes at a time, then four, then single bytes: cheap for the short
/// payloads most messages have.
#[inline]
fn apply_short(buf: &mut [u8], key: [u8; 4]) {
    let key4 = u32::from_ne_bytes(key);
    // Both halves hold the same key, so this is right on either endianness.
    let key8 = u64::from(key4) | (u64::from(key4) << 32);
    let mut words = buf.chunks_exact_mut(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        word.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ key8).to_ne_bytes());
    }
    let mut rest = words.into_remainder();
    if rest.len() >= 4 {
        let (word, tail) = rest.split_at_mut(4);
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(word);
        word.copy_from_slice(&(u32::from_ne_bytes(bytes) ^ key4).to_ne_bytes());
        rest = tail;
    }
    for (b, k) in rest.iter_mut().zip(key) {
        *b ^= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn reference(buf: &mut [u8], mask: Mask, offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= mask.0[(offset + i) % 4];
        }
    }

    #[test]
    fn matches_bytewise_reference_for_every_length_and_offset() {
        let mask = Mask([0x37, 0xfa, 0x21, 0x3d]);
        for len in 0..200 {
            for offset in 0..8 {
                let mut fast: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut slow = fast.clone();
                apply_mask(&mut fast, mask, offset);
                reference(&mut slow, mask, offset);
                assert_eq!(fast, slow, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn rfc_6455_section_5_7_masked_hello() {
        let mask = Mask::from(0x37fa213d_u32);
        let mut payload = *b"Hello";
        mask.apply(&mut payload, 0);
        assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }
}
