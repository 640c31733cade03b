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

use noio_ws_codec::bytes::BytesMut;

/// Makes room in `buf` for `additional` more bytes, growing it to at most
/// `max(len + additional, min(2 * len, bound))`.
pub(crate) fn reserve_bounded(buf: &mut BytesMut, additional: usize, bound: usize) {
    let len = buf.len();
    if buf.capacity() - len >= additional || buf.try_reclaim(additional) {
        return;
    }
    let needed = len.saturating_add(additional);
    let target = needed.max(len.saturating_mul(2).min(bound));
    let mut grown = BytesMut::with_capacity(target);
    grown.extend_from_slice(buf);
    *buf = grown;
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
    fn extreme_sizes_saturate() {
        let mut buf = BytesMut::from(&b"abc"[..]);
        // Nothing to add: no growth, whatever the bound.
        reserve_bounded(&mut buf, 0, usize::MAX);
        assert_eq!(&buf[..], b"abc");
        reserve_bounded(&mut buf, 5, 0);
        assert!(buf.capacity() >= 8);
    }
}
