//! [`Worker`]: the thread that owns a store's connection. Calls reach it as
//! boxed closures over a channel and wait for the answer on another.
//!
//! Why a thread: the sync `postgres` client runs an async runtime of its
//! own inside, and a runtime must not be started — nor dropped — on a
//! thread that is already running one (a tokio worker), where the client
//! would panic. On a thread of its own the connection is made, used and
//! closed away from the caller's runtime, so a store can be created,
//! called and dropped anywhere.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread::JoinHandle;

use super::error::PgError;
use super::session::Session;

/// A call to run on the connection's thread.
type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// The connection's thread, and the way to hand it calls.
pub(super) struct Worker {
    /// `None` only while being dropped.
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread, which owns `session` from now on.
    pub(super) fn start(session: Session) -> Result<Worker, PgError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("module-settings postgres".to_owned())
            .spawn(move || serve(session, queue))
            .map_err(|_| PgError::WorkerGone)?;
        Ok(Worker {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Runs `job` on the connection's thread and waits for its answer.
    pub(super) fn run<R, F>(&self, job: F) -> Result<R, PgError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Session) -> R + Send + 'static,
    {
        let (answer, answered) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |session| {
            // The caller may have stopped waiting; nothing to tell then.
            let _ = answer.send(job(session));
        });
        let jobs = self.jobs.as_ref().ok_or(PgError::WorkerGone)?;
        jobs.send(job).map_err(|_| PgError::WorkerGone)?;
        answered.recv().map_err(|_| PgError::WorkerGone)
    }
}

/// The thread's loop: each job in turn, until the store is dropped. A job
/// that panics loses its connection (it may be inside a transaction) but
/// not the thread; its caller gets [`PgError::WorkerGone`].
fn serve(mut session: Session, queue: mpsc::Receiver<Job>) {
    for job in queue {
        if catch_unwind(AssertUnwindSafe(|| job(&mut session))).is_err() {
            session.disconnect();
        }
    }
    // The session, and the client's runtime with it, is dropped here, on
    // this thread.
}

impl Drop for Worker {
    /// Ends the thread once it has finished the call in hand (none: every
    /// call borrows the store) and waits for it, so the connection is
    /// closed when the store is gone.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
