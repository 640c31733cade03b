//! Times the raw DEFLATE work permessage-deflate does, on whichever backend
//! flate2 was built with: compressing a text-like message with a sync flush
//! (in each of the [`CONTEXTS`]), and inflating one. Prints one line per
//! workload: `<work> <bytes> <context> <ns per message>`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

#[path = "../../benches/support/text_like.rs"]
mod text_like;

const LEVEL: u32 = 6;

/// Context kept between messages; without context takeover, the state reset
/// after each message; or made afresh for each (what noio-ws-deflate does,
/// so that idle connections hold none).
const CONTEXTS: [&str; 3] = ["takeover", "reset", "fresh"];

fn main() {
    let budget = Duration::from_millis(std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300));
    for len in [1024usize, 64 * 1024] {
        let input = text_like::text(len);
        let mut out = Vec::with_capacity(len + 64);
        for context in CONTEXTS {
            let mut kept = Compress::new(Compression::new(LEVEL), false);
            let ns = time(budget, || match context {
                "takeover" => deflate(&mut kept, &input, &mut out),
                "reset" => {
                    deflate(&mut kept, &input, &mut out);
                    kept.reset();
                }
                _ => deflate(&mut Compress::new(Compression::new(LEVEL), false), &input, &mut out),
            });
            black_box(&out);
            println!("compress {len} {context} {ns:.0}");
        }
        let mut compressed = Vec::with_capacity(len + 64);
        deflate(&mut Compress::new(Compression::new(LEVEL), false), &input, &mut compressed);
        compressed.extend_from_slice(&[0x00, 0x00, 0xff, 0xff]);
        for context in CONTEXTS {
            let mut kept = Decompress::new(false);
            let mut inflate = |decompress: &mut Decompress| {
                out.clear();
                decompress.decompress_vec(&compressed, &mut out, FlushDecompress::Sync).unwrap();
                assert_eq!(out.len(), len);
            };
            let ns = time(budget, || match context {
                "takeover" => inflate(&mut kept),
                "reset" => {
                    inflate(&mut kept);
                    kept.reset(false);
                }
                _ => inflate(&mut Decompress::new(false)),
            });
            println!("decompress {len} {context} {ns:.0}");
        }
    }
}

/// One message, sync-flushed, with the `00 00 ff ff` tail removed.
fn deflate(compress: &mut Compress, input: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let before = compress.total_in();
    loop {
        let done = (compress.total_in() - before) as usize;
        out.reserve(input.len() / 2 + 64);
        compress.compress_vec(&input[done..], out, FlushCompress::Sync).unwrap();
        // Done once all input is in and the output did not fill its room.
        if (compress.total_in() - before) as usize == input.len() && out.len() < out.capacity() {
            break;
        }
    }
    assert!(out.ends_with(&[0x00, 0x00, 0xff, 0xff]));
    out.truncate(out.len() - 4);
}

/// Mean nanoseconds per call of `work`, over at least `budget` after a warm-up.
fn time(budget: Duration, mut work: impl FnMut()) -> f64 {
    for _ in 0..10 {
        work();
    }
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < budget {
        for _ in 0..10 {
            work();
        }
        calls += 10;
    }
    started.elapsed().as_nanos() as f64 / calls as f64
}
