//! `Delivery::Frames`, the Python noio_ws default: one event per data frame
//! with the frame's own type, FIN and reserved bits; the delivery mode
//! changing between messages; streamed pieces saying where they stand.

use noio_ws_codec::{OpCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, Delivery, Event, UsageError};
use noio_ws_registry::Registry;
use noio_ws_test_support::{client_frame, drain, raw_frame};

const KEY: Option<[u8; 4]> = Some([0x12, 0x34, 0x56, 0x78]);

/// Each event as the Python noio_ws shows a `Message`: `.type`, `.message`,
/// `.reserved`, plus the frame's FIN.
fn as_seed_sees_it(conn: &Connection, events: &[Event]) -> Vec<(String, Vec<u8>, [u8; 3], bool)> {
    events
        .iter()
        .map(|event| match event {
            Event::Frame(f) => {
                (conn.type_name(f.opcode).to_string(), f.payload.to_vec(), f.rsv.to_array(), f.fin)
            }
            Event::Ping(c) | Event::Pong(c) | Event::Control(c) => {
                (conn.type_name(c.opcode).to_string(), c.payload.to_vec(), c.rsv.to_array(), true)
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn frames_come_one_by_one_with_their_own_type_fin_and_reserved_bits() {
    // The seed's own extensibility: a custom data opcode, and RSV1 claimed by
    // the application.
    let mut registry = Registry::new();
    registry.opcodes.register_data(3, "latin-1").unwrap();
    registry.opcodes.register_control(11, "compare").unwrap();
    registry.claim_rsv(Rsv::RSV1).unwrap();
    let config = Config { delivery: Delivery::Frames, ..Config::default() };
    let mut server = Connection::with_registry(Role::Server, config, registry);
    let mut wire = Vec::new();
    wire.extend(raw_frame(1, b"Hel", false, Rsv::RSV1, KEY));
    wire.extend(raw_frame(9, b"are you there", true, Rsv::NONE, KEY));
    wire.extend(raw_frame(0, b"lo", false, Rsv::NONE, KEY));
    wire.extend(raw_frame(11, b"cmp", true, Rsv::NONE, KEY));
    wire.extend(raw_frame(0, b"!", true, Rsv::RSV1, KEY));
    wire.extend(raw_frame(3, b"caf\xe9", true, Rsv::NONE, KEY));
    wire.extend(raw_frame(2, b"", true, Rsv::NONE, KEY));
    server.recv(&wire);
    let (events, error) = drain(&mut server);
    assert_eq!(error, None);
    let expected: Vec<(String, Vec<u8>, [u8; 3], bool)> = vec![
        ("text".into(), b"Hel".to_vec(), [1, 0, 0], false),
        ("ping".into(), b"are you there".to_vec(), [0, 0, 0], true),
        ("continue".into(), b"lo".to_vec(), [0, 0, 0], false),
        ("compare".into(), b"cmp".to_vec(), [0, 0, 0], true),
        ("continue".into(), b"!".to_vec(), [1, 0, 0], true),
        ("latin-1".into(), b"caf\xe9".to_vec(), [0, 0, 0], true),
        ("binary".into(), Vec::new(), [0, 0, 0], true),
    ];
    assert_eq!(as_seed_sees_it(&server, &events), expected);
    let Event::Frame(last_of_text) = &events[4] else { panic!() };
    assert_eq!(last_of_text.message_opcode, OpCode::TEXT);
    assert!(last_of_text.frame_end);
}

#[test]
fn text_is_checked_across_frames() {
    let config = Config { delivery: Delivery::Frames, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    let euro = "€".as_bytes();
    server.recv(&client_frame(1, &euro[..2], false));
    server.recv(&client_frame(0, &euro[2..], true));
    let (events, error) = drain(&mut server);
    assert_eq!((events.len(), error), (2, None), "a character split between frames is fine");
    server.recv(&client_frame(1, b"ok \xff", false));
    assert!(drain(&mut server).1.is_some(), "invalid text fails as its frame arrives");
}

#[test]
fn the_delivery_mode_changes_between_messages_only() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&client_frame(2, b"whole", true));
    assert!(matches!(&drain(&mut server).0[..], [Event::Message(_)]));
    server.set_delivery(Delivery::Frames).unwrap();
    server.recv(&client_frame(2, b"part", false));
    assert!(matches!(&drain(&mut server).0[..], [Event::Frame(f)] if !f.fin));
    assert_eq!(server.set_delivery(Delivery::Streaming), Err(UsageError::DeliveryChangeMidMessage));
    server.recv(&client_frame(0, b"end", true));
    assert!(matches!(&drain(&mut server).0[..], [Event::Frame(f)] if f.fin));
    server.set_delivery(Delivery::Streaming).unwrap();
    server.recv(&client_frame(2, b"streamed", true));
    assert!(matches!(&drain(&mut server).0[..], [Event::Chunk(c)] if c.first && c.fin));
    assert_eq!(server.config().delivery, Delivery::Streaming);
}

#[test]
fn streamed_pieces_say_where_they_stand_in_frame_and_message() {
    let config = Config { delivery: Delivery::Streaming, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    let first = client_frame(2, b"abcdef", false);
    let mut events = Vec::new();
    for bytes in [&first[..first.len() - 3], &first[first.len() - 3..], &client_frame(0, b"gh", true)] {
        server.recv(bytes);
        events.extend(drain(&mut server).0);
    }
    let flags: Vec<(bool, bool, bool)> = events
        .iter()
        .map(|e| match e {
            Event::Chunk(c) => (c.first, c.frame_end, c.fin),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(flags, [(true, false, false), (false, true, false), (false, true, true)]);
}
