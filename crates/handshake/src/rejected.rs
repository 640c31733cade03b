//! A server's refusal of the upgrade, and its body as it arrives.

use http::Response;
use noio_ws_codec::bytes::{Bytes, BytesMut};

/// A refusal: the response and as much of its body as Content-Length
/// announced (up to [`crate::Limits::max_body_bytes`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct Rejected {
    /// The response head.
    pub response: Response<()>,
    /// The body.
    pub body: Bytes,
}

/// A refusal whose body is still arriving.
///
/// The body grows in place and is frozen once, at the end: each `push`
/// copies only its own bytes, and the buffer moves only when its capacity
/// doubles, so a body fed a byte at a time costs time linear in its length
/// (it used to be copied whole on every call, quadratic).
#[derive(Debug)]
pub(crate) struct PendingBody {
    response: Response<()>,
    body: BytesMut,
    /// Bytes of body still to come.
    missing: usize,
}

impl PendingBody {
    /// Waits for `missing` bytes of body after `response`. Nothing is
    /// reserved up front: the length is the peer's word, and may be huge
    /// when the limit is `usize::MAX`.
    pub(crate) fn new(response: Response<()>, missing: usize) -> Self {
        PendingBody { response, body: BytesMut::new(), missing }
    }

    /// Adds what of `bytes` belongs to the body; true once it is complete.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> bool {
        let take = self.missing.min(bytes.len());
        self.body.extend_from_slice(&bytes[..take]);
        self.missing -= take;
        self.missing == 0
    }

    /// The finished refusal.
    pub(crate) fn finish(self) -> Rejected {
        Rejected { response: self.response, body: self.body.freeze() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_fed_a_byte_at_a_time_is_copied_a_linear_number_of_bytes() {
        const N: usize = 1 << 20;
        let mut pending = PendingBody::new(Response::new(()), N);
        // Bytes copied other than the appended one: those the buffer holds
        // when it moves to a bigger allocation (a grow in place copies none).
        let (mut moved, mut moves, mut at) = (0, 0, pending.body.as_ptr());
        for _ in 1..N {
            let held = pending.body.len();
            assert!(!pending.push(b"x"));
            if pending.body.as_ptr() != at {
                (moved, moves, at) = (moved + held, moves + 1, pending.body.as_ptr());
            }
        }
        assert!(pending.push(b"x and what follows the body"));
        // Geometric growth: a few dozen moves adding up to at most twice the
        // body (8 moves, 991,760 bytes with std's doubling Vec); re-copying
        // it on every call, as before, moved N^2/2 bytes.
        assert!(moves <= 64, "{moves} moves");
        assert!(moved <= 2 * N, "{moved} bytes moved for a body of {N}");
        let rejected = pending.finish();
        assert_eq!(rejected.body.len(), N);
        assert!(rejected.body.iter().all(|&b| b == b'x'));
    }

    #[test]
    fn a_huge_announced_length_reserves_nothing() {
        let mut pending = PendingBody::new(Response::new(()), usize::MAX);
        assert_eq!(pending.body.capacity(), 0);
        assert!(!pending.push(b"abc"));
        assert_eq!(pending.missing, usize::MAX - 3);
    }

    #[test]
    fn a_body_of_zero_bytes_is_complete_at_once() {
        let mut pending = PendingBody::new(Response::new(()), 0);
        assert!(pending.push(b"ignored"));
        assert!(pending.finish().body.is_empty());
    }
}
