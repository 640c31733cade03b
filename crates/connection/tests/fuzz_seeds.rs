//! Replays the committed `connection_recv` fuzz seeds on stable.

use std::fs;
use std::path::Path;

#[test]
fn connection_recv_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/connection_recv");
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        noio_ws_connection::fuzz::connection_recv(&fs::read(entry.unwrap().path()).unwrap());
        count += 1;
    }
    assert!(count >= 10, "expected the committed seeds, found {count}");
}
