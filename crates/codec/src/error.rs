//! The codec's errors, each naming what was wrong and, for received input, the
//! close code that answers it.

use crate::{CloseCode, OpCode};

/// Why received bytes are not a valid frame.
///
/// Every variant maps to the close code an endpoint should send
/// ([`DecodeError::close_code`]): 1002 for broken framing, 1009 for a frame
/// over the configured limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A control frame (opcode 8-15) had FIN clear.
    #[error("{opcode} frame with FIN clear: control frames must not be fragmented")]
    FragmentedControlFrame {
        /// The control opcode.
        opcode: OpCode,
    },
    /// A control frame declared a payload over 125 bytes.
    #[error("{opcode} frame with a {len}-byte payload: control frames carry at most 125 bytes")]
    ControlFrameTooLong {
        /// The control opcode.
        opcode: OpCode,
        /// The declared payload length.
        len: u64,
    },
    /// A 64-bit payload length had its most significant bit set.
    #[error("64-bit payload length {len:#x} has its most significant bit set")]
    LengthTopBitSet {
        /// The declared length.
        len: u64,
    },
    /// A payload length was encoded with more bytes than needed.
    #[error(
        "payload length {len} sent in a {extended_bytes}-byte extended field; the minimal encoding is required"
    )]
    NonMinimalLength {
        /// The declared length.
        len: u64,
        /// The size of the extended length field used (2 or 8).
        extended_bytes: u8,
    },
    /// A frame declared a payload longer than the decoder's `max_frame_len`.
    #[error("frame payload of {len} bytes exceeds the limit of {max}")]
    FrameTooLong {
        /// The declared length.
        len: u64,
        /// The configured limit.
        max: u64,
    },
    /// [`FrameDecoder::decode`](crate::FrameDecoder::decode) was called while
    /// `decode_chunk` had handed out only part of a frame: a caller bug, not
    /// bad input. Finish the frame with `decode_chunk` first.
    #[error("decode called in the middle of a frame begun by decode_chunk")]
    ChunkedFrameInProgress,
    /// The decoder was given a buffer shorter than the one in which it had
    /// already unmasked the first bytes of a frame: a caller bug (another
    /// buffer, or bytes taken off it), not bad input.
    #[error("the buffer is shorter than the frame bytes already decoded in it")]
    BufferShrank,
}

impl DecodeError {
    /// The close code to send in answer: 1009 for an oversized frame, 1011
    /// for the caller bugs [`DecodeError::ChunkedFrameInProgress`] and
    /// [`DecodeError::BufferShrank`], 1002 for everything else.
    pub const fn close_code(&self) -> CloseCode {
        match self {
            DecodeError::FrameTooLong { .. } => CloseCode::MESSAGE_TOO_BIG,
            DecodeError::ChunkedFrameInProgress | DecodeError::BufferShrank => CloseCode::INTERNAL_ERROR,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// Why a frame could not be encoded: the caller asked for something the
/// protocol forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A control frame with FIN clear.
    #[error("{opcode} frame with FIN clear: control frames must not be fragmented")]
    FragmentedControlFrame {
        /// The control opcode.
        opcode: OpCode,
    },
    /// A control frame with a payload over 125 bytes.
    #[error("{opcode} frame with a {len}-byte payload: control frames carry at most 125 bytes")]
    ControlFrameTooLong {
        /// The control opcode.
        opcode: OpCode,
        /// The payload length.
        len: u64,
    },
    /// A payload length that does not fit in 63 bits.
    #[error("payload length {len} does not fit in 63 bits")]
    PayloadTooLong {
        /// The payload length.
        len: u64,
    },
    /// The output slice is shorter than the header.
    #[error("the header needs {needed} bytes but the buffer has {available}")]
    BufferTooSmall {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes the buffer had.
        available: usize,
    },
    /// The header's `payload_len` differs from the payload given.
    #[error("the header declares {declared} payload bytes but {actual} were given")]
    PayloadLengthMismatch {
        /// `payload_len` in the header.
        declared: u64,
        /// The length of the payload slice.
        actual: usize,
    },
    /// A client frame without a masking key (RFC 6455 section 5.1).
    #[error("a client must mask every frame it sends")]
    MaskRequired,
    /// A server frame with a masking key (RFC 6455 section 5.1).
    #[error("a server must not mask the frames it sends")]
    MaskForbidden,
}

/// Why a close payload is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClosePayloadError {
    /// The payload was one byte: too short for a code, too long for none.
    #[error("a one-byte close payload cannot hold a status code")]
    OneByte,
    /// The code may not appear in a close frame (RFC 6455 section 7.4).
    #[error("close code {0} may not be sent in a close frame")]
    CodeNotAllowed(CloseCode),
    /// The reason was not valid UTF-8.
    #[error("close reason is not UTF-8 (valid up to byte {valid_up_to})")]
    InvalidUtf8 {
        /// How many reason bytes were valid.
        valid_up_to: usize,
    },
    /// Code and reason together exceed the 125 bytes of a control frame.
    #[error("close payload of {len} bytes exceeds the 125 of a control frame")]
    TooLong {
        /// The payload length.
        len: usize,
    },
}

impl ClosePayloadError {
    /// The close code to send in answer: 1007 for a reason that is not UTF-8,
    /// 1002 otherwise.
    pub const fn close_code(&self) -> CloseCode {
        match self {
            ClosePayloadError::InvalidUtf8 { .. } => CloseCode::INVALID_PAYLOAD,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}
