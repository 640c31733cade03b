//! Keepalive pings, dead-peer detection, idle closing and the closing
//! handshake's deadline, on the caller's clock (quinn-proto's model): the
//! connection says when it next needs the time ([`Timers::next`]) and the
//! caller hands it over ([`Timers::expired`]). Nothing here reads a clock.
//!
//! Times are the caller's monotonic clock as a [`Duration`] since any fixed
//! start, which `no_std` code can keep as well as `std::time::Instant` can.
//! Deadlines count from the latest time the connection was given: bytes that
//! came without a time count as heard at the next time given.

use core::time::Duration;

use crate::Config;

/// What [`Connection::handle_timeout`](crate::Connection::handle_timeout) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Timeout {
    /// `ping_interval` passed with nothing from the peer: a ping is queued.
    KeepalivePing,
    /// No pong came within `pong_timeout` of our keepalive ping: the
    /// connection failed with 1011, as for a violation.
    PongTimeout,
    /// `idle_timeout` passed with nothing from the peer: a close frame with
    /// 1001 is queued and the closing handshake has begun.
    Idle,
    /// The closing handshake did not finish within `close_timeout`: close
    /// the transport now.
    CloseTimeout,
}

/// Where each timer stands: times in nanoseconds on the caller's clock
/// (584 years of range; later times saturate), so the connection stays small.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timers {
    /// The latest time the connection was given.
    now: u64,
    /// When the peer was last heard from.
    heard: u64,
    /// When our keepalive ping went out, while it waits for its pong.
    ping_sent: u64,
    /// When the closing handshake began.
    closing: u64,
    /// Keepalive pings sent so far: each carries its number.
    pings: u32,
    /// Which of the times above are set, and what the latest input was.
    flags: u8,
}

/// `Timers::now` is set: some time has been given.
const HAS_NOW: u8 = 1;
/// Bytes arrived without a time since the latest time given.
const HEARD_UNTIMED: u8 = 2;
/// A keepalive ping waits for its pong.
const PING_OUT: u8 = 4;
/// The closing handshake has begun.
const CLOSING: u8 = 8;
/// The latest input came with a time (`now`).
const INPUT_TIMED: u8 = 16;
/// The closing handshake began on input that came without a time: it
/// began at the next time given, not at the stale latest one.
const CLOSING_UNTIMED: u8 = 32;

/// What the timers need to know of the connection's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Both directions open.
    Open,
    /// A close frame went one way or both, and the transport is not released.
    Closing,
    /// Nothing more to time: the transport is to be closed (or is).
    Done,
}

fn nanos(time: Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

/// `base` plus `wait`, if the timer is on.
fn after(base: u64, wait: Option<Duration>) -> Option<u64> {
    wait.map(|wait| base.saturating_add(nanos(wait)))
}

impl Timers {
    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    /// Notes an input and its time; `None` for bytes that came without one.
    pub(crate) fn heard(&mut self, time: Option<Duration>) {
        match time {
            Some(time) => {
                self.advance(time);
                self.heard = self.now;
                self.set(HEARD_UNTIMED, false);
            }
            None => self.set(HEARD_UNTIMED, true),
        }
        self.set(INPUT_TIMED, time.is_some());
    }

    /// The caller's clock says `time`, with no input.
    pub(crate) fn clock(&mut self, time: Duration) {
        self.advance(time);
    }

    /// The time of the latest input, if it came with one: the time the
    /// events it completes carry.
    pub(crate) fn input_time(&self) -> Option<Duration> {
        self.has(INPUT_TIMED).then(|| Duration::from_nanos(self.now))
    }

    /// Notes that the closing handshake began, at the latest time given.
    pub(crate) fn closing(&mut self) {
        if !self.has(CLOSING) {
            self.closing = self.now;
            self.set(CLOSING, true);
            // Begun by a close among bytes that came with no time: the time
            // given before them may be long past, and the close timeout
            // would run out as soon as it started.
            self.set(CLOSING_UNTIMED, self.has(HEARD_UNTIMED));
        }
    }

    /// A pong arrived: the keepalive ping it answers is no longer waiting.
    pub(crate) fn pong(&mut self, payload: &[u8]) {
        if self.has(PING_OUT) && payload == self.pings.to_be_bytes() {
            self.set(PING_OUT, false);
        }
    }

    /// When [`expired`](Timers::expired) must next be called, if ever.
    #[inline]
    pub(crate) fn next(&self, config: &Config, phase: Phase) -> Option<Duration> {
        if !self.has(HAS_NOW) {
            return None;
        }
        self.deadline(config, phase).map(Duration::from_nanos)
    }

    /// The earliest deadline of the timers running in `phase`.
    #[inline]
    fn deadline(&self, config: &Config, phase: Phase) -> Option<u64> {
        match phase {
            Phase::Done => None,
            Phase::Closing => after(self.closing, config.close_timeout),
            Phase::Open => {
                let keepalive = if self.has(PING_OUT) {
                    after(self.ping_sent, config.pong_timeout)
                } else {
                    after(self.heard, config.ping_interval)
                };
                let idle = after(self.heard, config.idle_timeout);
                // Spelled out: this runs on every poll of an adapter, and
                // the iterator over an array of options does not fold away.
                match (keepalive, idle) {
                    (Some(keepalive), Some(idle)) => Some(keepalive.min(idle)),
                    (keepalive, idle) => keepalive.or(idle),
                }
            }
        }
    }

    /// The time is `now`: the timer that has run out, if one has, with the
    /// payload of the ping to send for [`Timeout::KeepalivePing`].
    pub(crate) fn expired(
        &mut self,
        now: Duration,
        config: &Config,
        phase: Phase,
    ) -> Option<(Timeout, [u8; 4])> {
        self.advance(now);
        if self.deadline(config, phase)? > self.now {
            return None;
        }
        let due = |deadline: Option<u64>| deadline.is_some_and(|d| d <= self.now);
        let timeout = match phase {
            Phase::Done => return None,
            Phase::Closing => Timeout::CloseTimeout,
            Phase::Open if due(after(self.heard, config.idle_timeout)) => Timeout::Idle,
            Phase::Open if self.has(PING_OUT) => Timeout::PongTimeout,
            Phase::Open => {
                self.pings = self.pings.wrapping_add(1);
                self.ping_sent = self.now;
                self.set(PING_OUT, true);
                Timeout::KeepalivePing
            }
        };
        Some((timeout, self.pings.to_be_bytes()))
    }

    /// Moves the clock on; a time earlier than one already given (a caller's
    /// clock is monotonic, but inputs may be handed over out of order) leaves
    /// it where it is. The first time given counts as the peer heard from:
    /// the connection has just been opened. What came without a time since
    /// the time given before (bytes, and a close among them) is dated now.
    fn advance(&mut self, time: Duration) {
        let time = nanos(time);
        if self.has(HAS_NOW) {
            self.now = self.now.max(time);
        } else {
            (self.now, self.heard) = (time, time);
            self.set(HAS_NOW, true);
        }
        if self.has(HEARD_UNTIMED) {
            self.heard = self.now;
            self.set(HEARD_UNTIMED, false);
        }
        if self.has(CLOSING_UNTIMED) {
            self.closing = self.now;
            self.set(CLOSING_UNTIMED, false);
        }
    }
}
