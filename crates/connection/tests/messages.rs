//! Messages both ways: whole and streamed, fragmented with control frames in
//! between, custom opcodes and reserved bits, the send rules, and the ways of
//! handing bytes in and out.

use std::time::Duration;

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{OpCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, Delivery, Event, Frame, Message, MessageChunk, UsageError};
use noio_ws_registry::Registry;
use noio_ws_test_support::{Pair, client_frame, drain, sent};

fn message(events: &[Event]) -> &Message {
    match events {
        [Event::Message(m)] => m,
        other => panic!("expected one message, got {other:?}"),
    }
}

#[test]
fn text_and_binary_round_trip_both_ways() {
    let mut pair = Pair::new(Config::default());
    let events = pair.client_sends(Frame::text("héllo")).unwrap();
    assert_eq!(message(&events).as_text(), Some("héllo"));
    let events = pair.server_sends(Frame::binary(vec![0, 1, 2, 255])).unwrap();
    let m = message(&events);
    assert_eq!((m.opcode, &m.payload[..]), (OpCode::BINARY, &[0, 1, 2, 255][..]));
    assert_eq!(m.as_text(), None);
}

#[test]
fn fragments_join_and_pings_between_them_are_answered() {
    let mut pair = Pair::new(Config::default());
    assert!(pair.client_sends(Frame::text("Hel").with_fin(false)).unwrap().is_empty());
    let events = pair.client_sends(Frame::ping("are you there")).unwrap();
    assert!(matches!(&events[..], [Event::Ping(p)] if &p.payload[..] == b"are you there"));
    let events = pair.client_sends(Frame::continuation("lo", true)).unwrap();
    assert_eq!(message(&events).as_text(), Some("Hello"));
    // The automatic pong reached the client.
    let (events, _) = drain(&mut pair.client);
    assert!(matches!(&events[..], [Event::Pong(p)] if &p.payload[..] == b"are you there"));
}

