//! Replays the committed fuzz seeds through the fuzz target bodies on stable,
//! so `cargo test` checks every seed without cargo-fuzz.

use std::fs;
use std::path::Path;

#[test]
fn frame_decode_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/frame_decode");
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        noio_ws_codec::fuzz::frame_decode(&fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count >= 10, "expected the committed seeds, found {count}");
}
