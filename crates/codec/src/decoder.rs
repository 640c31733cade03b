//! The streaming frame decoder over a `BytesMut` input buffer.

use core::ops::Range;

use bytes::{Buf, BytesMut};

use crate::header::{FIN, MASKED};
use crate::{DecodeError, DecodedFrame, FrameChunk, FrameHeader, HeaderStatus, Mask, OpCode, Rsv};

/// The default [`FrameDecoder::max_frame_len`]: 16 MiB.
pub const DEFAULT_MAX_FRAME_LEN: u64 = 16 << 20;

/// Decodes frames from bytes as they arrive.
///
/// The decoder never reserves memory on a header's word: the buffer grows
/// with the bytes that arrive (the caller's appends), so a peer that declares
/// a large frame and sends one byte makes it hold one byte. What a decoder can
/// be made to hold is bounded by `max_frame_len` plus one read.
///
/// The caller appends received bytes to a `BytesMut` and calls
/// [`decode`](FrameDecoder::decode) until it returns `Ok(None)`. Payloads are
/// unmasked in place and split off the buffer as `Bytes`: no copy, no
/// allocation per frame. A header declaring more than
/// [`max_frame_len`](FrameDecoder::max_frame_len) fails before any of its
/// payload is waited for.
///
/// [`decode_chunk`](FrameDecoder::decode_chunk) hands out a frame's payload
/// in pieces as it arrives instead, so even a frame of gigabytes is never
/// buffered whole. Control frames (125 bytes at most) always come whole.
///
/// ```
/// use bytes::BytesMut;
/// use noio_ws_codec::{FrameDecoder, OpCode};
///
/// // RFC 6455 section 5.7: a masked "Hello" from a client.
/// let mut buf = BytesMut::from(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58][..]);
/// let mut decoder = FrameDecoder::new();
/// let frame = decoder.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(frame.header.opcode, OpCode::TEXT);
/// assert_eq!(&frame.payload[..], b"Hello");
/// assert_eq!(decoder.decode(&mut buf), Ok(None));
/// ```
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    max_frame_len: u64,
    /// The frame whose header has been consumed but whose payload has not
    /// all been handed out.
    partial: Option<PartialFrame>,
}

