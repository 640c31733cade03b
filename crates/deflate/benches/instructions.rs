//! One fixed piece of permessage-deflate work per run, for counting its
//! instructions under callgrind rather than timing it (deterministic on a
//! shared machine):
//!
//! ```text
//! cargo bench -p noio-ws-deflate --bench instructions --no-run
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured*' \
//!     target/release/deps/instructions-* <case>
//! ```
//!
//! The inputs are made and compressed outside `measured`, so the count is
//! the work alone. Cases: `compress` or `decompress`, then `chat` (the
//! ratio test's 2000 chat messages, context kept) or `64k` (one 64 KiB
//! text-like message), then `defaults`, `full` (our full window) or
//! `zlib-rs` (zlib-rs at the full window, memory level 8), or `13:5`-style
//! window bits and memory level. Prints the compressed size, so a run shows
//! it did the work.
//!
//! `instructions ratios` prints instead the compressed size of the ratio
//! test's three kinds of text at every window (9-15) and memory levels 1-9,
//! against the full window: the trade-off table of docs/deflate.md.

use std::hint::black_box;

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, OpCode, Rsv};
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::Extension;

#[path = "support/corpus.rs"]
#[allow(dead_code)]
mod corpus;
#[path = "support/text_like.rs"]
mod text_like;

fn compress_ours(sender: &mut PerMessageDeflate, messages: &[Vec<u8>]) -> Vec<BytesMut> {
    messages
        .iter()
        .map(|message| {
            let mut wire = BytesMut::with_capacity(message.len() + 64);
            sender.begin_encode(OpCode::TEXT, Some(message.len())).unwrap();
            sender.encode(message, true, &mut wire).unwrap();
            wire
        })
        .collect()
}

fn decompress_ours(receiver: &mut PerMessageDeflate, wires: &[BytesMut], out: &mut BytesMut) -> usize {
    let mut total = 0;
    for wire in wires {
        out.clear();
        let header = FrameHeader::new(OpCode::TEXT, wire.len() as u64).with_rsv(Rsv::RSV1);
        receiver.begin_decode(&header).unwrap();
        receiver.decode(wire, true, out, usize::MAX).unwrap();
        total += out.len();
    }
    total
}

fn compress_zlib_rs(deflate: &mut zlib_rs::Deflate, messages: &[Vec<u8>]) -> Vec<Vec<u8>> {
    messages
        .iter()
        .map(|message| {
            let mut out = vec![0; message.len() + 64];
            let before = deflate.total_out();
            deflate.compress(message, &mut out, zlib_rs::DeflateFlush::SyncFlush).unwrap();
            out.truncate((deflate.total_out() - before) as usize);
            out
        })
        .collect()
}

fn decompress_zlib_rs(inflate: &mut zlib_rs::Inflate, wires: &[Vec<u8>], out: &mut [u8]) -> usize {
    let mut total = 0;
    for wire in wires {
        let before = inflate.total_out();
        inflate.decompress(wire, out, zlib_rs::InflateFlush::SyncFlush).unwrap();
        total += (inflate.total_out() - before) as usize;
    }
    total
}

/// The work counted: everything `run` does between making its inputs and
/// printing.
#[inline(never)]
fn measured<T>(work: impl FnOnce() -> T) -> T {
    black_box(work())
}

/// Our compressed size of `messages` with `config`, context kept.
fn size(config: DeflateConfig, messages: &[Vec<u8>]) -> usize {
    compress_ours(&mut corpus::pair(config).0, messages).iter().map(|w| w.len()).sum()
}

fn ratios() {
    let corpus = corpus::all();
    let full: Vec<usize> = corpus.iter().map(|(_, m)| size(DeflateConfig::FULL_WINDOW, m)).collect();
    println!(
        "bits mem | {} (size against the full window)",
        corpus.iter().map(|c| c.0).collect::<Vec<_>>().join(" | ")
    );
    for bits in 9..=15u8 {
        for mem_level in 1..=9u8 {
            let config = DeflateConfig {
                server_max_window_bits: bits,
                client_max_window_bits: bits,
                mem_level,
                ..DeflateConfig::DEFAULT
            };
            let row: Vec<String> = corpus
                .iter()
                .zip(&full)
                .map(|((_, m), &f)| format!("{:.3}", size(config, m) as f64 / f as f64))
                .collect();
            println!("{bits:>4} {mem_level:>3} | {}", row.join(" | "));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if args.first().is_some_and(|a| a == "ratios") {
        return ratios();
    }
    let [work, data, backend] = &args[..] else {
        println!("usage: instructions compress|decompress chat|64k defaults|full|zlib-rs");
        return;
    };
    let messages = match data.as_str() {
        "chat" => corpus::chat(2000),
        _ => vec![text_like::text(64 * 1024)],
    };
    let input: usize = messages.iter().map(Vec::len).sum();
    let config = match backend.split_once(':') {
        Some((bits, mem_level)) => DeflateConfig {
            server_max_window_bits: bits.parse().expect("window bits"),
            client_max_window_bits: bits.parse().expect("window bits"),
            mem_level: mem_level.parse().expect("memory level"),
            ..DeflateConfig::DEFAULT
        },
        None if backend == "defaults" => DeflateConfig::DEFAULT,
        None => DeflateConfig::FULL_WINDOW,
    };
    let (size, count) = match (work.as_str(), backend.as_str()) {
        ("compress", "zlib-rs") => {
            let mut deflate = zlib_rs::Deflate::new(6, false, 15);
            let wires = measured(|| compress_zlib_rs(&mut deflate, &messages));
            (wires.iter().map(Vec::len).sum::<usize>(), messages.len())
        }
        ("compress", _) => {
            let (mut sender, _) = corpus::pair(config);
            let wires = measured(|| compress_ours(&mut sender, &messages));
            (wires.iter().map(|w| w.len()).sum(), messages.len())
        }
        ("decompress", "zlib-rs") => {
            let wires = compress_zlib_rs(&mut zlib_rs::Deflate::new(6, false, 15), &messages);
            let mut inflate = zlib_rs::Inflate::new(false, 15);
            let mut out = vec![0; 1 << 20];
            let total = measured(|| decompress_zlib_rs(&mut inflate, &wires, &mut out));
            assert_eq!(total, input);
            (wires.iter().map(Vec::len).sum(), messages.len())
        }
        _ => {
            let (mut sender, mut receiver) = corpus::pair(config);
            let wires = compress_ours(&mut sender, &messages);
            let mut out = BytesMut::with_capacity(1 << 20);
            let total = measured(|| decompress_ours(&mut receiver, &wires, &mut out));
            assert_eq!(total, input);
            (wires.iter().map(|w| w.len()).sum(), messages.len())
        }
    };
    println!("{work} {data} {backend}: {count} messages, {input} bytes, {size} compressed");
}
