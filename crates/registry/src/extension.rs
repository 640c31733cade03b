//! The extension trait: what an extension claims, how it negotiates, and how
//! it transforms the payload of data messages, chunk by chunk.

use alloc::vec::Vec;

use noio_ws_codec::bytes::BytesMut;
use noio_ws_codec::{FrameHeader, OpCode, Rsv};

use crate::{ExtensionError, ExtensionOffer, ExtensionResponse, NegotiationError};

/// What one call of [`Extension::decode`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Input bytes consumed.
    pub consumed: usize,
    /// Output bytes appended.
    pub produced: usize,
    /// True when the extension holds no more output for the input it was
    /// given: the caller need not call again until it has more input.
    pub drained: bool,
}

/// A WebSocket extension (RFC 6455 section 9), such as permessage-deflate.
///
/// An extension claims reserved bits, negotiates in the opening handshake and
/// then transforms the payload of data messages. Control frames never reach
/// it. Payloads are fed in chunks as they arrive or are sent, so no extension
/// forces a whole message into memory, and output is bounded per call, so the
/// connection can stop a message that grows past its limit (close code 1009)
/// before the memory is spent.
///
/// The connection drives an incoming message like this:
/// 1. [`begin_decode`](Extension::begin_decode) with the header of the
///    message's first frame: does this extension apply to the message?
/// 2. [`decode`](Extension::decode) for each piece of payload, with
///    `end == true` for the piece that finishes the message (possibly
///    empty), calling again while the result is not `drained`.
///
/// and an outgoing one with [`begin_encode`](Extension::begin_encode) and
/// [`encode`](Extension::encode) likewise.
pub trait Extension: Send {
    /// The extension token negotiated in `Sec-WebSocket-Extensions`.
    fn name(&self) -> &str;

    /// The reserved bits this extension may set; no two extensions of a
    /// connection may claim the same bit.
    fn rsv(&self) -> Rsv;

    /// The reserved bits a received frame may carry for this extension.
    ///
    /// The default follows RFC 7692's rule: the claimed bits on the first
    /// frame of a data message, none on continuations or control frames.
    fn allowed_rsv(&self, opcode: OpCode, first_frame_of_message: bool) -> Rsv {
        if opcode.is_data() && first_frame_of_message { self.rsv() } else { Rsv::NONE }
    }

    /// Client side: the offers to send, most preferred first; several are
    /// fallbacks for the server to choose from.
    fn client_offers(&self) -> Vec<ExtensionOffer>;

    /// Server side: the client's offers naming this extension, in the
    /// client's order. Accept one by configuring `self` and returning the
    /// response to send, or decline with `Ok(None)` (the connection goes on
    /// without this extension). An error fails the handshake.
    fn server_accept(
        &mut self,
        offers: &[ExtensionOffer],
    ) -> Result<Option<ExtensionResponse>, NegotiationError>;

    /// Client side: the server accepted this extension with `response`;
    /// check it against what was offered and configure `self`, or fail the
    /// handshake.
    fn client_accept(&mut self, response: &ExtensionResponse) -> Result<(), NegotiationError>;

    /// Starts decoding a received data message whose first frame has
    /// `header` (shown without its masking key: the payload is unmasked
    /// already); returns whether this extension transforms the message.
    fn begin_decode(&mut self, header: &FrameHeader) -> Result<bool, ExtensionError>;

    /// Transforms received payload: consumes a prefix of `input` and appends
    /// at most `max_output` bytes to `output`. `end` marks the last input of
    /// the message. Until a call reports [`Progress::drained`], the caller
    /// calls again with the input not yet consumed, even when none is left,
    /// so output held back for lack of room is never stranded.
    fn decode(
        &mut self,
        input: &[u8],
        end: bool,
        output: &mut BytesMut,
        max_output: usize,
    ) -> Result<Progress, ExtensionError>;

    /// Starts encoding a data message of type `opcode`; `len_hint` is its
    /// length when the whole message is known. Returns the reserved bits to
    /// set on its first frame, or `None` to leave this message alone.
    fn begin_encode(
        &mut self,
        opcode: OpCode,
        len_hint: Option<usize>,
    ) -> Result<Option<Rsv>, ExtensionError>;

    /// Transforms outgoing payload: consumes all of `input` and appends the
    /// result to `output`; `end` marks the last input of the message.
    fn encode(&mut self, input: &[u8], end: bool, output: &mut BytesMut) -> Result<(), ExtensionError>;
}
