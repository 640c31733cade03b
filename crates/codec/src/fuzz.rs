//! Fuzz target bodies, shared by `fuzz/` (cargo-fuzz) and the stable seed
//! replay test. Hidden: not part of the API.

use alloc::vec::Vec;

use bytes::BytesMut;

use crate::{DecodeError, DecodedFrame, FrameDecoder, FrameEncoder, MAX_HEADER_LEN, Role};

/// A small limit so the fuzzer reaches the "frame too long" path often.
const FUZZ_MAX_FRAME_LEN: u64 = 4096;

/// The `frame_decode` target: the first byte picks a read size, the rest is
/// the stream. Checks that decoding never panics, that any read size, whole
/// frames and chunked delivery all agree, with reads appended as they are or
/// through `FrameDecoder::extend` (unmasked as they are copied in), that buffered memory stays within
/// the limit, and that re-encoding the frames reproduces the input exactly
/// (decoding accepts only minimal length encodings, so the encoding is unique).
pub fn frame_decode(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let read_size = usize::from(seed % 64) + 1;

    let (all_at_once, err) = decode_whole(stream, stream.len().max(1), false);
    let (in_reads, err_in_reads) = decode_whole(stream, read_size, false);
    assert_eq!(all_at_once, in_reads, "read size {read_size} changed the frames");
    assert_eq!(err, err_in_reads);
    let (extended, err_extended) = decode_whole(stream, read_size, true);
    assert_eq!(all_at_once, extended, "extend changed the frames");
    assert_eq!(err, err_extended);

    let (short_first, err_short) = decode_short_first(stream, read_size);
    assert_eq!(all_at_once, short_first, "the short path changed the frames");
    assert_eq!(err, err_short);

    for extend in [false, true] {
        let (from_chunks, err_chunks) = decode_chunked(stream, read_size, extend);
        assert_eq!(all_at_once, from_chunks, "chunked delivery changed the frames (extend: {extend})");
        assert_eq!(err, err_chunks);
    }

    let mut reencoded = BytesMut::new();
    for frame in &all_at_once {
        let role = if frame.header.mask.is_some() { Role::Client } else { Role::Server };
        FrameEncoder::new(role)
            .encode(&frame.header, &frame.payload, &mut reencoded)
            .expect("a decoded frame re-encodes");
    }
    assert_eq!(&reencoded[..], &stream[..reencoded.len()], "re-encoding differs from the input");
    let (again, _) = decode_whole(&reencoded, reencoded.len().max(1), false);
    assert_eq!(all_at_once, again);
}

/// Like [`decode_whole`], trying the short path (`decode_short`, and
/// `decode_short_in_place` on a copy) before the full one for every frame.
fn decode_short_first(stream: &[u8], read_size: usize) -> (Vec<DecodedFrame>, Option<DecodeError>) {
    let mut decoder = FrameDecoder::with_max_frame_len(FUZZ_MAX_FRAME_LEN);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for read in stream.chunks(read_size) {
        buf.extend_from_slice(read);
        loop {
            let mut copy = buf.to_vec();
            let in_place = decoder.decode_short_in_place(&mut copy);
            if let Some(frame) = decoder.decode_short(&mut buf) {
                let (header, payload) = in_place.expect("both short paths take the same frames");
                assert_eq!((header, &copy[payload]), (frame.header, &frame.payload[..]));
                frames.push(frame);
                continue;
            }
            assert!(in_place.is_none(), "both short paths take the same frames");
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

/// Appends `read` to `buf`, through [`FrameDecoder::extend`] first when
/// `extend` (what it does not take is appended as it is).
fn take_in(decoder: &mut FrameDecoder, buf: &mut BytesMut, read: &[u8], extend: bool) {
    let taken = if extend { decoder.extend(buf, read) } else { 0 };
    buf.extend_from_slice(&read[taken..]);
}

/// Whole frames from `stream` fed `read_size` bytes at a time, and the error
/// that stopped decoding, if any.
fn decode_whole(stream: &[u8], read_size: usize, extend: bool) -> (Vec<DecodedFrame>, Option<DecodeError>) {
    let mut decoder = FrameDecoder::with_max_frame_len(FUZZ_MAX_FRAME_LEN);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for read in stream.chunks(read_size) {
        take_in(&mut decoder, &mut buf, read, extend);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
        assert!(buf.len() <= FUZZ_MAX_FRAME_LEN as usize + MAX_HEADER_LEN + read_size);
    }
    (frames, None)
}

/// The same, through `decode_chunk`, reassembling each frame from its chunks.
fn decode_chunked(stream: &[u8], read_size: usize, extend: bool) -> (Vec<DecodedFrame>, Option<DecodeError>) {
    let mut decoder = FrameDecoder::with_max_frame_len(FUZZ_MAX_FRAME_LEN);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut current: Option<(crate::FrameHeader, BytesMut)> = None;
    for read in stream.chunks(read_size) {
        take_in(&mut decoder, &mut buf, read, extend);
        loop {
            let chunk = match decoder.decode_chunk(&mut buf) {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            };
            // Chunked delivery never holds a data payload back, so the buffer
            // stays within one read plus a header and a control frame.
            assert!(buf.len() <= read_size + MAX_HEADER_LEN + 125);
            assert_eq!(chunk.is_first(), current.is_none(), "offset 0 marks a frame's first chunk only");
            assert!(
                !chunk.payload.is_empty() || chunk.header.payload_len == 0,
                "no empty chunk of a non-empty frame"
            );
            let (header, payload) = current.get_or_insert_with(|| (chunk.header, BytesMut::new()));
            assert_eq!(*header, chunk.header);
            assert_eq!(chunk.offset, payload.len() as u64);
            payload.extend_from_slice(&chunk.payload);
            if chunk.is_last() {
                let (header, payload) = current.take().expect("set above");
                frames.push(DecodedFrame { header, payload: payload.freeze() });
            }
        }
    }
    (frames, None)
}
