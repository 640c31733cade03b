//! Replays the committed `connection_recv` fuzz seeds on stable.

use noio_ws_test_support::replay_fuzz_seeds;

#[test]
fn connection_recv_seeds() {
    replay_fuzz_seeds("connection_recv", noio_ws_connection::fuzz::connection_recv);
}
