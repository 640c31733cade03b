//! The state of the data message being received: its opcode and first-frame
//! bits, its length so far, its UTF-8 check and, for whole-message delivery,
//! its fragments joined.

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{OpCode, Rsv};

use crate::pipeline::ActiveExtensions;
use crate::utf8::Utf8Validator;

/// A data message part way through arriving.
#[derive(Debug)]
pub(crate) struct IncomingMessage {
    pub(crate) opcode: OpCode,
    pub(crate) rsv: Rsv,
    /// The extensions that transform this message.
    pub(crate) extensions: ActiveExtensions,
    /// Payload bytes received so far (after extensions), for the message size limit.
    pub(crate) len: u64,
    /// Present for text messages.
    pub(crate) utf8: Option<Utf8Validator>,
    /// Whole-message delivery: the fragments so far, when there is more than one.
    pub(crate) joined: BytesMut,
    /// Whole-message delivery: the first fragment, kept unjoined so a
    /// single-frame message is handed out without a copy.
    pub(crate) first: Option<Bytes>,
    /// Streaming delivery: whether a chunk has been handed out yet.
    pub(crate) chunk_sent: bool,
}

impl IncomingMessage {
    pub(crate) fn new(opcode: OpCode, rsv: Rsv, extensions: ActiveExtensions) -> Self {
        IncomingMessage {
            opcode,
            rsv,
            extensions,
            len: 0,
            utf8: (opcode == OpCode::TEXT).then(Utf8Validator::default),
            joined: BytesMut::new(),
            first: None,
            chunk_sent: false,
        }
    }

    /// Adds a fragment for whole-message delivery, copying only once a
    /// second fragment shows the message is fragmented.
    pub(crate) fn push_fragment(&mut self, payload: Bytes) {
        if payload.is_empty() {
            return;
        }
        match self.first.take() {
            None if self.joined.is_empty() => self.first = Some(payload),
            None => self.joined.extend_from_slice(&payload),
            Some(first) => {
                self.joined.reserve(first.len() + payload.len());
                self.joined.extend_from_slice(&first);
                self.joined.extend_from_slice(&payload);
            }
        }
    }

    /// The whole payload, once the last fragment is in.
    pub(crate) fn take_payload(&mut self) -> Bytes {
        match self.first.take() {
            Some(first) => first,
            None => self.joined.split().freeze(),
        }
    }
}
