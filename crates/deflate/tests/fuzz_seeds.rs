//! Replays the committed deflate fuzz seeds on stable.

use noio_ws_test_support::replay_fuzz_seeds;

#[test]
fn inflate_seeds() {
    replay_fuzz_seeds("deflate_inflate", noio_ws_deflate::fuzz::deflate_inflate);
}

#[test]
fn negotiation_seeds() {
    replay_fuzz_seeds("deflate_negotiation", noio_ws_deflate::fuzz::deflate_negotiation);
}

#[test]
fn connection_deflate_seeds() {
    replay_fuzz_seeds("connection_deflate", noio_ws_deflate::fuzz::connection_deflate);
}
