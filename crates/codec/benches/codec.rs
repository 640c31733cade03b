//! Codec benchmarks, each beside a baseline measured in the same run:
//! masking (in place and while copying) beside `memcpy` of the same bytes; decoding beside tungstenite's
//! `FrameSocket` reading the same bytes, or beside the bare copy.
//!
//! Every decoder gets its input in 64 KiB reads and copies it once (ours
//! into the `BytesMut` a connection would receive into, tungstenite into its
//! read buffer), then parses every frame and hands its payload out owned.
//! `FrameSocket` never unmasks (its frames keep the mask for the caller), so
//! it is compared only on unmasked, server-to-client frames; masked frames,
//! which we unmask, are compared with the copy alone, the floor any decoder
//! pays.

use std::hint::black_box;
use std::io::Read;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use noio_ws_codec::{
    FrameDecoder, FrameEncoder, FrameHeader, Mask, OpCode, Role, apply_mask, apply_mask_copy,
};
use tungstenite::protocol::frame::FrameSocket;

const KEY: Mask = Mask([0x37, 0xfa, 0x21, 0x3d]);

/// `count` binary frames of `len` bytes each, as `role` would send them.
fn stream(role: Role, count: usize, len: usize) -> Vec<u8> {
    let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
    let mask = (role == Role::Client).then_some(KEY);
    let header = FrameHeader::new(OpCode::BINARY, len as u64).with_mask(mask);
    let mut out = BytesMut::new();
    for _ in 0..count {
        FrameEncoder::new(role).encode(&header, &payload, &mut out).unwrap();
    }
    out.to_vec()
}

fn masking(c: &mut Criterion) {
    let mut group = c.benchmark_group("mask");
    for size in [16usize, 125, 1024, 65536, 1 << 20] {
        let src = vec![0xA5u8; size];
        let mut dst = vec![0u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("noio-ws apply_mask", size), &size, |b, _| {
            b.iter(|| apply_mask(black_box(&mut dst), KEY, 0))
        });
        group.bench_with_input(BenchmarkId::new("noio-ws apply_mask_copy", size), &size, |b, _| {
            b.iter(|| apply_mask_copy(black_box(&mut dst), black_box(&src), KEY, 0))
        });
        group.bench_with_input(BenchmarkId::new("memcpy", size), &size, |b, _| {
            b.iter(|| black_box(&mut dst).copy_from_slice(black_box(&src)))
        });
    }
    group.finish();
}

/// Socket-sized reads: how bytes reach a decoder in a real receive loop.
const READ: usize = 64 * 1024;

/// A reader handing out at most `READ` bytes per call, like a socket.
struct Reads<'a>(&'a [u8]);

impl Read for Reads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(READ).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn decoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    let cases = [("10000 x 16 B", 10_000, 16), ("4 x 1 MiB", 4, 1 << 20)];
    for (role, (name, count, len)) in
        [Role::Server, Role::Client].into_iter().flat_map(|r| cases.map(|c| (r, c)))
    {
        let wire = stream(role, count, len);
        let name = format!("{name} {}", if role == Role::Client { "masked" } else { "unmasked" });
        group.throughput(Throughput::Bytes(wire.len() as u64));
        // Our receive buffer lives as long as the connection would; once the
        // frames split from it are dropped, it reuses its allocation.
        let mut buf = BytesMut::with_capacity(READ);
        group.bench_with_input(BenchmarkId::new("noio-ws FrameDecoder", &name), &wire, |b, wire| {
            b.iter(|| {
                let mut decoder = FrameDecoder::new();
                let mut n = 0;
                for read in wire.chunks(READ) {
                    buf.extend_from_slice(read);
                    while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                        n += black_box(frame.payload).len();
                    }
                }
                assert_eq!(n, count * len);
            })
        });
        group.bench_with_input(BenchmarkId::new("noio-ws decode_chunk", &name), &wire, |b, wire| {
            b.iter(|| {
                let mut decoder = FrameDecoder::new();
                let mut n = 0;
                for read in wire.chunks(READ) {
                    buf.extend_from_slice(read);
                    while let Some(chunk) = decoder.decode_chunk(&mut buf).unwrap() {
                        n += black_box(chunk.payload).len();
                    }
                }
                assert_eq!(n, count * len);
            })
        });
        if role == Role::Server {
            group.bench_with_input(BenchmarkId::new("tungstenite FrameSocket", &name), &wire, |b, wire| {
                b.iter(|| {
                    let mut socket = FrameSocket::new(Reads(wire));
                    let mut n = 0;
                    while let Some(frame) = socket.read(None).unwrap() {
                        n += black_box(frame.into_payload()).len();
                    }
                    assert_eq!(n, count * len);
                })
            });
        } else {
            // The copy in 64 KiB reads and nothing else: no parsing, no unmasking.
            let mut copy = BytesMut::with_capacity(wire.len());
            group.bench_with_input(BenchmarkId::new("copy only", &name), &wire, |b, wire| {
                b.iter(|| {
                    for read in wire.chunks(READ) {
                        copy.extend_from_slice(read);
                    }
                    black_box(copy.split().freeze());
                })
            });
        }
    }
    group.finish();
}

fn encoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let payload = [0x42u8; 16];
    group.throughput(Throughput::Bytes(10_000 * 16));
    group.bench_function("noio-ws client 10000 x 16 B", |b| {
        let header = FrameHeader::new(OpCode::BINARY, 16).with_mask(Some(KEY));
        let mut out = BytesMut::with_capacity(10_000 * 22);
        b.iter(|| {
            out.clear();
            for _ in 0..10_000 {
                FrameEncoder::new(Role::Client).encode(&header, &payload, &mut out).unwrap();
            }
            black_box(&out);
        })
    });
    // One large masked frame: the payload masked on its way into the buffer.
    for size in [65536usize, 1 << 20] {
        let payload = vec![0x42u8; size];
        let header = FrameHeader::new(OpCode::BINARY, size as u64).with_mask(Some(KEY));
        let mut out = BytesMut::with_capacity(size + 14);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("noio-ws client 1 frame", size), &size, |b, _| {
            b.iter(|| {
                out.clear();
                FrameEncoder::new(Role::Client).encode(&header, black_box(&payload), &mut out).unwrap();
                black_box(&out);
            })
        });
    }
    group.throughput(Throughput::Bytes(10_000 * 16));
    group.bench_function("noio-ws server header 10000 x 16 B", |b| {
        let header = FrameHeader::new(OpCode::BINARY, 16);
        let mut out = BytesMut::with_capacity(10_000 * 2);
        b.iter(|| {
            out.clear();
            for _ in 0..10_000 {
                FrameEncoder::new(Role::Server).encode_header(&header, &mut out).unwrap();
            }
            black_box(&out);
        })
    });
    group.finish();
}

criterion_group!(benches, masking, decoding, encoding);
criterion_main!(benches);
