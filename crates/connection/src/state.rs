//! Every state transition of a connection, in one table-like file (h11's
//! `_state.py` is the model): the closing handshake of RFC 6455 sections
//! 5.5.1 and 7, the transport's end of stream, failure and the close
//! timeout. The receiver and the sender never change these states; the
//! connection asks here what an input does and applies the answer.
//!
//! # Theory of operation
//!
//! A connection is in one [`CloseState`]. Inputs move it:
//!
//! | state           | we send close | peer's close arrives | violation | end of stream |
//! |-----------------|---------------|----------------------|-----------|---------------|
//! | `Open`          | `CloseSent`   | `CloseReceived`      | `Failed`  | `Closed` (1006) |
//! | `CloseSent`     | refused       | `Closed`             | `Failed`  | `Closed` (1006) |
//! | `CloseReceived` | `Closed`      | (not received)       | `Failed`  | `Closed` (1006) |
//! | `Closed`        | refused       | (not received)       | `Failed`  | `Closed`      |
//! | `Failed`        | refused       | (not received)       | `Failed`  | `Failed`      |
//!
//! What each state allows:
//!
//! | state           | send data | receive frames | automatic pong | transport (server / client) |
//! |-----------------|-----------|----------------|----------------|-----------------------------|
//! | `Open`          | yes       | yes            | yes            | keep / keep                 |
//! | `CloseSent`     | no        | yes            | no             | keep / keep                 |
//! | `CloseReceived` | yes       | no             | no             | keep / keep                 |
//! | `Closed`        | no        | no             | no             | close / await the server's close |
//! | `Failed`        | no        | no             | no             | close / close               |
//!
//! Data may still be sent in `CloseReceived` (an endpoint may finish its
//! message before answering a close, section 5.5.1) and received in
//! `CloseSent` (the peer may still be sending). With `auto_close` the
//! connection answers a close at once, so `CloseReceived` is passed
//! through. A client lets the server close TCP first (section 7.1.1).
//!
//! Two inputs sit beside the table. The end of stream *arrives* when the
//! transport reports it and takes effect only once every event received
//! before it is handed out. The close timeout *releases* the transport:
//! whatever the state, it is to be closed now.

use noio_ws_codec::Role;

use crate::timers::Phase;

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

    /// The "we send close" column.
    const fn on_send_close(self) -> Result<CloseState, AlreadyClosing> {
        match self {
            CloseState::Open => Ok(CloseState::CloseSent),
            CloseState::CloseReceived => Ok(CloseState::Closed),
            CloseState::CloseSent | CloseState::Closed | CloseState::Failed => Err(AlreadyClosing),
        }
    }

    /// The "peer's close arrives" column, reached only while
    /// [`can_receive`](CloseState::can_receive) holds.
    const fn on_receive_close(self) -> CloseState {
        match self {
            CloseState::Open => CloseState::CloseReceived,
            _ => CloseState::Closed,
        }
    }

    /// The "end of stream" column; true when the end was abnormal (no
    /// finished closing handshake).
    const fn on_eof(self) -> (CloseState, bool) {
        match self {
            CloseState::Closed | CloseState::Failed => (self, false),
            _ => (CloseState::Closed, true),
        }
    }

    /// The "transport" column for `role`.
    pub const fn transport_action(self, role: Role) -> TransportAction {
        match (self, role) {
            (CloseState::Failed, _) | (CloseState::Closed, Role::Server) => TransportAction::Close,
            (CloseState::Closed, Role::Client) => TransportAction::AwaitPeerClose,
            _ => TransportAction::Keep,
        }
    }
}

/// Where the transport's end of stream stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EndOfStream {
    /// The transport is open.
    Open,
    /// The end arrived; the events before it are still being handed out.
    Arrived,
    /// The end has taken effect.
    Reported,
}

/// The whole lifecycle: the close state and the two inputs beside it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lifecycle {
    close: CloseState,
    eof: EndOfStream,
    /// The close timeout ran out: the transport is to be closed now.
    released: bool,
}

impl Lifecycle {
    pub(crate) const fn new() -> Self {
        Lifecycle { close: CloseState::Open, eof: EndOfStream::Open, released: false }
    }

    pub(crate) const fn close_state(self) -> CloseState {
        self.close
    }

    /// True while received bytes are taken in: frames are processed and the
    /// stream has not ended.
    pub(crate) fn takes_input(self) -> bool {
        self.close.can_receive() && self.eof == EndOfStream::Open
    }

    /// True while a ping is answered automatically: both directions open.
    pub(crate) fn answers_pings(self) -> bool {
        self.close == CloseState::Open
    }

