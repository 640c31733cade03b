//! The most memory one connection can be made to hold at the default
//! configuration, for the worst inputs we know, with and without
//! permessage-deflate, measured with a counting allocator (dhat). The figures
//! are in `docs/memory.md`; this test keeps them true.
//!
//! Every input is made before counting starts, then fed as a socket would
//! give it: in the reads [`Connection::recv_with`] asks for (up to 64 KiB).
//! What the application is handed is dropped at once, so the peak is what
//! the connection itself holds.
//!
//! One test in this binary, so the counting allocator sees only this test.

use noio_ws::{
    Config, Connection, DeflateConfig, Delivery, Event, Frame, PerMessageDeflate, ProtocolError, Registry,
    Role,
};
use noio_ws_test_support::{client_frame, incompressible, sent};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const MIB: usize = 1 << 20;
const KIB: usize = 1 << 10;

/// The message limit at the defaults.
const LIMIT: usize = Config::DEFAULT.max_message_len as usize;

/// What a connection may hold on top of the data it must hold: a read's
/// worth of input (64 KiB) and bookkeeping.
const SLACK: usize = 160 * KIB;

/// What zlib-rs's inflate state and 32 KiB window take (measured at about
/// 46 KiB in `crates/deflate/tests/footprint.rs`).
const INFLATE_STATE: usize = 64 * KIB;

