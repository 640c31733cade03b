//! The example frames of RFC 6455 section 5.7 as known answers, decoded and
//! re-encoded byte for byte.

use bytes::BytesMut;
use noio_ws_codec::{DecodedFrame, FrameDecoder, FrameEncoder, FrameHeader, Mask, OpCode, Role};

fn decode_all(wire: &[u8]) -> Vec<DecodedFrame> {
    let mut buf = BytesMut::from(wire);
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    while let Some(frame) = decoder.decode(&mut buf).expect("valid example") {
        frames.push(frame);
    }
    assert!(buf.is_empty(), "every byte belongs to a frame");
    frames
}

fn encode_all(frames: &[DecodedFrame]) -> Vec<u8> {
    let mut out = BytesMut::new();
    for frame in frames {
        let role = if frame.header.mask.is_some() { Role::Client } else { Role::Server };
        FrameEncoder::new(role).encode(&frame.header, &frame.payload, &mut out).unwrap();
    }
    out.to_vec()
}

fn assert_known_answer(wire: &[u8], expected: &[(FrameHeader, &[u8])]) {
    let frames = decode_all(wire);
    let got: Vec<(FrameHeader, &[u8])> = frames.iter().map(|f| (f.header, &f.payload[..])).collect();
    assert_eq!(got, expected);
    assert_eq!(encode_all(&frames), wire);
}

const KEY: Mask = Mask([0x37, 0xfa, 0x21, 0x3d]);

#[test]
fn single_frame_unmasked_text() {
    let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    assert_known_answer(&wire, &[(FrameHeader::new(OpCode::TEXT, 5), b"Hello")]);
}

#[test]
fn single_frame_masked_text() {
    let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    assert_known_answer(&wire, &[(FrameHeader::new(OpCode::TEXT, 5).with_mask(Some(KEY)), b"Hello")]);
}

#[test]
fn fragmented_unmasked_text() {
    let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    assert_known_answer(
        &wire,
        &[
            (FrameHeader::new(OpCode::TEXT, 3).with_fin(false), b"Hel"),
            (FrameHeader::new(OpCode::CONTINUATION, 2), b"lo"),
        ],
    );
}

#[test]
fn unmasked_ping_and_masked_pong() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    assert_known_answer(&ping, &[(FrameHeader::new(OpCode::PING, 5), b"Hello")]);
    let pong = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    assert_known_answer(&pong, &[(FrameHeader::new(OpCode::PONG, 5).with_mask(Some(KEY)), b"Hello")]);
}

#[test]
fn binary_256_bytes_with_16_bit_length() {
    let payload: Vec<u8> = (0..=255).collect();
    let mut wire = vec![0x82, 0x7E, 0x01, 0x00];
    wire.extend_from_slice(&payload);
    assert_known_answer(&wire, &[(FrameHeader::new(OpCode::BINARY, 256), &payload)]);
}

#[test]
fn binary_64_kib_with_64_bit_length() {
    let payload = vec![0xA5; 65536];
    let mut wire = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00];
    wire.extend_from_slice(&payload);
    assert_known_answer(&wire, &[(FrameHeader::new(OpCode::BINARY, 65536), &payload)]);
}