    /// We send a close frame (ours, a reply, or a failure's).
    pub(crate) fn send_close(&mut self) -> Result<(), AlreadyClosing> {
        self.close = self.close.on_send_close()?;
        Ok(())
    }

    /// The peer's close frame arrived; true when it is still to be answered.
    pub(crate) fn receive_close(&mut self) -> bool {
        self.close = self.close.on_receive_close();
        self.close == CloseState::CloseReceived
    }

    /// The peer broke the protocol: we send our close (true when that is
    /// still allowed) and the connection has failed.
    pub(crate) fn violation(&mut self) -> bool {
        let sends_close = self.close.on_send_close().is_ok();
        self.close = CloseState::Failed;
        sends_close
    }

    /// The transport reported end of stream.
    pub(crate) fn eof_arrived(&mut self) {
        if self.eof == EndOfStream::Open {
            self.eof = EndOfStream::Arrived;
        }
    }

    /// Every event before the end of stream is handed out: the end takes
    /// effect now if it arrived; true when that end was abnormal.
    pub(crate) fn eof_takes_effect(&mut self) -> Option<bool> {
        if self.eof != EndOfStream::Arrived {
            return None;
        }
        self.eof = EndOfStream::Reported;
        let (close, abnormal) = self.close.on_eof();
        self.close = close;
        Some(abnormal)
    }

    /// The close timeout ran out.
    pub(crate) fn release(&mut self) {
        self.released = true;
    }

    /// What to do with the transport now.
    pub(crate) const fn transport_action(self, role: Role) -> TransportAction {
        if self.released {
            return TransportAction::Close;
        }
        self.close.transport_action(role)
    }

    /// What the timers are timing.
    #[inline]
    pub(crate) const fn phase(self, role: Role) -> Phase {
        match (self.close, role) {
            _ if self.released => Phase::Done,
            (CloseState::Open, _) => Phase::Open,
            (CloseState::CloseSent | CloseState::CloseReceived, _) => Phase::Closing,
            // A client waits for the server to close the transport first.
            (CloseState::Closed, Role::Client) => Phase::Closing,
            (CloseState::Closed, Role::Server) | (CloseState::Failed, _) => Phase::Done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn we_close_first() {
        let mut s = Lifecycle::new();
        s.send_close().unwrap();
        assert_eq!(s.close_state(), CloseState::CloseSent);
        assert!(!s.close_state().can_send_data() && s.takes_input() && !s.answers_pings());
        assert_eq!(s.send_close(), Err(AlreadyClosing));
        assert!(!s.receive_close(), "nothing left to answer");
        assert_eq!(s.close_state(), CloseState::Closed);
        assert_eq!(s.transport_action(Role::Server), TransportAction::Close);
        assert_eq!(s.transport_action(Role::Client), TransportAction::AwaitPeerClose);
        assert_eq!((s.phase(Role::Server), s.phase(Role::Client)), (Phase::Done, Phase::Closing));
    }

    #[test]
    fn peer_closes_first() {
        let mut s = Lifecycle::new();
        assert!(s.receive_close(), "the close waits for our answer");
        assert_eq!(s.close_state(), CloseState::CloseReceived);
        assert!(s.close_state().can_send_data() && !s.takes_input());
        assert_eq!(s.transport_action(Role::Server), TransportAction::Keep);
        assert_eq!(s.send_close(), Ok(()));
        assert_eq!(s.close_state(), CloseState::Closed);
    }

    #[test]
    fn end_of_stream_takes_effect_once() {
        let mut s = Lifecycle::new();
        assert_eq!(s.eof_takes_effect(), None, "no end yet");
        s.eof_arrived();
        assert!(!s.takes_input(), "bytes after the end are dropped");
        assert_eq!(s.close_state(), CloseState::Open, "events before the end still come");
        assert_eq!(s.eof_takes_effect(), Some(true));
        assert_eq!(s.close_state(), CloseState::Closed);
        assert_eq!(s.eof_takes_effect(), None);
    }

    #[test]
    fn violation_sends_close_only_once() {
        let mut s = Lifecycle::new();
        s.send_close().unwrap();
        assert!(!s.violation(), "our close is already sent");
        assert_eq!(s.close_state(), CloseState::Failed);
        assert!(s.close_state().is_terminal() && !s.takes_input());
        assert_eq!(s.transport_action(Role::Client), TransportAction::Close);
        let mut open = Lifecycle::new();
        assert!(open.violation());
    }

    #[test]
    fn the_close_timeout_releases_the_transport_in_any_state() {
        let mut s = Lifecycle::new();
        s.release();
        assert_eq!(s.transport_action(Role::Client), TransportAction::Close);
        assert_eq!(s.phase(Role::Client), Phase::Done);
    }
}
