//! [`Listener`]: a store's change feed from the server. A thread of its
//! own holds a connection of its own that `LISTEN`s on the revision
//! triggers' channel, and turns each notification into
//! [`ChangeListener::changed`](crate::store::ChangeListener::changed) for
//! the module it names — or, for the key the `b_group` trigger sends
//! ([`GROUPS_REVISION_KEY`], which no module id can be), into
//! [`ChangeListener::groups_changed`](crate::store::ChangeListener::groups_changed).
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
//! default) it takes the time, `as_of`, and sends a probe — a
//! notification of its own, with a new number, on a channel only its
//! session listens on, together with `pg_backend_pid()` in one query. It
//! delivers every notification that arrives before the probe comes back,
//! and then tells its listeners
//! [`caught_up`](crate::store::ChangeListener::caught_up) to `as_of` — or
//! to the beginning of the oldest commit of this process still under way
//! ([`Shared::reported_until`] says why). Caches then need not ask the
//! server for revisions while it keeps up. If the probe does not come
//! back within [`CHECK_TIMEOUT`], or the query ran in another server
//! process than the one that listens, or on any error, nothing more is
//! said until the connection is made again (with its `missed`): the
//! caches' deadlines run out, and polling takes over.
//!
//! **Why a probe, not just a round trip.** A round trip (an empty query)
//! succeeds on any connection, also on one that receives no
//! notifications: through a connection pooler in transaction mode the
//! `LISTEN` ran on one server connection and the heartbeat on whichever
//! the pooler hands out, so the feed would claim to be complete while it
//! hears nothing. The probe proves the heartbeat ran in the session that
//! listens (the process id) and that notifications reach this connection
//! (its own came back). And it proves the feed complete up to `as_of`:
//! PostgreSQL puts notifications in one queue in commit order, and a
//! session sends its client what it reads from the queue in order, so
//! when the probe — committed after `as_of` — has arrived, every
//! notification of a commit done before `as_of` arrived ahead of it. A
//! pooler that hands the listening server connection to other clients
//! between heartbeats could still divert notifications to them unnoticed;
//! the listener must connect to the server or through a pooler in session
//! mode to be complete — through one in transaction mode its probes land
//! in other server processes, fail, and polling takes over (with a
//! `missed`, and so a reload, each time it connects again, at most every
//! 5 s).
//!
//! The probe's round trip is bounded: on the server by `statement_timeout`
//! and `lock_timeout` (set on the listener's session to [`CHECK_TIMEOUT`]),
//! on the network by the connection's `tcp_user_timeout` and TCP
//! keepalives (the same), and the wait for the probe's return by the
//! listener itself. (A server that keeps acknowledging TCP but answers
//! nothing — a stopped process — is not bounded by these; the connection
//! counts as lost when it answers again.)
//!
//! Why the heartbeat also needs no more, as PostgreSQL documents and
//! implements the delivery of notifications (this is what an empty round
//! trip alone relied on, and it still holds for the probe's query):
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
//!   signalled this session before the probe's query was sent, and its
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
use crate::store::directory::GROUPS_REVISION_KEY;
use crate::store::jitter::jittered;
use crate::store::ChangeFeed;

/// The first pause before connecting again.
const FIRST_PAUSE: Duration = Duration::from_millis(50);

/// The longest pause before connecting again.
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

/// How long the thread waits for a notification at most before it looks
/// whether the store is gone.
const POLL: Duration = Duration::from_millis(100);

/// How long a heartbeat's probe may take to come back; past it the
/// connection counts as lost (a server that vanished without closing it
/// would otherwise go unnoticed until the system's TCP keepalive).
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The beginning of the channel a listener's probes travel on; its
/// server process id follows, so that no listener hears another's.
const PROBE_CHANNEL: &str = "module_settings_probe_";

/// The probe: the server process the query runs in, and a notification
/// to the listener's own probe channel.
const PROBE: &str = "SELECT pg_backend_pid(), pg_notify($1, $2)";

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
    /// The connection is, or cannot be trusted to hear every notification;
    /// `caught_up`: whether it had caught up at least once.
    Lost { caught_up: bool },
}

/// The listener's connection, and what it knows of it.
struct Listening {
    client: Client,
    /// The server process that ran `LISTEN`.
    pid: i32,
    /// The channel this connection's probes travel on.
    probe_channel: String,
    /// The number of the last probe sent.
    probes: u64,
    /// Whether a probe has come back on this connection.
    caught_up: bool,
}

