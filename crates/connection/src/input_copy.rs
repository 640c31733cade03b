//! How received bytes go into the receiver's buffers: how much room a
//! fresh buffer gets for them, and copying whole frames in with their
//! payloads unmasked on the way, so no byte is passed over twice.
//!
//! Frames spanning reads are the decoder's to unmask as they are copied
//! (`FrameDecoder::extend`); this module handles the whole frames a read
//! brings at the start of a fresh buffer.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, HeaderStatus, extend_masked};

/// How many frame headers [`room_for`] follows into a read to find the frame
/// it ends part way in. Past this many frames they are short, and so is the
/// rest of the last one: moving it costs little.
const ROOM_SCAN: usize = 8;

/// The room a fresh buffer starting with `bytes` (which begin a frame) is
/// given: `bytes`, or, when their last frame goes on past them by no more
/// than what has arrived, up to that frame's end (growth bounded by what
/// arrived, as everywhere). The rest of a frame spanning two reads then lands
/// where its first bytes are, instead of those moving to the buffer's front
/// to make room: with 16 KiB messages in 64 KiB reads, a quarter of every
/// byte was copied twice. Longer frames grow by doubling, where large
/// reallocations remap rather than copy.
pub(crate) fn room_for(bytes: &[u8]) -> usize {
    let mut at = 0;
    for _ in 0..ROOM_SCAN {
        let Ok(HeaderStatus::Complete(header, header_len)) = FrameHeader::decode(&bytes[at..]) else {
            break;
        };
        let end = usize::try_from(header.payload_len)
            .ok()
            .and_then(|len| at.checked_add(header_len)?.checked_add(len));
        match end {
            Some(end) if end <= bytes.len() => at = end,
            Some(end) if end - bytes.len() <= bytes.len() => return end,
            _ => break,
        }
    }
    bytes.len()
}

/// Payloads at least this long are unmasked as they are copied in by
/// [`append_unmasking`]. Shorter ones are copied with their neighbours in one
/// `memcpy` and unmasked in place by the decoder, still in L1: following
/// their headers one by one would cost more than the second pass saves.
const FUSE_MIN: u64 = 512;

/// Appends to `dst` the whole masked frames at the front of `src` with
/// payloads of at least [`FUSE_MIN`] bytes (and within `max_frame_len`),
/// each payload unmasked as it is copied and its header's key written as
/// zeros, the key whose XOR leaves bytes as they are: the decoder then
/// passes over them once, to judge and split them off, not to unmask them
/// again. No event shows a key, and extensions are shown headers without
/// one (`pipeline::begin_decode`), so nothing observable changes. Returns how many bytes of
/// `src` it took; it stops at the first frame it cannot take whole (a short
/// one, an unmasked one, one whose header is incomplete or that goes on past
/// `src`), which the caller appends as it is.
#[inline(always)]
pub(crate) fn append_unmasking(dst: &mut BytesMut, src: &[u8], max_frame_len: u64) -> usize {
    // A payload of FUSE_MIN bytes or more has a 16- or 64-bit length: one
    // compare keeps reads of short frames (most) from the loop.
    if src.get(1).is_some_and(|b1| b1 & 0x7F >= 126) {
        append_unmasking_long(dst, src, max_frame_len)
    } else {
        0
    }
}

