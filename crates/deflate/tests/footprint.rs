//! The memory a connection holds with permessage-deflate active, for each
//! window size and memory level: the compressor's and decompressor's windows
//! and tables dominate it. They are made when a direction first carries a
//! compressed message, and without context takeover released after each
//! message. At the defaults a connection holds at most 64 KiB of them.
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

fn config(bits: u8, mem_level: u8, no_takeover: bool) -> DeflateConfig {
    DeflateConfig {
        server_max_window_bits: bits,
        client_max_window_bits: bits,
        server_no_context_takeover: no_takeover,
        client_no_context_takeover: no_takeover,
        mem_level,
        ..DeflateConfig::default()
    }
}

/// Bytes one connection holds once a compressed message went each way.
fn per_connection(config: DeflateConfig, plain: usize) -> usize {
    let (both, pair) = held(|| {
        let (mut c, mut s) = negotiated(config);
        deliver(&mut c, &mut s);
        deliver(&mut s, &mut c);
        (c, s)
    });
    drop(pair);
    (both - plain) / 2
}

/// The compressor's and the decompressor's bytes, one direction.
fn one_way(config: DeflateConfig, plain: usize) -> (usize, usize) {
    // The server only sends and the client only receives, so each holds one direction.
    let (one_way, (client, server)) = held(|| {
        let (mut c, mut s) = negotiated(config);
        deliver(&mut s, &mut c);
        (c, s)
    });
    let before = live();
    drop(server);
    let compressor = (before - live()).saturating_sub(plain / 2);
    let decompressor = one_way.saturating_sub(compressor + plain);
    drop(client);
    (compressor, decompressor)
}

const KIB: f64 = 1024.0;

/// A plain `main` (`harness = false`): no libtest thread allocates while
/// the counting allocator watches.
fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let (plain, pair) = held(|| {
        let (mut c, mut s) = negotiated(DeflateConfig::default());
        // A message too short to compress: neither side makes its state.
        s.recv(&sent(&mut c, Frame::text("short")).unwrap());
        drain(&mut s);
        (c, s)
    });
    drop(pair);
    assert!(plain < 2048, "a negotiated pair that compressed nothing holds {plain} bytes");

    // The acceptance bound: both directions, at the defaults, at most 64 KiB.
    let defaults = per_connection(DeflateConfig::default(), plain);
    let full = per_connection(DeflateConfig::FULL_WINDOW, plain);
    println!(
        "defaults (13 bits, memLevel 5): {defaults} bytes per connection ({:.1} KiB)",
        defaults as f64 / KIB
    );
    println!("full window (15 bits, memLevel 8): {full} bytes per connection ({:.1} KiB)", full as f64 / KIB);
    assert!(defaults <= 64 << 10, "{defaults} bytes at the defaults");

    println!("window bits | decompressor | compressor, memLevel 5 | compressor, memLevel 8");
    let mut previous = (0, 0);
    for bits in 8..=15u8 {
        let (c5, d5) = one_way(config(bits, 5, false), plain);
        let (c8, d8) = one_way(config(bits, 8, false), plain);
        println!("{bits:>11} | {d5:>12} | {c5:>22} | {c8:>22}");
        assert!(d5.abs_diff(d8) < 256, "the memory level is the compressor's alone");
        assert!(c5 >= previous.0 && d5 >= previous.1, "a larger window never needs less memory");
        assert!(c8 > c5);
        previous = (c5, d5);
    }

    println!("both directions per connection, KiB | memLevel 1 2 3 4 5 6 7 8 9");
    for bits in 9..=15u8 {
        let mut row = format!("{bits:>2} bits |");
        let mut previous = 0;
        for mem_level in 1..=9u8 {
            let bytes = per_connection(config(bits, mem_level, false), plain);
            row += &format!(" {:>5.1}", bytes as f64 / KIB);
            assert!(bytes > previous, "a higher memory level holds more");
            previous = bytes;
        }
        println!("{row}");
    }
    let (c, d) = one_way(DeflateConfig::default(), plain);
    assert!(defaults.abs_diff(c + d) < 1024, "{defaults} per connection, {c} + {d} one way each");

    let (idle, pair) = held(|| {
        let (mut c, mut s) = negotiated(config(15, 8, true));
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
