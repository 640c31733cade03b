//! The IO loop around one [`Connection`], as poll functions: everything a
//! [`WebSocket`](crate::WebSocket) and its split halves do. All protocol
//! state lives in the connection; this holds only the transport, the
//! clock, who to wake and where the closing of the transport stands, so
//! dropping any future built on these polls loses nothing.
//!
//! Receiving ([`poll_event`](Driver::poll_event)): hand out what the
//! connection has, then write what it queued (pongs, close replies,
//! keepalive pings) as far as the transport takes it without waiting, then
//! read. Sending ([`poll_ready`](Driver::poll_ready),
//! [`poll_flush`](Driver::poll_flush)): queue in the connection, and wait,
//! writing, while its output is at or past `Config::output_high_water`.
//! When the connection says the transport is done
//! ([`TransportAction`]), or it failed, the receiving side closes the
//! transport as `examples/support/graceful_close.rs` does: write out what is
//! queued, let a client wait for the server's end first, shut down the write
//! side, read and drop what still comes until the peer's end, all within
//! the linger time.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use noio_ws::{
    CloseFrame, CloseState, Connection, Delivery, Event, Frame, Message, OpCode, Timeout, TransportAction,
};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::Error;
use crate::clock::Clock;
use crate::transfer::{discard_in, read_in, write_out};
use crate::wakers::{Half, Wakers};

/// How long closing the transport may take by default: writing out the
/// last bytes, the peer's end of stream. Long enough for a peer to read our
/// close and answer it, short enough that a peer that never closes holds
/// the connection only briefly.
pub(crate) const DEFAULT_LINGER: Duration = Duration::from_secs(2);

/// Timers run per look at the clock at most; each moves its deadline on,
/// so this only guards against a loop.
const MAX_TIMERS_PER_POLL: usize = 8;

/// Where the transport stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// The connection says keep it.
    Open,
    /// Closing: writing out what is queued (our close, a reply to theirs).
    Flushing,
    /// A client after the closing handshake waits for the server to close
    /// the transport first (RFC 6455 section 7.1.1), dropping what it reads.
    AwaitingPeer,
    /// Shutting down our write side: a FIN after our last bytes.
    ShuttingDown,
    /// Reading and dropping what the peer still sends, until its end: a
    /// socket closed with unread bytes sends a reset, which may destroy our
    /// last bytes before the peer reads them.
    Draining,
    /// The transport is closed, or broken.
    Done,
}

/// How many reads in a row that bring bytes a receiver makes before it
/// yields to the runtime once, so that one connection whose peer never
/// stops sending cannot starve the others on its thread. A peer that
/// sends less than the connection reads leaves a `Pending` between reads
/// and never meets it; a flood costs one wake per 32 reads.
const READ_BUDGET: u8 = 32;

/// One connection and its transport.
#[derive(Debug)]
pub(crate) struct Driver<S> {
    conn: Connection,
    io: S,
    clock: Clock,
    wakers: Wakers,
    stage: Stage,
    /// How long closing the transport may take.
    linger: Duration,
    /// When closing the transport gives up, on the clock; set when it starts.
    give_up_at: Option<Duration>,
    /// The give-up time has come.
    gave_up: bool,
    /// The transport reported its end of stream.
    eof: bool,
    /// The last read filled what it was given: more is likely waiting, so
    /// the next reads go straight into the connection's buffer
    /// (`transfer::read_in`).
    busy: bool,
    /// Reads in a row that brought bytes, with no `Pending` between; see
    /// [`READ_BUDGET`].
    reads_in_a_row: u8,
    /// The connection had a deadline when `poll_timers` last looked: reads
    /// are dated with the clock for it (see [`after_read`](Driver::after_read)).
    timed: bool,
    /// What to hand the receiver once the transport is closed: a violation
    /// by the peer, an abnormal closure, a failed read. Boxed, as the next
    /// one: every connection holds the field, few ever fill it.
    report: Option<Box<Error>>,
    /// The peer's close frame, once it came.
    peer_close: Option<Box<CloseFrame>>,
    /// The subprotocol the handshake agreed on.
    protocol: Option<Box<str>>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Driver<S> {
    /// Drives `conn` over `io`; the clock starts now.
    pub(crate) fn new(mut conn: Connection, io: S, linger: Duration, protocol: Option<String>) -> Self {
        let clock = Clock::start();
        conn.handle_timeout(clock.now());
        Driver {
            conn,
            io,
            clock,
            wakers: Wakers::new(),
            stage: Stage::Open,
            linger,
            give_up_at: None,
            gave_up: false,
            eof: false,
            busy: false,
            reads_in_a_row: 0,
            timed: false,
            report: None,
            peer_close: None,
            protocol: protocol.map(String::into_boxed_str),
        }
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn set_delivery(&mut self, delivery: Delivery) -> Result<(), Error> {
        Ok(self.conn.set_delivery(delivery)?)
    }

    pub(crate) fn set_linger(&mut self, linger: Duration) {
        self.linger = linger;
    }

    pub(crate) fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    pub(crate) fn peer_close(&self) -> Option<&CloseFrame> {
        self.peer_close.as_deref()
    }

    /// True once the transport is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.stage == Stage::Done
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.io
    }