/// Feeds `wire` to `conn` in the reads it asks for, handing each event to
/// `seen` and dropping it; returns the peak bytes allocated meanwhile and
/// the error, if the connection failed.
fn peak(conn: &mut Connection, wire: &[u8], mut seen: impl FnMut(&Event)) -> (usize, Option<ProtocolError>) {
    let profiler = dhat::Profiler::builder().testing().build();
    let mut rest = wire;
    let mut error = None;
    while !rest.is_empty() && error.is_none() {
        conn.recv_with(|buf| {
            let n = buf.len().min(rest.len());
            buf[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            Ok::<_, ()>(n)
        })
        .unwrap();
        loop {
            match conn.next_event() {
                Ok(Event::NeedData) => break,
                Ok(event) => seen(&event),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    let peak = dhat::HeapStats::get().max_bytes;
    drop(profiler);
    (peak, error)
}

/// A server and a client that negotiated permessage-deflate at its defaults.
fn deflate_pair(config: Config) -> (Connection, Connection) {
    let mut client = Registry::new();
    client
        .extensions
        .push(PerMessageDeflate::new(DeflateConfig { threshold: 0, ..DeflateConfig::default() }))
        .unwrap();
    let mut server = Registry::new();
    server.extensions.push(PerMessageDeflate::new(DeflateConfig::default())).unwrap();
    let responses = server.extensions.server_negotiate(&client.extensions.client_offers()).unwrap();
    client.extensions.client_negotiate(&responses).unwrap();
    (
        Connection::with_registry(Role::Client, config, client).with_mask_seed(5),
        Connection::with_registry(Role::Server, config, server),
    )
}

/// Counts delivered data bytes.
fn data_len(event: &Event) -> usize {
    match event {
        Event::Message(m) => m.payload.len(),
        Event::Chunk(c) => c.payload.len(),
        _ => 0,
    }
}

fn report(case: &str, peak: usize, bound: usize) {
    println!("{case}: peak {} KiB (bound {} KiB)", peak / KIB, bound / KIB);
    assert!(peak <= bound, "{case}: peak {peak} bytes over the bound {bound}");
}

/// A plain `main` (`harness = false`): no libtest thread allocates while
/// the counting allocator watches.
fn main() {
    let config = Config::default();

    // A message at the limit in one frame: held once, as it arrives.
    let wire = client_frame(2, &vec![7; LIMIT], true);
    let mut server = Connection::new(Role::Server, config);
    let mut got = 0;
    let (held, error) = peak(&mut server, &wire, |e| got += data_len(e));
    assert_eq!((error, got), (None, LIMIT));
    report("one 64 MiB frame", held, LIMIT + SLACK);
    drop(wire);

    // The same message in 1 MiB fragments: joined once, frames taken as they come.
    let mut wire = Vec::new();
    for i in 0..64 {
        let opcode = if i == 0 { 2 } else { 0 };
        wire.extend_from_slice(&client_frame(opcode, &vec![i as u8; MIB], i == 63));
    }
    let mut server = Connection::new(Role::Server, config);
    let mut got = 0;
    let (held, error) = peak(&mut server, &wire, |e| got += data_len(e));
    assert_eq!((error, got), (None, LIMIT));
    report("64 MiB in 1 MiB fragments", held, LIMIT + SLACK);
    drop(wire);

    // Headers declaring the largest frame, then one byte: a connection
    // holds what arrived, not what was declared.
    let mut wire = client_frame(2, &vec![0; LIMIT], true);
    wire.truncate(14 + 1);
    let mut servers: Vec<Connection> = (0..100).map(|_| Connection::new(Role::Server, config)).collect();
    let profiler = dhat::Profiler::builder().testing().build();
    for server in &mut servers {
        server
            .recv_with(|buf| {
                buf[..wire.len()].copy_from_slice(&wire);
                Ok::<_, ()>(wire.len())
            })
            .unwrap();
        assert_eq!(server.next_event(), Ok(Event::NeedData));
    }
    // Then one more byte each: the next read is sized by what reads
    // brought (little), never by the frame's declared length.
    for server in &mut servers {
        server
            .recv_with(|buf| {
                buf[0] = 0;
                Ok::<_, ()>(1)
            })
            .unwrap();
        assert_eq!(server.next_event(), Ok(Event::NeedData));
    }
    let held = dhat::HeapStats::get().max_bytes;
    drop(profiler);
    // Each holds the reads it lent (4 KiB), not 64 MiB, nor a 64 KiB read.
    report("100 connections, each a 64 MiB header and 2 bytes in two reads", held, 100 * 5 * KIB);
    drop(servers);

    // A flood of pings from a peer that never reads: at most 1 KiB of pongs
    // and the latest ping's wait.
    let wire: Vec<u8> = (0..100_000u32).flat_map(|i| client_frame(9, &i.to_be_bytes(), true)).collect();
    let mut server = Connection::new(Role::Server, config);
    let (held, error) = peak(&mut server, &wire, |_| {});
    assert_eq!(error, None);
    assert!(server.queued_output_len() <= KIB + 12, "{} bytes queued", server.queued_output_len());
    report("100,000 pings never answered", held, SLACK);
    drop(wire);

    // With deflate: a bomb, 256 MiB of zeros in about 256 KiB, refused at
    // the limit having inflated at most the limit.
    let (mut client, mut server) = deflate_pair(config);
    let wire = sent(&mut client, Frame::binary(vec![0; 256 * MIB])).unwrap();
    assert!(wire.len() < MIB, "{} bytes", wire.len());
    let (held, error) = peak(&mut server, &wire, |_| {});
    assert_eq!(error, Some(ProtocolError::MessageTooLong { max: LIMIT as u64 }));
    report("a 256 MiB deflate bomb", held, LIMIT + INFLATE_STATE + SLACK);
    drop(wire);

    // With deflate: a message at the limit that does not compress, in one
    // frame (longer than the limit on the wire): inflated as it arrives.
    let (mut client, mut server) = deflate_pair(config);
    let wire = sent(&mut client, Frame::binary(incompressible(LIMIT))).unwrap();
    assert!(wire.len() > LIMIT, "stored blocks make it {} bytes", wire.len());
    let mut got = 0;
    let (held, error) = peak(&mut server, &wire, |e| got += data_len(e));
    assert_eq!((error, got), (None, LIMIT));
    report("64 MiB incompressible in one compressed frame", held, LIMIT + INFLATE_STATE + SLACK);
    drop(wire);

    // Streaming delivery holds a chunk, not the message, even for a bomb.
    let streaming = Config { delivery: Delivery::Streaming, max_message_len: u64::MAX, ..config };
    let (mut client, mut server) = deflate_pair(streaming);
    let wire = sent(&mut client, Frame::binary(vec![0; 256 * MIB])).unwrap();
    let mut got = 0;
    let (held, error) = peak(&mut server, &wire, |e| got += data_len(e));
    assert_eq!((error, got), (None, 256 * MIB));
    report("a 256 MiB bomb, streamed", held, config.max_chunk_len + INFLATE_STATE + SLACK);
}
