//! The close handshake (RFC 6455 sections 5.5.1 and 7) as an explicit state
//! machine: every transition of the connection's lifecycle is in this file.
//!
//! ```text
//!            send close                    receive close
//!   Open ──────────────► CloseSent   Open ──────────────► CloseReceived
//!   CloseSent ── receive close ──► Closed     CloseReceived ── send close ──► Closed
//!   any state ── protocol violation (we send close) ──► Failed
//!   any state but Closed/Failed ── EOF ──► Closed (abnormal, 1006)
//! ```
//!
//! Data may be sent while `Open` or `CloseReceived` (an endpoint may finish
//! its message before answering a close, section 5.5.1) and received while
//! `Open` or `CloseSent` (the peer may still be sending). Once `Closed` or
//! `Failed`, the transport should be closed: by the server at once, by the
//! client after giving the server a moment to close first (section 7.1.1).

use noio_ws_codec::Role;

/// Where the connection is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseState {
    /// Both directions open.
    Open,
    /// We sent a close frame and wait for the peer's.
    CloseSent,
    /// The peer sent a close frame that we have not answered yet.
    CloseReceived,
    /// Close frames went both ways, or the transport ended.
    Closed,
    /// We failed the connection after a protocol violation by the peer.
    Failed,
}

/// What the caller should do with the transport (the TCP connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportAction {
    /// Keep it open.
    Keep,
    /// Close it now.
    Close,
    /// The closing handshake is done and this is the client: wait for the
    /// server to close the transport, closing it yourself after a timeout
    /// (RFC 6455 section 7.1.1).
    AwaitPeerClose,
}

/// A close frame was sent at a time the state machine forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AlreadyClosing;

impl CloseState {
    /// True while we may send data frames.
    pub const fn can_send_data(self) -> bool {
        matches!(self, CloseState::Open | CloseState::CloseReceived)
    }

    /// True while frames from the peer are processed.
    pub const fn can_receive(self) -> bool {
        matches!(self, CloseState::Open | CloseState::CloseSent)
    }

    /// True once no more frames go either way.
    pub const fn is_terminal(self) -> bool {
        matches!(self, CloseState::Closed | CloseState::Failed)
    }

    /// The transition for sending a close frame.
    pub(crate) fn on_send_close(self) -> Result<CloseState, AlreadyClosing> {
        match self {
            CloseState::Open => Ok(CloseState::CloseSent),
            CloseState::CloseReceived => Ok(CloseState::Closed),
            CloseState::CloseSent | CloseState::Closed | CloseState::Failed => Err(AlreadyClosing),
        }
    }

    /// The transition for receiving the peer's close frame. Only reached
    /// while [`CloseState::can_receive`] holds.
    pub(crate) fn on_receive_close(self) -> CloseState {
        match self {
            CloseState::Open => CloseState::CloseReceived,
            _ => CloseState::Closed,
        }
    }

    /// The transition for failing the connection after a violation.
    pub(crate) const fn on_violation(self) -> CloseState {
        CloseState::Failed
    }

    /// The transition for the transport's end of stream; the bool is true
    /// when that end was abnormal (no complete close handshake).
    pub(crate) const fn on_eof(self) -> (CloseState, bool) {
        match self {
            CloseState::Closed | CloseState::Failed => (self, false),
            _ => (CloseState::Closed, true),
        }
    }

    /// What to do with the transport in this state, for `role`.
    pub const fn transport_action(self, role: Role) -> TransportAction {
        match (self, role) {
            (CloseState::Failed, _) | (CloseState::Closed, Role::Server) => TransportAction::Close,
            (CloseState::Closed, Role::Client) => TransportAction::AwaitPeerClose,
            _ => TransportAction::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn we_close_first() {
        let s = CloseState::Open.on_send_close().unwrap();
        assert_eq!(s, CloseState::CloseSent);
        assert!(!s.can_send_data() && s.can_receive());
        assert_eq!(s.on_send_close(), Err(AlreadyClosing));
        let s = s.on_receive_close();
        assert_eq!(s, CloseState::Closed);
        assert_eq!(s.transport_action(Role::Server), TransportAction::Close);
        assert_eq!(s.transport_action(Role::Client), TransportAction::AwaitPeerClose);
    }

    #[test]
    fn peer_closes_first() {
        let s = CloseState::Open.on_receive_close();
        assert_eq!(s, CloseState::CloseReceived);
        assert!(s.can_send_data() && !s.can_receive());
        assert_eq!(s.transport_action(Role::Server), TransportAction::Keep);
        assert_eq!(s.on_send_close(), Ok(CloseState::Closed));
    }

    #[test]
    fn eof_and_violation() {
        assert_eq!(CloseState::Open.on_eof(), (CloseState::Closed, true));
        assert_eq!(CloseState::Closed.on_eof(), (CloseState::Closed, false));
        let failed = CloseState::CloseSent.on_violation();
        assert!(failed.is_terminal() && !failed.can_receive() && !failed.can_send_data());
        assert_eq!(failed.transport_action(Role::Client), TransportAction::Close);
    }
}
