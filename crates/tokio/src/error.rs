//! The adapter's one error type: the core's errors, the handshake's
//! outcomes that are not a connection, and the transport's.

use std::io;
use std::time::Duration;

use noio_ws::bytes::Bytes;
use noio_ws::handshake::http::StatusCode;
use noio_ws::{CloseCode, Delivery, HandshakeError, ProtocolError, RegistryError, UsageError};

use crate::ProxyError;

/// Anything a [`WebSocket`](crate::WebSocket), its halves or a handshake
/// helper can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the protocol. By the time this is returned our close
    /// frame with [`ProtocolError::close_code`] has been written (as far as
    /// the peer read it) and the transport closed.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The application asked for something the protocol or the connection's
    /// state forbids (data after our close, a malformed frame ...); nothing
    /// was sent.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// The opening handshake failed: a malformed request or response, or one
    /// that breaks RFC 6455 section 4 (a server answered it with the error's
    /// status).
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The server answered the upgrade request with an error status.
    #[error("the server refused the upgrade with {status}")]
    HandshakeRefused {
        /// The status.
        status: StatusCode,
        /// The body, as far as it was kept (see `Limits::max_body_bytes`).
        body: Bytes,
    },
    /// The server answered the upgrade request with a redirect, which is
    /// not followed.
    #[error("the server redirected the upgrade ({status}) to {location}")]
    Redirected {
        /// The status.
        status: StatusCode,
        /// Where to.
        location: String,
    },
    /// The server's callback rejected the request; the rejection was sent.
    #[error("the upgrade request was rejected with {status}")]
    RequestRejected {
        /// The status sent.
        status: StatusCode,
    },
    /// The handshake (connecting included, for a client) did not finish in time.
    #[error("the opening handshake did not finish within {0:?}")]
    HandshakeTimeout(Duration),
    /// A URL with a scheme [`connect`](crate::connect) cannot open: any
    /// but `ws://` and `wss://`, or `wss://` without the `rustls` feature
    /// (the message then says which feature to enable).
    #[error("{}", unsupported_scheme(.0))]
    UnsupportedScheme(String),
    /// The TLS handshake failed: an untrusted certificate, a name that does
    /// not match, no protocol or cipher suite in common, an alert ...
    #[cfg(feature = "rustls")]
    #[error("TLS: {0}")]
    Tls(rustls::Error),
    /// No TLS client settings could be made for `wss://` (no root
    /// certificates: see the `rustls-*-roots` features and
    /// [`ClientBuilder::tls_config`](crate::ClientBuilder::tls_config)).
    #[cfg(feature = "rustls")]
    #[error("TLS settings: {0}")]
    TlsConfig(String),
    /// The HTTP proxy could not be used or refused the tunnel.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// The HTTP/2 connection or stream failed during the opening handshake
    /// ([`ClientBuilder::http2`](crate::ClientBuilder::http2)); once open, a
    /// failed stream reads as the transport's end.
    #[cfg(feature = "http2")]
    #[error("HTTP/2: {0}")]
    Http2(h2::Error),
    /// A URL or request that cannot be sent as an upgrade request.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// An extension could not be set up.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Nothing came from the peer for `Config::idle_timeout`: the
    /// connection sent its close (1001, "idle timeout") and closed the
    /// transport without waiting for an answer a silent peer would not send.
    #[error("silent for {0:?}: closed with {code}: idle timeout", code = CloseCode::GOING_AWAY)]
    IdleTimeout(Duration),
    /// The transport ended without a closing handshake (1006).
    #[error("the transport ended without a closing handshake ({})", CloseCode::ABNORMAL_CLOSURE)]
    AbnormalClosure,
    /// The connection is closed: its transport was closed, or it failed.
    #[error("the connection is closed")]
    Closed,
    /// `recv` hands out whole messages, but the connection delivers frames
    /// or pieces: use `recv_event`. Nothing was taken from the connection.
    #[error("recv() hands out whole messages but the connection delivers {0:?}: use recv_event()")]
    NotWholeMessages(Delivery),
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl Error {
    /// The close code the connection was (or is to be) closed with, for
    /// errors about what the peer sent.
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Error::Protocol(e) => Some(e.close_code()),
            Error::AbnormalClosure => Some(CloseCode::ABNORMAL_CLOSURE),
            Error::IdleTimeout(_) => Some(CloseCode::GOING_AWAY),
            _ => None,
        }
    }

    /// The HTTP status that answered (or was answered to) a failed handshake.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Handshake(e) => Some(e.status()),
            Error::HandshakeRefused { status, .. }
            | Error::Redirected { status, .. }
            | Error::RequestRejected { status }
            | Error::Proxy(ProxyError::Refused { status }) => Some(*status),
            _ => None,
        }
    }
}

/// The message of [`Error::UnsupportedScheme`].
fn unsupported_scheme(scheme: &str) -> String {
    if scheme.eq_ignore_ascii_case("wss") && !cfg!(feature = "rustls") {
        "wss:// needs TLS: enable the `rustls-webpki-roots` (or `rustls-native-roots`) feature of noio-ws-tokio"
            .to_owned()
    } else {
        format!("{scheme}:// URLs are not supported: only ws:// and wss://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_come_through() {
        let protocol = Error::from(ProtocolError::InvalidUtf8);
        assert_eq!(protocol.close_code(), Some(CloseCode::INVALID_PAYLOAD));
        assert_eq!(Error::AbnormalClosure.close_code(), Some(CloseCode::ABNORMAL_CLOSURE));
        assert_eq!(
            Error::from(HandshakeError::UnsupportedVersion).status(),
            Some(StatusCode::UPGRADE_REQUIRED)
        );
        assert_eq!(
            Error::RequestRejected { status: StatusCode::FORBIDDEN }.status(),
            Some(StatusCode::FORBIDDEN)
        );
        assert!(Error::UnsupportedScheme("wss".into()).to_string().contains("wss://"));
        #[cfg(not(feature = "rustls"))]
        assert!(Error::UnsupportedScheme("wss".into()).to_string().contains("rustls"));
        assert!(Error::UnsupportedScheme("http".into()).to_string().starts_with("http://"));
        assert_eq!(
            Error::Proxy(ProxyError::Refused { status: StatusCode::PROXY_AUTHENTICATION_REQUIRED }).status(),
            Some(StatusCode::PROXY_AUTHENTICATION_REQUIRED)
        );
        assert_eq!((Error::Closed.close_code(), Error::Closed.status()), (None, None));
    }
}
