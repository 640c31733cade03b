//! Property tests: every encode/decode pair is an identity, and how the byte
//! stream is split never changes what is decoded.

use bytes::BytesMut;
use noio_ws_codec::{
    CloseCode, ClosePayload, DecodedFrame, FrameChunk, FrameDecoder, FrameEncoder, FrameHeader, HeaderStatus,
    Mask, OpCode, Role, Rsv, apply_mask, apply_mask_copy,
};
use proptest::prelude::*;

/// Payload lengths around every length-encoding boundary, plus small ones.
fn payload_len() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0..130usize, 1 => 65_530..65_542usize, 1 => 130..3000usize]
}

/// Cheap deterministic payload bytes; the values do not matter, their variety does.
fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

prop_compose! {
    /// Any frame the protocol allows: control frames final and at most 125 bytes.
    fn frame()(opcode in 0u8..16, fin in any::<bool>(), rsv in 0u8..8, mask in any::<Option<[u8; 4]>>(),
               len in payload_len(), seed in any::<u8>()) -> DecodedFrame {
        let opcode = OpCode::new(opcode).unwrap();
        let (fin, len) = if opcode.is_control() { (true, len % 126) } else { (fin, len) };
        let header = FrameHeader::new(opcode, len as u64)
            .with_fin(fin)
            .with_rsv(Rsv::from_bits(rsv).unwrap())
            .with_mask(mask.map(Mask));
        DecodedFrame { header, payload: payload(len, seed).into() }
    }
}

fn encode(frames: &[DecodedFrame]) -> BytesMut {
    let mut out = BytesMut::new();
    for frame in frames {
        let role = if frame.header.mask.is_some() { Role::Client } else { Role::Server };
        FrameEncoder::new(role).encode(&frame.header, &frame.payload, &mut out).unwrap();
    }
    out
}

/// Appends `piece` to `buf`: through `FrameDecoder::extend` (what it does
/// not take is appended as it is), or as it is.
fn take_in(decoder: &mut FrameDecoder, buf: &mut BytesMut, piece: &[u8], extend: bool) {
    let taken = if extend { decoder.extend(buf, piece) } else { 0 };
    buf.extend_from_slice(&piece[taken..]);
}

/// Feeds `wire` to a decoder in pieces ending at `cuts` (through `extend`
/// when asked) and collects whole frames.
fn decode_split(wire: &[u8], cuts: &[usize], extend: bool) -> Vec<DecodedFrame> {
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for piece in pieces(wire, cuts) {
        take_in(&mut decoder, &mut buf, piece, extend);
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            frames.push(frame);
        }
    }
    assert!(buf.is_empty());
    frames
}

/// The same through `decode_chunk`, reassembling each frame from its chunks.
fn decode_chunks_split(wire: &[u8], cuts: &[usize], extend: bool) -> Vec<DecodedFrame> {
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut parts: Vec<FrameChunk> = Vec::new();
    for piece in pieces(wire, cuts) {
        take_in(&mut decoder, &mut buf, piece, extend);
        while let Some(chunk) = decoder.decode_chunk(&mut buf).unwrap() {
            let last = chunk.is_last();
            parts.push(chunk);
            if last {
                let header = parts[0].header;
                let payload: Vec<u8> = parts.iter().flat_map(|c| c.payload.iter().copied()).collect();
                assert!(parts.iter().all(|c| c.header == header));
                frames.push(DecodedFrame { header, payload: payload.into() });
                parts.clear();
            }
        }
    }
    frames
}