#[derive(Clone, Copy, Debug)]
struct PartialFrame {
    header: FrameHeader,
    /// Payload bytes dealt with: handed out by `decode_chunk`, or unmasked in
    /// place at the front of the buffer by `decode`.
    done: u64,
    /// True once `decode_chunk` has handed out a chunk of this frame, so
    /// `decode` can no longer return it whole.
    chunked: bool,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl FrameDecoder {
    /// A decoder with the default frame limit ([`DEFAULT_MAX_FRAME_LEN`]).
    pub const fn new() -> Self {
        FrameDecoder::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A decoder refusing frames whose payload is over `max_frame_len` bytes.
    pub const fn with_max_frame_len(max_frame_len: u64) -> Self {
        FrameDecoder { max_frame_len, partial: None }
    }

    /// The largest payload accepted, in bytes.
    pub const fn max_frame_len(&self) -> u64 {
        self.max_frame_len
    }

    /// Changes the limit for frames whose header has not been read yet.
    pub fn set_max_frame_len(&mut self, max_frame_len: u64) {
        self.max_frame_len = max_frame_len;
    }

    /// True while `decode_chunk` has handed out part, not all, of a frame.
    pub fn is_mid_frame(&self) -> bool {
        self.partial.is_some_and(|p| p.chunked)
    }

    /// While [`decode`](FrameDecoder::decode) waits for the rest of a frame:
    /// its header and the payload bytes received so far, already unmasked at
    /// the front of `buf`. Lets a caller judge a frame (its header, the UTF-8
    /// of a text payload) before it is complete.
    ///
    /// `buf` must be the buffer `decode` was given; a shorter one (a caller
    /// bug) gives `None` rather than a prefix that was never unmasked.
    pub fn partial_frame<'a>(&self, buf: &'a [u8]) -> Option<(FrameHeader, &'a [u8])> {
        match self.partial {
            Some(PartialFrame { header, done, chunked: false }) => Some((header, buf.get(..done as usize)?)),
            _ => None,
        }
    }

    /// The payload bytes still to arrive for the frame `decode` is waiting
    /// on, given the buffer it was called with; `None` when no frame is part
    /// way in (or `decode_chunk` is handing one out). Lets a caller size its
    /// next read, or bound how far its buffer may grow, by what the frame
    /// still needs rather than by what its header declares.
    pub fn partial_remaining(&self, buf: &[u8]) -> Option<u64> {
        match self.partial {
            Some(PartialFrame { header, chunked: false, .. }) => {
                Some(header.payload_len.saturating_sub(buf.len() as u64))
            }
            _ => None,
        }
    }

    /// True when no frame is part way through: the next byte of the input
    /// starts a frame.
    #[inline]
    pub fn is_between_frames(&self) -> bool {
        self.partial.is_none()
    }

    /// The fast path of [`decode`](FrameDecoder::decode) for the commonest
    /// frames: a short one (a payload under 64 KiB, its length in the second
    /// byte or the 16 bits after it) whose bytes are all in `buf`, taken
    /// while no frame is part way through. `None` means "not such a frame":
    /// call `decode`, which gives the same answer for every input, errors
    /// included.
    #[inline]
    pub fn decode_short(&mut self, buf: &mut BytesMut) -> Option<DecodedFrame> {
        let (header, payload) = self.decode_short_in_place(buf)?;
        let mut frame = buf.split_to(payload.end);
        frame.advance(payload.start);
        Some(DecodedFrame { header, payload: frame.freeze() })
    }

    /// [`decode_short`](FrameDecoder::decode_short) without taking the frame
    /// off `buf`: unmasks its payload in place and returns the header and
    /// where the payload lies; the frame ends where the payload does. For a
    /// caller that lends the payload out instead of splitting it off (no
    /// reference counting per frame), and then drops the frame's bytes.
    #[inline]
    pub fn decode_short_in_place(&self, buf: &mut [u8]) -> Option<(FrameHeader, Range<usize>)> {
        let &[b0, b1] = buf.first_chunk::<2>()?;
        let masked = b1 & MASKED != 0;
        let opcode = OpCode::from_low_bits(b0);
        let len7 = b1 & 0x7F;
        // 64-bit lengths, fragmented control frames and control frames with
        // a 16-bit length (both errors) take the full path; so does a
        // decoder mid-frame.
        let (len, key_at) = if len7 < 126 {
            if opcode.is_control() && b0 & FIN == 0 {
                return None;
            }
            (usize::from(len7), 2)
        } else if len7 == 126 && !opcode.is_control() {
            let &[_, _, hi, lo] = buf.first_chunk::<4>()?;
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            // A length that fits in 7 bits must use them (RFC 6455 section 5.2).
            if len < 126 {
                return None;
            }
            (len, 4)
        } else {
            return None;
        };
        if self.partial.is_some() {
            return None;
        }
        let start = key_at + if masked { 4 } else { 0 };
        let end = start + len;
        if buf.len() < end || len as u64 > self.max_frame_len {
            return None;
        }
        let (head, payload) = buf.split_at_mut(start);
        let mask = match head.last_chunk::<4>() {
            Some(&key) if masked => Some(Mask(key)),
            _ => None,
        };
        if let Some(mask) = mask {
            mask.apply(&mut payload[..len], 0);
        }
        let rsv = Rsv::from_flags(b0 & 0x40 != 0, b0 & 0x20 != 0, b0 & 0x10 != 0);
        let header = FrameHeader { fin: b0 & FIN != 0, rsv, opcode, mask, payload_len: len as u64 };
        Some((header, start..end))
    }

    /// Takes the next whole frame off the front of `buf`.
    ///
    /// `Ok(None)` means more bytes are needed. Once a header has arrived
    /// without all of its payload, the header is taken off `buf` and kept,
    /// and payload bytes are unmasked in place as they arrive, while they are
    /// still in cache. After an error the same error comes again: the stream
    /// cannot be resynchronised. Calling it with a buffer shorter than the
    /// one it unmasked a frame's first bytes in is
    /// [`DecodeError::BufferShrank`], not a panic.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<DecodedFrame>, DecodeError> {
        let (header, done) = match self.partial {
            Some(PartialFrame { chunked: true, .. }) => return Err(DecodeError::ChunkedFrameInProgress),
            Some(PartialFrame { done, .. }) if buf.len() < done as usize => {
                return Err(DecodeError::BufferShrank);
            }
            Some(PartialFrame { header, done, .. }) => (header, done as usize),
            None => {
                let Some((header, header_len, payload_len)) = self.parse_header(buf)? else {
                    return Ok(None);
                };
                if buf.len() - header_len >= payload_len {
                    return Ok(Some(take_whole(buf, header, header_len, payload_len)));
                }
                buf.advance(header_len);
                (header, 0)
            }
        };
        // parse_header made sure the length fits in a usize.
        let payload_len = header.payload_len as usize;
        let arrived = buf.len().min(payload_len);
        if let Some(mask) = header.mask {
            mask.apply(&mut buf[done..arrived], done);
        }
        if arrived < payload_len {
            self.partial = Some(PartialFrame { header, done: arrived as u64, chunked: false });
            return Ok(None);
        }
        self.partial = None;
        Ok(Some(DecodedFrame { header, payload: buf.split_to(payload_len).freeze() }))
    }

