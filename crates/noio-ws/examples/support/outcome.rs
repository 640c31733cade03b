//! How a server's connection ended, and the log line for the ones that
//! did not end well.

use std::fmt;
use std::time::Duration;

use noio_ws::handshake::http::StatusCode;

use crate::event_loop::Ending;

/// How a server's connection ended. Whatever it ended with (an HTTP answer,
/// a close frame) has been written.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Nothing to report: the peer left before sending a request, or a plain
    /// HTTP request was answered.
    Normal,
    /// The handshake was refused with an HTTP error.
    Refused {
        /// The status answered.
        status: StatusCode,
        /// Why, as the answer's body says.
        reason: String,
    },
    /// The request head did not arrive in time; 408 was answered.
    HandshakeTimedOut(Duration),
    /// The server already had as many connections as it takes; 503 was
    /// answered.
    OverCapacity(usize),
    /// The WebSocket connection ran and ended so.
    Ended(Ending),
}

impl Outcome {
    /// True for the outcomes worth a line in the log.
    pub(crate) fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Normal | Outcome::Ended(Ending::Closed))
    }
}

impl From<Ending> for Outcome {
    fn from(ending: Ending) -> Self {
        Outcome::Ended(ending)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Normal => write!(f, "done"),
            Outcome::Refused { status, reason } => write!(f, "handshake refused with {status}: {reason}"),
            Outcome::HandshakeTimedOut(after) => {
                write!(f, "no whole request head within {after:?}: answered {}", StatusCode::REQUEST_TIMEOUT)
            }
            Outcome::OverCapacity(max) => {
                write!(f, "already {max} connections: answered {}", StatusCode::SERVICE_UNAVAILABLE)
            }
            Outcome::Ended(ending) => ending.fmt(f),
        }
    }
}
