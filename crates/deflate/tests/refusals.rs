//! What a connection with permessage-deflate refuses, and how: reserved
//! bits it never negotiated (1002), and compressed data that cannot be
//! decompressed whole (1007), never delivering what the sender did not send.

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{CloseCode, FrameHeader, OpCode, Role, Rsv};
use noio_ws_connection::{Config, Connection, Delivery, Event, ProtocolError};
use noio_ws_deflate::fuzz::symmetric_server;
use noio_ws_deflate::{DeflateConfig, PerMessageDeflate};
use noio_ws_registry::{Extension, Registry};
use noio_ws_test_support::{drain, raw_frame};

/// A client's masking key for the raw frames below.
const KEY: Option<[u8; 4]> = Some([0x11, 0x22, 0x33, 0x44]);

/// "Hello", compressed as in RFC 7692 section 7.2.3.1.
const HELLO: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

#[test]
fn rsv1_without_negotiated_deflate_fails_with_1002() {
    let mut registry = Registry::new();
    // Pushed, but no handshake negotiated it.
    registry.extensions.push(PerMessageDeflate::new(DeflateConfig::default())).unwrap();
    let mut server = Connection::with_registry(Role::Server, Config::default(), registry);
    server.recv(&raw_frame(1, &HELLO, true, Rsv::RSV1, KEY));
    let (events, error) = drain(&mut server);
    assert_eq!(events, [], "the payload is not passed on, decoded or not");
    assert_eq!(error, Some(ProtocolError::ReservedBitsSet(Rsv::RSV1)));
    assert_eq!(error.unwrap().close_code(), CloseCode::PROTOCOL_ERROR);
}

/// A server that negotiated permessage-deflate with context takeover.
fn server(config: Config) -> Connection {
    let mut registry = Registry::new();
    registry.extensions.push_negotiated(symmetric_server(false, None)).unwrap();
    Connection::with_registry(Role::Server, config, registry)
}

/// A compressed text frame, FIN set, as a client sends it.
fn compressed(payload: &[u8]) -> Vec<u8> {
    raw_frame(1, payload, true, Rsv::RSV1, KEY)
}

/// What `server` makes of `frames`: its events, then its error, which
/// every later call repeats.
fn receive(server: &mut Connection, frames: &[Vec<u8>]) -> (Vec<Event>, Option<ProtocolError>) {
    server.recv(&frames.concat());
    let (events, error) = drain(server);
    if let Some(error) = &error {
        assert_eq!(server.next_event().as_ref(), Err(error), "a failed connection stays failed");
    }
    (events, error)
}

/// `error` is the extension's refusal, closing with 1007.
fn assert_1007(error: Option<ProtocolError>) {
    match error {
        Some(ProtocolError::Extension(e)) => assert_eq!(e.close_code, CloseCode::INVALID_PAYLOAD, "{e}"),
        other => panic!("expected 1007, got {other:?}"),
    }
    assert_eq!(CloseCode::INVALID_PAYLOAD.0, 1007);
}

/// Long, varied text: zlib writes it as a dynamic Huffman block.
fn long_text() -> String {
    (0u32..400).map(|i| format!("{} ", i.wrapping_mul(2_654_435_761) % 10_007)).collect()
}

/// `text` compressed as one message by a fresh sender.
fn deflated(text: &str) -> Vec<u8> {
    let mut sender = symmetric_server(false, None);
    let mut wire = BytesMut::new();
    sender.begin_encode(OpCode::TEXT, Some(text.len())).unwrap();
    sender.encode(text.as_bytes(), true, &mut wire).unwrap();
    wire.to_vec()
}

#[test]
fn a_message_cut_off_mid_block_fails_with_1007_and_the_next_is_not_delivered() {
    // The first three bytes of "Hello" (the first fragment of section
    // 7.2.3.1), sent as a whole message: the tail lands inside the block.
    let (events, error) =
        receive(&mut server(Config::default()), &[compressed(&HELLO[..3]), compressed(&HELLO)]);
    assert_eq!(events, []);
    assert_1007(error);

    // Half of a dynamic block.
    let whole = deflated(&long_text());
    let (events, error) =
        receive(&mut server(Config::default()), &[compressed(&whole[..whole.len() / 2]), compressed(&HELLO)]);
    assert_eq!(events, []);
    assert_1007(error);
}