    /// Appends to `buf` the bytes at the front of `src` that belong to a
    /// frame arriving over several reads, unmasking its payload as it is
    /// copied, so those bytes are read and written once instead of copied and
    /// then unmasked in a second pass. Returns how many bytes of `src` it
    /// took; the caller appends the rest as they are.
    ///
    /// It takes the rest of the payload of the frame
    /// [`decode`](FrameDecoder::decode) is waiting on, when `buf` holds just
    /// that payload so far (as `decode` left it). With no frame part way in
    /// and `buf` empty, it takes a data frame that `src` begins and ends
    /// part way through: its header (kept, as `decode` would) and its payload
    /// so far. Otherwise, and for a header that `decode` would refuse (which
    /// `decode` then reports), it takes nothing. Either way `decode` and
    /// [`decode_chunk`](FrameDecoder::decode_chunk) then give what they would
    /// have given for the bytes appended as they were.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use noio_ws_codec::FrameDecoder;
    ///
    /// // RFC 6455 section 5.7's masked "Hello", arriving in two reads.
    /// let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    /// let (mut decoder, mut buf) = (FrameDecoder::new(), BytesMut::new());
    /// for read in [&wire[..8], &wire[8..]] {
    ///     let taken = decoder.extend(&mut buf, read);
    ///     buf.extend_from_slice(&read[taken..]);
    /// }
    /// assert_eq!(&buf[..], b"Hello", "unmasked as it was copied");
    /// assert_eq!(&decoder.decode(&mut buf).unwrap().unwrap().payload[..], b"Hello");
    /// ```
    pub fn extend(&mut self, buf: &mut BytesMut, src: &[u8]) -> usize {
        let mut taken = 0;
        if self.partial.is_none() {
            if !buf.is_empty() {
                return 0;
            }
            let Ok(Some((header, header_len, payload_len))) = self.parse_header(src) else {
                return 0;
            };
            // A frame wholly in `src` is left to `decode`, which hands it out
            // with no state kept; control frames come whole, never in pieces.
            if src.len() - header_len >= payload_len || header.opcode.is_control() {
                return 0;
            }
            self.partial = Some(PartialFrame { header, done: 0, chunked: false });
            taken = header_len;
        }
        let Some(PartialFrame { header, done, chunked: false }) = &mut self.partial else {
            return taken;
        };
        if buf.len() as u64 != *done {
            return taken;
        }
        let rest = &src[taken..];
        let take =
            usize::try_from(header.payload_len - *done).map_or(rest.len(), |left| left.min(rest.len()));
        match header.mask {
            // Only the key's phase matters; a u64 offset modulo 4 fits any usize.
            Some(mask) => crate::extend_masked(buf, &rest[..take], mask, (*done % 4) as usize),
            None => buf.extend_from_slice(&rest[..take]),
        }
        *done += take as u64;
        taken + take
    }

