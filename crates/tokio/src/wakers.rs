//! Who to wake when the transport or a timer is ready: one slot for the
//! task receiving and one for the task sending, behind one waker that
//! wakes both.
//!
//! A socket keeps a single waker per direction, and a `Sleep` a single
//! waker. Once a connection is split, both halves write (the reader sends
//! the automatic pongs and close replies, the writer the application's
//! frames) and both may need the timer, so whichever polled last would take
//! the wake-up from the other. Every write and every timer poll therefore
//! goes through [`Wakers::fan_out`], which wakes whichever halves are
//! waiting; a spurious wake-up costs a look at the connection, a lost one
//! a hung task.

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Wake, Waker};

/// The half of a connection a task is driving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Half {
    /// Receiving: `recv`, the `Stream`, the closing procedure.
    Read,
    /// Sending: `send`, `flush`, the `Sink`.
    Write,
}

/// The waiting tasks, one per half.
#[derive(Debug, Default)]
struct Slots {
    read: Mutex<Option<Waker>>,
    write: Mutex<Option<Waker>>,
}

impl Slots {
    fn slot(&self, half: Half) -> &Mutex<Option<Waker>> {
        match half {
            Half::Read => &self.read,
            Half::Write => &self.write,
        }
    }

    fn wake_half(&self, half: Half) {
        // A poisoned slot still holds a valid waker: nothing panics while holding one.
        let waker = self.slot(half).lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Wake for Slots {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wake_half(Half::Read);
        self.wake_half(Half::Write);
    }
}

/// The two slots and the waker that wakes both.
#[derive(Debug)]
pub(crate) struct Wakers {
    slots: Arc<Slots>,
    fan_out: Waker,
}

impl Wakers {
    pub(crate) fn new() -> Self {
        let slots = Arc::new(Slots::default());
        let fan_out = Waker::from(Arc::clone(&slots));
        Wakers { slots, fan_out }
    }

    /// Notes that the task behind `waker` waits on `half`. Called before
    /// anything is polled, so a wake-up in between is not lost.
    pub(crate) fn register(&self, half: Half, waker: &Waker) {
        let mut slot = self.slots.slot(half).lock().unwrap_or_else(PoisonError::into_inner);
        if !slot.as_ref().is_some_and(|old| old.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    /// Wakes the task waiting on `half`, if one is.
    pub(crate) fn wake(&self, half: Half) {
        self.slots.wake_half(half);
    }

    /// The waker that wakes both halves: the one every write and timer poll uses.
    pub(crate) fn fan_out(&self) -> &Waker {
        &self.fan_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_fan_out_wakes_both_halves_once_each() {
        let wakers = Wakers::new();
        let (read, write) = (Arc::new(Count(AtomicUsize::new(0))), Arc::new(Count(AtomicUsize::new(0))));
        wakers.register(Half::Read, &Waker::from(Arc::clone(&read)));
        wakers.register(Half::Write, &Waker::from(Arc::clone(&write)));
        wakers.fan_out().wake_by_ref();
        wakers.fan_out().wake_by_ref(); // both slots were emptied by the first
        assert_eq!((read.0.load(Ordering::SeqCst), write.0.load(Ordering::SeqCst)), (1, 1));
        wakers.register(Half::Write, &Waker::from(Arc::clone(&write)));
        wakers.wake(Half::Write);
        wakers.wake(Half::Read);
        assert_eq!((read.0.load(Ordering::SeqCst), write.0.load(Ordering::SeqCst)), (1, 2));
    }
}