    // ---- receiving ---------------------------------------------------------

    /// The next event but [`Event::NeedData`]; `None` once the transport is
    /// closed. A violation, an abnormal closure or a failed read comes as
    /// one error after the transport is closed, then `None`.
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        self.wakers.register(Half::Read, cx.waker());
        // Once a poll: a timer that came due while the task was away woke it
        // (through the fan-out waker); one due later wakes it again.
        self.poll_timers();
        loop {
            if self.stage != Stage::Open {
                ready!(self.poll_closing(cx));
                if let Some(event) = self.leftover_event() {
                    return Poll::Ready(Some(Ok(event)));
                }
                return Poll::Ready(self.report.take().map(|error| Err(*error)));
            }
            match self.conn.next_event() {
                Ok(Event::NeedData) => {}
                Ok(Event::AbnormalClosure) => {
                    self.report = Some(Box::new(Error::AbnormalClosure));
                    self.begin_closing();
                    continue;
                }
                Ok(event) => {
                    if let Event::Close(close) = &event {
                        self.peer_close = Some(Box::new(close.clone()));
                    }
                    // A pong or close reply just queued goes out now, even if
                    // the application never sends. What the application fed
                    // waits for the read below: the replies to everything a
                    // read brought go out in one write.
                    if matches!(event, Event::Ping(_) | Event::Close(_)) {
                        self.flush_opportunistically();
                    }
                    return Poll::Ready(Some(Ok(event)));
                }
                Err(violation) => {
                    // The close frame with its code is queued: closing writes it.
                    self.report = Some(Box::new(Error::Protocol(violation)));
                    self.begin_closing();
                    continue;
                }
            }
            if self.conn.transport_action() != TransportAction::Keep {
                self.begin_closing();
                continue;
            }
            self.flush_opportunistically();
            if self.stage != Stage::Open {
                continue; // the write failed
            }
            if self.reads_in_a_row >= READ_BUDGET {
                // A peer that keeps the socket full would keep this task
                // running for as long as it sends: tokio's cooperative budget
                // stops that, but not for a task run `unconstrained` (as
                // echo servers are, for speed). Yielding here, with every
                // event received already handed out, loses nothing.
                self.reads_in_a_row = 0;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            match read_in(&mut self.conn, &mut self.io, cx, &mut self.busy) {
                Poll::Ready(Ok(n)) => {
                    self.reads_in_a_row = self.reads_in_a_row.saturating_add(1);
                    self.after_read(n);
                }
                Poll::Ready(Err(error)) => {
                    self.report.get_or_insert(Box::new(Error::Io(error)));
                    self.finish();
                }
                Poll::Pending => {
                    self.reads_in_a_row = 0;
                    if !self.poll_timers() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    /// An event the connection still holds once the transport is closed:
    /// what arrived whole before the transport broke under a write or was
    /// given up. None once the connection stopped receiving (a closing
    /// handshake, a failure, the end of the stream), as it has after every
    /// orderly close.
    fn leftover_event(&mut self) -> Option<Event> {
        if !self.conn.state().can_receive() {
            return None;
        }
        match self.conn.next_event() {
            Ok(Event::NeedData | Event::AbnormalClosure) => None,
            Ok(event) => {
                if let Event::Close(close) = &event {
                    self.peer_close = Some(Box::new(close.clone()));
                }
                Some(event)
            }
            Err(violation) => {
                self.report.get_or_insert(Box::new(Error::Protocol(violation)));
                None
            }
        }
    }

    /// The next whole message, the control frames in between answered by
    /// the connection and skipped.
    pub(crate) fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        let delivery = self.conn.config().delivery;
        if delivery != Delivery::WholeMessages {
            return Poll::Ready(Some(Err(Error::NotWholeMessages(delivery))));
        }
        loop {
            match ready!(self.poll_event(cx)) {
                Some(Ok(Event::Message(message))) => return Poll::Ready(Some(Ok(message))),
                Some(Ok(_)) => {}
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }

    /// Notes a read of `n` bytes: the end of the stream, or the peer heard from now.
    fn after_read(&mut self, n: usize) {
        if n == 0 {
            self.eof = true;
        } else if self.timed {
            // The bytes came with no time: while a timer runs (keepalive,
            // idle, closing) this dates them for it. With none running the
            // clock is not read for every read: the next time the connection
            // is given (`poll_timers`, which every poll runs first) dates
            // them, and a close among them, so a timer that starts in
            // between counts from its true start.
            self.conn.handle_timeout(self.clock.now());
        }
    }

    /// Writes what is queued as far as the transport takes it now, never
    /// waiting; the fan-out waker brings the receiver back when the
    /// transport takes more. A sender waiting for room is woken when there is.
    fn flush_opportunistically(&mut self) {
        if self.conn.queued_output_len() == 0 {
            return;
        }
        let was_full = self.conn.output_is_full();
        let mut fan_out = Context::from_waker(self.wakers.fan_out());
        if let Poll::Ready(Err(error)) = write_out(&mut self.conn, &mut self.io, &mut fan_out) {
            self.report.get_or_insert(Box::new(Error::Io(error)));
            self.finish();
            return;
        }
        if was_full && !self.conn.output_is_full() {
            self.wakers.wake(Half::Write);
        }
    }

    // ---- closing the transport ---------------------------------------------

    /// The transport is to be closed: starts the procedure, bounded by the
    /// linger time, and wakes both halves (the receiver carries it out).
    fn begin_closing(&mut self) {
        if self.stage == Stage::Open {
            if self.report.is_none() && self.conn.state() == CloseState::Failed {
                // Begun by a sender, which takes no events: the receiver
                // still gets the failure (the core repeats it, taking nothing).
                if let Err(violation) = self.conn.next_event() {
                    self.report = Some(Box::new(Error::Protocol(violation)));
                }
            }
            self.stage = Stage::Flushing;
            self.give_up_at = Some(self.clock.now().saturating_add(self.linger));
            self.wakers.fan_out().wake_by_ref();
        }
    }

    /// A sender's write is pending: if the transport is to be closed (the
    /// connection failed, say on a pong timeout, or its close timed out),
    /// the wait is bounded by the linger time as closing is, even when no
    /// receiver runs to close the transport. True once that time is up.
    fn sender_gives_up(&mut self) -> bool {
        if self.conn.transport_action() != TransportAction::Keep {
            self.begin_closing();
        }
        if self.gave_up {
            self.finish();
        }
        self.stage == Stage::Done
    }

    /// The transport failed under a sender, which gets `error`; the
    /// receiver, which would otherwise end with a plain `None` as after a
    /// clean close, gets one of the same kind.
    fn sender_failed(&mut self, error: io::Error) -> Error {
        let copy = io::Error::new(error.kind(), error.to_string());
        self.report.get_or_insert(Box::new(Error::Io(copy)));
        self.finish();
        Error::Io(error)
    }

    /// The transport is closed (or broken): both halves look again.
    fn finish(&mut self) {
        self.set_stage(Stage::Done);
    }

    fn set_stage(&mut self, stage: Stage) {
        if stage == Stage::Done && self.stage != Stage::Done {
            self.wakers.fan_out().wake_by_ref();
        }
        self.stage = stage;
    }

    /// Closes the transport, step by step; ready once it is closed.
    fn poll_closing(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            self.poll_timers();
            if self.gave_up {
                self.finish();
            }
            let next = match self.stage {
                Stage::Open | Stage::Done => return Poll::Ready(()),
                Stage::Flushing => {
                    let mut fan_out = Context::from_waker(self.wakers.fan_out());
                    match write_out(&mut self.conn, &mut self.io, &mut fan_out) {
                        Poll::Ready(Ok(()))
                            if self.conn.transport_action() == TransportAction::AwaitPeerClose =>
                        {
                            Some(Stage::AwaitingPeer)
                        }
                        Poll::Ready(Ok(())) => Some(Stage::ShuttingDown),
                        Poll::Ready(Err(_)) => Some(Stage::Done),
                        Poll::Pending => None,
                    }
                }
                Stage::AwaitingPeer if self.eof || self.conn.transport_action() == TransportAction::Close => {
                    Some(Stage::ShuttingDown)
                }
                Stage::Draining if self.eof => Some(Stage::Done),
                // Read and dropped, never kept in the connection.
                stage @ (Stage::AwaitingPeer | Stage::Draining) => {
                    match discard_in(&mut self.conn, &mut self.io, cx) {
                        Poll::Ready(Ok(n)) => {
                            self.after_read(n);
                            Some(stage)
                        }
                        // A reset while closing: nothing left to close.
                        Poll::Ready(Err(_)) => Some(Stage::Done),
                        Poll::Pending => None,
                    }
                }
                Stage::ShuttingDown => {
                    let mut fan_out = Context::from_waker(self.wakers.fan_out());
                    match Pin::new(&mut self.io).poll_shutdown(&mut fan_out) {
                        Poll::Ready(Ok(())) if !self.eof => Some(Stage::Draining),
                        Poll::Ready(_) => Some(Stage::Done),
                        Poll::Pending => None,
                    }
                }
            };
            match next {
                Some(stage) => self.set_stage(stage),
                None if self.poll_timers() => {}
                None => return Poll::Pending,
            }
        }
    }

    // ---- timers ------------------------------------------------------------

    /// Runs what is due on the clock (the connection's timers, the linger
    /// bound) and arms the `Sleep` for the next deadline, waking both halves
    /// through the fan-out waker. True when something was due: the caller
    /// looks at the connection again. Inlined, as every poll runs it several
    /// times per message: with no deadline set (no keepalive or idle timer,
    /// not closing), or the `Sleep` armed already waking in time
    /// ([`Clock::covers`]), it is one look at the connection, and the clock
    /// is not read.
    #[inline]
    fn poll_timers(&mut self) -> bool {
        self.deadline_uncovered() && self.run_timers()
    }

    /// A deadline is set that the armed `Sleep` does not cover; notes in
    /// `timed` whether one is set at all.
    #[inline]
    fn deadline_uncovered(&mut self) -> bool {
        let deadline = self.next_deadline();
        self.timed = deadline.is_some();
        deadline.is_some_and(|deadline| !self.clock.covers(deadline))
    }

    /// [`poll_timers`](Driver::poll_timers) once a deadline is set and the
    /// `Sleep` does not cover it: reads the clock, runs what is due, arms
    /// the `Sleep`. Apart, so that the common case above stays small.
    #[inline(never)]
    fn run_timers(&mut self) -> bool {
        let mut ran = false;
        for turn in 0..MAX_TIMERS_PER_POLL {
            // The caller looked first; each later turn looks again.
            if turn > 0 && !self.deadline_uncovered() {
                return ran;
            }
            let mut now = self.clock.now();
            // Given the time, the connection also dates what came without
            // one, which may move its deadline on: a close among those bytes
            // starts its timeout now, not at the time given before them.
            let mut expired = self.conn.handle_timeout(now);
            if expired.is_none() {
                let Some(deadline) = self.next_deadline() else {
                    return ran;
                };
                if deadline > now {
                    let mut fan_out = Context::from_waker(self.wakers.fan_out());
                    if self.clock.poll_until(deadline, &mut fan_out).is_pending() {
                        return ran;
                    }
                    // The Sleep may fire a hair before the clock reads its deadline.
                    now = deadline;
                    expired = self.conn.handle_timeout(now);
                }
            }
            ran = true;
            if self.give_up_at.is_some_and(|at| at <= now) {
                self.gave_up = true;
            }
            if expired == Some(Timeout::Idle) {
                // Our close (1001) is queued. A peer silent this long will
                // not answer it: close the transport now, as after a failure,
                // rather than wait out the close timeout.
                let idle = self.conn.config().idle_timeout.unwrap_or_default();
                self.report.get_or_insert(Box::new(Error::IdleTimeout(idle)));
                self.begin_closing();
            }
            if expired.is_some() {
                // A ping to write, a failure or a release to act on: the
                // receiver does; if this was the sender, wake it.
                self.wakers.wake(Half::Read);
            }
        }
        ran
    }

    /// The first of the connection's deadline and the linger bound's, if any.
    #[inline]
    fn next_deadline(&self) -> Option<Duration> {
        let give_up = self.give_up_at.filter(|_| !self.gave_up);
        match (self.conn.poll_timeout(), give_up) {
            (Some(core), Some(give_up)) => Some(core.min(give_up)),
            (core, give_up) => core.or(give_up),
        }
    }

    // ---- sending -----------------------------------------------------------

    /// Ready when a frame may be queued: the queued output is under the
    /// high-water mark (written down to it if need be). An error once
    /// nothing more can be sent.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.wakers.register(Half::Write, cx.waker());
        loop {
            self.poll_timers();
            if self.stage == Stage::Done || !self.conn.state().can_send_data() {
                return Poll::Ready(Err(Error::Closed));
            }
            // An empty queue has room even under a high-water mark of 0,
            // which it still meets: else this would write nothing forever.
            if !self.conn.output_is_full() || self.conn.queued_output_len() == 0 {
                return Poll::Ready(Ok(()));
            }
            let mut fan_out = Context::from_waker(self.wakers.fan_out());
            match write_out(&mut self.conn, &mut self.io, &mut fan_out) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(error)) => return Poll::Ready(Err(self.sender_failed(error))),
                Poll::Pending if !self.conn.output_is_full() => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    if !self.sender_gives_up() && !self.poll_timers() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    /// Queues `frame` (after [`poll_ready`](Driver::poll_ready) said so).
    pub(crate) fn start_send(&mut self, frame: Frame) -> Result<(), Error> {
        if self.stage == Stage::Done {
            return Err(Error::Closed);
        }
        let close = frame.opcode() == OpCode::CLOSE;
        if close {
            // The close timeout counts from the connection's latest time:
            // make it now, not the last read of a long-silent connection.
            // Only the clock moves (no bytes, no timer run): a timer overdue
            // because nobody polled (an idle close, a pong timeout) would
            // otherwise close first, and our close fail as a usage error.
            self.conn.recv_at(&[], self.clock.now());
        }
        self.conn.send(frame)?;
        if close {
            // The closing handshake began (or ended): the receiver waits
            // for the reply, or closes the transport.
            self.wakers.wake(Half::Read);
        }
        Ok(())
    }

    /// Queues a whole text message from a borrowed `str`.
    pub(crate) fn start_send_text(&mut self, text: &str) -> Result<(), Error> {
        if self.stage == Stage::Done {
            return Err(Error::Closed);
        }
        Ok(self.conn.send_text(text)?)
    }

    /// Queues a whole binary message from borrowed bytes.
    pub(crate) fn start_send_binary(&mut self, payload: &[u8]) -> Result<(), Error> {
        if self.stage == Stage::Done {
            return Err(Error::Closed);
        }
        Ok(self.conn.send_binary(payload)?)
    }

    /// Writes everything queued and flushes the transport.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.wakers.register(Half::Write, cx.waker());
        loop {
            self.poll_timers();
            if self.stage == Stage::Done {
                let all_out = self.conn.queued_output_len() == 0;
                return Poll::Ready(if all_out { Ok(()) } else { Err(Error::Closed) });
            }
            let mut fan_out = Context::from_waker(self.wakers.fan_out());
            match write_out(&mut self.conn, &mut self.io, &mut fan_out) {
                Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                Poll::Ready(Err(error)) => return Poll::Ready(Err(self.sender_failed(error))),
                Poll::Pending => {
                    if !self.sender_gives_up() && !self.poll_timers() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }
}
