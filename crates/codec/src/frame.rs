//! Decoded frames, whole or in pieces, with payloads shared from the input buffer.

use bytes::Bytes;

use crate::FrameHeader;

/// A whole frame as received: its header and its unmasked payload.
///
/// `payload` is split from the decoder's input buffer without a copy.
/// `header.mask` keeps the key the frame carried, so a server can check that
/// it was masked; the payload is already unmasked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedFrame {
    /// The header; `header.payload_len == payload.len()`.
    pub header: FrameHeader,
    /// The unmasked payload.
    pub payload: Bytes,
}

/// A piece of one frame's payload, handed out as it arrives.
///
/// Every frame yields at least one chunk: exactly one at `offset` 0 (the
/// first), and one for which [`FrameChunk::is_last`] holds. Only a frame with
/// an empty payload yields an empty chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameChunk {
    /// The header of the frame the chunk belongs to.
    pub header: FrameHeader,
    /// Where in the frame's payload this chunk starts.
    pub offset: u64,
    /// The unmasked bytes.
    pub payload: Bytes,
}

impl FrameChunk {
    /// True for the chunk that starts the frame.
    #[inline]
    pub const fn is_first(&self) -> bool {
        self.offset == 0
    }

    /// True for the chunk that ends the frame.
    #[inline]
    pub fn is_last(&self) -> bool {
        self.offset + self.payload.len() as u64 == self.header.payload_len
    }
}

impl From<DecodedFrame> for FrameChunk {
    fn from(frame: DecodedFrame) -> FrameChunk {
        FrameChunk { header: frame.header, offset: 0, payload: frame.payload }
    }
}
