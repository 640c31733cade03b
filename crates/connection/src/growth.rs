//! How the connection's buffers grow: with the bytes that have arrived,
//! never on a peer's word, and never past what the data they hold can need.
//!
//! `BytesMut` left to itself doubles its capacity: a buffer holding a 64 MiB
//! message may briefly own 128 MiB, and one reserved for a header's declared
//! length holds memory the peer never sent. Every buffer the connection fills
//! from the network grows here instead, by doubling what it already holds
//! (so growing to `n` bytes copies fewer than `2n`), capped at `bound`: the
//! most its contents can come to, such as the end of the frame being
//! received or the message limit.
//!
//! A buffer grows in place where it can: it goes through a `Vec` whose
//! `reserve_exact` reallocates (for large buffers the allocator remaps the
//! pages instead of copying them), so growing never holds the old and the new
//! buffer at once, which would cost half again the buffer at its peak.

use alloc::vec::Vec;

use noio_ws_codec::bytes::{Bytes, BytesMut};

/// Makes room in `buf` for `additional` more bytes, growing it to at most
/// `max(len + additional, min(2 * len, bound))`.
pub(crate) fn reserve_bounded(buf: &mut BytesMut, additional: usize, bound: usize) {
    let len = buf.len();
    if buf.capacity() - len >= additional || buf.try_reclaim(additional) {
        return;
    }
    let needed = len.saturating_add(additional);
    let target = needed.max(len.saturating_mul(2).min(bound));
    // No copy while nothing else shares the buffer (the bytes move to its
    // front if some were taken off it); a copy of what it holds otherwise.
    let mut vec = Vec::from(core::mem::take(buf));
    vec.reserve_exact(target - len);
    // Through `Bytes` because `BytesMut` takes a `Vec` only that way; a
    // buffer that is not shared comes back out without a copy.
    *buf = BytesMut::from(Bytes::from(vec));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_what_arrived_but_stops_at_the_bound() {
        let mut buf = BytesMut::new();
        let mut capacities = Vec::new();
        while buf.len() < 100_000 {
            reserve_bounded(&mut buf, 1000, 100_000);
            buf.extend_from_slice(&[7; 1000]);
            capacities.push(buf.capacity());
        }
        assert!(capacities.iter().all(|&c| c <= 100_000), "{capacities:?}");
        // Doubling: a few dozen reallocations at most, not one per append.
        capacities.dedup();
        assert!(capacities.len() < 12, "{capacities:?}");
    }

    #[test]
    fn a_read_larger_than_the_bound_still_fits() {
        let mut buf = BytesMut::from(&b"abc"[..]);
        reserve_bounded(&mut buf, 10_000, 8);
        assert!(buf.capacity() >= 10_003);
        assert_eq!(&buf[..], b"abc");
    }

    #[test]
    fn growing_keeps_the_bytes_and_the_exact_room() {
        let mut buf = BytesMut::with_capacity(16);
        buf.extend_from_slice(b"0123456789abcdef");
        let _ = buf.split_to(4);
        reserve_bounded(&mut buf, 100, 40);
        assert_eq!(&buf[..], b"456789abcdef");
        assert_eq!(buf.capacity(), 112, "exactly what was asked: the bound caps doubling");
    }

    #[test]
    fn extreme_sizes_saturate() {
        let mut buf = BytesMut::from(&b"abc"[..]);
        // Nothing to add: no growth, whatever the bound.
        reserve_bounded(&mut buf, 0, usize::MAX);
        assert_eq!(&buf[..], b"abc");
        reserve_bounded(&mut buf, 5, 0);
        assert!(buf.capacity() >= 8);
    }
}
