//! The client-to-server masking key and the XOR that applies it
//! (RFC 6455 section 5.3).
//!
//! Short buffers (under [`BLOCK`] bytes) take the portable word loop here,
//! inlined where it is called. Longer ones go to [`simd`], which picks the
//! widest vector loop the CPU has; the portable block loop here is its
//! fallback on every other target.

use bytes::BytesMut;

// The one module of the workspace allowed `unsafe`: vector intrinsics and
// writing into a `BytesMut`'s spare capacity. See its docs for why it pays.
#[allow(unsafe_code)]
mod simd;

#[cfg(test)]
use simd::Path;

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

    /// The key as it lines up with a buffer starting `offset` bytes into the
    /// payload: byte `offset % 4` of the key first.
    #[inline]
    fn phased(self, offset: usize) -> [u8; 4] {
        rotate(self.0, offset)
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

/// `key` advanced by `by` bytes: byte `by % 4` first.
#[inline]
fn rotate(key: [u8; 4], by: usize) -> [u8; 4] {
    let shift = (by % 4) as u32 * 8;
    u32::from_le_bytes(key).rotate_right(shift).to_le_bytes()
}

/// Buffers at least this long take the vector path; shorter ones the word
/// loop, which needs no dispatch. Also the portable long loop's block size: a
/// fixed-size block lets LLVM turn that loop into vector XORs on any target.
const BLOCK: usize = 64;

/// XORs `buf` with `mask`, where `buf` starts `offset` bytes into the payload.
///
/// Applying the same mask twice restores the input, and masking a payload in
/// pieces (each with its own offset) gives the same bytes as masking it whole,
/// so a payload can be unmasked chunk by chunk as it arrives. Only
/// `offset % 4` matters.
///
/// Long buffers are masked with the widest vector instructions the CPU has
/// (AVX-512 or AVX2 when `std` can detect them, SSE2 on any other x86-64, NEON on
/// AArch64), short ones and other targets with a portable loop.
#[inline]
pub fn apply_mask(buf: &mut [u8], mask: Mask, offset: usize) {
    let key = mask.phased(offset);
    if buf.len() >= BLOCK {
        xor_long(buf, key);
    } else {
        portable::xor_short(buf, key);
    }
}

/// Writes `src` XORed with `mask` into `dst`, where both start `offset`
/// bytes into the payload: the same bytes as copying `src` into `dst` and
/// then calling [`apply_mask`] on it, but in one pass over memory.
///
/// # Panics
///
/// If `dst` and `src` differ in length.
///
/// ```
/// use noio_ws_codec::{Mask, apply_mask_copy};
///
/// let mut out = [0u8; 5];
/// apply_mask_copy(&mut out, b"Hello", Mask([0x37, 0xfa, 0x21, 0x3d]), 0);
/// assert_eq!(out, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
#[inline]
pub fn apply_mask_copy(dst: &mut [u8], src: &[u8], mask: Mask, offset: usize) {
    assert_eq!(dst.len(), src.len(), "apply_mask_copy: dst and src differ in length");
    let key = mask.phased(offset);
    if src.len() >= BLOCK {
        xor_copy_long(dst, src, key);
    } else {
        portable::xor_copy_short(dst, src, key);
    }
}

/// Appends `src` XORed with `mask` to `dst`, where `src` starts `offset`
/// bytes into the payload: copying and masking in one pass over memory, into
/// `dst`'s spare capacity (no zeroing first). The encoder writes a client's
/// payload this way; a receiver can unmask a payload as it copies it in.
///
/// ```
/// use bytes::BytesMut;
/// use noio_ws_codec::{Mask, extend_masked};
///
/// let mut out = BytesMut::from(&b"> "[..]);
/// extend_masked(&mut out, &[0x7f, 0x9f, 0x4d, 0x51, 0x58], Mask([0x37, 0xfa, 0x21, 0x3d]), 0);
/// assert_eq!(&out[..], b"> Hello");
/// ```
#[inline]
pub fn extend_masked(dst: &mut BytesMut, src: &[u8], mask: Mask, offset: usize) {
    extend_long(dst, src, mask.phased(offset));
}

/// Appends a short frame: the header's first two bytes `head` and the key
/// (together its six-byte masked header), then `src` (at most 125 bytes)
/// masked with `mask` from offset 0, both in one pass into `dst`'s
/// spare capacity. Under a block the bytes are in L1 either way: words masked
/// on their way into place cost less than any dispatch.
#[inline]
pub(crate) fn extend_masked_short_frame(dst: &mut BytesMut, head: [u8; 2], src: &[u8], mask: Mask) {
    debug_assert!(src.len() <= 125, "a short frame's payload is at most 125 bytes");
    simd::extend_short_frame(dst, head, src, mask.0);
}

/// True when every byte of `bytes` is ASCII (under 0x80): most received
/// text is, and proving it is most of checking its UTF-8. The widest vector
/// loop the CPU runs (AVX2 where present), a portable word loop otherwise.
///
/// ```
/// assert!(noio_ws_codec::is_ascii(b"{\"id\": 42}"));
/// assert!(!noio_ws_codec::is_ascii("caf\u{e9}".as_bytes()));
/// ```
#[inline]
pub fn is_ascii(bytes: &[u8]) -> bool {
    simd::is_ascii(bytes)
}

// Out of line so the short paths inline into their callers without them.
#[inline(never)]
fn xor_long(buf: &mut [u8], key: [u8; 4]) {
    // XOR with a zero key leaves the bytes as they are. A receiver that
    // unmasked a payload as it copied it in gives its frame a zero key so
    // that the decoder does not pass over it again. Checked here, out of
    // line, so the short path stays small enough to inline.
    if key != [0; 4] {
        simd::xor(buf, key);
    }
}

#[inline(never)]
fn xor_copy_long(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    simd::xor_copy(dst, src, key);
}

#[inline(never)]
fn extend_long(dst: &mut BytesMut, src: &[u8], key: [u8; 4]) {
    simd::extend(dst, src, key);
}

/// The safe loops: the reference the vector paths are tested against, the
/// short path everywhere, and the long path where there is no vector one.
mod portable {
    use bytes::{BufMut, BytesMut};

    use super::BLOCK;

    /// The key repeated over eight bytes. Both halves hold the same key, so
    /// this is right on either endianness.
    #[inline]
    fn key8(key: [u8; 4]) -> u64 {
        let key4 = u32::from_ne_bytes(key);
        u64::from(key4) | (u64::from(key4) << 32)
    }

    #[inline]
    fn xor8(word: &[u8], key8: u64) -> [u8; 8] {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        (u64::from_ne_bytes(bytes) ^ key8).to_ne_bytes()
    }

    /// True when every byte is ASCII: 32 bytes a step, their words OR-ed
    /// (which LLVM vectorises at the target's baseline width), then the
    /// rest by `<[u8]>::is_ascii`.
    pub(super) fn is_ascii(bytes: &[u8]) -> bool {
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut blocks = bytes.chunks_exact(32);
        for block in &mut blocks {
            let mut any = 0;
            for word in block.chunks_exact(8) {
                let mut w = [0u8; 8];
                w.copy_from_slice(word);
                any |= u64::from_ne_bytes(w);
            }
            if any & HIGH != 0 {
                return false;
            }
        }
        blocks.remainder().is_ascii()
    }

    /// Whole 64-byte blocks, then the rest through the short path.
    pub(super) fn xor_long(buf: &mut [u8], key: [u8; 4]) {
        // The key repeated across a block, made from one integer: building it
        // byte by byte cost more than masking a few hundred bytes.
        let block_key = [key8(key); BLOCK / 8];
        let mut blocks = buf.chunks_exact_mut(BLOCK);
        for block in &mut blocks {
            for (word, k) in block.chunks_exact_mut(8).zip(block_key) {
                let masked = xor8(word, k);
                word.copy_from_slice(&masked);
            }
        }
        // BLOCK is a multiple of 4: the remainder starts at the same key phase.
        xor_short(blocks.into_remainder(), key);
    }

    /// [`xor_long`], reading `src` and writing `dst` (of the same length).
    pub(super) fn xor_copy_long(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
        let block_key = [key8(key); BLOCK / 8];
        let mut dst_blocks = dst.chunks_exact_mut(BLOCK);
        let mut src_blocks = src.chunks_exact(BLOCK);
        for (d, s) in (&mut dst_blocks).zip(&mut src_blocks) {
            for ((d, s), k) in d.chunks_exact_mut(8).zip(s.chunks_exact(8)).zip(block_key) {
                d.copy_from_slice(&xor8(s, k));
            }
        }
        xor_copy_short(dst_blocks.into_remainder(), src_blocks.remainder(), key);
    }

    /// Appends `src` masked to `dst` a stack block at a time, so each block
    /// is masked while it is in L1 and `dst` is written once, without `unsafe`.
    pub(super) fn extend(dst: &mut BytesMut, src: &[u8], key: [u8; 4]) {
        dst.reserve(src.len());
        let mut block = [0u8; 4 * BLOCK];
        // The block size is a multiple of 4: every block starts at key phase 0.
        for chunk in src.chunks(block.len()) {
            let out = &mut block[..chunk.len()];
            xor_copy_long(out, chunk, key);
            dst.put_slice(out);
        }
    }

    /// Eight bytes at a time, then four, then single bytes: cheap for the short
    /// payloads most messages have.
    #[inline]
    pub(super) fn xor_short(buf: &mut [u8], key: [u8; 4]) {
        let key8 = key8(key);
        let mut words = buf.chunks_exact_mut(8);
        for word in &mut words {
            let masked = xor8(word, key8);
            word.copy_from_slice(&masked);
        }
        let mut rest = words.into_remainder();
        if rest.len() >= 4 {
            let (word, tail) = rest.split_at_mut(4);
            let mut bytes = [0u8; 4];
            bytes.copy_from_slice(word);
            word.copy_from_slice(&(u32::from_ne_bytes(bytes) ^ u32::from_ne_bytes(key)).to_ne_bytes());
            rest = tail;
        }
        for (b, k) in rest.iter_mut().zip(key) {
            *b ^= k;
        }
    }

    /// [`xor_short`], reading `src` and writing `dst` (of the same length).
    #[inline]
    pub(super) fn xor_copy_short(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
        let key8 = key8(key);
        let mut dst_words = dst.chunks_exact_mut(8);
        let mut src_words = src.chunks_exact(8);
        for (d, s) in (&mut dst_words).zip(&mut src_words) {
            d.copy_from_slice(&xor8(s, key8));
        }
        let (mut dst, mut src) = (dst_words.into_remainder(), src_words.remainder());
        if src.len() >= 4 {
            let mut bytes = [0u8; 4];
            bytes.copy_from_slice(&src[..4]);
            dst[..4].copy_from_slice(&(u32::from_ne_bytes(bytes) ^ u32::from_ne_bytes(key)).to_ne_bytes());
            (dst, src) = (&mut dst[4..], &src[4..]);
        }
        for ((d, s), k) in dst.iter_mut().zip(src).zip(key) {
            *d = s ^ k;
        }
    }
}

#[cfg(test)]
mod tests;