#[test]
fn a_cut_message_streamed_delivers_only_a_prefix_of_what_was_sent() {
    let text = long_text();
    let whole = deflated(&text);
    let streaming = Config { delivery: Delivery::Streaming, max_chunk_len: 100, ..Config::default() };
    let cases = [("Hello", HELLO[..3].to_vec()), (text.as_str(), whole[..whole.len() / 2].to_vec())];
    for (sent, cut) in cases {
        let (events, error) = receive(&mut server(streaming), &[compressed(&cut), compressed(&HELLO)]);
        assert_1007(error);
        let mut delivered = Vec::new();
        for event in events {
            match event {
                Event::Chunk(chunk) => {
                    assert!(!chunk.fin, "a refused message never ends");
                    delivered.extend_from_slice(&chunk.payload);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(sent.as_bytes().starts_with(&delivered), "delivered {delivered:?}, not sent");
    }
}

#[test]
fn a_stored_block_cut_short_fails_with_1007() {
    // A stored block of ten bytes (as in section 7.2.3.3) cut after "He":
    // the tail, then the next message, would be copied out as the rest.
    let cut = [0x00, 0x0a, 0x00, 0xf5, 0xff, 0x48, 0x65];
    let binary = |payload: &[u8]| raw_frame(2, payload, true, Rsv::RSV1, KEY);
    let (events, error) = receive(&mut server(Config::default()), &[binary(&cut), binary(&HELLO)]);
    assert_eq!(events, []);
    assert_1007(error);
}

#[test]
fn an_empty_compressed_payload_fails_with_1007_at_once() {
    // RFC 7692 section 7.2.1 leaves at least the octet with the empty
    // block's header bits (7.2.3.6: an empty message is 0x00); the tail
    // alone would leave the decompressor inside a block.
    let (events, error) = receive(&mut server(Config::default()), &[compressed(&[]), compressed(&HELLO)]);
    assert_eq!(events, []);
    assert_1007(error);
    // The same in two empty fragments.
    let fragments = [raw_frame(1, &[], false, Rsv::RSV1, KEY), raw_frame(0, &[], true, Rsv::NONE, KEY)];
    let (events, error) = receive(&mut server(Config::default()), &fragments);
    assert_eq!(events, []);
    assert_1007(error);
    // The empty message done right decodes, and so does the next one.
    let (events, error) = receive(&mut server(Config::default()), &[compressed(&[0x00]), compressed(&HELLO)]);
    assert_eq!(error, None);
    assert_eq!(texts(events), ["", "Hello"]);
}

#[test]
fn a_payload_keeping_its_sync_flush_tail_fails_with_1007() {
    // A sender that did not remove 00 00 ff ff (section 7.2.1, step 3).
    let kept = [&HELLO[..], &[0x00, 0x00, 0xff, 0xff]].concat();
    let (events, error) = receive(&mut server(Config::default()), &[compressed(&kept), compressed(&HELLO)]);
    assert_eq!(events, []);
    assert_1007(error);
}

/// "Hello" in a block with BFINAL set (section 7.2.3.4, without the octet
/// that follows it there).
const FINAL_HELLO: [u8; 7] = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

#[test]
fn data_after_a_bfinal_block_fails_with_1007() {
    let after: [&[u8]; 5] = [&[0x00, 0x00], &[0xff], &[0x01], &[0x02, 0x00], &[0x00; 100_000]];
    for junk in after {
        // A small limit: what follows the final block is never inflated,
        // so it could not have been counted against it.
        let config = Config { max_message_len: 64, ..Config::default() };
        let message = [&FINAL_HELLO[..], junk].concat();
        let (events, error) = receive(&mut server(config), &[compressed(&message), compressed(&HELLO)]);
        assert_eq!(events, [], "{junk:02x?}");
        assert_1007(error);
    }
    // The same when the junk comes in a later fragment.
    let fragments = [
        raw_frame(1, &FINAL_HELLO, false, Rsv::RSV1, KEY),
        raw_frame(0, &[0x00, 0xff], true, Rsv::NONE, KEY),
    ];
    let (events, error) = receive(&mut server(Config::default()), &fragments);
    assert_eq!(events, []);
    assert_1007(error);
}

#[test]
fn a_bfinal_block_may_end_the_payload_alone_or_with_its_octet() {
    let with_octet = [&FINAL_HELLO[..], &[0x00]].concat();
    let in_fragments =
        [raw_frame(1, &FINAL_HELLO, false, Rsv::RSV1, KEY), raw_frame(0, &[0x00], true, Rsv::NONE, KEY)];
    let frames =
        [compressed(&FINAL_HELLO), compressed(&HELLO), compressed(&with_octet), in_fragments.concat()];
    let (events, error) = receive(&mut server(Config::default()), &frames);
    assert_eq!(error, None);
    assert_eq!(texts(events), ["Hello", "Hello", "Hello", "Hello"]);
}

/// The texts of whole-message events.
fn texts(events: Vec<Event>) -> Vec<String> {
    events
        .into_iter()
        .map(|e| match e {
            Event::Message(m) => m.as_text().unwrap().to_string(),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn the_extension_refuses_a_cut_message_and_everything_after() {
    let mut receiver = symmetric_server(false, None);
    let header = FrameHeader::new(OpCode::TEXT, 3).with_rsv(Rsv::RSV1);
    assert!(receiver.begin_decode(&header).unwrap());
    let mut out = BytesMut::new();
    let error = receiver.decode(&HELLO[..3], true, &mut out, usize::MAX).unwrap_err();
    assert_eq!(error.close_code, CloseCode::INVALID_PAYLOAD);
    assert!(b"Hello".starts_with(&out), "{out:?}");
    // Its state is not the sender's any more: a valid message is refused too.
    assert!(receiver.begin_decode(&header).unwrap());
    let error = receiver.decode(&HELLO, true, &mut BytesMut::new(), usize::MAX).unwrap_err();
    assert_eq!(error.close_code, CloseCode::INVALID_PAYLOAD);
}
