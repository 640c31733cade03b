//! Every library's output, checked in full: each decoder hands out exactly
//! the payloads of the client stream (across reads that split frames and
//! their headers), each encoder writes masked frames a noio-ws server reads
//! back as exactly the payloads. The bench and the instruction counter
//! check the same before measuring; this keeps the adapters honest in
//! `cargo test`.

#[path = "../adapters/mod.rs"]
mod adapters;
use adapters::Library;
use noio_ws_bench::{Input, SIZES, Workload};

/// Message counts that keep a debug build quick yet cross 64 KiB reads
/// many times for the small sizes.
fn count(len: usize) -> usize {
    ((256 << 10) / len).clamp(2, 5000)
}

/// Sizes beside the measured ones: empty, the edges of the 7-bit and
/// 16-bit lengths. Not 65535: embedded-websocket 0.9 sends that length in
/// the 8-byte field (it tests `count < 65535`), which RFC 6455 forbids and
/// noio-ws's server refuses.
const EDGES: [usize; 6] = [0, 1, 125, 126, 65534, 65536 + 7];

#[test]
fn every_library_handles_every_cell() {
    for workload in Workload::ALL {
        for len in SIZES.into_iter().chain(EDGES) {
            let input = Input::new(workload, len, count(len.max(1)));
            for library in Library::ALL.into_iter().filter(|l| l.does(workload)) {
                let expected =
                    library.check(&input).unwrap_or_else(|e| panic!("{} {len}: {e}", workload.name()));
                let mut out = Vec::new();
                assert_eq!(
                    library.run(&input, &mut out),
                    expected,
                    "{} {} {len}",
                    library.name(),
                    workload.name()
                );
            }
        }
    }
}
