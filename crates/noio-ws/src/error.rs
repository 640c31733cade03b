//! One error type for applications: every layer's error converts into
//! [`Error`], so a function driving a connection can use `?` on all of them
//! and still ask what to tell the peer.

use noio_ws_codec::{CloseCode, ClosePayloadError, DecodeError, EncodeError, InvalidOpCode};
use noio_ws_connection::{ProtocolError, UsageError};
use noio_ws_handshake::HandshakeError;
use noio_ws_handshake::http::StatusCode;
use noio_ws_registry::{ExtensionError, HeaderError, NegotiationError, RegistryError};

/// Anything noio-ws can report, by the layer it comes from.
///
/// [`close_code`](Error::close_code) is the code to close the connection
/// with, where one applies; [`status`](Error::status) the HTTP status that
/// answers a failed handshake.
///
/// ```
/// use noio_ws::{CloseCode, Config, Connection, Error, Frame, Role};
///
/// /// Queues the echo of the message in `bytes`, if they hold one.
/// fn echo_once(conn: &mut Connection, bytes: &[u8]) -> Result<(), Error> {
///     conn.recv(bytes);
///     if let noio_ws::Event::Message(m) = conn.next_event()? {
///         conn.send(Frame::new(m.opcode, m.payload))?;
///     }
///     Ok(())
/// }
///
/// let mut server = Connection::new(Role::Server, Config::default());
/// let error = echo_once(&mut server, &[0x81, 0x01, b'x']).unwrap_err(); // unmasked
/// assert_eq!(error.close_code(), Some(CloseCode::PROTOCOL_ERROR));
/// assert!(server.poll_output().is_some(), "the 1002 close frame to write");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the protocol; the connection has failed.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The application asked for something the protocol or the state forbids.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// The opening handshake failed.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// Negotiating an extension failed.
    #[error(transparent)]
    Negotiation(#[from] NegotiationError),
    /// An extension could not transform a message.
    #[error(transparent)]
    Extension(#[from] ExtensionError),
    /// A custom opcode or reserved bit could not be registered.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A header value did not follow the extension or token grammar.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// Bytes were not a valid frame (the codec used on its own).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A frame could not be encoded (the codec used on its own).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A close payload was malformed.
    #[error(transparent)]
    ClosePayload(#[from] ClosePayloadError),
    /// A value above 15 was given as an opcode.
    #[error(transparent)]
    OpCode(#[from] InvalidOpCode),
}

impl Error {
    /// The close code to fail or close the connection with, for errors about
    /// received data; `None` for the application's own mistakes and for
    /// handshake failures (there is no connection to close yet).
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Error::Protocol(e) => Some(e.close_code()),
            Error::Extension(e) => Some(e.close_code),
            Error::Decode(e) => Some(e.close_code()),
            Error::ClosePayload(e) => Some(e.close_code()),
            _ => None,
        }
    }

    /// The HTTP status answering a failed handshake; `None` for errors after it.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Handshake(e) => Some(e.status()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_layer_converts_and_keeps_its_codes() {
        let protocol: Error = ProtocolError::InvalidUtf8.into();
        assert_eq!(protocol.close_code(), Some(CloseCode::INVALID_PAYLOAD));
        assert_eq!(protocol.status(), None);
        let handshake: Error = HandshakeError::UnsupportedVersion.into();
        assert_eq!(handshake.status(), Some(StatusCode::UPGRADE_REQUIRED));
        assert_eq!(handshake.close_code(), None);
        let usage: Error = UsageError::NoMessageToContinue.into();
        assert_eq!((usage.close_code(), usage.status()), (None, None));
        let decode: Error = DecodeError::BufferShrank.into();
        assert_eq!(decode.close_code(), Some(CloseCode::INTERNAL_ERROR));
        assert_eq!(usage.to_string(), UsageError::NoMessageToContinue.to_string(), "messages pass through");
    }
}