#[test]
fn streaming_hands_out_pieces_as_they_arrive() {
    let config = Config { delivery: Delivery::Streaming, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    let mut bytes = client_frame(1, b"first part, ", false);
    bytes.extend(client_frame(0, b"second part", true));
    let mut chunks: Vec<MessageChunk> = Vec::new();
    for piece in bytes.chunks(7) {
        server.recv(piece);
        let (events, error) = drain(&mut server);
        assert_eq!(error, None);
        chunks.extend(events.into_iter().map(|e| match e {
            Event::Chunk(c) => c,
            other => panic!("{other:?}"),
        }));
    }
    assert!(chunks.len() > 2, "pieces came as they arrived");
    assert!(chunks[0].first && chunks.iter().skip(1).all(|c| !c.first));
    assert!(chunks.last().unwrap().fin && chunks.iter().rev().skip(1).all(|c| !c.fin));
    assert!(chunks.iter().all(|c| c.opcode == OpCode::TEXT));
    let text: Vec<u8> = chunks.iter().flat_map(|c| c.payload.iter().copied()).collect();
    assert_eq!(text, b"first part, second part");
}

#[test]
fn an_empty_message_is_one_event() {
    let mut pair = Pair::new(Config::default());
    assert_eq!(message(&pair.client_sends(Frame::binary(Bytes::new())).unwrap()).payload.len(), 0);
    let config = Config { delivery: Delivery::Streaming, ..Config::default() };
    let mut pair = Pair::new(config);
    let events = pair.client_sends(Frame::text("")).unwrap();
    assert!(matches!(&events[..], [Event::Chunk(c)] if c.first && c.fin && c.payload.is_empty()));
}

/// The Python noio_ws example: `Connection('SERVER', {3: 'latin-1'}, {11: 'compare'})`,
/// and a frame with `rsv_1=1` that the application compresses itself.
#[test]
fn seed_example_custom_opcodes_and_reserved_bits() {
    let registry = || {
        let mut r = Registry::new();
        r.opcodes.register_data(3, "latin-1").unwrap();
        r.opcodes.register_control(11, "compare").unwrap();
        r.claim_rsv(Rsv::RSV1).unwrap();
        r
    };
    let mut pair = Pair::with_registries(Config::default(), registry(), registry());

    let latin1 = pair.client.frame("latin-1", &b"caf\xe9"[..]).unwrap().with_rsv(Rsv::RSV1);
    let events = pair.client_sends(latin1).unwrap();
    let m = message(&events);
    assert_eq!(pair.server.type_name(m.opcode), "latin-1");
    assert_eq!((m.rsv.to_array(), &m.payload[..]), ([1, 0, 0], &b"caf\xe9"[..]));

    let compare = pair.client.frame("compare", "abc").unwrap();
    let events = pair.client_sends(compare).unwrap();
    assert!(matches!(&events[..], [Event::Control(c)] if c.opcode.value() == 11 && &c.payload[..] == b"abc"));

    assert_eq!(pair.client.frame("nope", "").unwrap_err(), UsageError::UnknownOpcodeName("nope".into()));
}

#[test]
fn send_rules() {
    let mut conn = Connection::new(Role::Server, Config::default());
    let reserved = OpCode::new(4).unwrap();
    assert_eq!(conn.send(Frame::new(reserved, "x")), Err(UsageError::UnknownOpcode(reserved)));
    let with_rsv = Frame::text("x").with_rsv(Rsv::RSV2);
    assert_eq!(conn.send(with_rsv), Err(UsageError::UnclaimedReservedBits(Rsv::RSV2)));
    let long_ping = Frame::ping(vec![0; 126]);
    assert_eq!(conn.send(long_ping), Err(UsageError::InvalidControlFrame { opcode: OpCode::PING, len: 126 }));
    let split_pong = Frame::pong("x").with_fin(false);
    assert!(matches!(conn.send(split_pong), Err(UsageError::InvalidControlFrame { .. })));
    assert_eq!(conn.send(Frame::continuation("x", true)), Err(UsageError::NoMessageToContinue));
    conn.send(Frame::binary("a").with_fin(false)).unwrap();
    assert_eq!(conn.send(Frame::text("b")), Err(UsageError::MessageInProgress(OpCode::TEXT)));
    conn.send(Frame::ping("between fragments")).unwrap();
    conn.send(Frame::continuation("c", true)).unwrap();
    let bad_close = Frame::new(OpCode::CLOSE, &[0x03u8][..]);
    assert!(matches!(conn.send(bad_close), Err(UsageError::ClosePayload(_))));
}

#[test]
fn a_servers_payload_is_never_copied() {
    let mut conn = Connection::new(Role::Server, Config::default());
    let payload = Bytes::from(vec![7u8; 100_000]);
    conn.send(Frame::binary(payload.clone())).unwrap();
    let head = conn.poll_output().expect("the header");
    let body = conn.poll_output().expect("the payload, as its own part");
    assert_eq!(conn.poll_output(), None);
    assert_eq!(&head[..], [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0x86, 0xA0]);
    assert_eq!(body.as_ptr(), payload.as_ptr(), "the same bytes, not a copy");

    let mut client = Connection::new(Role::Client, Config::default());
    client.recv(&head);
    client.recv(&body);
    assert_eq!(message(&drain(&mut client).0).payload, payload);
}

#[test]
fn queued_replies_go_out_before_what_is_sent_next() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&client_frame(9, b"p", true));
    drain(&mut server);
    let mut out = BytesMut::new();
    server.send(Frame::text("after")).unwrap();
    assert_eq!(server.poll_output_into(&mut out), 10);
    assert_eq!(&out[..3], [0x8A, 0x01, b'p'], "the pong first");
    assert_eq!(&out[3..], [0x81, 0x05, b'a', b'f', b't', b'e', b'r']);
}

