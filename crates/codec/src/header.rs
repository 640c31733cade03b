//! The frame header: its parse from a byte slice and its encoding
//! (RFC 6455 section 5.2).

use crate::{DecodeError, EncodeError, Mask, OpCode, Rsv, close_payload::MAX_CONTROL_PAYLOAD};

/// The decoded header of one frame.
///
/// `decode` takes any `&[u8]`, allocates nothing and never panics. It rejects
/// only what breaks the framing itself (length encodings, control frame
/// rules); reserved bits and opcodes are kept as they are for the connection
/// and its registry to judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// FIN: this is the last frame of a message.
    pub fin: bool,
    /// The reserved bits.
    pub rsv: Rsv,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, present when the frame is masked.
    pub mask: Option<Mask>,
    /// The payload length in bytes.
    pub payload_len: u64,
}

/// The outcome of [`FrameHeader::decode`] on input that is not (yet) in error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderStatus {
    /// A whole header: the header, and how many bytes it took.
    Complete(FrameHeader, usize),
    /// More bytes are needed; the header is at least this many bytes long.
    Incomplete(usize),
}

/// The longest header: 2 bytes, an 8-byte length and a 4-byte mask.
pub const MAX_HEADER_LEN: usize = 14;

/// The largest payload length the 64-bit encoding can carry: its most
/// significant bit must be 0 (RFC 6455 section 5.2).
pub const MAX_PAYLOAD_LEN: u64 = i64::MAX as u64;

pub(crate) const FIN: u8 = 0x80;
pub(crate) const MASKED: u8 = 0x80;
const LEN_16: u8 = 126;
const LEN_64: u8 = 127;

impl FrameHeader {
    /// A final, unmasked header with no reserved bits.
    #[inline]
    pub const fn new(opcode: OpCode, payload_len: u64) -> Self {
        FrameHeader { fin: true, rsv: Rsv::NONE, opcode, mask: None, payload_len }
    }

