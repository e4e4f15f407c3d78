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
//! told to listeners at once by the stores themselves, and told again when
//! the server's notification of them arrives: the listener delivers every
//! notification. Telling its own commits apart by the server process that
//! sent them would hide other programs' changes — a killed session's
//! process id may be reused, and a connection pooler hands one server
//! process to many clients — while a second report costs one spare
//! invalidation.
//!
//! **Catching up.** While its connection is up the listener hears every
//! write by anyone, so it is a complete feed: every heartbeat (100 ms by
//! default) it takes the time, `as_of`, makes one round trip on its
//! connection (an empty query), delivers every notification that arrived
//! before the answer, and tells its listeners
//! [`caught_up`](crate::store::ChangeListener::caught_up) to `as_of` — or
//! to the beginning of the oldest commit of this process still under way
//! ([`Shared::reported_until`] says why). Caches
//! then need not ask the server for revisions while it keeps up. On any
//! error nothing more is said until the connection is made again (with
//! its `missed`): the caches' deadlines run out, and polling takes over.
//!
//! Why one round trip suffices, as PostgreSQL documents and implements
//! the delivery of notifications:
//! - A committing session queues its notifications before its commit and,
//!   once committed, signals every listening session — before it tells its
//!   own client that the commit is done (`src/backend/commands/async.c`,
//!   header notes 4 and 5: `AtCommit_Notify` calls `SignalBackends` inside
//!   the commit from PostgreSQL 15 on; in 13 and 14
//!   `ProcessCompletedNotifies` does so before the session's
//!   `ReadyForQuery`). Writers are serialised until after their commit, so
//!   no committed notification waits in the queue behind an uncommitted
//!   one.
//! - A signalled session that is idle, waiting for a command, reads the
//!   queue and sends the notifications to its client at once; one that is
//!   busy does so when it next goes idle (the `NOTIFY` reference page: "if
//!   a listening session receives a notification signal while it is
//!   within a transaction, the notification event will not be delivered
//!   to its connected client until just after the transaction is
//!   completed"; `async.c` note 5). A signal that is pending when a
//!   command has been read is handled before the command runs
//!   (`ProcessClientReadInterrupt`, called by `secure_read`).
//! - So every commit whose client was told it is done before `as_of` has
//!   signalled this session before the empty query was sent, and its
//!   notification is written to the connection ahead of the query's
//!   answer; messages on one connection arrive in order.
//!
//! A commit done while the round trip is under way may be delivered after
//! the answer (in PostgreSQL 13 and 14 even after `ReadyForQuery`, which
//! the protocol's notes on asynchronous operations allow), but it was done
//! after `as_of`, so the catch-up does not claim it. A commit that other
//! sessions can already see in the instant before its session signals is
//! still under way for its own client: a cache that serves the value
//! before it for that instant serves what a read racing the commit may
//! see.

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

/// How long the thread waits for a notification at most before it looks
/// whether the store is gone.
const POLL: Duration = Duration::from_millis(100);

/// How long a heartbeat's round trip may take; past it the connection
/// counts as lost (a server that vanished without closing it would
/// otherwise go unnoticed until the system's TCP keepalive).
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the listener catches up unless the store says otherwise.
pub(super) const DEFAULT_HEARTBEAT: Duration = Duration::from_millis(100);

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
    /// Starts listening on `target` for the stores sharing `shared`,
    /// catching up every `heartbeat`.
    pub(super) fn start(
        target: Target,
        shared: Arc<Shared>,
        heartbeat: Duration,
    ) -> std::io::Result<Listener> {
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
                    heartbeat,
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
    heartbeat: Duration,
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

    /// Delivers notifications, and catches up every heartbeat, until the
    /// store is dropped or the connection is lost.
    fn listen(&self, client: &mut Client) -> Ended {
        let mut next_beat = Instant::now() + self.heartbeat;
        loop {
            match self.stopped.try_recv() {
                Err(TryRecvError::Empty) => {}
                Ok(()) | Err(TryRecvError::Disconnected) => return Ended::Stopped,
            }
            // What arrives until the next beat (a steady stream of
            // notifications must not put it off).
            loop {
                let left = next_beat.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match client.notifications().timeout_iter(left.min(POLL)).next() {
                    Ok(Some(notification)) => {
                        self.deliver(notification.payload());
                    }
                    // Quiet for now: look whether the store is gone.
                    Ok(None) => break,
                    Err(_) => return Ended::Lost,
                }
            }
            if client.is_closed() {
                return Ended::Lost;
            }
            if Instant::now() >= next_beat {
                if self.catch_up(client).is_err() {
                    return Ended::Lost;
                }
                next_beat = Instant::now() + self.heartbeat;
            }
        }
    }

    /// One heartbeat: every notification of a commit done before now is
    /// delivered, then the listeners are told they have caught up to now
    /// (see the module's docs for why one round trip suffices).
    fn catch_up(&self, client: &mut Client) -> Result<(), postgres::Error> {
        // Taken before the round trip: a commit done after it may or may
        // not be delivered yet, one done before it is.
        let as_of = Instant::now();
        // An empty query, answered like any command — once the session
        // has sent what was queued for it — and with a timeout (which a
        // plain `SELECT 1` through this client cannot have).
        client.is_valid(CHECK_TIMEOUT)?;
        let mut notifications = client.notifications();
        let mut arrived = notifications.iter();
        while let Some(notification) = arrived.next()? {
            self.deliver(notification.payload());
        }
        // Not past a commit of this process whose report is on its way.
        self.feed.caught_up(self.shared.reported_until(as_of));
        Ok(())
    }

    /// One notification, naming `module`.
    fn deliver(&self, module: &str) {
        // The triggers send valid ids only; anything else is not ours.
        if let Ok(module) = ModuleId::new(module) {
            self.feed.changed(&module);
        }
    }
}
