//! The frame encoder: headers and payloads into a caller's `BytesMut`.

use bytes::{BufMut, BytesMut};

use crate::header::{FIN, MASKED};
use crate::{EncodeError, FrameHeader, Role};

/// Writes frames for one side of a connection.
///
/// The encoder enforces the masking rule of its [`Role`]: a client's headers
/// must carry a key (the caller supplies it, fresh and unpredictable per
/// frame, RFC 6455 section 5.3) and a server's must not.
///
/// [`encode`](FrameEncoder::encode) appends header and payload, masking the
/// copy for a client. [`encode_header`](FrameEncoder::encode_header) appends
/// only the header, so a server can write `[header, payload]` with one
/// vectored write and never copy the payload.
///
/// ```
/// use bytes::BytesMut;
/// use noio_ws_codec::{FrameEncoder, FrameHeader, Mask, OpCode, Role};
///
/// let mut out = BytesMut::new();
/// let header = FrameHeader::new(OpCode::TEXT, 5).with_mask(Some(Mask([0x37, 0xfa, 0x21, 0x3d])));
/// FrameEncoder::new(Role::Client).encode(&header, b"Hello", &mut out).unwrap();
/// assert_eq!(&out[..], [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameEncoder {
    role: Role,
}

impl FrameEncoder {
    /// An encoder for frames sent by `role`.
    pub const fn new(role: Role) -> Self {
        FrameEncoder { role }
    }

    /// The role whose masking rule this encoder enforces.
    pub const fn role(&self) -> Role {
        self.role
    }

    /// Appends the header and `payload` to `dst`, masking the appended
    /// payload with the header's key if it has one (in the same pass as the
    /// copy, see [`apply_mask_copy`](crate::apply_mask_copy)).
    ///
    /// `header.payload_len` must equal `payload.len()`.
    // Inline so a caller that builds the header in place (as the
    // connection's sender does) has the checks folded away; frames with a
    // payload over 125 bytes or an extended header go out of line.
    #[inline(always)]
    pub fn encode(
        &self,
        header: &FrameHeader,
        payload: &[u8],
        dst: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if header.payload_len != payload.len() as u64 {
            return Err(EncodeError::PayloadLengthMismatch {
                declared: header.payload_len,
                actual: payload.len(),
            });
        }
        self.check_mask(header)?;
        if payload.len() <= 125 && (header.fin || !header.opcode.is_control()) {
            // Most frames: the length fits the second byte and the header is
            // two bytes, or six with the key, each written as one fixed-size
            // copy rather than built in an array and copied by length.
            let b0 = if header.fin { FIN } else { 0 } | (header.rsv.bits() << 4) | header.opcode.value();
            let len = payload.len() as u8;
            match header.mask {
                Some(mask) => crate::mask::extend_masked_short_frame(dst, [b0, MASKED | len], payload, mask),
                None => {
                    dst.reserve(2 + payload.len());
                    dst.extend_from_slice(&[b0, len]);
                    dst.extend_from_slice(payload);
                }
            }
            return Ok(());
        }
        Self::encode_long(header, payload, dst)
    }

    /// [`encode`](FrameEncoder::encode) for a frame whose header is longer
    /// than two bytes, or six with the key, once the checks are done.
    #[inline(never)]
    fn encode_long(header: &FrameHeader, payload: &[u8], dst: &mut BytesMut) -> Result<(), EncodeError> {
        let (bytes, len) = header.to_array()?;
        dst.reserve(len + payload.len());
        dst.extend_from_slice(&bytes[..len]);
        match header.mask {
            // Masked on the way in: the payload is read once and written once.
            Some(mask) => crate::extend_masked(dst, payload, mask, 0),
            None => dst.put_slice(payload),
        }
        Ok(())
    }

    /// Appends only the header to `dst`; the caller sends the payload after
    /// it. For a masked header the caller must mask the payload with
    /// [`apply_mask`](crate::apply_mask) before sending it.
    pub fn encode_header(&self, header: &FrameHeader, dst: &mut BytesMut) -> Result<(), EncodeError> {
        self.check_mask(header)?;
        let (bytes, len) = header.to_array()?;
        dst.put_slice(&bytes[..len]);
        Ok(())
    }

    /// The masking rule of the role: a client's headers carry a key, a
    /// server's do not.
    #[inline]
    fn check_mask(&self, header: &FrameHeader) -> Result<(), EncodeError> {
        match (self.role.masks_outgoing(), header.mask.is_some()) {
            (true, false) => Err(EncodeError::MaskRequired),
            (false, true) => Err(EncodeError::MaskForbidden),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mask, OpCode};

    #[test]
    fn masking_rule_follows_the_role() {
        let mut out = BytesMut::new();
        let plain = FrameHeader::new(OpCode::TEXT, 0);
        let masked = plain.with_mask(Some(Mask([9; 4])));
        assert_eq!(
            FrameEncoder::new(Role::Client).encode(&plain, b"", &mut out),
            Err(EncodeError::MaskRequired)
        );
        assert_eq!(
            FrameEncoder::new(Role::Server).encode(&masked, b"", &mut out),
            Err(EncodeError::MaskForbidden)
        );
        assert!(out.is_empty());
    }

    #[test]
    fn length_must_match_the_payload() {
        let header = FrameHeader::new(OpCode::BINARY, 3);
        let err = FrameEncoder::new(Role::Server).encode(&header, b"ab", &mut BytesMut::new());
        assert_eq!(err, Err(EncodeError::PayloadLengthMismatch { declared: 3, actual: 2 }));
    }

    #[test]
    fn header_only_path_writes_just_the_header() {
        let mut out = BytesMut::new();
        let header = FrameHeader::new(OpCode::BINARY, 256);
        FrameEncoder::new(Role::Server).encode_header(&header, &mut out).unwrap();
        assert_eq!(&out[..], [0x82, 0x7E, 0x01, 0x00]);
    }
}