    /// Takes the next piece of a frame off the front of `buf`.
    ///
    /// A frame whose bytes are all buffered comes as one chunk. Otherwise each
    /// call returns the payload bytes that have arrived since the last one,
    /// unmasked at their offset; only a frame with an empty payload gives an
    /// empty chunk. `Ok(None)` means more bytes are needed.
    pub fn decode_chunk(&mut self, buf: &mut BytesMut) -> Result<Option<FrameChunk>, DecodeError> {
        let (header, delivered, starts_frame) = match self.partial {
            Some(PartialFrame { header, done, chunked }) => {
                // A frame `decode` began has its first `done` bytes unmasked
                // already; hand those out as they are.
                if !chunked && done > 0 {
                    if buf.len() < done as usize {
                        return Err(DecodeError::BufferShrank);
                    }
                    let payload = buf.split_to(done as usize).freeze();
                    // `extend` may have taken the whole payload.
                    self.partial =
                        (done < header.payload_len).then_some(PartialFrame { header, done, chunked: true });
                    return Ok(Some(FrameChunk { header, offset: 0, payload }));
                }
                (header, done, !chunked)
            }
            None => {
                let Some((header, header_len, payload_len)) = self.parse_header(buf)? else {
                    return Ok(None);
                };
                let available = buf.len() - header_len;
                if available >= payload_len {
                    return Ok(Some(take_whole(buf, header, header_len, payload_len).into()));
                }
                if header.opcode.is_control() {
                    return Ok(None);
                }
                buf.advance(header_len);
                (header, 0, true)
            }
        };
        let remaining = header.payload_len - delivered;
        let take = usize::try_from(remaining).map_or(buf.len(), |r| r.min(buf.len()));
        if take == 0 {
            // Only a header so far: keep it and hand out the payload as it
            // comes, so the chunk at offset 0 is always the frame's first.
            self.partial = Some(PartialFrame { header, done: delivered, chunked: !starts_frame });
            return Ok(None);
        }
        let mut payload = buf.split_to(take);
        if let Some(mask) = header.mask {
            // Only the key's phase matters; a u64 offset modulo 4 fits any usize.
            mask.apply(&mut payload, (delivered % 4) as usize);
        }
        let now = delivered + take as u64;
        self.partial =
            (now < header.payload_len).then_some(PartialFrame { header, done: now, chunked: true });
        Ok(Some(FrameChunk { header, offset: delivered, payload: payload.freeze() }))
    }

    /// Parses the header at the front of `buf` and checks it against the
    /// limit, giving the header, its length and the payload length as a `usize`.
    #[inline]
    fn parse_header(&self, buf: &[u8]) -> Result<Option<(FrameHeader, usize, usize)>, DecodeError> {
        let (header, header_len) = match FrameHeader::decode(buf)? {
            HeaderStatus::Complete(header, len) => (header, len),
            HeaderStatus::Incomplete(_) => return Ok(None),
        };
        let too_long = DecodeError::FrameTooLong { len: header.payload_len, max: self.max_frame_len };
        if header.payload_len > self.max_frame_len {
            return Err(too_long);
        }
        // A payload that cannot be addressed cannot be buffered; on 64-bit
        // targets this never fails.
        let payload_len = usize::try_from(header.payload_len).map_err(|_| too_long)?;
        Ok(Some((header, header_len, payload_len)))
    }
}

