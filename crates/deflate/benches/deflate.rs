//! permessage-deflate throughput on text-like messages of 1 KiB and 64 KiB,
//! at the default windows with context takeover on and off, beside
//! miniz_oxide (flate2's default backend) doing the same raw DEFLATE work at
//! the same level in the same run. For deterministic figures, count
//! instructions with `benches/instructions.rs` instead.
//! `cargo xtask bench --deflate-backends` compares the backends flate2 can
//! be built on (zlib-rs, C zlib, miniz_oxide) doing exactly our work.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, OpCode, Rsv};
use noio_ws_deflate::PerMessageDeflate;
use noio_ws_registry::Extension;

#[path = "support/text_like.rs"]
mod text_like;
use text_like::text;

/// A server-side extension negotiated with or without context takeover,
/// with the defaults' 13-bit windows and memory level.
fn negotiated(takeover: bool) -> PerMessageDeflate {
    noio_ws_deflate::fuzz::symmetric_server(!takeover, Some(13))
}

fn compression(c: &mut Criterion) {
    let mut group = c.benchmark_group("compress");
    for len in [1024usize, 64 * 1024] {
        let input = text(len);
        group.throughput(Throughput::Bytes(len as u64));
        for takeover in [true, false] {
            let name = if takeover { "noio-ws takeover" } else { "noio-ws no takeover" };
            let mut deflate = negotiated(takeover);
            let mut out = BytesMut::with_capacity(len);
            group.bench_with_input(BenchmarkId::new(name, len), &input, |b, input| {
                b.iter(|| {
                    out.clear();
                    deflate.begin_encode(OpCode::TEXT, Some(input.len())).unwrap();
                    deflate.encode(input, true, &mut out).unwrap();
                    black_box(&out);
                })
            });
        }
        group.bench_with_input(BenchmarkId::new("miniz_oxide", len), &input, |b, input| {
            b.iter(|| black_box(miniz_oxide::deflate::compress_to_vec(input, 6)))
        });
    }
    group.finish();
}

fn decompression(c: &mut Criterion) {
    let mut group = c.benchmark_group("decompress");
    for len in [1024usize, 64 * 1024] {
        let input = text(len);
        group.throughput(Throughput::Bytes(len as u64));
        for takeover in [true, false] {
            // Messages compressed without context takeover, so each decodes alone.
            let mut sender = negotiated(false);
            let mut compressed = BytesMut::new();
            sender.begin_encode(OpCode::TEXT, Some(len)).unwrap();
            sender.encode(&input, true, &mut compressed).unwrap();
            let name = if takeover { "noio-ws takeover" } else { "noio-ws no takeover" };
            let mut receiver = negotiated(takeover);
            let header = FrameHeader::new(OpCode::TEXT, compressed.len() as u64).with_rsv(Rsv::RSV1);
            let mut out = BytesMut::with_capacity(len);
            group.bench_with_input(BenchmarkId::new(name, len), &compressed, |b, compressed| {
                b.iter(|| {
                    out.clear();
                    receiver.begin_decode(&header).unwrap();
                    let progress = receiver.decode(compressed, true, &mut out, usize::MAX).unwrap();
                    assert!(progress.drained && out.len() == len);
                })
            });
        }
        let whole = miniz_oxide::deflate::compress_to_vec(&input, 6);
        group.bench_with_input(BenchmarkId::new("miniz_oxide", len), &whole, |b, whole| {
            b.iter(|| black_box(miniz_oxide::inflate::decompress_to_vec(whole).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, compression, decompression);
criterion_main!(benches);
