//! The frames an application sends (the Python noio_ws `Frame`).

use alloc::string::String;

use noio_ws_codec::bytes::{BufMut, Bytes, BytesMut};
use noio_ws_codec::{CloseCode, ClosePayload, ClosePayloadError, OpCode, Rsv};

/// A frame to send: opcode, payload, FIN and reserved bits.
///
/// Build one with a constructor ([`Frame::text`], [`Frame::close`] ...) and
/// hand it to [`Connection::send`](crate::Connection::send), which checks it
/// against the protocol and the connection's state. A message may be sent in
/// fragments: a data frame with `fin == false`, then continuation frames, the
/// last with `fin == true`.
///
/// Text sent as bytes ([`Frame::new`] with [`OpCode::TEXT`], or
/// [`Frame::continuation`] of a text message) is checked to be UTF-8 when it
/// is sent; text built from a `str` ([`Frame::text`]) is known to be and is
/// not checked again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub(crate) opcode: OpCode,
    pub(crate) payload: Bytes,
    pub(crate) fin: bool,
    pub(crate) rsv: Rsv,
    /// Sending needs no UTF-8 check: the payload came from a `String`, or
    /// the caller asked for none (`text_unchecked`).
    pub(crate) utf8: bool,
}

impl Frame {
    /// A final frame with `opcode` and `payload` and no reserved bits. A
    /// text payload is checked to be UTF-8 when the frame is sent.
    pub fn new(opcode: OpCode, payload: impl Into<Bytes>) -> Self {
        Frame { opcode, payload: payload.into(), fin: true, rsv: Rsv::NONE, utf8: false }
    }

    /// A text message; the type guarantees UTF-8.
    pub fn text(text: impl Into<String>) -> Self {
        Frame { utf8: true, ..Frame::new(OpCode::TEXT, Bytes::from(text.into())) }
    }

    /// A text frame whose bytes are sent as they are, with no UTF-8 check:
    /// for testing how a peer treats invalid text (RFC 6455 says it must
    /// fail the connection with 1007). Anything else sending invalid text
    /// breaks the protocol; use [`Frame::text`] or [`Frame::new`].
    pub fn text_unchecked(payload: impl Into<Bytes>) -> Self {
        Frame { utf8: true, ..Frame::new(OpCode::TEXT, payload) }
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Frame::new(OpCode::BINARY, data)
    }

    /// A continuation of a fragmented message; the piece of a text message
    /// whose bytes are checked to continue its UTF-8 when sent.
    pub fn continuation(data: impl Into<Bytes>, fin: bool) -> Self {
        Frame::new(OpCode::CONTINUATION, data).with_fin(fin)
    }

    /// A ping (payload at most 125 bytes).
    pub fn ping(data: impl Into<Bytes>) -> Self {
        Frame::new(OpCode::PING, data)
    }

    /// A pong (payload at most 125 bytes).
    pub fn pong(data: impl Into<Bytes>) -> Self {
        Frame::new(OpCode::PONG, data)
    }

    /// A close frame with a status code and a reason of at most 123 bytes;
    /// fails for a code that may not be sent (RFC 6455 section 7.4) or a
    /// reason that is too long.
    pub fn close(code: CloseCode, reason: &str) -> Result<Self, ClosePayloadError> {
        let close = ClosePayload::new(code, reason);
        let mut payload = BytesMut::with_capacity(close.encoded_len());
        close.encode(&mut payload)?;
        Ok(Frame::new(OpCode::CLOSE, payload.freeze()))
    }

    /// A close frame with no status code.
    pub fn close_empty() -> Self {
        Frame::new(OpCode::CLOSE, Bytes::new())
    }

    /// The opcode.
    pub fn opcode(&self) -> OpCode {
        self.opcode
    }

    /// The payload, unmasked; shared, not copied, on its way out.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// FIN: the last frame of its message.
    pub fn fin(&self) -> bool {
        self.fin
    }

    /// The reserved bits the application set; extensions add their own.
    pub fn rsv(&self) -> Rsv {
        self.rsv
    }

    /// The same frame with FIN set to `fin`.
    pub fn with_fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }

    /// The same frame with these reserved bits.
    pub fn with_rsv(mut self, rsv: Rsv) -> Self {
        self.rsv = rsv;
        self
    }

    /// The same frame, its payload known to be UTF-8 (it came from a `str`).
    pub(crate) fn known_utf8(self) -> Self {
        Frame { utf8: true, ..self }
    }

    /// A close frame echoing `code` with no reason: the reply to a peer's close.
    pub(crate) fn close_reply(code: Option<CloseCode>) -> Self {
        match code {
            Some(code) => {
                let mut payload = BytesMut::with_capacity(2);
                payload.put_u16(code.0);
                Frame::new(OpCode::CLOSE, payload.freeze())
            }
            None => Frame::close_empty(),
        }
    }
}
