//! The one output path: what the application sends and what the connection
//! sends by itself leave through one queue, in wire order; large server
//! payloads leave with no copy; the queue's size and its high-water mark are
//! visible; pongs for a peer that does not read stay bounded.

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{CloseCode, Role};
use noio_ws_connection::{Config, Connection, Event, Frame, UsageError};

/// Everything `conn` has queued, as one byte string.
fn drain(conn: &mut Connection) -> Vec<u8> {
    let mut wire = Vec::new();
    while let Some(part) = conn.poll_output() {
        assert!(!part.is_empty(), "poll_output never hands out an empty part");
        wire.extend_from_slice(&part);
    }
    wire
}

/// What a client sends for `frame`.
fn from_client(frame: Frame) -> Vec<u8> {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(1);
    client.send(frame).unwrap();
    drain(&mut client)
}

/// Every event a client sees in `wire` from the server.
fn client_events(wire: &[u8]) -> Vec<Event> {
    let mut client = Connection::new(Role::Client, Config::default());
    client.recv(wire);
    let mut events = Vec::new();
    loop {
        match client.next_event().unwrap() {
            Event::NeedData => return events,
            event => events.push(event),
        }
    }
}

#[test]
fn replies_and_sent_frames_leave_through_one_queue_in_wire_order() -> Result<(), UsageError> {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&from_client(Frame::ping(&b"first"[..])));
    assert!(matches!(server.next_event(), Ok(Event::Ping(_))));
    server.send(Frame::text("after the pong"))?;
    server.send(Frame::binary(vec![7; 10_000]))?;
    server.send(Frame::close(CloseCode::NORMAL, "done").unwrap())?;
    let wire = drain(&mut server);
    let events = client_events(&wire);
    assert!(matches!(&events[0], Event::Pong(p) if p.payload == "first"), "{events:?}");
    assert!(matches!(&events[1], Event::Message(m) if m.as_text() == Some("after the pong")));
    assert!(matches!(&events[2], Event::Message(m) if m.payload.len() == 10_000));
    assert!(matches!(&events[3], Event::Close(c) if c.code == CloseCode::NORMAL));
    assert_eq!(events.len(), 4);
    assert_eq!(server.queued_output_len(), 0);
    assert_eq!(server.poll_output(), None);
    Ok(())
}

#[test]
fn a_servers_large_payload_leaves_as_the_callers_own_bytes() -> Result<(), UsageError> {
    let mut server = Connection::new(Role::Server, Config::default());
    let payload = Bytes::from(vec![1; 100_000]);
    server.send(Frame::binary(payload.clone()))?;
    assert_eq!(server.queued_output_len(), 100_000 + 10);
    let header = server.poll_output().unwrap();
    assert_eq!(&header[..], [0x82, 127, 0, 0, 0, 0, 0, 1, 0x86, 0xa0]);
    let body = server.poll_output().unwrap();
    assert_eq!(body.as_ptr(), payload.as_ptr(), "the payload is not copied");
    assert_eq!(server.poll_output(), None);
    Ok(())
}

#[test]
fn a_clients_payload_is_masked_into_the_queue() -> Result<(), UsageError> {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
    client.send(Frame::binary(vec![1; 100_000]))?;
    let wire = drain(&mut client);
    assert_eq!(wire.len(), 100_000 + 14);
    assert_eq!(wire[1] & 0x80, 0x80, "masked");
    Ok(())
}

#[test]
fn poll_output_into_hands_its_buffer_over_to_an_empty_one() -> Result<(), UsageError> {
    let mut server = Connection::new(Role::Server, Config::default());
    // An empty buffer with no room takes the connection's.
    let mut dst = BytesMut::new();
    server.send(Frame::text("one"))?;
    assert_eq!(server.poll_output_into(&mut dst), 5);
    assert_eq!(&dst[..], b"\x81\x03one");
    // Short output that fits the room of an empty buffer is copied into it,
    // which costs less than trading buffers: no allocation either way.
    dst.clear();
    let room = dst.as_ptr();
    server.send(Frame::text("two"))?;
    assert_eq!(server.poll_output_into(&mut dst), 5);
    assert_eq!((&dst[..], dst.as_ptr()), (&b"\x81\x03two"[..], room));
    // Longer output trades places with an empty buffer: no copy.
    dst.clear();
    server.send(Frame::binary(vec![9; 1000]))?;
    assert_eq!(server.poll_output_into(&mut dst), 1004);
    assert_ne!(dst.as_ptr(), room, "the buffers trade places");
    // Into a buffer that already holds bytes, the queue is appended.
    server.send(Frame::binary(vec![9; 5000]))?;
    assert_eq!(server.poll_output_into(&mut dst), 5004);
    assert_eq!(dst.len(), 1004 + 5004);
    assert_eq!(&dst[1004..1008], [0x82, 126, 0x13, 0x88]);
    assert_eq!(server.queued_output_len(), 0);
    Ok(())
}

