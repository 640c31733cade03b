//! One test per protocol rule the connection enforces: each violation fails
//! the connection with its error, queues a close frame with the right code,
//! and leaves the connection refusing everything after.

use noio_ws_codec::{CloseCode, DecodeError, OpCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, Delivery, Event, Frame, ProtocolError, UsageError};
use noio_ws_test_support::{client_frame, drain, raw_frame, sent, server_frame};

/// Feeds `bytes` to a fresh `role` connection and returns the error it failed with.
fn violation(role: Role, config: Config, bytes: &[u8]) -> (Connection, ProtocolError) {
    let mut conn = Connection::new(role, config).with_mask_seed(1);
    conn.recv(bytes);
    let (_, error) = drain(&mut conn);
    let error = error.expect("the input breaks a rule");
    (conn, error)
}

/// The close frame the failed connection queued, decoded by a peer.
fn queued_close_code(conn: &mut Connection) -> CloseCode {
    let bytes = conn.poll_output().expect("a close frame is queued");
    let mut peer = Connection::new(conn.role().peer(), Config::default());
    peer.recv(&bytes);
    match peer.next_event().unwrap() {
        Event::Close(close) => close.code,
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// Asserts the failure's close code on the error and on the wire, and that
/// the connection stays failed.
fn assert_fails_with(role: Role, config: Config, bytes: &[u8], expected: ProtocolError, code: CloseCode) {
    let (mut conn, error) = violation(role, config, bytes);
    assert_eq!(error, expected);
    assert_eq!(error.close_code(), code);
    assert_eq!(queued_close_code(&mut conn), code);
    assert_eq!(conn.next_event(), Err(expected));
    conn.recv(&client_frame(1, b"more", true));
    assert!(conn.next_event().is_err(), "no data is processed after a violation");
    assert_eq!(conn.send(Frame::text("late")), Err(UsageError::Closed(OpCode::TEXT)));
}

/// [`assert_fails_with`] for a server with the default configuration.
fn assert_server_fails(bytes: &[u8], expected: ProtocolError, code: CloseCode) {
    assert_fails_with(Role::Server, Config::default(), bytes, expected, code);
}

#[test]
fn server_rejects_unmasked_frame() {
    let bytes = server_frame(1, b"hi", true);
    assert_server_fails(&bytes, ProtocolError::UnmaskedFrame, CloseCode::PROTOCOL_ERROR);
}

#[test]
fn client_rejects_masked_frame() {
    let bytes = client_frame(1, b"hi", true);
    assert_fails_with(
        Role::Client,
        Config::default(),
        &bytes,
        ProtocolError::MaskedFrame,
        CloseCode::PROTOCOL_ERROR,
    );
}

#[test]
fn unclaimed_rsv_bits_fail() {
    for rsv in [Rsv::RSV1, Rsv::RSV2, Rsv::RSV3] {
        let bytes = raw_frame(1, b"hi", true, rsv, Some([1, 2, 3, 4]));
        let expected = ProtocolError::ReservedBitsSet(rsv);
        assert_server_fails(&bytes, expected, CloseCode::PROTOCOL_ERROR);
    }
}

#[test]
fn unknown_opcodes_fail() {
    for opcode in [3, 7, 11, 15] {
        let bytes = client_frame(opcode, b"", true);
        let expected = ProtocolError::UnknownOpcode(OpCode::new(opcode).unwrap());
        assert_server_fails(&bytes, expected, CloseCode::PROTOCOL_ERROR);
    }
}

#[test]
fn continuation_without_a_message_fails() {
    let bytes = client_frame(0, b"orphan", true);
    let expected = ProtocolError::UnexpectedContinuation;
    assert_server_fails(&bytes, expected, CloseCode::PROTOCOL_ERROR);
}

#[test]
fn new_data_frame_inside_a_message_fails() {
    let mut bytes = client_frame(1, b"frag", false);
    bytes.extend(client_frame(2, b"new", true));
    let expected = ProtocolError::ExpectedContinuation(OpCode::BINARY);
    assert_server_fails(&bytes, expected, CloseCode::PROTOCOL_ERROR);
}

#[test]
fn fragmented_control_frame_fails() {
    let bytes = client_frame(9, b"ping", false);
    let expected = ProtocolError::Frame(DecodeError::FragmentedControlFrame { opcode: OpCode::PING });
    assert_server_fails(&bytes, expected, CloseCode::PROTOCOL_ERROR);
}

#[test]
fn oversized_control_frame_fails() {
    let bytes = client_frame(9, &[0; 126], true);
    let expected = ProtocolError::Frame(DecodeError::ControlFrameTooLong { opcode: OpCode::PING, len: 126 });
    assert_server_fails(&bytes, expected, CloseCode::PROTOCOL_ERROR);
}

#[test]
fn invalid_utf8_in_text_fails() {
    let bytes = client_frame(1, b"caf\xC3\x28", true);
    assert_server_fails(&bytes, ProtocolError::InvalidUtf8, CloseCode::INVALID_PAYLOAD);
}

#[test]
fn invalid_utf8_fails_across_fragments() {
    // A valid start in one fragment, an impossible continuation in the next.
    let mut bytes = client_frame(1, b"ok \xE2\x82", false);
    bytes.extend(client_frame(0, b"\x28 rest", true));
    assert_server_fails(&bytes, ProtocolError::InvalidUtf8, CloseCode::INVALID_PAYLOAD);
}

#[test]
fn invalid_utf8_fails_mid_frame_when_streaming() {
    // Only the first half of a long frame has arrived, and it is already invalid.
    let config = Config { delivery: Delivery::Streaming, ..Config::default() };
    let mut payload = b"valid text then \xED\xA0\x80".to_vec();
    payload.resize(1000, b'a');
    let bytes = client_frame(1, &payload, true);
    let (mut conn, error) = violation(Role::Server, config, &bytes[..40]);
    assert_eq!(error, ProtocolError::InvalidUtf8);
    assert_eq!(queued_close_code(&mut conn), CloseCode::INVALID_PAYLOAD);
}

#[test]
fn invalid_utf8_fails_mid_frame_with_whole_messages_too() {
    // Autobahn 6.4.3/6.4.4: the frame is still arriving when its text goes bad.
    let mut payload = b"valid text then \xF4\x90\x80\x80".to_vec();
    payload.resize(1000, b'a');
    let bytes = client_frame(1, &payload, true);
    let (mut conn, error) = violation(Role::Server, Config::default(), &bytes[..40]);
    assert_eq!(error, ProtocolError::InvalidUtf8);
    assert_eq!(queued_close_code(&mut conn), CloseCode::INVALID_PAYLOAD);
}

#[test]
fn a_bad_header_fails_before_its_frame_completes() {
    let bytes = raw_frame(2, &[0; 1000], true, Rsv::RSV2, Some([1, 2, 3, 4]));
    let (_, error) = violation(Role::Server, Config::default(), &bytes[..20]);
    assert_eq!(error, ProtocolError::ReservedBitsSet(Rsv::RSV2));
}

#[test]
fn text_ending_inside_a_character_fails() {
    let bytes = client_frame(1, b"\xF0\x9F\x98", true);
    assert_server_fails(&bytes, ProtocolError::InvalidUtf8, CloseCode::INVALID_PAYLOAD);
}

/// A client's close frame with `payload` fails a server with `code`.
fn assert_close_payload_fails(payload: &[u8], code: CloseCode) {
    let (mut conn, error) = violation(Role::Server, Config::default(), &client_frame(8, payload, true));
    assert!(matches!(error, ProtocolError::ClosePayload(_)), "{error:?}");
    assert_eq!(error.close_code(), code, "payload {payload:x?}");
    assert_eq!(queued_close_code(&mut conn), code);
}

#[test]
fn invalid_utf8_in_close_reason_fails() {
    assert_close_payload_fails(b"\x03\xE8\xFF", CloseCode::INVALID_PAYLOAD);
}

#[test]
fn invalid_close_codes_fail() {
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
        assert_close_payload_fails(&code.to_be_bytes(), CloseCode::PROTOCOL_ERROR);
    }
}

#[test]
fn one_byte_close_payload_fails() {
    assert_close_payload_fails(b"\x03", CloseCode::PROTOCOL_ERROR);
}

#[test]
fn frame_over_the_limit_fails_on_its_header() {
    let config = Config { max_frame_len: 1000, ..Config::default() };
    let bytes = client_frame(2, &[0; 1001], true);
    // Only the header: the limit is enforced before any payload arrives.
    let (mut conn, error) = violation(Role::Server, config, &bytes[..8]);
    assert_eq!(error, ProtocolError::Frame(DecodeError::FrameTooLong { len: 1001, max: 1000 }));
    assert_eq!(queued_close_code(&mut conn), CloseCode::MESSAGE_TOO_BIG);
}

#[test]
fn message_over_the_limit_fails() {
    let config = Config { max_message_len: 100, ..Config::default() };
    let mut bytes = client_frame(2, &[0; 60], false);
    bytes.extend(client_frame(0, &[0; 60], true));
    let expected = ProtocolError::MessageTooLong { max: 100 };
    assert_fails_with(Role::Server, config, &bytes, expected, CloseCode::MESSAGE_TOO_BIG);
}

#[test]
fn violation_after_our_close_queues_no_second_close() {
    let mut conn = Connection::new(Role::Server, Config::default());
    sent(&mut conn, Frame::close(CloseCode::NORMAL, "bye").unwrap()).unwrap();
    conn.recv(&server_frame(1, b"unmasked", true));
    assert_eq!(conn.next_event(), Err(ProtocolError::UnmaskedFrame));
    assert_eq!(conn.poll_output(), None);
}

#[test]
fn invalid_text_lent_by_reference_fails_with_1007_like_any_other() {
    // A masked one-frame text message of 0xFF, 0xFE (zero key: the payload as it is).
    let bad = [0x81, 0x82, 0, 0, 0, 0, 0xFF, 0xFE];
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&bad);
    assert_eq!(server.next_event_ref(), Err(ProtocolError::InvalidUtf8));
    assert_eq!(server.next_event(), Err(ProtocolError::InvalidUtf8), "the failure is final");
    let close = server.poll_output().expect("a close with 1007");
    assert_eq!(&close[..], [0x88, 0x02, 0x03, 0xEF]);
    assert_eq!(server.buffered(), 0, "nothing kept after a failure");
}

#[test]
fn a_lent_message_is_dropped_from_the_buffer_at_the_next_call() {
    use noio_ws_connection::EventRef;
    let mut client = Connection::new(Role::Client, Config::default()).with_mask_seed(7);
    client.send(Frame::binary(vec![1; 10])).unwrap();
    client.send(Frame::binary(vec![2; 10])).unwrap();
    let mut wire = Vec::new();
    while let Some(part) = client.poll_output() {
        wire.extend_from_slice(&part);
    }
    let mut server = Connection::new(Role::Server, Config::default());
    server.recv(&wire);
    let EventRef::Message(first) = server.next_event_ref().unwrap() else { panic!("a message") };
    assert_eq!(first.payload, [1; 10]);
    assert_eq!(server.buffered(), 16, "the first frame no longer counts");
    server.recv(&[]);
    let EventRef::Message(second) = server.next_event_ref().unwrap() else { panic!("a message") };
    assert_eq!(second.payload, [2; 10]);
    assert!(matches!(server.next_event_ref(), Ok(EventRef::Event(Event::NeedData))));
    assert_eq!(server.buffered(), 0);
}