/// Splits a fully buffered frame off `buf` and unmasks its payload in place.
#[inline]
fn take_whole(
    buf: &mut BytesMut,
    header: FrameHeader,
    header_len: usize,
    payload_len: usize,
) -> DecodedFrame {
    // One split of the whole frame, then dropping the header from the split-off
    // part, costs less than advancing the (possibly unshared) input buffer twice.
    let mut payload = buf.split_to(header_len + payload_len);
    payload.advance(header_len);
    if let Some(mask) = header.mask {
        mask.apply(&mut payload, 0);
    }
    DecodedFrame { header, payload: payload.freeze() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CloseCode, Mask, OpCode};

    #[test]
    fn limit_is_checked_on_the_header_alone() {
        let mut decoder = FrameDecoder::with_max_frame_len(1000);
        // A header declaring 70 000 bytes, with none of them sent.
        let mut buf = BytesMut::from(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0x11, 0x70][..]);
        let err = decoder.decode(&mut buf).unwrap_err();
        assert_eq!(err, DecodeError::FrameTooLong { len: 70_000, max: 1000 });
        assert_eq!(err.close_code(), CloseCode::MESSAGE_TOO_BIG);
        assert_eq!(decoder.decode_chunk(&mut buf).unwrap_err(), err);
        assert_eq!(buf.len(), 10, "nothing consumed on error");
    }

    #[test]
    fn chunks_unmask_at_their_offsets() {
        let mask = Mask([1, 2, 3, 4]);
        let mut wire = alloc::vec![0x82, 0x87, 1, 2, 3, 4];
        let mut payload = *b"abcdefg";
        mask.apply(&mut payload, 0);
        wire.extend_from_slice(&payload);

        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for byte in wire {
            buf.extend_from_slice(&[byte]);
            while let Some(chunk) = decoder.decode_chunk(&mut buf).unwrap() {
                assert_eq!(chunk.offset as usize, got.len());
                got.extend_from_slice(&chunk.payload);
            }
        }
        assert_eq!(got, b"abcdefg");
        assert!(!decoder.is_mid_frame());
    }

    #[test]
    fn a_header_alone_gives_no_chunk() {
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::from(&[0x02, 0x03][..]);
        assert_eq!(decoder.decode_chunk(&mut buf), Ok(None));
        assert!(buf.is_empty(), "the header was taken and kept");
        buf.extend_from_slice(b"x");
        let first = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert!(first.is_first() && !first.is_last());
        assert_eq!((first.header.opcode, &first.payload[..]), (OpCode::BINARY, &b"x"[..]));
        assert_eq!(decoder.decode(&mut buf), Err(DecodeError::ChunkedFrameInProgress));
        buf.extend_from_slice(b"yz");
        let last = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert!(!last.is_first() && last.is_last());
        assert_eq!((last.offset, &last.payload[..]), (1, &b"yz"[..]));
    }

    #[test]
    fn an_empty_frame_is_one_empty_chunk() {
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::from(&[0x82, 0x00][..]);
        let chunk = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert!(chunk.is_first() && chunk.is_last() && chunk.payload.is_empty());
    }

    #[test]
    fn decode_chunk_continues_a_frame_decode_began() {
        let mask = Mask([5, 6, 7, 8]);
        let mut payload = *b"0123456789";
        mask.apply(&mut payload, 0);
        let mut buf = BytesMut::from(&[0x82, 0x8A, 5, 6, 7, 8][..]);
        buf.extend_from_slice(&payload[..3]);

        let mut decoder = FrameDecoder::new();
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert!(!decoder.is_mid_frame());
        let first = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert_eq!((first.offset, &first.payload[..]), (0, &b"012"[..]));
        assert!(decoder.is_mid_frame());
        buf.extend_from_slice(&payload[3..]);
        let rest = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert_eq!((rest.offset, &rest.payload[..]), (3, &b"3456789"[..]));
        assert!(rest.is_last() && !decoder.is_mid_frame());
    }

    #[test]
    fn a_partial_frame_shows_its_unmasked_prefix() {
        let mask = Mask([5, 6, 7, 8]);
        let mut payload = *b"0123456789";
        mask.apply(&mut payload, 0);
        let mut buf = BytesMut::from(&[0x81, 0x8A, 5, 6, 7, 8][..]);
        let mut decoder = FrameDecoder::new();
        assert_eq!(decoder.partial_frame(&buf), None);
        for piece in payload[..9].chunks(4) {
            buf.extend_from_slice(piece);
            assert_eq!(decoder.decode(&mut buf), Ok(None));
            let (header, prefix) = decoder.partial_frame(&buf).unwrap();
            assert_eq!(header.opcode, OpCode::TEXT);
            assert_eq!(prefix, &b"0123456789"[..prefix.len()]);
        }
        buf.extend_from_slice(&payload[9..]);
        assert_eq!(&decoder.decode(&mut buf).unwrap().unwrap().payload[..], b"0123456789");
        assert_eq!(decoder.partial_frame(&buf), None);
    }

    #[test]
    fn a_declared_length_reserves_nothing() {
        // A header declaring 8 MiB and one payload byte: the buffer holds what
        // arrived, not what was declared.
        let mut buf = BytesMut::from(&[0x82, 0x7F, 0, 0, 0, 0, 0, 0x80, 0, 0, b'x'][..]);
        let mut decoder = FrameDecoder::with_max_frame_len(16 << 20);
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert!(buf.capacity() < 64, "capacity {}", buf.capacity());
        assert_eq!(decoder.partial_remaining(&buf), Some((8 << 20) - 1));
    }

    #[test]
    fn another_buffer_is_an_error_not_a_panic() {
        let mut buf = BytesMut::from(&[0x82, 0x05, b'a', b'b', b'c'][..]);
        let mut decoder = FrameDecoder::new();
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        let mut other = BytesMut::from(&b"a"[..]);
        assert_eq!(decoder.partial_frame(&other), None);
        assert_eq!(decoder.decode(&mut other), Err(DecodeError::BufferShrank));
        assert_eq!(decoder.decode_chunk(&mut other), Err(DecodeError::BufferShrank));
        assert_eq!(DecodeError::BufferShrank.close_code(), CloseCode::INTERNAL_ERROR);
        // The right buffer still works.
        buf.extend_from_slice(b"de");
        assert_eq!(&decoder.decode(&mut buf).unwrap().unwrap().payload[..], b"abcde");
    }

    #[test]
    fn control_frames_come_whole_in_chunk_mode() {
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::from(&[0x89, 0x02, b'h'][..]);
        assert_eq!(decoder.decode_chunk(&mut buf), Ok(None));
        buf.extend_from_slice(b"i");
        let ping = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert!(ping.is_first() && ping.is_last());
        assert_eq!(&ping.payload[..], b"hi");
    }

    /// A masked binary frame with `len` payload bytes of value 9, and its
    /// payload as sent.
    fn masked_frame(len: u8) -> Vec<u8> {
        let mut wire = vec![0x82, 0x80 | len, 1, 2, 3, 4];
        wire.extend((0..len).map(|i| 9 ^ [1, 2, 3, 4][usize::from(i) % 4]));
        wire
    }

    #[test]
    fn extend_takes_only_what_it_can_unmask_on_the_way_in() {
        let wire = masked_frame(20);
        // A frame wholly in the read is left to decode.
        assert_eq!(FrameDecoder::new().extend(&mut BytesMut::new(), &wire), 0);
        // So are bytes behind others not yet decoded.
        assert_eq!(FrameDecoder::new().extend(&mut BytesMut::from(&b"x"[..]), &wire[..10]), 0);
        // A control frame, even split, comes whole from decode.
        let ping = [0x89, 0x82, 1, 2, 3, 4, 0, 0];
        assert_eq!(FrameDecoder::new().extend(&mut BytesMut::new(), &ping[..7]), 0);
        // A header over the limit is decode's to refuse.
        let mut limited = FrameDecoder::with_max_frame_len(10);
        assert_eq!(limited.extend(&mut BytesMut::new(), &wire[..10]), 0);
        assert!(limited.decode(&mut BytesMut::from(&wire[..10])).is_err());
        // A split data frame: header and payload so far, then the rest.
        let (mut decoder, mut buf) = (FrameDecoder::new(), BytesMut::new());
        assert_eq!(decoder.extend(&mut buf, &wire[..10]), 10);
        assert_eq!(&buf[..], [9; 4]);
        assert_eq!(decoder.extend(&mut buf, &wire[10..]), 16);
        let frame = decoder.decode(&mut buf).unwrap().unwrap();
        assert_eq!(&frame.payload[..], [9; 20]);
    }

    #[test]
    fn decode_chunk_after_extend_took_the_whole_payload_moves_on() {
        // Regression: a frame whose payload `extend` took whole, handed out
        // by decode_chunk, must not leave the decoder mid-frame.
        let mut wire = masked_frame(20);
        let (mut decoder, mut buf) = (FrameDecoder::new(), BytesMut::new());
        assert_eq!(decoder.extend(&mut buf, &wire[..10]), 10);
        assert_eq!(decoder.extend(&mut buf, &wire[10..]), 16);
        let chunk = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert!(chunk.is_last());
        assert_eq!(&chunk.payload[..], [9; 20]);
        wire = masked_frame(3);
        buf.extend_from_slice(&wire);
        let next = decoder.decode_chunk(&mut buf).unwrap().unwrap();
        assert_eq!(&next.payload[..], [9; 3]);
    }
}
