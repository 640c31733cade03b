//! The connection's errors: [`ProtocolError`] for what the peer did wrong,
//! [`UsageError`] for what the caller asked that the protocol forbids.

use alloc::string::String;

use noio_ws_codec::{CloseCode, ClosePayloadError, DecodeError, OpCode, Rsv};
use noio_ws_registry::ExtensionError;

/// The peer broke the protocol; the connection has failed, with a close frame
/// carrying [`ProtocolError::close_code`] queued for the peer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The bytes were not a valid frame, or the frame was over `max_frame_len`.
    #[error(transparent)]
    Frame(#[from] DecodeError),
    /// A server received an unmasked frame (RFC 6455 section 5.1).
    #[error("the client sent an unmasked frame")]
    UnmaskedFrame,
    /// A client received a masked frame (RFC 6455 section 5.1).
    #[error("the server sent a masked frame")]
    MaskedFrame,
    /// Reserved bits no extension negotiated and the application did not claim.
    #[error("reserved bits {0:?} set without an extension that uses them")]
    ReservedBitsSet(Rsv),
    /// An opcode that is neither RFC 6455's nor registered.
    #[error("unknown opcode {0:?}")]
    UnknownOpcode(OpCode),
    /// A continuation frame with no message in progress.
    #[error("continuation frame with no message to continue")]
    UnexpectedContinuation,
    /// A new data message began before the last one finished.
    #[error("{0} frame while a fragmented message is unfinished")]
    ExpectedContinuation(OpCode),
    /// A text message, or a close reason, that is not UTF-8.
    #[error("text is not valid UTF-8")]
    InvalidUtf8,
    /// A malformed close payload.
    #[error(transparent)]
    ClosePayload(#[from] ClosePayloadError),
    /// A data message over `max_message_len`.
    #[error("message of more than {max} bytes")]
    MessageTooLong {
        /// The configured limit.
        max: u64,
    },
    /// An extension could not transform a message.
    #[error(transparent)]
    Extension(#[from] ExtensionError),
    /// No pong answered our keepalive ping within `pong_timeout`: the peer
    /// is taken for gone.
    #[error("no pong answered the keepalive ping in time")]
    PongTimeout,
}

impl ProtocolError {
    /// The close code this violation calls for: 1007 for bad text, 1009 for
    /// size limits, the extension's own code, 1011 for a peer that stopped
    /// answering pings, 1002 for the rest.
    pub fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::Frame(e) => e.close_code(),
            ProtocolError::ClosePayload(e) => e.close_code(),
            ProtocolError::Extension(e) => e.close_code,
            ProtocolError::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            ProtocolError::MessageTooLong { .. } => CloseCode::MESSAGE_TOO_BIG,
            ProtocolError::PongTimeout => CloseCode::INTERNAL_ERROR,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// The caller asked for something the protocol or the connection's state
/// forbids; nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// Data after our close frame, or anything once the connection is closed.
    #[error("the connection is closing or closed: {0:?} frames can no longer be sent")]
    Closed(OpCode),
    /// An opcode neither RFC 6455's nor registered.
    #[error("opcode {0:?} is not registered")]
    UnknownOpcode(OpCode),
    /// No opcode has this name.
    #[error("no opcode is named {0:?}")]
    UnknownOpcodeName(String),
    /// Reserved bits the application did not claim.
    #[error("reserved bits {0:?} are not claimed by the application")]
    UnclaimedReservedBits(Rsv),
    /// A control frame with FIN clear or over 125 bytes.
    #[error("{opcode} frames must be final and carry at most 125 bytes (got {len})")]
    InvalidControlFrame {
        /// The opcode.
        opcode: OpCode,
        /// The payload length.
        len: usize,
    },
    /// A continuation with no fragmented message in progress.
    #[error("continuation frame with no fragmented message in progress")]
    NoMessageToContinue,
    /// A new data message while a fragmented one is unfinished.
    #[error("{0} frame while a fragmented message is unfinished; send continuations")]
    MessageInProgress(OpCode),
    /// The delivery mode was changed while a message was arriving.
    #[error("the delivery mode can change only between messages")]
    DeliveryChangeMidMessage,
    /// A close frame whose payload is malformed.
    #[error(transparent)]
    ClosePayload(#[from] ClosePayloadError),
    /// A text frame whose bytes are not UTF-8 (or do not continue the
    /// message's text as UTF-8, or end it inside a character).
    #[error("text frame payload is not valid UTF-8")]
    InvalidUtf8,
    /// An extension failed to transform the message.
    #[error(transparent)]
    Extension(#[from] ExtensionError),
}
