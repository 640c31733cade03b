//! noio-ws beside tokio-websockets, fastwebsockets, embedded-websocket and
//! tungstenite, in the same run and the same criterion groups: one group
//! per workload and message size (`decode/binary/16B` ... `encode/binary/1MiB`),
//! one function per library, `noio-ws` first. Every library decodes the
//! same bytes (or encodes the same payloads), and its output is checked in
//! full before it is timed. `cargo xtask bench` prints each cell's ratio to
//! its best peer.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use noio_ws_bench::{Input, SIZES, Workload, size_name};

#[path = "../adapters/mod.rs"]
mod adapters;
use adapters::Library;

fn peers(c: &mut Criterion) {
    for workload in Workload::ALL {
        for len in SIZES {
            let input = Input::measured(workload, len);
            let mut group = c.benchmark_group(format!("{}/{}", workload.name(), size_name(len)));
            group.throughput(Throughput::Bytes(input.payload_bytes()));
            for library in Library::ALL.into_iter().filter(|l| l.does(workload)) {
                let expected = library.check(&input).unwrap_or_else(|e| panic!("{e}"));
                let mut out = Vec::new();
                group.bench_function(library.name(), |b| {
                    b.iter(|| {
                        let tally = library.run(black_box(&input), &mut out);
                        assert_eq!(tally, expected, "{}", library.name());
                    })
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, peers);
criterion_main!(benches);