#[test]
fn bytes_go_in_four_ways_with_the_same_result() {
    let wire = client_frame(1, b"three ways", true);
    let mut by_copy = Connection::new(Role::Server, Config::default());
    by_copy.recv(&wire);
    let mut owned = Connection::new(Role::Server, Config::default());
    owned.recv_owned(BytesMut::from(&wire[..]));
    let mut lent = Connection::new(Role::Server, Config::default());
    let read = lent.recv_with(|buf| {
        buf[..wire.len()].copy_from_slice(&wire);
        Ok::<_, ()>(wire.len())
    });
    assert_eq!(read, Ok(wire.len()));
    let mut put = Connection::new(Role::Server, Config::default());
    let read = put.recv_with_buf(|buf| {
        buf.put_slice(&wire);
        Ok::<_, ()>(())
    });
    assert_eq!(read, Ok(wire.len()));
    for conn in [&mut by_copy, &mut owned, &mut lent, &mut put] {
        assert_eq!(message(&drain(conn).0).as_text(), Some("three ways"));
    }
}

#[test]
fn events_carry_the_time_given_with_their_bytes() {
    let mut server = Connection::new(Role::Server, Config::default());
    let wire = client_frame(2, b"timed", true);
    server.recv_at(&wire[..4], Duration::from_secs(100));
    assert_eq!(server.next_event(), Ok(Event::NeedData));
    server.recv_at(&wire[4..], Duration::from_secs(250));
    assert_eq!(message(&drain(&mut server).0).time, Some(Duration::from_secs(250)));
}

#[test]
fn an_event_after_a_plain_recv_never_carries_an_earlier_inputs_time() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv_at(&client_frame(2, b"timed", true), Duration::from_secs(100));
    assert_eq!(message(&drain(&mut server).0).time, Some(Duration::from_secs(100)));
    let wire = client_frame(2, b"untimed", true);
    server.recv_at(&wire[..3], Duration::from_secs(200));
    server.recv(&wire[3..]);
    assert_eq!(message(&drain(&mut server).0).time, None, "completed by bytes with no time");
    server.recv_owned(BytesMut::from(&client_frame(2, b"owned", true)[..]));
    assert_eq!(message(&drain(&mut server).0).time, None);
    server.recv_at(&client_frame(2, b"timed again", true), Duration::from_secs(300));
    assert_eq!(message(&drain(&mut server).0).time, Some(Duration::from_secs(300)));
    let read = client_frame(2, b"read", true);
    server
        .recv_with(|buf| {
            buf[..read.len()].copy_from_slice(&read);
            Ok::<_, ()>(read.len())
        })
        .unwrap();
    assert_eq!(message(&drain(&mut server).0).time, None);
}

#[test]
fn a_users_pong_never_replaces_a_queued_one() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&client_frame(9, b"auto", true));
    drain(&mut server);
    let out = sent(&mut server, Frame::pong("mine")).unwrap();
    assert_eq!(&out[..], [&[0x8A, 0x04][..], b"auto", &[0x8A, 0x04], b"mine"].concat());
}

/// The same, registered on the connections themselves, as the seed's
/// `Connection(role, opcode_non_control_mod, opcode_control_mod)` does.
#[test]
fn custom_opcodes_and_reserved_bits_register_on_the_connection() {
    let mut pair = Pair::new(Config::default());
    for conn in [&mut pair.client, &mut pair.server] {
        conn.register_data(3, "latin-1").unwrap();
        conn.register_control(11, "compare").unwrap();
        conn.claim_rsv(Rsv::RSV1).unwrap();
    }
    let latin1 = pair.client.frame("latin-1", &b"caf\xe9"[..]).unwrap().with_rsv(Rsv::RSV1);
    let events = pair.client_sends(latin1).unwrap();
    let m = message(&events);
    assert_eq!((pair.server.type_name(m.opcode), m.rsv), ("latin-1", Rsv::RSV1));
    let compare = pair.client.frame("compare", &b"x"[..]).unwrap();
    assert!(
        matches!(&pair.client_sends(compare).unwrap()[..], [Event::Control(c)] if &c.payload[..] == b"x")
    );
    // A name or bit taken twice is refused.
    assert!(pair.server.register_data(4, "latin-1").is_err());
    assert!(pair.server.claim_rsv(Rsv::RSV1).is_err());
}
