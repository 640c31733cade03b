//! Compression ratio on text-like data at the defaults (13-bit windows,
//! memory level 5) against the full window (15 bits, memory level 8, zlib's
//! own defaults): within 10% for each kind of data, message after message
//! with context takeover as a connection sends them. Printed with
//! `cargo test -p noio-ws-deflate --test ratio -- --nocapture`; the figures
//! are in docs/deflate.md. zlib-rs at the full window is printed beside
//! them, and our full window is held within 2% of it.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, OpCode, Rsv};
use noio_ws_deflate::DeflateConfig;
use noio_ws_registry::Extension;

#[path = "../benches/support/corpus.rs"]
mod corpus;

/// The bytes `messages` take on the wire from `config`'s server, each
/// checked to come back whole at its client.
fn compressed_size(config: DeflateConfig, messages: &[Vec<u8>]) -> usize {
    let (mut server, mut client) = corpus::pair(config);
    let mut total = 0;
    for message in messages {
        let mut wire = BytesMut::new();
        server.begin_encode(OpCode::TEXT, Some(message.len())).unwrap();
        server.encode(message, true, &mut wire).unwrap();
        total += wire.len();
        let header = FrameHeader::new(OpCode::TEXT, wire.len() as u64).with_rsv(Rsv::RSV1);
        assert!(client.begin_decode(&header).unwrap());
        let mut out = BytesMut::new();
        assert!(client.decode(&wire, true, &mut out, usize::MAX).unwrap().drained);
        assert!(out == message[..], "a message came back changed");
    }
    total
}

/// The same with zlib-rs (raw DEFLATE, level 6, 15 bits, memory level 8,
/// a sync flush per message).
fn zlib_rs_size(messages: &[Vec<u8>]) -> usize {
    let mut deflate = zlib_rs::Deflate::new(6, false, 15);
    let mut out = vec![0; 1 << 20];
    messages
        .iter()
        .map(|message| {
            let before = deflate.total_out();
            deflate.compress(message, &mut out, zlib_rs::DeflateFlush::SyncFlush).unwrap();
            (deflate.total_out() - before) as usize - 4
        })
        .sum()
}

#[test]
fn the_defaults_compress_text_within_10_percent_of_the_full_window() {
    println!("data | input | defaults | full window | defaults / full | zlib-rs full window");
    for (name, messages) in corpus::all() {
        let input: usize = messages.iter().map(Vec::len).sum();
        let defaults = compressed_size(DeflateConfig::DEFAULT, &messages);
        let full = compressed_size(DeflateConfig::FULL_WINDOW, &messages);
        let zlib_rs = zlib_rs_size(&messages);
        let percent = |n: usize| n as f64 * 100.0 / input as f64;
        let ratio = defaults as f64 / full as f64;
        println!(
            "{name} | {input} | {defaults} ({:.1}%) | {full} ({:.1}%) | {ratio:.3} | {zlib_rs} ({:.1}%)",
            percent(defaults),
            percent(full),
            percent(zlib_rs),
        );
        assert!(ratio <= 1.10, "{name}: the defaults take {ratio:.3} times the full window's bytes");
        assert!(full as f64 <= zlib_rs as f64 * 1.02, "{name}: {full} bytes, zlib-rs {zlib_rs}");
    }
}
