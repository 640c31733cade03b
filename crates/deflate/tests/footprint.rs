//! The memory a connection holds with permessage-deflate active, both
//! directions, for each window size: zlib's state dominates it.
//!
//! One test in this binary, so the counting allocator sees only this test.

use noio_ws_codec::Role;
use noio_ws_connection::{Config, Connection, Frame};
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::Registry;
use noio_ws_test_support::drain;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

fn live() -> usize {
    dhat::HeapStats::get().curr_bytes
}

/// A negotiated client and server, each having sent and received a message.
fn exchanged(config: DeflateConfig) -> (Connection, Connection) {
    let mut client = Registry::new();
    client.extensions.push(PerMessageDeflate::new(config)).unwrap();
    let mut server = Registry::new();
    server.extensions.push(PerMessageDeflate::new(config)).unwrap();
    let responses = server.extensions.server_negotiate(&client.extensions.client_offers()).unwrap();
    client.extensions.client_negotiate(&responses).unwrap();
    let mut c = Connection::with_registry(Role::Client, Config::default(), client).with_mask_seed(9);
    let mut s = Connection::with_registry(Role::Server, Config::default(), server);
    let text = "a message long enough to be compressed, ".repeat(20);
    s.recv(&c.send(Frame::text(text.clone())).unwrap());
    c.recv(&s.send(Frame::text(text)).unwrap());
    drain(&mut s);
    drain(&mut c);
    (c, s)
}

#[test]
fn memory_per_connection_by_window_size() {
    let _profiler = dhat::Profiler::builder().testing().build();
    println!("window bits | held per connection (both directions)");
    let mut previous = 0;
    for bits in 9..=15u8 {
        let config = DeflateConfig {
            server_max_window_bits: bits,
            client_max_window_bits: bits,
            ..DeflateConfig::default()
        };
        let before = live();
        let (client, server) = exchanged(config);
        let per_connection = (live() - before) / 2;
        println!("{bits:>11} | {per_connection} bytes");
        assert!(per_connection >= previous, "a larger window never needs less memory");
        assert!(per_connection < 512 << 10, "{per_connection} bytes at window {bits}");
        previous = per_connection;
        drop((client, server));
    }
    let no_takeover = DeflateConfig {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    let before = live();
    let pair = exchanged(no_takeover);
    println!("15, no context takeover | {} bytes", (live() - before) / 2);
    drop(pair);
}