#[test]
fn poll_output_with_lends_the_queue_in_wire_order_to_the_writer() -> Result<(), UsageError> {
    // A server's queue of bytes built, a zero-copy part and bytes built.
    let mut server = Connection::new(Role::Server, Config::default());
    server.send(Frame::text("a"))?;
    server.send(Frame::binary(Bytes::from(vec![7; 5000])))?;
    server.send(Frame::text("b"))?;
    let mut reference = Connection::new(Role::Server, Config::default());
    reference.send(Frame::text("a"))?;
    reference.send(Frame::binary(Bytes::from(vec![7; 5000])))?;
    reference.send(Frame::text("b"))?;
    let want = drain(&mut reference);
    // A transport taking at most 700 bytes a write, full after three writes.
    let mut wire = Vec::new();
    loop {
        let mut writes = 0;
        let taken = server.poll_output_with(|bytes| {
            writes += 1;
            let n = if writes > 3 { 0 } else { bytes.len().min(700) };
            wire.extend_from_slice(&bytes[..n]);
            Ok::<_, ()>(n)
        });
        assert!(writes <= 4, "it stops at the first short write");
        if taken == Ok(0) {
            break;
        }
    }
    assert_eq!(wire, want);
    assert_eq!(server.queued_output_len(), 0);
    Ok(())
}

#[test]
fn poll_output_with_keeps_what_a_failing_or_boastful_writer_did_not_take() -> Result<(), UsageError> {
    let mut server = Connection::new(Role::Server, Config::default());
    server.send(Frame::text("hello"))?;
    assert_eq!(server.poll_output_with(|_| Err::<usize, _>("broken pipe")), Err("broken pipe"));
    assert_eq!(server.queued_output_len(), 7, "nothing lost on an error");
    // A writer claiming more than it was lent took only what it was lent.
    let mut wire = Vec::new();
    let taken = server.poll_output_with(|bytes| {
        wire.extend_from_slice(&bytes[..2]);
        Ok::<_, ()>(if wire.len() == 2 { 2 } else { usize::MAX })
    });
    assert_eq!(taken, Ok(2));
    let taken = server.poll_output_with(|bytes| {
        wire.extend_from_slice(bytes);
        Ok::<_, ()>(usize::MAX)
    });
    assert_eq!(taken, Ok(5));
    assert_eq!(wire, b"\x81\x05hello");
    assert_eq!(server.queued_output_len(), 0);
    Ok(())
}

