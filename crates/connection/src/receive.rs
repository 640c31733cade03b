//! The state of the data message being received: its opcode and first-frame
//! bits, its length so far, its UTF-8 check and, for whole-message delivery,
//! its fragments joined.

use noio_ws_codec::bytes::{Bytes, BytesMut};
use noio_ws_codec::{OpCode, Rsv};

use crate::ProtocolError;
use crate::growth::reserve_bounded;
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
    /// Whole-message delivery: an untransformed message in one frame, kept
    /// only to check its text while the frame arrives; its frame is taken
    /// whole, with no copy.
    single_frame: bool,
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
            single_frame: false,
        }
    }

    /// The state of a whole-delivered message in one untransformed frame,
    /// while that frame arrives.
    pub(crate) fn single_frame(opcode: OpCode, rsv: Rsv) -> Self {
        IncomingMessage {
            single_frame: true,
            ..IncomingMessage::new(opcode, rsv, ActiveExtensions::default())
        }
    }

    /// True when the message is joined from pieces or transformed, so its
    /// frames can be taken in pieces as they arrive.
    pub(crate) fn assembles(&self) -> bool {
        !self.single_frame
    }

    /// Adds a fragment for whole-message delivery, copying only once a
    /// second fragment shows the message is fragmented. The joined buffer
    /// grows by doubling but never past `bound`, the message limit.
    pub(crate) fn push_fragment(&mut self, payload: Bytes, bound: usize) {
        if payload.is_empty() {
            return;
        }
        match self.first.take() {
            None if self.joined.is_empty() => self.first = Some(payload),
            None => {
                reserve_bounded(&mut self.joined, payload.len(), bound);
                self.joined.extend_from_slice(&payload);
            }
            Some(first) => {
                reserve_bounded(&mut self.joined, first.len() + payload.len(), bound);
                self.joined.extend_from_slice(&first);
                self.joined.extend_from_slice(&payload);
            }
        }
    }

    /// Checks that a text message did not end inside a character.
    pub(crate) fn finish_text(&mut self) -> Result<(), ProtocolError> {
        match self.utf8.as_mut() {
            Some(utf8) => utf8.finish().map_err(|_| ProtocolError::InvalidUtf8),
            None => Ok(()),
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

/// Counts a piece of a data message against `max` and checks its text:
/// `len` is the message's length so far, `utf8` its text check (none for
/// binary), `fresh` the piece's bytes not checked yet.
pub(crate) fn take_piece(
    len: &mut u64,
    utf8: &mut Option<Utf8Validator>,
    piece_len: usize,
    fresh: &[u8],
    max: u64,
) -> Result<(), ProtocolError> {
    *len = len.saturating_add(piece_len as u64);
    if *len > max {
        return Err(ProtocolError::MessageTooLong { max });
    }
    if let Some(utf8) = utf8 {
        utf8.feed(fresh).map_err(|_| ProtocolError::InvalidUtf8)?;
    }
    Ok(())
}
