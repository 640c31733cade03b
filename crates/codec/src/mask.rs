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

/// Bytes masked per step of the main loop. A fixed-size block lets LLVM turn
/// the loop into vector XORs on any target without `unsafe` or intrinsics.
const BLOCK: usize = 64;

/// XORs `buf` with `mask`, where `buf` starts `offset` bytes into the payload.
///
/// Applying the same mask twice restores the input, and masking a payload in
/// pieces (each with its own offset) gives the same bytes as masking it whole,
/// so a payload can be unmasked chunk by chunk as it arrives. Only
/// `offset % 4` matters.
pub fn apply_mask(buf: &mut [u8], mask: Mask, offset: usize) {
    let key = mask.0;
    let shift = offset % 4;
    let rotated = [
        key[shift],
        key[(shift + 1) % 4],
        key[(shift + 2) % 4],
        key[(shift + 3) % 4],
    ];

    let mut blocks = buf.chunks_exact_mut(BLOCK);
    if blocks.len() > 0 {
        let mut block_key = [0u8; BLOCK];
        for (i, k) in block_key.iter_mut().enumerate() {
            *k = rotated[i % 4];
        }
        for block in &mut blocks {
            for (b, k) in block.iter_mut().zip(block_key.iter()) {
                *b ^= k;
            }
        }
    }
    // BLOCK is a multiple of 4, so the tail starts at the same key phase.
    for (i, b) in blocks.into_remainder().iter_mut().enumerate() {
        *b ^= rotated[i % 4];
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