impl Thread {
    fn run(self) {
        let mut pause = FIRST_PAUSE;
        loop {
            if let Some(mut listening) = self.connect() {
                // Notifications sent before LISTEN took effect are lost.
                self.feed.missed();
                let ended = self.listen(&mut listening);
                // The client (and its runtime) is dropped on this thread.
                drop(listening);
                match ended {
                    Ended::Stopped => return,
                    // Back off only from a connection that never caught
                    // up (as behind a pooler in transaction mode), so
                    // that its `missed` does not empty the caches at
                    // every beat.
                    Ended::Lost { caught_up: true } => pause = FIRST_PAUSE,
                    Ended::Lost { caught_up: false } => {}
                }
            }
            match self.stopped.recv_timeout(jittered(pause)) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }

    fn connect(&self) -> Option<Listening> {
        let mut config = self.target.config().clone();
        // Bounds on the network for the probe's round trip (TCP only; a
        // Unix socket's loss is seen at once).
        config
            .tcp_user_timeout(CHECK_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(CHECK_TIMEOUT);
        let mut client = config.connect(NoTls).ok()?;
        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .and_then(|row| row.try_get(0))
            .ok()?;
        let probe_channel = format!("{PROBE_CHANNEL}{pid}");
        let millis = CHECK_TIMEOUT.as_millis();
        client
            .batch_execute(&format!(
                "SET statement_timeout = {millis}; SET lock_timeout = {millis}; \
                 LISTEN {CHANNEL}; LISTEN {probe_channel}"
            ))
            .ok()?;
        Some(Listening {
            client,
            pid,
            probe_channel,
            probes: 0,
            caught_up: false,
        })
    }

    /// Delivers notifications, and catches up every heartbeat, until the
    /// store is dropped or the connection is lost.
    fn listen(&self, listening: &mut Listening) -> Ended {
        let lost = |listening: &Listening| Ended::Lost {
            caught_up: listening.caught_up,
        };
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
                let next = listening
                    .client
                    .notifications()
                    .timeout_iter(left.min(POLL))
                    .next();
                match next {
                    // A late probe's return proves nothing: passed over.
                    Ok(Some(notification)) => self.deliver(&notification),
                    // Quiet for now: look whether the store is gone.
                    Ok(None) => break,
                    Err(_) => return lost(listening),
                }
            }
            if listening.client.is_closed() {
                return lost(listening);
            }
            if Instant::now() >= next_beat {
                if !self.catch_up(listening) {
                    return lost(listening);
                }
                listening.caught_up = true;
                next_beat = Instant::now() + self.heartbeat;
            }
        }
    }

    /// One heartbeat: every notification of a commit done before now is
    /// delivered, then the listeners are told they have caught up to now
    /// (see the module's docs for why the probe's return proves it).
    /// `false`: the connection cannot be trusted to hear everything.
    fn catch_up(&self, listening: &mut Listening) -> bool {
        // Taken before the probe is sent: a commit done after it may or
        // may not be delivered yet, one done before it is queued ahead of
        // the probe.
        let as_of = Instant::now();
        let deadline = as_of + CHECK_TIMEOUT;
        listening.probes += 1;
        let nonce = listening.probes.to_string();
        let ran_in: Option<i32> = listening
            .client
            .query_one(PROBE, &[&listening.probe_channel, &nonce])
            .and_then(|row| row.try_get(0))
            .ok();
        // Another server process than the one that listens (a pooler
        // handed the query elsewhere): its notifications are not ours.
        if ran_in != Some(listening.pid) {
            return false;
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let next = listening.client.notifications().timeout_iter(left).next();
            match next {
                Ok(Some(notification)) => {
                    if notification.channel() == listening.probe_channel
                        && notification.payload() == nonce
                        && notification.process_id() == listening.pid
                    {
                        break;
                    }
                    self.deliver(&notification);
                }
                // The probe did not come back in time.
                Ok(None) | Err(_) => return false,
            }
        }
        // Not past a commit of this process whose report is on its way.
        self.feed.caught_up(self.shared.reported_until(as_of));
        true
    }

    /// One notification: a change of the module it names, or of the
    /// site's groups, if it came on the triggers' channel (a probe's
    /// return is not a change).
    fn deliver(&self, notification: &postgres::Notification) {
        if notification.channel() != CHANNEL {
            return;
        }
        let payload = notification.payload();
        // Never read as a module id: the key is not one.
        if payload == GROUPS_REVISION_KEY {
            self.feed.groups_changed();
            return;
        }
        // The triggers send valid ids only; anything else is not ours.
        if let Ok(module) = ModuleId::new(payload) {
            self.feed.changed(&module);
        }
    }
}