fn pieces<'a>(wire: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.push(0);
    cuts.push(wire.len());
    cuts.sort_unstable();
    cuts.windows(2).map(|w| &wire[w[0]..w[1]]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The short path gives the full decoder's answer whenever it answers,
    /// on well-formed frames cut anywhere and on arbitrary bytes.
    #[test]
    fn decode_short_agrees_with_decode(frames in prop::collection::vec(frame(), 1..4),
                                       cut in any::<prop::sample::Index>(),
                                       noise in prop::collection::vec(any::<u8>(), 0..20),
                                       max in prop_oneof![Just(u64::MAX), 0u64..70_000]) {
        let mut wire = Vec::new();
        for frame in &frames {
            let role = if frame.header.mask.is_some() { Role::Client } else { Role::Server };
            let mut out = BytesMut::new();
            let mut payload = frame.payload.to_vec();
            if let Some(mask) = frame.header.mask {
                mask.apply(&mut payload, 0);
            }
            FrameEncoder::new(role).encode(&frame.header, &payload, &mut out).unwrap();
            wire.extend_from_slice(&out);
        }
        for input in [&wire[..cut.index(wire.len() + 1)], &noise[..]] {
            let mut short_buf = BytesMut::from(input);
            let mut full_buf = BytesMut::from(input);
            let mut short = FrameDecoder::with_max_frame_len(max);
            let mut full = FrameDecoder::with_max_frame_len(max);
            while let Some(frame) = short.decode_short(&mut short_buf) {
                prop_assert_eq!(full.decode(&mut full_buf), Ok(Some(frame)));
            }
            prop_assert_eq!(short_buf.len(), full_buf.len());
            // In place: the same header and payload, the frame left in the buffer.
            let mut in_place = BytesMut::from(&full_buf[..]);
            if let Some((header, payload)) = FrameDecoder::with_max_frame_len(max).decode_short_in_place(&mut in_place) {
                let decoded = full.decode(&mut full_buf).unwrap().unwrap();
                prop_assert_eq!(header, decoded.header);
                prop_assert_eq!(&in_place[payload], &decoded.payload[..]);
            }
        }
    }

    #[test]
    fn header_encode_then_decode_is_identity(frame in frame()) {
        let mut bytes = [0u8; noio_ws_codec::MAX_HEADER_LEN];
        let n = frame.header.encode(&mut bytes).unwrap();
        prop_assert_eq!(n, frame.header.encoded_len());
        prop_assert_eq!(FrameHeader::decode(&bytes[..n]), Ok(HeaderStatus::Complete(frame.header, n)));
        for short in 0..n {
            prop_assert!(matches!(FrameHeader::decode(&bytes[..short]), Ok(HeaderStatus::Incomplete(_))));
        }
    }

    #[test]
    fn frame_encode_then_decode_is_identity(frame in frame()) {
        let wire = encode(std::slice::from_ref(&frame));
        prop_assert_eq!(decode_split(&wire, &[], false), vec![frame]);
    }

    #[test]
    fn any_split_gives_the_same_frames(frames in prop::collection::vec(frame(), 1..8),
                                       cuts in prop::collection::vec(any::<usize>(), 0..40)) {
        let wire = encode(&frames);
        // Appended as they are, or through `extend` (payloads unmasked as
        // they are copied in): the same frames either way.
        for extend in [false, true] {
            prop_assert_eq!(&decode_split(&wire, &cuts, extend), &frames);
            prop_assert_eq!(&decode_chunks_split(&wire, &cuts, extend), &frames);
        }
    }

    #[test]
    fn masking_twice_is_identity(data in prop::collection::vec(any::<u8>(), 0..600),
                                 key in any::<[u8; 4]>(), offset in 0usize..16) {
        let mut buf = data.clone();
        apply_mask(&mut buf, Mask(key), offset);
        apply_mask(&mut buf, Mask(key), offset);
        prop_assert_eq!(buf, data);
    }

    #[test]
    fn masking_in_pieces_equals_masking_whole(data in prop::collection::vec(any::<u8>(), 0..600),
                                              key in any::<[u8; 4]>(),
                                              cuts in prop::collection::vec(any::<usize>(), 0..10)) {
        let mut whole = data.clone();
        apply_mask(&mut whole, Mask(key), 0);
        let mut pieced = Vec::new();
        for piece in pieces(&data, &cuts) {
            let mut piece = piece.to_vec();
            apply_mask(&mut piece, Mask(key), pieced.len());
            pieced.extend_from_slice(&piece);
        }
        prop_assert_eq!(pieced, whole);
    }

    #[test]
    fn masked_copy_equals_copy_then_mask(data in prop::collection::vec(any::<u8>(), 0..3000),
                                         key in any::<[u8; 4]>(), offset in 0usize..16,
                                         start in 0usize..64) {
        let src = &data[start.min(data.len())..];
        let mut want = src.to_vec();
        apply_mask(&mut want, Mask(key), offset);
        let mut got = vec![0u8; src.len()];
        apply_mask_copy(&mut got, src, Mask(key), offset);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn masked_encode_equals_copy_then_mask(len in payload_len(), seed in any::<u8>(), key in any::<[u8; 4]>(),
                                           prefix in 0usize..64) {
        let data = payload(len, seed);
        let header = FrameHeader::new(OpCode::BINARY, len as u64).with_mask(Some(Mask(key)));
        let mut out = BytesMut::from(&vec![0xEE; prefix][..]);
        FrameEncoder::new(Role::Client).encode(&header, &data, &mut out).unwrap();
        let mut want = vec![0xEE; prefix];
        let mut head = [0u8; noio_ws_codec::MAX_HEADER_LEN];
        let head_len = header.encode(&mut head).unwrap();
        want.extend_from_slice(&head[..head_len]);
        let start = want.len();
        want.extend_from_slice(&data);
        apply_mask(&mut want[start..], Mask(key), 0);
        prop_assert_eq!(&out[..], &want[..]);
    }

    #[test]
    fn close_payload_encode_then_parse_is_identity(code in any::<u16>(), reason in "\\PC{0,40}") {
        let close = ClosePayload::new(CloseCode(code), &reason);
        let mut out = Vec::new();
        match close.encode(&mut out) {
            Ok(()) => prop_assert_eq!(ClosePayload::parse(&out), Ok(Some(close))),
            Err(_) => prop_assert!(!CloseCode(code).is_allowed_on_wire() || close.encoded_len() > 125),
        }
    }
}
