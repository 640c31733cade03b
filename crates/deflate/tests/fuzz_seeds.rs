//! Replays the committed deflate fuzz seeds on stable.

use std::fs;
use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target);
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        run(&fs::read(entry.unwrap().path()).unwrap());
        count += 1;
    }
    assert!(count >= 5, "expected the committed seeds, found {count}");
}

#[test]
fn inflate_seeds() {
    replay("deflate_inflate", noio_ws_deflate::fuzz::deflate_inflate);
}

#[test]
fn negotiation_seeds() {
    replay("deflate_negotiation", noio_ws_deflate::fuzz::deflate_negotiation);
}
