//! The payload of a close frame: an optional status code and UTF-8 reason
//! (RFC 6455 section 5.5.1).

use bytes::BufMut;

use crate::{CloseCode, ClosePayloadError};

/// The most bytes a control frame payload, and so a close payload, may hold.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// The most bytes of UTF-8 a close reason may hold (125 less the two-byte code).
pub const MAX_CLOSE_REASON: usize = MAX_CONTROL_PAYLOAD - 2;

/// A parsed close payload, borrowing its reason from the frame.
///
/// An empty payload carries no code and is represented by `None` from
/// [`ClosePayload::parse`]; the code the application then sees is
/// [`CloseCode::NO_STATUS_RECEIVED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClosePayload<'a> {
    /// The status code.
    pub code: CloseCode,
    /// The reason, possibly empty.
    pub reason: &'a str,
}

impl<'a> ClosePayload<'a> {
    /// A close payload with `code` and `reason`; checked when encoded.
    pub const fn new(code: CloseCode, reason: &'a str) -> Self {
        ClosePayload { code, reason }
    }

    /// Parses a received close payload.
    ///
    /// `Ok(None)` for an empty payload. Fails on a one-byte payload, a code
    /// that may not appear on the wire, and a reason that is not UTF-8 (the
    /// error names the close code to answer with: 1002 or 1007).
    pub fn parse(payload: &'a [u8]) -> Result<Option<Self>, ClosePayloadError> {
        match payload {
            [] => Ok(None),
            [_] => Err(ClosePayloadError::OneByte),
            [hi, lo, reason @ ..] => {
                if payload.len() > MAX_CONTROL_PAYLOAD {
                    return Err(ClosePayloadError::TooLong { len: payload.len() });
                }
                let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
                if !code.is_allowed_on_wire() {
                    return Err(ClosePayloadError::CodeNotAllowed(code));
                }
                let reason = core::str::from_utf8(reason)
                    .map_err(|e| ClosePayloadError::InvalidUtf8 { valid_up_to: e.valid_up_to() })?;
                Ok(Some(ClosePayload { code, reason }))
            }
        }
    }

    /// The encoded length: two bytes of code plus the reason.
    pub const fn encoded_len(&self) -> usize {
        2 + self.reason.len()
    }

    /// Appends the payload to `dst` after checking that the code may be sent
    /// and that the whole fits in a control frame.
    pub fn encode<B: BufMut>(&self, dst: &mut B) -> Result<(), ClosePayloadError> {
        if !self.code.is_allowed_on_wire() {
            return Err(ClosePayloadError::CodeNotAllowed(self.code));
        }
        if self.encoded_len() > MAX_CONTROL_PAYLOAD {
            return Err(ClosePayloadError::TooLong { len: self.encoded_len() });
        }
        dst.put_u16(self.code.0);
        dst.put_slice(self.reason.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn empty_payload_has_no_code() {
        assert_eq!(ClosePayload::parse(&[]), Ok(None));
    }

    #[test]
    fn one_byte_payload_is_a_protocol_error() {
        let err = ClosePayload::parse(&[3]).unwrap_err();
        assert_eq!(err, ClosePayloadError::OneByte);
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn forbidden_code_is_a_protocol_error() {
        let err = ClosePayload::parse(&1005u16.to_be_bytes()).unwrap_err();
        assert_eq!(err, ClosePayloadError::CodeNotAllowed(CloseCode::NO_STATUS_RECEIVED));
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn invalid_utf8_reason_is_1007() {
        let err = ClosePayload::parse(&[0x03, 0xE8, b'o', 0xFF]).unwrap_err();
        assert_eq!(err, ClosePayloadError::InvalidUtf8 { valid_up_to: 1 });
        assert_eq!(err.close_code(), CloseCode::INVALID_PAYLOAD);
    }

    #[test]
    fn round_trip_and_limits() {
        let mut out = Vec::new();
        ClosePayload::new(CloseCode::GOING_AWAY, "bye").encode(&mut out).unwrap();
        assert_eq!(out, [0x03, 0xE9, b'b', b'y', b'e']);
        let parsed = ClosePayload::parse(&out).unwrap().unwrap();
        assert_eq!((parsed.code, parsed.reason), (CloseCode::GOING_AWAY, "bye"));

        let long = "x".repeat(MAX_CLOSE_REASON + 1);
        let err = ClosePayload::new(CloseCode::NORMAL, &long).encode(&mut out).unwrap_err();
        assert_eq!(err, ClosePayloadError::TooLong { len: 126 });
        let just_fits = "x".repeat(MAX_CLOSE_REASON);
        assert!(ClosePayload::new(CloseCode::NORMAL, &just_fits).encode(&mut Vec::new()).is_ok());
        assert!(ClosePayload::new(CloseCode::ABNORMAL_CLOSURE, "").encode(&mut out).is_err());
    }
}