#[test]
fn the_high_water_mark_says_when_a_driver_should_wait_for_the_peer() -> Result<(), UsageError> {
    let config = Config { output_high_water: 1000, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    assert!(!server.output_is_full());
    server.send(Frame::binary(vec![0; 996]))?;
    assert_eq!(server.queued_output_len(), 1000);
    assert!(server.output_is_full(), "at the mark");
    drain(&mut server);
    assert!(!server.output_is_full());

    let mut never =
        Connection::new(Role::Server, Config { output_high_water: usize::MAX, ..Config::default() });
    never.send(Frame::binary(vec![0; 1 << 20]))?;
    assert!(!never.output_is_full());
    let always = Connection::new(Role::Server, Config { output_high_water: 0, ..Config::default() });
    assert!(always.output_is_full(), "a mark of 0: every read waits for the peer");
    Ok(())
}

#[test]
fn pongs_for_a_peer_that_does_not_read_never_queue_past_one_pending() {
    let mut server = Connection::new(Role::Server, Config::default());
    let mut ping = Vec::new();
    for i in 0..10_000u32 {
        ping.extend_from_slice(&from_client(Frame::ping(i.to_be_bytes().to_vec())));
    }
    server.recv(&ping);
    let mut pings = 0;
    while let Ok(Event::Ping(_)) = server.next_event() {
        pings += 1;
        assert!(server.queued_output_len() < 1300, "{}", server.queued_output_len());
    }
    assert_eq!(pings, 10_000);
    let events = client_events(&drain(&mut server));
    let pongs: Vec<_> =
        events.iter().filter_map(|e| if let Event::Pong(p) = e { Some(&p.payload) } else { None }).collect();
    // One per ping while the queue was short, then only the latest.
    assert!(pongs.len() < 200, "{}", pongs.len());
    assert_eq!(&pongs[0][..], 0u32.to_be_bytes());
    assert_eq!(&pongs[pongs.len() - 1][..], 9999u32.to_be_bytes());
}

#[test]
fn a_burst_of_small_pings_gets_a_pong_each() {
    let mut server = Connection::new(Role::Server, Config::default());
    for i in 0..10u8 {
        server.recv(&from_client(Frame::ping(vec![i; 10])));
    }
    while let Ok(Event::Ping(_)) = server.next_event() {}
    let events = client_events(&drain(&mut server));
    assert_eq!(events.len(), 10, "Autobahn case 2.10 wants a pong per ping");
}

#[test]
fn application_data_in_the_queue_does_not_cost_the_peer_its_pongs() -> Result<(), UsageError> {
    let mut server = Connection::new(Role::Server, Config::default());
    server.send(Frame::binary(vec![5; 2000]))?;
    for i in 0..10u8 {
        server.recv(&from_client(Frame::ping(vec![i; 4])));
    }
    while let Ok(Event::Ping(_)) = server.next_event() {}
    let events = client_events(&drain(&mut server));
    let pongs = events.iter().filter(|e| matches!(e, Event::Pong(_))).count();
    assert_eq!(pongs, 10, "only what the connection queued by itself bounds its pongs");
    Ok(())
}

#[test]
fn payloads_from_4_kib_leave_uncopied_and_shorter_ones_are_copied() -> Result<(), UsageError> {
    let mut server = Connection::new(Role::Server, Config::default());
    let short = Bytes::from(vec![1; 4095]);
    server.send(Frame::binary(short.clone()))?;
    let part = server.poll_output().unwrap();
    assert_eq!(part.len(), 4 + 4095, "header and payload in one part");
    assert_eq!(server.poll_output(), None);
    let long = Bytes::from(vec![2; 4096]);
    server.send(Frame::binary(long.clone()))?;
    assert_eq!(server.poll_output().unwrap().len(), 4);
    assert_eq!(server.poll_output().unwrap().as_ptr(), long.as_ptr());
    Ok(())
}

#[test]
fn poll_output_into_an_empty_buffer_takes_the_zero_copy_parts_too() -> Result<(), UsageError> {
    let mut server = Connection::new(Role::Server, Config::default());
    server.send(Frame::text("before"))?;
    server.send(Frame::binary(vec![3; 5000]))?;
    server.send(Frame::text("after"))?;
    let mut dst = BytesMut::new();
    assert_eq!(server.poll_output_into(&mut dst), 8 + 5004 + 7);
    assert_eq!(dst.len(), 8 + 5004 + 7);
    let events = client_events(&dst);
    assert!(matches!(&events[0], Event::Message(m) if m.as_text() == Some("before")));
    assert!(matches!(&events[1], Event::Message(m) if m.payload.len() == 5000));
    assert!(matches!(&events[2], Event::Message(m) if m.as_text() == Some("after")));
    assert_eq!(server.queued_output_len(), 0);
    Ok(())
}

#[test]
fn a_waiting_pong_counts_toward_the_queue_and_its_high_water_mark() {
    let config = Config { output_high_water: 10, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    server.recv(&from_client(Frame::ping(vec![0; 8])));
    assert!(matches!(server.next_event(), Ok(Event::Ping(_))));
    assert_eq!(server.queued_output_len(), 10, "the pong: 2 bytes of header, 8 of payload");
    assert!(server.output_is_full());
}

#[test]
fn custom_opcodes_from_a_description_go_both_ways() -> Result<(), Box<dyn std::error::Error>> {
    use noio_ws_registry::OpcodeRegistry;
    let opcodes = OpcodeRegistry::from_names([(3, "latin-1"), (11, "compare")])?;
    let mut client = Connection::with_opcodes(Role::Client, Config::default(), opcodes.clone());
    let mut server = Connection::with_opcodes(Role::Server, Config::default(), opcodes);
    client.send(client.frame("latin-1", &b"caf\xe9"[..])?)?;
    client.send(client.frame("compare", &b"x"[..])?)?;
    server.recv(&drain(&mut client));
    let Event::Message(m) = server.next_event()? else { panic!("a message") };
    assert_eq!((server.type_name(m.opcode), &m.payload[..]), ("latin-1", &b"caf\xe9"[..]));
    let Event::Control(c) = server.next_event()? else { panic!("a control frame") };
    assert_eq!(server.type_name(c.opcode), "compare");
    Ok(())
}

#[test]
fn borrowed_sends_give_the_bytes_a_frame_gives() -> Result<(), UsageError> {
    for role in [Role::Server, Role::Client] {
        let mut by_frame = Connection::new(role, Config::default()).with_mask_seed(9);
        let mut by_slice = Connection::new(role, Config::default()).with_mask_seed(9);
        for len in [0, 1, 125, 126, 5000, 70_000] {
            let payload = vec![7u8; len];
            by_frame.send(Frame::binary(payload.clone()))?;
            by_slice.send_binary(&payload)?;
            by_frame.send(Frame::text("é".repeat(len / 2)))?;
            by_slice.send_text(&"é".repeat(len / 2))?;
        }
        assert_eq!(drain(&mut by_frame), drain(&mut by_slice), "{role:?}");
    }
    Ok(())
}

#[test]
fn borrowed_sends_keep_the_rules() -> Result<(), UsageError> {
    let mut client = Connection::new(Role::Client, Config::default());
    client.send(Frame::binary(vec![1]).with_fin(false))?;
    // A whole message may not start inside a fragmented one.
    assert_eq!(client.send_binary(b"x"), Err(UsageError::MessageInProgress(noio_ws_codec::OpCode::BINARY)));
    client.send(Frame::continuation(vec![2], true))?;
    client.send_text("now")?;
    client.send(Frame::close(CloseCode::NORMAL, "").unwrap())?;
    assert_eq!(client.send_text("late"), Err(UsageError::Closed(noio_ws_codec::OpCode::TEXT)));
    Ok(())
}

#[test]
fn poll_output_vectored_lends_header_and_payload_at_once_and_keeps_what_was_not_taken() {
    let mut server = Connection::new(Role::Server, Config::default());
    let payload = vec![7u8; 8 << 10];
    server.send(Frame::binary(payload.clone())).unwrap();
    server.send_text("after").unwrap();
    let mut wire = Vec::new();
    // A short write: 100 bytes of the three pieces lent.
    let taken = server
        .poll_output_vectored(|slices| {
            assert_eq!(slices.len(), 3, "header, payload, then the small frame");
            let mut left = 100;
            for s in slices {
                let n = left.min(s.len());
                wire.extend_from_slice(&s[..n]);
                left -= n;
            }
            Ok::<_, ()>(100)
        })
        .unwrap();
    assert_eq!(taken, 100);
    // A writer that fails takes nothing; one that claims too much takes what it was lent.
    assert_eq!(server.poll_output_vectored(|_| Err::<usize, _>("full")), Err("full"));
    while server.queued_output_len() > 0 {
        server
            .poll_output_vectored(|slices| {
                slices.iter().for_each(|s| wire.extend_from_slice(s));
                Ok::<_, ()>(usize::MAX)
            })
            .unwrap();
    }
    let mut expected = vec![0x82, 126, 0x20, 0x00];
    expected.extend_from_slice(&payload);
    expected.extend_from_slice(&[0x81, 5]);
    expected.extend_from_slice(b"after");
    assert_eq!(wire, expected);
}
