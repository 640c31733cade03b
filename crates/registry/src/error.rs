//! The registry's errors: registering opcodes and extensions, parsing
//! extension headers, negotiating and running extensions.

use alloc::string::String;

use noio_ws_codec::{CloseCode, OpCode, Rsv};

/// A registration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Custom data opcodes are 3-7.
    #[error("{0} is not a custom data opcode (3-7)")]
    NotACustomDataOpcode(u8),
    /// Custom control opcodes are 11-15.
    #[error("{0} is not a custom control opcode (11-15)")]
    NotACustomControlOpcode(u8),
    /// The opcode already has a name.
    #[error("{0} is already registered")]
    OpcodeTaken(OpCode),
    /// The name already belongs to an opcode.
    #[error("the opcode name {0:?} is already in use")]
    NameTaken(String),
    /// Reserved bits already claimed by an extension or the application.
    #[error("{wanted:?} overlaps {held:?}, already claimed by {holder}")]
    RsvConflict {
        /// The bits asked for.
        wanted: Rsv,
        /// The bits already held.
        held: Rsv,
        /// Who holds them: an extension name, or "the application".
        holder: String,
    },
    /// Two extensions with the same name.
    #[error("an extension named {0:?} is already in the stack")]
    DuplicateExtension(String),
}

/// A `Sec-WebSocket-Extensions` or `Sec-WebSocket-Protocol` value broke the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// A byte that cannot stand here.
    #[error("unexpected byte {byte:#04x} at {at}")]
    UnexpectedByte {
        /// Its position in the value.
        at: usize,
        /// The byte.
        byte: u8,
    },
    /// The value ended where a token was due.
    #[error("the value ends where a token was expected")]
    UnexpectedEnd,
    /// A quoted-string with no closing quote.
    #[error("quoted string opened at {at} is not closed")]
    UnterminatedQuote {
        /// Where the quote opened.
        at: usize,
    },
    /// A quoted value that is not a token once unquoted (RFC 6455 section 9.1).
    #[error("quoted value at {at} is not a token")]
    QuotedValueNotToken {
        /// Where the quote opened.
        at: usize,
    },
}

/// Extension negotiation failed: the handshake must fail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// An extension refused the offer or response it was given.
    #[error("{extension}: {reason}")]
    Refused {
        /// The extension's name.
        extension: String,
        /// What was wrong.
        reason: String,
    },
    /// The server accepted an extension the client did not offer.
    #[error("the server accepted {0:?}, which was not offered")]
    NotOffered(String),
    /// The server accepted the same extension twice.
    #[error("the server accepted {0:?} more than once")]
    AcceptedTwice(String),
}

impl NegotiationError {
    /// A refusal by `extension` for `reason`.
    pub fn refused(extension: impl Into<String>, reason: impl Into<String>) -> Self {
        NegotiationError::Refused { extension: extension.into(), reason: reason.into() }
    }
}

/// An extension could not transform a message: the connection fails with
/// `close_code`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ExtensionError {
    /// The close code to send: 1007 for undecodable data, 1009 for data past a
    /// limit, 1011 for an internal failure.
    pub close_code: CloseCode,
    /// What went wrong.
    pub reason: String,
}

impl ExtensionError {
    /// An error closing the connection with `close_code`.
    pub fn new(close_code: CloseCode, reason: impl Into<String>) -> Self {
        ExtensionError { close_code, reason: reason.into() }
    }
}