#[inline(never)]
fn append_unmasking_long(dst: &mut BytesMut, src: &[u8], max_frame_len: u64) -> usize {
    let mut at = 0;
    while let Ok(HeaderStatus::Complete(header, header_len)) = FrameHeader::decode(&src[at..]) {
        let Some(mask) = header.mask else { break };
        if header.payload_len < FUSE_MIN || header.payload_len > max_frame_len {
            break;
        }
        let payload_at = at + header_len;
        let end = usize::try_from(header.payload_len).ok().and_then(|len| payload_at.checked_add(len));
        let Some(end) = end.filter(|&end| end <= src.len()) else { break };
        // A masked header ends with its four-byte key.
        dst.extend_from_slice(&src[at..payload_at - 4]);
        dst.extend_from_slice(&[0; 4]);
        extend_masked(dst, &src[payload_at..end], mask, 0);
        at = end;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use noio_ws_codec::{Mask, apply_mask};

    /// An unmasked binary frame of `len` payload bytes, its header as short
    /// as the length allows.
    fn frame(len: usize) -> Vec<u8> {
        let mut out = match len {
            0..=125 => alloc::vec![0x82, len as u8],
            126..=0xFFFF => alloc::vec![0x82, 126, (len >> 8) as u8, len as u8],
            _ => {
                let mut head = alloc::vec![0x82, 127];
                head.extend_from_slice(&(len as u64).to_be_bytes());
                head
            }
        };
        out.resize(out.len() + len, 7);
        out
    }

    #[test]
    fn room_for_reaches_the_end_of_the_frame_a_read_ends_in() {
        // Three whole 16 KiB frames and the start of a fourth: room up to
        // its end, so its rest lands behind its first bytes.
        let mut read: Vec<u8> = (0..4).flat_map(|_| frame(16 << 10)).collect();
        let whole = read.len();
        read.truncate(whole - 100);
        assert_eq!(room_for(&read), whole);
    }

    #[test]
    fn room_for_is_bounded_by_what_arrived() {
        // A frame declaring far more than arrived gets no room for it.
        let read = &frame(1 << 20)[..64 << 10];
        assert_eq!(room_for(read), 64 << 10);
        // One declaring u64::MAX neither overflows nor reserves.
        let mut huge = alloc::vec![0x82, 127];
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        huge.resize(4096, 0);
        assert_eq!(room_for(&huge), 4096);
    }

    #[test]
    fn room_for_a_read_of_whole_frames_or_a_split_header_is_the_read() {
        let whole: Vec<u8> = (0..3).flat_map(|_| frame(200)).collect();
        assert_eq!(room_for(&whole), whole.len());
        let mut split = whole.clone();
        split.extend_from_slice(&frame(300)[..1]);
        assert_eq!(room_for(&split), split.len());
        assert_eq!(room_for(&[]), 0);
    }

    #[test]
    fn room_for_stops_following_short_frames() {
        // Past ROOM_SCAN frames the last one's rest is not looked for.
        // Frames of 12 bytes (2 of header), then 20 of a 52-byte frame.
        let mut read: Vec<u8> = (0..ROOM_SCAN).flat_map(|_| frame(10)).collect();
        read.extend_from_slice(&frame(50)[..20]);
        assert_eq!(room_for(&read), read.len());
        // One frame fewer before it, and it is found.
        let read = &read[12..];
        assert_eq!(room_for(read), read.len() + 32);
    }

    /// A masked binary frame with the payload `payload`, key `1 2 3 4`.
    fn masked(payload: &[u8]) -> Vec<u8> {
        let len = payload.len();
        let mut out = match len {
            0..=125 => alloc::vec![0x82, 0x80 | len as u8],
            _ => alloc::vec![0x82, 0x80 | 126, (len >> 8) as u8, len as u8],
        };
        out.extend_from_slice(&[1, 2, 3, 4]);
        let mut body = payload.to_vec();
        apply_mask(&mut body, Mask([1, 2, 3, 4]), 0);
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn whole_long_frames_are_copied_unmasked_with_a_zero_key() {
        let (a, b) = (alloc::vec![5u8; 600], alloc::vec![6u8; 700]);
        let mut src = masked(&a);
        src.extend(masked(&b));
        let mut dst = BytesMut::from(&b"x"[..]);
        assert_eq!(append_unmasking(&mut dst, &src, u64::MAX), src.len());
        let mut want = alloc::vec![b'x'];
        for payload in [&a, &b] {
            want.extend_from_slice(&[
                0x82,
                0xFE,
                (payload.len() >> 8) as u8,
                payload.len() as u8,
                0,
                0,
                0,
                0,
            ]);
            want.extend_from_slice(payload);
        }
        assert_eq!(&dst[..], &want[..]);
    }

    #[test]
    fn append_unmasking_stops_at_what_it_cannot_take_whole() {
        let long = masked(&[5; 600]);
        let short = masked(&[5; 100]);
        let mut unmasked = alloc::vec![0x82, 126, 2, 88];
        unmasked.resize(4 + 600, 5);
        for (rest, why) in [
            (&short[..], "a short frame"),
            (&unmasked[..], "an unmasked frame"),
            (&long[..long.len() - 1], "a frame going on past the read"),
            (&long[..3], "an incomplete header"),
        ] {
            let mut src = long.clone();
            src.extend_from_slice(rest);
            let mut dst = BytesMut::new();
            assert_eq!(append_unmasking(&mut dst, &src, u64::MAX), long.len(), "{why}");
        }
        // Over the frame limit: left for the decoder to refuse.
        assert_eq!(append_unmasking(&mut BytesMut::new(), &long, 599), 0);
    }
}
