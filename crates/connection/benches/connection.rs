//! A server connection receiving a client's messages from memory, beside
//! tungstenite's `WebSocket` reading the same bytes in the same run.
//!
//! Both get the bytes in 64 KiB reads (tungstenite through `Read` on a
//! cursor, ours through `recv`), validate everything the protocol asks
//! (masking, UTF-8 of text) and hand each message out owned.

use std::hint::black_box;
use std::io::{self, Cursor, Read, Write};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use noio_ws_codec::Role;
use noio_ws_connection::{Config, Connection, Event, Frame};
use tungstenite::protocol::{Role as TungsteniteRole, WebSocket};

const READ: usize = 64 * 1024;

/// What a client sends: `count` messages of `len` bytes, text or binary.
fn client_stream(count: usize, len: usize, text: bool) -> Vec<u8> {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(5);
    let mut wire = Vec::new();
    for i in 0..count {
        let frame = if text {
            Frame::text("abcdefghijklmnopqrstuvwxyz".repeat(len / 26 + 1)[..len].to_string())
        } else {
            Frame::binary(vec![i as u8; len])
        };
        client.send(frame).unwrap();
        while let Some(part) = client.poll_output() {
            wire.extend_from_slice(&part);
        }
    }
    wire
}

/// A transport that reads from memory in `READ`-sized pieces and discards writes.
struct Memory(Cursor<Vec<u8>>);

impl Read for Memory {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(READ);
        self.0.read(&mut buf[..n])
    }
}

impl Write for Memory {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn receiving(c: &mut Criterion) {
    let mut group = c.benchmark_group("receive");
    let config = Config { max_frame_len: 64 << 20, ..Config::default() };
    for (name, count, len, text) in
        [("10000 x 16 B text", 10_000, 16, true), ("4 x 1 MiB binary", 4, 1 << 20, false)]
    {
        let wire = client_stream(count, len, text);
        group.throughput(Throughput::Bytes(wire.len() as u64));
        group.bench_with_input(BenchmarkId::new("noio-ws Connection", name), &wire, |b, wire| {
            b.iter(|| {
                let mut server = Connection::new(Role::Server, config);
                let mut messages = 0;
                for read in wire.chunks(READ) {
                    server.recv(read);
                    loop {
                        match server.next_event().unwrap() {
                            Event::Message(m) => {
                                black_box(m);
                                messages += 1;
                            }
                            Event::NeedData => break,
                            other => panic!("{other:?}"),
                        }
                    }
                }
                assert_eq!(messages, count);
            })
        });
        group.bench_with_input(BenchmarkId::new("tungstenite WebSocket", name), &wire, |b, wire| {
            b.iter(|| {
                let memory = Memory(Cursor::new(wire.clone()));
                let mut socket = WebSocket::from_raw_socket(memory, TungsteniteRole::Server, None);
                for _ in 0..count {
                    black_box(socket.read().unwrap());
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, receiving);
criterion_main!(benches);
