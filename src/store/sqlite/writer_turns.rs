//! The writers of one process take turns at a database file, first come,
//! first served.
//!
//! SQLite's own waiting is not fair: a connection that finds the write lock
//! taken sleeps and tries again, and a connection committing in a loop
//! takes the lock again in the instant between two of its transactions; so
//! one writer can wait out its whole busy timeout and fail while the other
//! commits thousands of times. Within one process the writers can queue
//! instead: every store on a file (found by its identity, so two paths to
//! one file share the queue) takes a turn before it asks SQLite for the
//! lock, and turns are handed out in the order they were asked for.
//! Writers in other processes are not in the queue; against them, the
//! write transaction is retried in short random pauses (see `begin`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;

use super::identity::FileIdentity;

/// The queue of one database file's writers in this process.
#[derive(Debug, Default)]
pub(super) struct WriterTurns {
    queue: Mutex<Queue>,
    /// Signalled whenever a turn ends or a waiter gives up.
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Queue {
    /// Whether a writer has its turn now.
    taken: bool,
    /// The tickets of the writers waiting, oldest first.
    waiting: VecDeque<u64>,
    next_ticket: u64,
}

/// One writer's turn; the next writer's begins when it is dropped.
#[derive(Debug)]
#[must_use = "the turn ends when dropped"]
pub(super) struct Turn<'a>(&'a WriterTurns);

/// The queues of the files this process has open, held weakly: a queue
/// lives as long as a store on its file.
static QUEUES: Mutex<BTreeMap<FileIdentity, Weak<WriterTurns>>> = Mutex::new(BTreeMap::new());

impl WriterTurns {
    /// The queue every store on the file `identity` shares.
    pub(super) fn for_file(identity: FileIdentity) -> Arc<WriterTurns> {
        let mut queues = crate::sync::lock(&QUEUES);
        queues.retain(|_, queue| queue.strong_count() > 0);
        if let Some(queue) = queues.get(&identity).and_then(Weak::upgrade) {
            return queue;
        }
        let queue = Arc::new(WriterTurns::default());
        queues.insert(identity, Arc::downgrade(&queue));
        queue
    }

    /// Waits for this writer's turn until `deadline`; `None` if it did not
    /// come by then.
    pub(super) fn wait(&self, deadline: Instant) -> Option<Turn<'_>> {
        let mut queue = self.lock();
        if !queue.taken && queue.waiting.is_empty() {
            queue.taken = true;
            return Some(Turn(self));
        }
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.waiting.push_back(ticket);
        loop {
            if !queue.taken && queue.waiting.front() == Some(&ticket) {
                queue.waiting.pop_front();
                queue.taken = true;
                return Some(Turn(self));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                queue.waiting.retain(|waiting| *waiting != ticket);
                // The writer behind this one may be first now.
                self.changed.notify_all();
                return None;
            }
            queue = self
                .changed
                .wait_timeout(queue, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The queue, even after a panic elsewhere: its state is a flag and a
    /// list of numbers, never left half-changed.
    fn lock(&self) -> MutexGuard<'_, Queue> {
        crate::sync::lock(&self.queue)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.0.lock().taken = false;
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn later(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[test]
    fn a_turn_is_exclusive_and_a_waiter_gives_up_at_its_deadline() {
        let turns = WriterTurns::default();
        let first = turns.wait(later(10)).unwrap();
        assert!(turns.wait(later(10)).is_none());
        drop(first);
        // The waiter that gave up left no ticket behind.
        assert!(turns.wait(later(10)).is_some());
    }

    #[test]
    fn turns_are_handed_out_in_the_order_they_were_asked_for() {
        let turns = WriterTurns::default();
        let order = Mutex::new(Vec::new());
        let held = turns.wait(later(1_000)).unwrap();
        std::thread::scope(|scope| {
            for writer in 0..4 {
                // Each writer joins the queue only after the one before it.
                while turns.lock().waiting.len() < writer {
                    std::thread::yield_now();
                }
                let (turns, order) = (&turns, &order);
                scope.spawn(move || {
                    let _turn = turns.wait(later(10_000)).unwrap();
                    order.lock().unwrap().push(writer);
                });
            }
            while turns.lock().waiting.len() < 4 {
                std::thread::yield_now();
            }
            drop(held);
        });
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
    }

    #[test]
    fn stores_on_one_file_share_a_queue_and_other_files_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, "").unwrap();
        std::fs::write(&b, "").unwrap();
        let first = WriterTurns::for_file(FileIdentity::of(&a).unwrap());
        let again = WriterTurns::for_file(FileIdentity::of(&a).unwrap());
        let other = WriterTurns::for_file(FileIdentity::of(&b).unwrap());
        assert!(Arc::ptr_eq(&first, &again));
        assert!(!Arc::ptr_eq(&first, &other));
    }
}
