//! permessage-deflate through a connection at the limits' extremes: the
//! defaults let any message under the message limit through in one frame,
//! compressed or not, and "unlimited" limits neither spin nor overflow.

use noio_ws_codec::Role;
use noio_ws_connection::{Config, Connection, Delivery, Event, Frame};
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::Registry;
use noio_ws_test_support::{drain, incompressible, sent};

/// A client and a server that negotiated permessage-deflate; the client
/// compresses every message.
fn pair(config: Config) -> (Connection, Connection) {
    let mut client = Registry::new();
    let eager = DeflateConfig { threshold: 0, ..DeflateConfig::default() };
    client.extensions.push(PerMessageDeflate::new(eager)).unwrap();
    let mut server = Registry::new();
    server.extensions.push(PerMessageDeflate::new(DeflateConfig::default())).unwrap();
    let responses = server.extensions.server_negotiate(&client.extensions.client_offers()).unwrap();
    client.extensions.client_negotiate(&responses).unwrap();
    (
        Connection::with_registry(Role::Client, config, client).with_mask_seed(11),
        Connection::with_registry(Role::Server, config, server),
    )
}

/// The data bytes of `events`, joined.
fn data(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .flat_map(|e| match e {
            Event::Message(m) => m.payload.to_vec(),
            Event::Chunk(c) => c.payload.to_vec(),
            Event::Frame(f) => f.payload.to_vec(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_compressed_message_under_the_limit_passes_in_one_frame_at_the_defaults() {
    // 16 MiB that does not compress, as Python websockets and Node's ws send
    // it: one frame, longer on the wire than the message.
    let message = incompressible(16 << 20);
    for delivery in [Delivery::WholeMessages, Delivery::Streaming] {
        let (mut client, mut server) = pair(Config { delivery, ..Config::default() });
        let wire = sent(&mut client, Frame::binary(message.clone())).unwrap();
        assert!(wire.len() > 16 << 20, "{} bytes on the wire", wire.len());
        server.recv(&wire);
        let (events, error) = drain(&mut server);
        assert_eq!(error, None, "{delivery:?}");
        assert!(data(&events) == message, "{delivery:?}");
    }
}

#[test]
fn the_default_frame_limit_holds_a_message_at_the_limit_in_stored_blocks() {
    // DEFLATE's stored blocks carry at most 65,535 bytes behind a 5-byte
    // header; the sync flush adds an empty one (1 byte is left once its
    // 0x00 0x00 0xff 0xff is taken off). Compressors use smaller blocks too:
    // the allowance covers blocks down to 8 KiB.
    let limit = Config::DEFAULT.max_message_len;
    let stored = |block: u64| limit + limit.div_ceil(block) * 5 + 1;
    assert!(stored(65_535) <= Config::DEFAULT.max_frame_len);
    assert!(stored(8 << 10) <= Config::DEFAULT.max_frame_len);
}

#[test]
fn unlimited_limits_with_deflate_deliver_in_every_mode() {
    let text = "unlimited, and compressed all the same. ".repeat(2000);
    for delivery in [Delivery::WholeMessages, Delivery::Frames, Delivery::Streaming] {
        for max_chunk_len in [0, 1, 1000, usize::MAX] {
            let config = Config {
                max_message_len: u64::MAX,
                max_frame_len: u64::MAX,
                max_chunk_len,
                delivery,
                ..Config::default()
            };
            let (mut client, mut server) = pair(config);
            server.recv(&sent(&mut client, Frame::text(text.clone())).unwrap());
            let (events, error) = drain(&mut server);
            assert_eq!(error, None, "{delivery:?}, chunks of {max_chunk_len}");
            assert!(data(&events) == text.as_bytes(), "{delivery:?}, chunks of {max_chunk_len}");
            if delivery != Delivery::WholeMessages && max_chunk_len <= 1 {
                // A byte per event (0 is taken as 1), and the end may come alone.
                assert!(events.len() >= text.len(), "{} events", events.len());
                assert!(events.iter().all(|e| match e {
                    Event::Chunk(c) => c.payload.len() <= 1,
                    Event::Frame(f) => f.payload.len() <= 1,
                    _ => false,
                }));
            }
            if delivery == Delivery::Frames {
                // One frame on the wire: its pieces say so, and only the last ends it.
                let ends: Vec<bool> =
                    events.iter().map(|e| matches!(e, Event::Frame(f) if f.frame_end)).collect();
                assert_eq!(ends.iter().filter(|&&end| end).count(), 1);
                assert_eq!(ends.last(), Some(&true));
            }
        }
    }
}
