//! One writer at a time on a SQLite file, in the order they asked.
//!
//! SQLite lets one connection write at a time and makes the others retry
//! under a busy handler that sleeps longer on each try (1 ms, growing to
//! 100 ms). Under many writers that is unfair: a writer that just failed
//! sleeps while a newcomer takes the lock, so one request can wait past its
//! deadline while the others commit. Inside one process witloom orders its
//! writers itself: a connection enters the [`WriteGate`] before a statement
//! that writes or opens a transaction, and leaves when its transaction has
//! ended. Writers are served first come, first served; reads outside a
//! transaction never enter (in WAL mode they read beside the writer).
//! SQLite's busy handler still covers other processes on the same file.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The queue of one database file's writers.
#[derive(Debug, Default)]
pub(super) struct WriteGate {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Whether a connection is inside.
    held: bool,
    /// Those waiting, first in line first; each waits on its own condition
    /// variable, so that leaving wakes the next writer and no other.
    queue: VecDeque<(u64, Arc<Condvar>)>,
    next: u64,
}

/// The gate, entered: left when dropped.
#[derive(Debug)]
pub(super) struct Inside {
    gate: Arc<WriteGate>,
}

impl WriteGate {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Enters behind every writer that asked before, waiting until
    /// `deadline` at most. Returns how long it waited, or `None` if the
    /// time ran out first (the place in line is given up).
    pub fn enter(self: &Arc<Self>, deadline: Instant) -> (Option<Inside>, Duration) {
        let start = Instant::now();
        let mut state = self.lock();
        if !state.held && state.queue.is_empty() {
            state.held = true;
            return (Some(Inside { gate: self.clone() }), Duration::ZERO);
        }
        let me = state.next;
        state.next += 1;
        let turn = Arc::new(Condvar::new());
        state.queue.push_back((me, turn.clone()));
        loop {
            if !state.held && state.queue.front().is_some_and(|(id, _)| *id == me) {
                state.queue.pop_front();
                state.held = true;
                return (Some(Inside { gate: self.clone() }), start.elapsed());
            }
            let now = Instant::now();
            if now >= deadline {
                state.queue.retain(|(id, _)| *id != me);
                // Leaving the front of the line may let the next one in.
                wake_next(&state);
                return (None, start.elapsed());
            }
            state = turn
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Wakes the first in line, if the gate is free.
fn wake_next(state: &State) {
    if !state.held
        && let Some((_, turn)) = state.queue.front()
    {
        turn.notify_one();
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.held = false;
        wake_next(&state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_enter_one_at_a_time_in_the_order_they_asked() {
        let gate = Arc::new(WriteGate::default());
        let far = Instant::now() + Duration::from_secs(30);
        let (first, waited) = gate.enter(far);
        assert!(first.is_some() && waited == Duration::ZERO);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        for i in 0..8 {
            let (mine, order) = (gate.clone(), order.clone());
            threads.push(std::thread::spawn(move || {
                let (inside, _) = mine.enter(far);
                assert!(inside.is_some());
                order.lock().unwrap().push(i);
            }));
            // Each in line before the next asks.
            while gate.lock().queue.len() < i + 1 {
                std::thread::yield_now();
            }
        }
        drop(first);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn a_writer_whose_time_runs_out_gives_up_its_place() {
        let gate = Arc::new(WriteGate::default());
        let far = Instant::now() + Duration::from_secs(30);
        let (first, _) = gate.enter(far);
        let (late, waited) = gate.enter(Instant::now() + Duration::from_millis(50));
        assert!(late.is_none());
        assert!(waited >= Duration::from_millis(50));
        assert!(gate.lock().queue.is_empty());
        drop(first);
        let (next, _) = gate.enter(far);
        assert!(next.is_some());
    }
}
