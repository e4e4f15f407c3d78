//! [`Heard`]: a change listener that records what a store's feed told it,
//! for the feed tests of every engine.

#![allow(dead_code)] // each test file uses a different part

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use module_settings::store::ChangeListener;
use module_settings::{ModuleId, Store};

/// What a watching listener heard.
#[derive(Default)]
pub struct Heard {
    log: Mutex<Log>,
    news: Condvar,
}

/// Everything heard so far, in order per kind.
#[derive(Default, Clone, Debug)]
pub struct Log {
    pub changed: Vec<ModuleId>,
    pub missed: usize,
    pub groups_changed: usize,
}

impl ChangeListener for Heard {
    fn changed(&self, module: &ModuleId) {
        self.lock().changed.push(*module);
        self.news.notify_all();
    }

    fn missed(&self) {
        self.lock().missed += 1;
        self.news.notify_all();
    }

    fn groups_changed(&self) {
        self.lock().groups_changed += 1;
        self.news.notify_all();
    }
}

impl Heard {
    /// A new listener watching `store`'s feed (the store holds it weakly;
    /// the returned `Arc` keeps it alive).
    pub fn watching(store: &dyn Store) -> Arc<Heard> {
        let heard = Arc::new(Heard::default());
        let listener: Arc<dyn ChangeListener> = heard.clone();
        assert!(
            store.watch(Arc::downgrade(&listener)),
            "the store has a feed"
        );
        heard
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits at most `patience` until `done` holds of the log, and returns
    /// the log; fails the test naming `what` otherwise.
    #[track_caller]
    pub fn wait_for(&self, what: &str, patience: Duration, done: impl Fn(&Log) -> bool) -> Log {
        let deadline = Instant::now() + patience;
        let mut log = self.lock();
        while !done(&log) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {patience:?} in vain for {what}: {log:?}"
            );
            log = self
                .news
                .wait_timeout(log, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        log.clone()
    }

    /// What was heard so far.
    pub fn snapshot(&self) -> Log {
        self.lock().clone()
    }
}
