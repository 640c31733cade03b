//! Regression tests for what a hostile peer, an unusual configuration or a
//! careless caller once broke: each named for its case, each asserting the
//! outcome (the error and close code, the bytes delivered, the bytes queued).

use noio_ws_codec::bytes::{BufMut, BytesMut};
use noio_ws_codec::{CloseCode, FrameHeader, OpCode, Role, Rsv};
use noio_ws_connection::{
    CloseState, Config, Connection, Delivery, Event, Frame, ProtocolError, TransportAction, UsageError,
};
use noio_ws_registry::{
    Extension, ExtensionError, ExtensionOffer, ExtensionResponse, NegotiationError, Progress, Registry,
};
use noio_ws_test_support::{Xor, client_frame, drain, raw_frame, sent};

/// The close code in the close frame `conn` queued (after any pong), as its
/// peer reads it.
fn queued_close_code(conn: &mut Connection) -> CloseCode {
    let bytes = conn.poll_output().expect("a close frame is queued");
    let mut peer = Connection::new(conn.role().peer(), Config::default());
    peer.recv(&bytes);
    loop {
        match peer.next_event().unwrap() {
            Event::Close(close) => return close.code,
            Event::Pong(_) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// A server whose registry negotiated `extension` with a client offering
/// the same kind.
fn negotiated_server(
    config: Config,
    extension: impl Extension + 'static,
    offers: Vec<ExtensionOffer>,
) -> Connection {
    let mut registry = Registry::new();
    registry.extensions.push(extension).unwrap();
    let responses = registry.extensions.server_negotiate(&offers).unwrap();
    assert_eq!(responses.len(), 1, "the extension was negotiated");
    Connection::with_registry(Role::Server, config, registry)
}

/// The XOR test extension (key 7) on a server, negotiated.
fn xor_server(config: Config) -> Connection {
    let offers = Xor::new("xor", Rsv::RSV3).client_offers();
    negotiated_server(config, Xor::new("xor", Rsv::RSV3), offers)
}

// ---- 1: limits at their extremes, extensions that stall ---------------------

#[test]
fn an_unlimited_message_len_with_an_extension_delivers_in_every_mode() {
    for delivery in [Delivery::WholeMessages, Delivery::Streaming] {
        for max_chunk_len in [0, 1, usize::MAX] {
            let config = Config {
                max_message_len: u64::MAX,
                max_frame_len: u64::MAX,
                max_chunk_len,
                delivery,
                ..Config::default()
            };
            let mut server = xor_server(config);
            let secret: Vec<u8> = b"unlimited".iter().map(|b| b ^ 7).collect();
            server.recv(&raw_frame(2, &secret, true, Rsv::RSV3, Some([9, 8, 7, 6])));
            let (events, error) = drain(&mut server);
            assert_eq!(error, None, "{delivery:?}, chunks of {max_chunk_len}");
            let got: Vec<u8> = events
                .iter()
                .flat_map(|e| match e {
                    Event::Message(m) => m.payload.to_vec(),
                    Event::Chunk(c) => c.payload.to_vec(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(got, b"unlimited", "{delivery:?}, chunks of {max_chunk_len}");
        }
    }
}

#[test]
fn limits_of_zero_refuse_data_but_pass_empty_messages_and_control_frames() {
    let config = Config {
        max_message_len: 0,
        max_frame_len: 0,
        max_chunk_len: 0,
        max_read_len: 0,
        ..Config::default()
    };
    let mut server = Connection::new(Role::Server, config);
    server.recv(&client_frame(1, b"", true));
    server.recv(&client_frame(9, b"", true));
    let (events, error) = drain(&mut server);
    assert_eq!(error, None);
    assert!(matches!(&events[..], [Event::Message(m), Event::Ping(_)] if m.payload.is_empty()));
    server.recv(&client_frame(2, b"x", true));
    let (_, error) = drain(&mut server);
    assert!(matches!(error, Some(ProtocolError::Frame(_))), "{error:?}");
    assert_eq!(queued_close_code(&mut server), CloseCode::MESSAGE_TOO_BIG);
    // A zero read size still lends a byte: a read of 0 would mean the end.
    let mut reader = Connection::new(Role::Server, config);
    assert_eq!(reader.recv_with(|buf| Ok::<_, ()>(buf.len())), Ok(1));
}

/// An extension that takes nothing and gives nothing, never drained: a
/// caller that just called it again would spin forever.
struct Stalled;

impl Extension for Stalled {
    fn name(&self) -> &str {
        "stalled"
    }
    fn rsv(&self) -> Rsv {
        Rsv::RSV2
    }
    fn client_offers(&self) -> Vec<ExtensionOffer> {
        vec![ExtensionOffer::new("stalled")]
    }
    fn server_accept(&mut self, _: &[ExtensionOffer]) -> Result<Option<ExtensionResponse>, NegotiationError> {
        Ok(Some(ExtensionOffer::new("stalled")))
    }
    fn client_accept(&mut self, _: &ExtensionResponse) -> Result<(), NegotiationError> {
        Ok(())
    }
    fn begin_decode(&mut self, header: &FrameHeader) -> Result<bool, ExtensionError> {
        Ok(header.rsv.intersects(Rsv::RSV2))
    }
    fn decode(&mut self, _: &[u8], _: bool, _: &mut BytesMut, _: usize) -> Result<Progress, ExtensionError> {
        Ok(Progress::default())
    }
    fn begin_encode(&mut self, _: OpCode, _: Option<usize>) -> Result<Option<Rsv>, ExtensionError> {
        Ok(None)
    }
    fn encode(&mut self, input: &[u8], _: bool, output: &mut BytesMut) -> Result<(), ExtensionError> {
        output.extend_from_slice(input);
        Ok(())
    }
}

#[test]
fn an_extension_that_makes_no_progress_fails_with_1011_instead_of_spinning() {
    for delivery in [Delivery::WholeMessages, Delivery::Streaming] {
        for max_message_len in [10, u64::MAX] {
            let config = Config { delivery, max_message_len, ..Config::default() };
            let mut server = negotiated_server(config, Stalled, vec![ExtensionOffer::new("stalled")]);
            server.recv(&raw_frame(2, b"stuck", true, Rsv::RSV2, Some([1, 2, 3, 4])));
            let (_, error) = drain(&mut server);
            let error = error.expect("a stalled extension fails the connection");
            assert_eq!(error.close_code(), CloseCode::INTERNAL_ERROR, "{delivery:?}: {error}");
            assert_eq!(queued_close_code(&mut server), CloseCode::INTERNAL_ERROR);
        }
    }
}

// ---- 4: the read API cannot be misused ---------------------------------------

#[test]
fn recv_with_a_failed_read_keeps_none_of_the_lent_bytes() {
    let mut server = Connection::new(Role::Server, Config::default());
    let wire = client_frame(1, b"kept", true);
    server.recv(&wire[..3]);
    let failed = server.recv_with(|buf| {
        buf.fill(0xAA);
        Err::<usize, _>("the socket broke")
    });
    assert_eq!(failed, Err("the socket broke"));
    assert_eq!(server.buffered(), 3, "the lent zeros did not become frame data");
    server.recv(&wire[3..]);
    assert!(matches!(&drain(&mut server).0[..], [Event::Message(m)] if m.as_text() == Some("kept")));
}

#[test]
fn recv_with_a_reader_claiming_more_than_it_was_lent_is_clamped() {
    let mut server = Connection::new(Role::Server, Config::default());
    let n = server.recv_with(|buf| Ok::<_, ()>(buf.len() + 1000)).unwrap();
    assert_eq!(server.buffered(), n);
    assert!(n <= Config::default().max_read_len);
}

#[test]
fn recv_with_a_read_of_zero_is_the_end_of_the_stream() {
    let mut server = Connection::new(Role::Server, Config::default());
    assert_eq!(server.recv_with(|_| Ok::<_, ()>(0)), Ok(0));
    assert_eq!(server.next_event(), Ok(Event::AbnormalClosure));
    assert_eq!(server.transport_action(), TransportAction::Close);
}

#[test]
fn recv_with_reads_grow_while_full_and_shrink_when_idle() {
    let mut server = Connection::new(Role::Server, Config::default());
    let mut lent = Vec::new();
    for _ in 0..6 {
        // A frame's worth of masked binary bytes, as much as the slice holds.
        server
            .recv_with(|buf| {
                lent.push(buf.len());
                Ok::<_, ()>(buf.len())
            })
            .unwrap();
    }
    assert_eq!(lent, [4096, 8192, 16384, 32768, 65536, 65536]);
    let _ = drain(&mut server);
    let mut idle = Connection::new(Role::Server, Config::default());
    idle.recv_with(|buf| Ok::<_, ()>(buf.len())).unwrap();
    let _ = drain(&mut idle);
    let mut sizes = Vec::new();
    for _ in 0..3 {
        idle.recv_with(|buf| {
            sizes.push(buf.len());
            Ok::<_, ()>(1)
        })
        .unwrap();
    }
    assert_eq!(sizes, [8192, 4096, 4096], "small reads bring the slice back down");
}

#[test]
fn recv_with_buf_a_failed_read_keeps_none_of_what_it_put() {
    let mut server = Connection::new(Role::Server, Config::default());
    let wire = client_frame(1, b"kept", true);
    server.recv(&wire[..3]);
    let failed = server.recv_with_buf(|buf| {
        buf.put_bytes(0xAA, 100);
        Err("the socket broke")
    });
    assert_eq!(failed, Err("the socket broke"));
    assert_eq!(server.buffered(), 3, "what the failed read put did not become frame data");
    server.recv(&wire[3..]);
    assert!(matches!(&drain(&mut server).0[..], [Event::Message(m)] if m.as_text() == Some("kept")));
}

#[test]
fn recv_with_buf_lends_the_room_recv_with_does_and_zero_is_the_end() {
    let mut lent = Vec::new();
    let mut server = Connection::new(Role::Server, Config::default());
    for _ in 0..6 {
        server
            .recv_with_buf(|buf| {
                let room = buf.remaining_mut();
                lent.push(room);
                buf.put_bytes(0x82, room);
                Ok::<_, ()>(())
            })
            .unwrap();
    }
    assert_eq!(lent, [4096, 8192, 16384, 32768, 65536, 65536], "the room recv_with lends");
    let mut ended = Connection::new(Role::Server, Config::default());
    assert_eq!(ended.recv_with_buf(|_| Ok::<_, ()>(())), Ok(0));
    assert_eq!(ended.next_event(), Ok(Event::AbnormalClosure));
}

// ---- 6: the message limit is judged on the header ------------------------------

#[test]
fn an_oversized_frame_fails_on_its_header_in_whole_message_mode() {
    let config = Config { max_message_len: 1024, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    // The header of an 8 MiB binary frame and its first kilobyte.
    let mut wire = raw_frame(2, &vec![0; 8 << 20], true, Rsv::NONE, Some([1, 2, 3, 4]));
    wire.truncate(14 + 1024);
    server.recv(&wire);
    let (_, error) = drain(&mut server);
    assert_eq!(error, Some(ProtocolError::MessageTooLong { max: 1024 }));
    assert_eq!(server.buffered(), 0, "nothing of it is buffered");
    assert_eq!(queued_close_code(&mut server), CloseCode::MESSAGE_TOO_BIG);
}

#[test]
fn a_continuation_that_would_pass_the_message_limit_fails_on_its_header() {
    let config = Config { max_message_len: 1000, ..Config::default() };
    let mut server = Connection::new(Role::Server, config);
    server.recv(&client_frame(2, &[1; 600], false));
    let mut second = client_frame(0, &[2; 600], true);
    second.truncate(4 + 4 + 10);
    server.recv(&second);
    let (events, error) = drain(&mut server);
    assert!(events.is_empty());
    assert_eq!(error, Some(ProtocolError::MessageTooLong { max: 1000 }));
}

// ---- 7: automatic pongs cannot pile up ----------------------------------------

#[test]
fn a_flood_of_pings_queues_a_bounded_run_of_pongs_ending_with_the_latest() {
    let mut server = Connection::new(Role::Server, Config::default());
    let mut wire = Vec::new();
    for i in 0..100_000u32 {
        wire.extend_from_slice(&client_frame(9, &i.to_be_bytes(), true));
    }
    server.recv(&wire);
    let (events, error) = drain(&mut server);
    assert_eq!((events.len(), error), (100_000, None));
    let queued = server.queued_output_len();
    assert!(queued <= 1024 + 6 + 6, "{queued} bytes queued");
    let out = server.poll_output().unwrap();
    assert_eq!(out.len(), queued);
    // The first pings answered in order, then the latest.
    let pongs: Vec<&[u8]> = out.chunks(6).collect();
    assert_eq!(pongs[0], [&[0x8A, 0x04][..], &0u32.to_be_bytes()].concat());
    assert_eq!(pongs[1], [&[0x8A, 0x04][..], &1u32.to_be_bytes()].concat());
    assert_eq!(*pongs.last().unwrap(), [&[0x8A, 0x04][..], &99_999u32.to_be_bytes()].concat());
    assert_eq!(server.queued_output_len(), 0);
}

#[test]
fn a_burst_of_ten_pings_gets_ten_pongs() {
    // Autobahn case 2.10: RFC 6455 lets an endpoint answer only the latest
    // ping, but a short burst is answered in full.
    let mut server = Connection::new(Role::Server, Config::default());
    for i in 0..10u8 {
        server.recv(&client_frame(9, format!("payload-{i}").as_bytes(), true));
    }
    drain(&mut server);
    let out = server.poll_output().unwrap();
    let mut client = Connection::new(Role::Client, Config::default());
    client.recv(&out);
    let (events, _) = drain(&mut client);
    let payloads: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::Pong(p) => String::from_utf8(p.payload.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(payloads, (0..10).map(|i| format!("payload-{i}")).collect::<Vec<_>>());
}

#[test]
fn a_pending_pong_goes_out_before_a_failure_close() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&client_frame(9, b"p", true));
    server.recv(&raw_frame(1, b"x", true, Rsv::NONE, None));
    let (_, error) = drain(&mut server);
    assert_eq!(error, Some(ProtocolError::UnmaskedFrame));
    let out = server.poll_output().unwrap();
    assert_eq!(&out[..3], [0x8A, 0x01, b'p'], "the pong first");
    assert_eq!(&out[3..], [0x88, 0x02, 0x03, 0xEA], "then the 1002 close");
}

#[test]
fn a_client_counts_the_mask_of_its_queued_pong() {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
    client.recv(&raw_frame(9, b"abc", true, Rsv::NONE, None));
    drain(&mut client);
    assert_eq!(client.queued_output_len(), 2 + 4 + 3);
    assert_eq!(client.poll_output().unwrap().len(), 9);
}

// ---- 16: text is UTF-8 on the way out too ---------------------------------------

#[test]
fn invalid_text_bytes_are_refused_on_send() {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
    assert_eq!(client.send(Frame::new(OpCode::TEXT, &b"\xff"[..])), Err(UsageError::InvalidUtf8));
    // Nothing was sent and nothing changed: a valid message goes next.
    assert_eq!(client.queued_output_len(), 0);
    assert!(client.send(Frame::new(OpCode::TEXT, "fine")).is_ok());
    // Binary and custom data is not text.
    assert!(client.send(Frame::binary(&b"\xff"[..])).is_ok());
}

#[test]
fn fragmented_text_is_checked_across_frames() {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
    let euro = "€".as_bytes();
    // A character split between two frames is fine.
    client.send(Frame::new(OpCode::TEXT, &euro[..1]).with_fin(false)).unwrap();
    client.send(Frame::continuation(&euro[1..2], false)).unwrap();
    // A frame made from a str cannot continue a split character ...
    assert_eq!(client.send(Frame::text("a")), Err(UsageError::MessageInProgress(OpCode::TEXT)));
    assert_eq!(client.send(Frame::continuation(&b"a"[..], true)), Err(UsageError::InvalidUtf8));
    // ... and the message may not end inside one.
    assert_eq!(client.send(Frame::continuation(&b""[..], true)), Err(UsageError::InvalidUtf8));
    client.send(Frame::continuation(&euro[2..], true)).unwrap();
    assert!(client.send(Frame::text("next")).is_ok());
}

#[test]
fn text_unchecked_sends_invalid_text_for_testing_peers() {
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(3);
    let wire = sent(&mut client, Frame::text_unchecked(&b"\xff"[..])).unwrap();
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&wire);
    assert_eq!(server.next_event(), Err(ProtocolError::InvalidUtf8));
}

// ---- 17: nothing received before the end is lost --------------------------------

#[test]
fn a_message_and_a_close_before_the_end_of_stream_are_handed_out_first() {
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&client_frame(1, b"last words", true));
    server.recv(&client_frame(8, &[0x03, 0xE8], true));
    server.recv_eof();
    let (events, error) = drain(&mut server);
    assert_eq!(error, None);
    assert!(matches!(&events[0], Event::Message(m) if m.as_text() == Some("last words")));
    assert!(matches!(&events[1], Event::Close(c) if c.code == CloseCode::NORMAL));
    assert_eq!(events.len(), 2, "the close handshake was complete: no abnormal closure");
    assert_eq!(server.state(), CloseState::Closed);
}

#[test]
fn a_message_before_an_abnormal_end_is_handed_out_then_the_end() {
    for delivery in [Delivery::WholeMessages, Delivery::Streaming] {
        let mut server = Connection::new(Role::Server, Config { delivery, ..Config::default() });
        server.recv(&client_frame(2, b"data", true));
        server.recv_eof();
        // Bytes after the end are not the peer's.
        server.recv(&client_frame(2, b"ghost", true));
        assert_eq!(server.transport_action(), TransportAction::Keep, "the end has not been reached yet");
        let (events, error) = drain(&mut server);
        assert_eq!(error, None);
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(matches!(&events[1], Event::AbnormalClosure));
        assert_eq!(server.transport_action(), TransportAction::Close);
        assert_eq!(server.next_event(), Ok(Event::NeedData), "the end is reported once");
    }
}
