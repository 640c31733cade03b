//! Why a handshake failed, with the HTTP status a server should answer.

use http::StatusCode;
use noio_ws_registry::{HeaderError, NegotiationError};

/// A handshake failed. On the server side [`HandshakeError::status`] is the
/// status to answer with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The head (start line and headers) is longer than the limit.
    #[error("the head exceeds {max} bytes")]
    HeadTooLarge {
        /// The limit.
        max: usize,
    },
    /// More header fields than the limit.
    #[error("more than {max} header fields")]
    TooManyHeaders {
        /// The limit.
        max: usize,
    },
    /// The request target is longer than the limit.
    #[error("the request target exceeds {max} bytes")]
    TargetTooLong {
        /// The limit.
        max: usize,
    },
    /// The bytes are not an HTTP/1.x head.
    #[error("malformed HTTP head: {0}")]
    Malformed(&'static str),
    /// The request method is not GET.
    #[error("the upgrade request must use GET, not {0}")]
    NotGet(String),
    /// The HTTP version is below 1.1.
    #[error("the upgrade needs HTTP/1.1 or later")]
    HttpVersion,
    /// A header is missing, wrong, or repeated where only one is allowed.
    #[error("{header}: {problem}")]
    BadHeader {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The client speaks another WebSocket version (answered with 426 and
    /// `Sec-WebSocket-Version: 13`).
    #[error("unsupported Sec-WebSocket-Version; this server speaks 13")]
    UnsupportedVersion,
    /// A Sec-WebSocket-Extensions or -Protocol value broke the grammar.
    #[error("{header}: {error}")]
    HeaderGrammar {
        /// The header's name.
        header: &'static str,
        /// The parse error.
        error: HeaderError,
    },
    /// Extension negotiation failed.
    #[error(transparent)]
    Negotiation(#[from] NegotiationError),
    /// The server's Sec-WebSocket-Accept does not match the key sent.
    #[error("Sec-WebSocket-Accept does not match the key")]
    AcceptMismatch,
    /// The server chose a subprotocol the client did not offer.
    #[error("the server chose the subprotocol {0:?}, which was not offered")]
    ProtocolNotOffered(String),
    /// An HTTP/2 or HTTP/3 WebSocket request (RFC 8441, RFC 9220) whose
    /// method is not CONNECT.
    #[error("a WebSocket over HTTP/2 or HTTP/3 is opened with CONNECT, not {0}")]
    NotConnect(String),
    /// An extended CONNECT whose `:protocol` is missing (`None`: a plain
    /// CONNECT) or is not `websocket`.
    #[error("{}", match .0 {
        None => "the CONNECT request has no :protocol; a WebSocket needs :protocol websocket".to_owned(),
        Some(other) => format!("the CONNECT request's :protocol is {other:?}, not websocket"),
    })]
    ConnectProtocol(Option<String>),
    /// The server answered an extended CONNECT with this status, not a 2xx.
    #[error("the server refused the extended CONNECT with {0}")]
    ConnectRefused(StatusCode),
    /// The client's request could not be built.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl HandshakeError {
    /// The HTTP status a server answers this error with (for a client's
    /// [`ConnectRefused`](HandshakeError::ConnectRefused), the server's).
    pub fn status(&self) -> StatusCode {
        match self {
            HandshakeError::HeadTooLarge { .. } | HandshakeError::TooManyHeaders { .. } => {
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            HandshakeError::TargetTooLong { .. } => StatusCode::URI_TOO_LONG,
            HandshakeError::NotGet(_) | HandshakeError::NotConnect(_) => StatusCode::METHOD_NOT_ALLOWED,
            HandshakeError::ConnectRefused(status) => *status,
            HandshakeError::HttpVersion => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            HandshakeError::UnsupportedVersion => StatusCode::UPGRADE_REQUIRED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}
