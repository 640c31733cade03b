//! The connection's clock on `tokio::time`: one `Sleep` per connection for
//! whichever deadline comes first (the core's keepalive, pong, idle and
//! close timers, or the adapter's own bound on a closing transport).
//!
//! The core counts time as a [`Duration`] since an epoch its caller picks;
//! here the epoch is the `tokio::time::Instant` at which the connection was
//! wrapped, so `tokio::time::pause()` moves it in tests. The `Sleep` is
//! made the first time a deadline exists and reset only when a deadline
//! comes before the one it waits for, or after it fired
//! ([`Clock::covers`]): a deadline moved later lets it fire early once.
//! Closing the transport always sets one (the linger bound), so
//! every connection needs the runtime's time driver at the latest when it
//! closes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// The epoch and the one `Sleep`.
#[derive(Debug)]
pub(crate) struct Clock {
    epoch: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    /// The deadline `sleep` is set to.
    armed: Option<Duration>,
}

impl Clock {
    /// A clock whose epoch is now.
    pub(crate) fn start() -> Self {
        Clock { epoch: Instant::now(), sleep: None, armed: None }
    }

    /// The time since the epoch.
    pub(crate) fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// True when the `Sleep` waits, not yet fired, for a time no later than
    /// `deadline`, having been polled for it: the waker it was polled with
    /// hears of the deadline in time, so nothing is due now and the clock
    /// need not be read. A deadline that moved later (each read moves the
    /// keepalive on) leaves the `Sleep` as it is, to fire early once and be
    /// set again then, instead of being reset for every message.
    pub(crate) fn covers(&self, deadline: Duration) -> bool {
        match (&self.sleep, self.armed) {
            (Some(sleep), Some(armed)) => armed <= deadline && !sleep.is_elapsed(),
            _ => false,
        }
    }

    /// Waits for `deadline` (since the epoch), with `cx`'s waker: ready once
    /// it has passed. A deadline too far off to name as an `Instant` never
    /// comes.
    pub(crate) fn poll_until(&mut self, deadline: Duration, cx: &mut Context<'_>) -> Poll<()> {
        let Some(at) = self.epoch.checked_add(deadline) else {
            return Poll::Pending;
        };
        let sleep = match &mut self.sleep {
            Some(sleep) => {
                if self.armed != Some(deadline) {
                    sleep.as_mut().reset(at);
                }
                sleep
            }
            None => self.sleep.insert(Box::pin(tokio::time::sleep_until(at))),
        };
        let poll = sleep.as_mut().poll(cx);
        // Only a `Sleep` polled pending for `deadline` covers it.
        self.armed = poll.is_pending().then_some(deadline);
        poll
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[tokio::test(start_paused = true)]
    async fn a_deadline_is_ready_once_paused_time_reaches_it() {
        let mut clock = Clock::start();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(clock.poll_until(Duration::from_secs(5), &mut cx).is_pending());
        tokio::time::advance(Duration::from_secs(4)).await;
        assert!(clock.poll_until(Duration::from_secs(5), &mut cx).is_pending());
        assert_eq!(clock.now(), Duration::from_secs(4));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(clock.poll_until(Duration::from_secs(5), &mut cx).is_ready());
        // Moved later: pending again until then.
        assert!(clock.poll_until(Duration::from_secs(7), &mut cx).is_pending());
        assert!(clock.poll_until(Duration::MAX, &mut cx).is_pending(), "never, and no panic");
    }
}