    /// The same header with FIN set to `fin`.
    #[inline]
    pub const fn with_fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }

    /// The same header with these reserved bits.
    #[inline]
    pub const fn with_rsv(mut self, rsv: Rsv) -> Self {
        self.rsv = rsv;
        self
    }

    /// The same header with this masking key (or none).
    #[inline]
    pub const fn with_mask(mut self, mask: Option<Mask>) -> Self {
        self.mask = mask;
        self
    }

    /// Parses a header from the start of `src`.
    ///
    /// Returns [`HeaderStatus::Incomplete`] (not an error) while `src` is too
    /// short. Errors, each detected as soon as the bytes that show it are
    /// present: a fragmented control frame, a 64-bit length with its top bit
    /// set, a length not in its minimal encoding, a control frame over 125 bytes.
    #[inline]
    pub fn decode(src: &[u8]) -> Result<HeaderStatus, DecodeError> {
        let [b0, b1, rest @ ..] = src else {
            return Ok(HeaderStatus::Incomplete(2));
        };
        let fin = b0 & FIN != 0;
        let opcode = OpCode::from_low_bits(*b0);
        // RFC 6455 section 5.5: "All control frames MUST have a payload length
        // of 125 bytes or less and MUST NOT be fragmented."
        if opcode.is_control() && !fin {
            return Err(DecodeError::FragmentedControlFrame { opcode });
        }
        let masked = b1 & MASKED != 0;
        let len7 = b1 & 0x7F;
        let ext_len = match len7 {
            LEN_16 => 2,
            LEN_64 => 8,
            _ => 0,
        };
        let header_len = 2 + ext_len + if masked { 4 } else { 0 };
        if src.len() < header_len {
            return Ok(HeaderStatus::Incomplete(header_len));
        }
        let payload_len = match len7 {
            LEN_16 => {
                let len = u64::from(u16::from_be_bytes([rest[0], rest[1]]));
                // Section 5.2: "the minimal number of bytes MUST be used to encode the length".
                if len < u64::from(LEN_16) {
                    return Err(DecodeError::NonMinimalLength { len, extended_bytes: 2 });
                }
                len
            }
            LEN_64 => {
                let mut be = [0; 8];
                be.copy_from_slice(&rest[..8]);
                let len = u64::from_be_bytes(be);
                // Section 5.2: "the most significant bit MUST be 0".
                if len > MAX_PAYLOAD_LEN {
                    return Err(DecodeError::LengthTopBitSet { len });
                }
                if len <= u64::from(u16::MAX) {
                    return Err(DecodeError::NonMinimalLength { len, extended_bytes: 8 });
                }
                len
            }
            short => u64::from(short),
        };
        if opcode.is_control() && payload_len > MAX_CONTROL_PAYLOAD as u64 {
            return Err(DecodeError::ControlFrameTooLong { opcode, len: payload_len });
        }
        let mask = if masked {
            let k = &rest[ext_len..ext_len + 4];
            Some(Mask([k[0], k[1], k[2], k[3]]))
        } else {
            None
        };
        let rsv = Rsv::from_flags(b0 & 0x40 != 0, b0 & 0x20 != 0, b0 & 0x10 != 0);
        Ok(HeaderStatus::Complete(FrameHeader { fin, rsv, opcode, mask, payload_len }, header_len))
    }

    /// How many bytes [`FrameHeader::encode`] writes for this header (2 to 14).
    #[inline]
    pub const fn encoded_len(&self) -> usize {
        let ext = if self.payload_len < LEN_16 as u64 {
            0
        } else if self.payload_len <= u16::MAX as u64 {
            2
        } else {
            8
        };
        2 + ext + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Checks the rules a sender must keep: control frames unfragmented and at
    /// most 125 bytes, the length within 63 bits.
    pub const fn validate(&self) -> Result<(), EncodeError> {
        if self.opcode.is_control() {
            if !self.fin {
                return Err(EncodeError::FragmentedControlFrame { opcode: self.opcode });
            }
            if self.payload_len > MAX_CONTROL_PAYLOAD as u64 {
                return Err(EncodeError::ControlFrameTooLong { opcode: self.opcode, len: self.payload_len });
            }
        }
        if self.payload_len > MAX_PAYLOAD_LEN {
            return Err(EncodeError::PayloadTooLong { len: self.payload_len });
        }
        Ok(())
    }

    /// The header in its minimal length encoding, in the first `len` bytes
    /// of a [`MAX_HEADER_LEN`]-byte array: `(bytes, len)`. Fails as
    /// [`encode`](FrameHeader::encode) does for a header that breaks a rule.
    #[inline]
    pub fn to_array(&self) -> Result<([u8; MAX_HEADER_LEN], usize), EncodeError> {
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let len = self.encode(&mut bytes)?;
        Ok((bytes, len))
    }

    /// Writes the header, in its minimal length encoding, to the start of
    /// `dst` and returns how many bytes it wrote.
    ///
    /// Fails if the header breaks a rule of [`FrameHeader::validate`] or `dst`
    /// is shorter than [`FrameHeader::encoded_len`].
    #[inline]
    pub fn encode(&self, dst: &mut [u8]) -> Result<usize, EncodeError> {
        self.validate()?;
        let len = self.encoded_len();
        let Some(out) = dst.get_mut(..len) else {
            return Err(EncodeError::BufferTooSmall { needed: len, available: dst.len() });
        };
        out[0] = if self.fin { FIN } else { 0 } | (self.rsv.bits() << 4) | self.opcode.value();
        let mask_bit = if self.mask.is_some() { MASKED } else { 0 };
        let key_at = match len - if self.mask.is_some() { 4 } else { 0 } {
            2 => {
                out[1] = mask_bit | self.payload_len as u8;
                2
            }
            4 => {
                out[1] = mask_bit | LEN_16;
                out[2..4].copy_from_slice(&(self.payload_len as u16).to_be_bytes());
                4
            }
            _ => {
                out[1] = mask_bit | LEN_64;
                out[2..10].copy_from_slice(&self.payload_len.to_be_bytes());
                10
            }
        };
        if let Some(mask) = self.mask {
            out[key_at..key_at + 4].copy_from_slice(&mask.0);
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CloseCode;

    fn complete(src: &[u8]) -> (FrameHeader, usize) {
        match FrameHeader::decode(src).unwrap() {
            HeaderStatus::Complete(h, n) => (h, n),
            HeaderStatus::Incomplete(n) => panic!("incomplete, wants {n}"),
        }
    }

    #[test]
    fn incomplete_reports_the_header_length_once_known() {
        assert_eq!(FrameHeader::decode(&[]), Ok(HeaderStatus::Incomplete(2)));
        assert_eq!(FrameHeader::decode(&[0x82]), Ok(HeaderStatus::Incomplete(2)));
        assert_eq!(FrameHeader::decode(&[0x82, 0xFE, 0]), Ok(HeaderStatus::Incomplete(8)));
        assert_eq!(FrameHeader::decode(&[0x82, 0x7F]), Ok(HeaderStatus::Incomplete(10)));
    }

    #[test]
    fn rejects_fragmented_control_frame_from_two_bytes() {
        let err = FrameHeader::decode(&[0x09, 0x00]).unwrap_err();
        assert_eq!(err, DecodeError::FragmentedControlFrame { opcode: OpCode::PING });
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn rejects_control_frame_over_125_bytes() {
        let err = FrameHeader::decode(&[0x89, 0x7E, 0x00, 0x7E]).unwrap_err();
        assert_eq!(err, DecodeError::ControlFrameTooLong { opcode: OpCode::PING, len: 126 });
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn rejects_64_bit_length_with_top_bit_set() {
        let src = [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1];
        let err = FrameHeader::decode(&src).unwrap_err();
        assert_eq!(err, DecodeError::LengthTopBitSet { len: 0x8000_0000_0000_0001 });
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn rejects_non_minimal_16_bit_length() {
        let err = FrameHeader::decode(&[0x82, 0x7E, 0x00, 0x7D]).unwrap_err();
        assert_eq!(err, DecodeError::NonMinimalLength { len: 125, extended_bytes: 2 });
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn rejects_non_minimal_64_bit_length() {
        let src = [0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF];
        let err = FrameHeader::decode(&src).unwrap_err();
        assert_eq!(err, DecodeError::NonMinimalLength { len: 0xFFFF, extended_bytes: 8 });
    }

    #[test]
    fn keeps_reserved_bits_and_opcodes() {
        let (h, n) = complete(&[0x73, 0x00]);
        assert_eq!(n, 2);
        assert_eq!(h.rsv, Rsv::ALL);
        assert_eq!(h.opcode.value(), 3);
        assert!(!h.fin);
    }

    #[test]
    fn length_encodings_at_their_boundaries() {
        let mut buf = [0u8; MAX_HEADER_LEN];
        for len in [0u64, 125, 126, 65535, 65536, MAX_PAYLOAD_LEN] {
            for mask in [None, Some(Mask([1, 2, 3, 4]))] {
                let h = FrameHeader::new(OpCode::BINARY, len).with_mask(mask);
                let n = h.encode(&mut buf).unwrap();
                assert_eq!(n, h.encoded_len());
                assert_eq!(complete(&buf[..n]), (h, n));
            }
        }
    }

    #[test]
    fn encode_refuses_what_decode_would_reject() {
        let mut buf = [0u8; MAX_HEADER_LEN];
        let ping = FrameHeader::new(OpCode::PING, 126);
        assert!(matches!(ping.encode(&mut buf), Err(EncodeError::ControlFrameTooLong { .. })));
        let frag = FrameHeader::new(OpCode::CLOSE, 0).with_fin(false);
        assert!(matches!(frag.encode(&mut buf), Err(EncodeError::FragmentedControlFrame { .. })));
        let huge = FrameHeader::new(OpCode::BINARY, MAX_PAYLOAD_LEN + 1);
        assert!(matches!(huge.encode(&mut buf), Err(EncodeError::PayloadTooLong { .. })));
        let h = FrameHeader::new(OpCode::BINARY, 70_000);
        assert_eq!(h.encode(&mut buf[..9]), Err(EncodeError::BufferTooSmall { needed: 10, available: 9 }));
    }
}
