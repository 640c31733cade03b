//! The memory a connection holds with permessage-deflate active, for each
//! window size: zlib's state dominates it. It is made when a direction first
//! carries a compressed message, and without context takeover it is released
//! after each message.
//!
//! One test in this binary, so the counting allocator sees only this test.

use noio_ws_codec::Role;
use noio_ws_connection::{Config, Connection, Frame};
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::Registry;
use noio_ws_test_support::{drain, sent};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

fn live() -> usize {
    dhat::HeapStats::get().curr_bytes
}

/// A negotiated client and server.
fn negotiated(config: DeflateConfig) -> (Connection, Connection) {
    let mut client = Registry::new();
    client.extensions.push(PerMessageDeflate::new(config)).unwrap();
    let mut server = Registry::new();
    server.extensions.push(PerMessageDeflate::new(config)).unwrap();
    let responses = server.extensions.server_negotiate(&client.extensions.client_offers()).unwrap();
    client.extensions.client_negotiate(&responses).unwrap();
    let c = Connection::with_registry(Role::Client, Config::default(), client).with_mask_seed(9);
    let s = Connection::with_registry(Role::Server, Config::default(), server);
    (c, s)
}

fn message() -> Frame {
    Frame::text("a message long enough to be compressed, ".repeat(20))
}

/// Sends one compressed message from `from` to `to`, and drains `to`.
fn deliver(from: &mut Connection, to: &mut Connection) {
    to.recv(&sent(from, message()).unwrap());
    let (events, error) = drain(to);
    assert!(events.len() == 1 && error.is_none());
}

/// Bytes held by what `make` builds and keeps.
fn held<T>(make: impl FnOnce() -> T) -> (usize, T) {
    let before = live();
    let kept = make();
    (live() - before, kept)
}

fn config(bits: u8, no_takeover: bool) -> DeflateConfig {
    DeflateConfig {
        server_max_window_bits: bits,
        client_max_window_bits: bits,
        server_no_context_takeover: no_takeover,
        client_no_context_takeover: no_takeover,
        ..DeflateConfig::default()
    }
}

#[test]
fn memory_per_connection_by_window_size() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let (plain, pair) = held(|| {
        let (mut c, mut s) = negotiated(config(15, false));
        // A message too short to compress: neither side makes zlib's state.
        s.recv(&sent(&mut c, Frame::text("short")).unwrap());
        drain(&mut s);
        (c, s)
    });
    drop(pair);
    assert!(plain < 2048, "a negotiated pair that compressed nothing holds {plain} bytes");

    println!("window bits | compressor | decompressor | both directions (per connection)");
    let mut previous = 0;
    for bits in 8..=15u8 {
        // The server only sends and the client only receives, so each holds one direction.
        let (one_way, (client, server)) = held(|| {
            let (mut c, mut s) = negotiated(config(bits, false));
            deliver(&mut s, &mut c);
            (c, s)
        });
        let before = live();
        drop(server);
        let compressor = (before - live()).saturating_sub(plain / 2);
        let decompressor = one_way.saturating_sub(compressor + plain);
        drop(client);
        let (both, pair) = held(|| {
            let (mut c, mut s) = negotiated(config(bits, false));
            deliver(&mut c, &mut s);
            deliver(&mut s, &mut c);
            (c, s)
        });
        let per_connection = (both - plain) / 2;
        println!("{bits:>11} | {compressor:>10} | {decompressor:>12} | {per_connection}");
        // Within the small read buffer each connection keeps for its next
        // read (under 4 KiB, and here about one message): windows 8 and 9
        // share zlib's 9-bit state, so only that buffer tells them apart.
        assert!(per_connection + 1024 >= previous, "a larger window never needs less memory");
        assert!(per_connection < 512 << 10, "{per_connection} bytes at window {bits}");
        assert!(per_connection.abs_diff(compressor + decompressor) < 1024);
        previous = per_connection;
        drop(pair);
    }

    let (idle, pair) = held(|| {
        let (mut c, mut s) = negotiated(config(15, true));
        for _ in 0..3 {
            deliver(&mut c, &mut s);
            deliver(&mut s, &mut c);
        }
        (c, s)
    });
    println!("15, no context takeover, idle after messages | {} bytes", idle.saturating_sub(plain) / 2);
    // Beyond the plain pair, at most the read buffers each end keeps for its
    // next read (4 KiB each), and none of zlib's state (tens of KiB).
    assert!(
        idle <= plain + 2 * (4 << 10),
        "without context takeover an idle pair holds {idle} bytes, {plain} plain"
    );
    drop(pair);
}
