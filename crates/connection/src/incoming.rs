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

    /// Joins an untransformed fragment for whole-message delivery: counts
    /// and checks it (its first `checked` bytes were checked as they
    /// arrived), then keeps it, copying only once a second fragment shows
    /// the message is fragmented; the joined buffer grows by doubling but
    /// never past the message limit. Returns the whole payload when `end`.
    pub(crate) fn join(
        &mut self,
        payload: Bytes,
        checked: usize,
        end: bool,
        max: u64,
    ) -> Result<Option<Bytes>, ProtocolError> {
        let fresh = payload.get(checked..).unwrap_or_default();
        self.take_piece(payload.len(), fresh, end, max)?;
        if !payload.is_empty() {
            let bound = usize::try_from(max).unwrap_or(usize::MAX);
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
        Ok(end.then(|| self.take_payload()))
    }

    /// Counts a piece of the message against `max` and checks its text:
    /// `piece_len` bytes, of which `fresh` were not checked yet, ending the
    /// message when `end` (then the text must not stop inside a character).
    pub(crate) fn take_piece(
        &mut self,
        piece_len: usize,
        fresh: &[u8],
        end: bool,
        max: u64,
    ) -> Result<(), ProtocolError> {
        self.len = self.len.saturating_add(piece_len as u64);
        if self.len > max {
            return Err(ProtocolError::MessageTooLong { max });
        }
        if let Some(utf8) = self.utf8.as_mut() {
            utf8.feed(fresh).map_err(|_| ProtocolError::InvalidUtf8)?;
            if end {
                utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
            }
        }
        Ok(())
    }

    /// Counts and checks the bytes an extension decoded into the joined
    /// message from `start` on; returns the whole payload when `end`.
    pub(crate) fn take_decoded(
        &mut self,
        start: usize,
        end: bool,
        max: u64,
    ) -> Result<Option<Bytes>, ProtocolError> {
        let joined = core::mem::take(&mut self.joined);
        let fresh = joined.get(start..).unwrap_or_default();
        let result = self.take_piece(fresh.len(), fresh, end, max);
        self.joined = joined;
        result?;
        Ok(end.then(|| self.take_payload()))
    }

    /// The whole payload, once the last fragment is in.
    fn take_payload(&mut self) -> Bytes {
        match self.first.take() {
            Some(first) => first,
            None => self.joined.split().freeze(),
        }
    }
}
