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

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// One waiting task, if one waits.
#[derive(Debug, Default)]
struct Slot {
    waker: Mutex<Option<Waker>>,
    /// `waker` holds one. Set with the lock held, read without it: a task
    /// that registers again while its waker is still in place (every poll
    /// but the first after a wake-up) takes no lock.
    filled: AtomicBool,
    /// What [`Waker::will_wake`] compares, of the waker last put here: its
    /// data and vtable pointers. Written only by `register`, which one task
    /// at a time calls (it takes the driver mutably), so they never change
    /// under its reads; atomics only because the slot is shared.
    data: AtomicUsize,
    vtable: AtomicUsize,
}

/// The identity [`Waker::will_wake`] compares.
fn identity(waker: &Waker) -> (usize, usize) {
    (waker.data() as usize, std::ptr::from_ref(waker.vtable()) as usize)
}

impl Slot {
    /// True while the slot holds a waker that wakes the same task as `waker`.
    fn holds(&self, waker: &Waker) -> bool {
        self.filled.load(Ordering::Acquire)
            && (self.data.load(Ordering::Relaxed), self.vtable.load(Ordering::Relaxed)) == identity(waker)
    }

    fn put(&self, waker: &Waker) {
        let (data, vtable) = identity(waker);
        self.data.store(data, Ordering::Relaxed);
        self.vtable.store(vtable, Ordering::Relaxed);
        // A poisoned slot still holds a valid waker: nothing panics while holding one.
        let mut slot = self.waker.lock().unwrap_or_else(PoisonError::into_inner);
        *slot = Some(waker.clone());
        self.filled.store(true, Ordering::Release);
    }

    fn wake(&self) {
        let waker = {
            let mut slot = self.waker.lock().unwrap_or_else(PoisonError::into_inner);
            self.filled.store(false, Ordering::Release);
            slot.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The waiting tasks, one per half.
#[derive(Debug, Default)]
struct Slots {
    read: Slot,
    write: Slot,
}

impl Slots {
    fn slot(&self, half: Half) -> &Slot {
        match half {
            Half::Read => &self.read,
            Half::Write => &self.write,
        }
    }
}

impl Wake for Slots {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.read.wake();
        self.write.wake();
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
    /// anything is polled, so a wake-up in between is not lost. Takes
    /// `&mut self` so that one task at a time registers (see [`Slot::data`]).
    pub(crate) fn register(&mut self, half: Half, waker: &Waker) {
        let slot = self.slots.slot(half);
        // Still in place: a wake-up that takes it from here on wakes this
        // task, and one that took it already has woken this task, which then
        // polls again; either way nothing is lost by not taking the lock.
        if !slot.holds(waker) {
            slot.put(waker);
        }
    }

    /// Wakes the task waiting on `half`, if one is.
    pub(crate) fn wake(&self, half: Half) {
        self.slots.slot(half).wake();
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
        let mut wakers = Wakers::new();
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

    #[test]
    fn a_new_waker_replaces_the_one_in_place_and_a_wake_empties_the_slot() {
        let mut wakers = Wakers::new();
        let (first, second) = (Arc::new(Count(AtomicUsize::new(0))), Arc::new(Count(AtomicUsize::new(0))));
        let first_waker = Waker::from(Arc::clone(&first));
        wakers.register(Half::Read, &first_waker);
        wakers.register(Half::Read, &first_waker); // still in place: nothing changes
        wakers.register(Half::Read, &Waker::from(Arc::clone(&second)));
        wakers.wake(Half::Read);
        wakers.wake(Half::Read);
        assert_eq!((first.0.load(Ordering::SeqCst), second.0.load(Ordering::SeqCst)), (0, 1));
        // The same waker as before the wake-up: the slot is filled again.
        wakers.register(Half::Read, &first_waker);
        wakers.register(Half::Read, &first_waker);
        wakers.fan_out().wake_by_ref();
        assert_eq!(first.0.load(Ordering::SeqCst), 1);
    }
}
