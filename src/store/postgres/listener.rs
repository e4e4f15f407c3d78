//! [`Listener`]: a store's change feed from the server. A thread of its
//! own holds a connection of its own that `LISTEN`s on the revision
//! triggers' channel, and turns each notification into
//! [`ChangeListener::changed`](crate::store::ChangeListener::changed) for
//! the module it names.
//!
//! A notification sent while the listener is not connected is never
//! delivered, so after every connection — the first and each one after a
//! loss — it tells its listeners
//! [`missed`](crate::store::ChangeListener::missed), and they re-read what
//! they cache. A lost connection is made again after a pause that doubles
//! from 50 ms to 5 s. The listener never holds anything a read or a commit
//! waits for: when it is down, caches fall back on polling.
//!
//! Commits made through this process's stores on the same database are
//! told to listeners at once by the stores themselves; the server's
//! notification of such a commit (recognised by the server process that
//! sent it) is not told a second time.

use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use super::shared::Shared;
use super::triggers::CHANNEL;
use super::url::Target;
use crate::ids::ModuleId;
use crate::store::jitter::jittered;
use crate::store::ChangeFeed;

/// The first pause before connecting again.
const FIRST_PAUSE: Duration = Duration::from_millis(50);

/// The longest pause before connecting again.
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

/// How long the thread waits for a notification before it looks whether
/// the store is gone.
const POLL: Duration = Duration::from_millis(100);

/// After this long without a notification, the connection is checked with
/// a round trip (a server that vanished without closing it would otherwise
/// go unnoticed until the system's TCP keepalive).
const QUIET: Duration = Duration::from_secs(10);

/// How long that check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The listener thread of one store. Dropping it stops the thread (within
/// [`POLL`], or at once while it waits to connect again); the thread is not
/// waited for, so a store dropped on an async runtime's thread never
/// blocks it.
pub(super) struct Listener {
    feed: ChangeFeed,
    /// Dropped to stop the thread.
    _stop: mpsc::Sender<()>,
}

impl Listener {
    /// Starts listening on `target` for the stores sharing `shared`.
    pub(super) fn start(target: Target, shared: Arc<Shared>) -> std::io::Result<Listener> {
        let feed = ChangeFeed::new();
        let (stop, stopped) = mpsc::channel();
        let thread_feed = feed.clone();
        std::thread::Builder::new()
            .name("module-settings postgres listener".to_owned())
            .spawn(move || {
                Thread {
                    target: target.named("listener"),
                    shared,
                    feed: thread_feed,
                    stopped,
                }
                .run();
            })?;
        Ok(Listener { feed, _stop: stop })
    }

    /// The feed the thread tells.
    pub(super) fn feed(&self) -> &ChangeFeed {
        &self.feed
    }
}

/// What the listener thread holds.
struct Thread {
    target: Target,
    shared: Arc<Shared>,
    feed: ChangeFeed,
    stopped: mpsc::Receiver<()>,
}

/// Why listening on a connection ended.
enum Ended {
    /// The store is gone.
    Stopped,
    /// The connection is.
    Lost,
}

impl Thread {
    fn run(self) {
        let mut pause = FIRST_PAUSE;
        loop {
            if let Some(mut client) = self.connect() {
                pause = FIRST_PAUSE;
                // Notifications sent before LISTEN took effect are lost.
                self.feed.missed();
                let ended = self.listen(&mut client);
                // The client (and its runtime) is dropped on this thread.
                drop(client);
                if let Ended::Stopped = ended {
                    return;
                }
            }
            match self.stopped.recv_timeout(jittered(pause)) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }

    fn connect(&self) -> Option<Client> {
        let mut client = self.target.config().connect(NoTls).ok()?;
        client.batch_execute(&format!("LISTEN {CHANNEL}")).ok()?;
        Some(client)
    }

    /// Delivers notifications until the store is dropped or the
    /// connection is lost.
    fn listen(&self, client: &mut Client) -> Ended {
        let mut quiet_since = Instant::now();
        loop {
            match self.stopped.try_recv() {
                Err(TryRecvError::Empty) => {}
                Ok(()) | Err(TryRecvError::Disconnected) => return Ended::Stopped,
            }
            {
                let mut notifications = client.notifications();
                let mut pending = notifications.timeout_iter(POLL);
                loop {
                    match pending.next() {
                        Ok(Some(notification)) => {
                            quiet_since = Instant::now();
                            self.deliver(notification.process_id(), notification.payload());
                        }
                        // Nothing more for now, or the server is gone: see
                        // below.
                        Ok(None) => break,
                        Err(_) => return Ended::Lost,
                    }
                }
            }
            if client.is_closed() {
                return Ended::Lost;
            }
            if quiet_since.elapsed() >= QUIET {
                if client.is_valid(CHECK_TIMEOUT).is_err() {
                    return Ended::Lost;
                }
                quiet_since = Instant::now();
            }
        }
    }

    /// One notification, from server process `sender`, naming `module`.
    fn deliver(&self, sender: i32, module: &str) {
        // This process's stores told their commits already.
        if self.shared.is_own_backend(sender) {
            return;
        }
        // The triggers send valid ids only; anything else is not ours.
        if let Ok(module) = ModuleId::new(module) {
            self.feed.changed(&module);
        }
    }
}
