//! Change feeds: how a store tells the caches above it that a module
//! changed, instead of leaving them to find out when they next poll.
//!
//! A store with a feed hands every subscribed [`ChangeListener`] the id of
//! each module it learns has changed: a commit through another handle on
//! the same data in this process, or — for a database server — a
//! notification the server pushed. A listener treats it as "re-read this
//! module before trusting a cached copy"; it costs an atomic store or two.
//! When a feed may have missed changes (a server connection was lost and
//! made again), it says so with [`ChangeListener::missed`], and the
//! listener treats every module as changed. A feed that sees every write
//! (a server's notifications, or one query reading every revision) also
//! says when it has caught up ([`ChangeListener::caught_up`]): until then
//! nothing it did not report has changed, so caches need not ask.
//!
//! A feed only speeds things up: polling within the staleness bound stays
//! the backstop, so a feed that falls silent never makes data older than
//! the bound.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;

use super::{Revision, StoreError};
use crate::ids::ModuleId;

/// Told by a store's change feed that modules changed. Implemented by the
/// facade's cache; implement it to watch a store yourself.
///
/// Calls come from whichever thread committed (or the store's listener
/// thread) and must return quickly: do not call back into the store.
pub trait ChangeListener: Send + Sync {
    /// `module`'s records changed (its revision moved), or may have (a
    /// commit whose outcome is unknown). One change may be told more than
    /// once (the PostgreSQL store tells its own commits at once and again
    /// when the server's notification arrives): treat each call as "read
    /// again", not as a count.
    fn changed(&self, module: &ModuleId);

    /// Changes may have been missed: treat every module as changed.
    fn missed(&self);

    /// Every change to the store's data committed before `as_of` — by
    /// anyone, this process or another program — has been reported
    /// (through [`changed`](Self::changed) or [`missed`](Self::missed)):
    /// what a listener cached and was not told of is still current as of
    /// `as_of`. The facade's cache then counts its snapshots as confirmed
    /// at `as_of`, so while a feed keeps catching up, no module needs a
    /// revision call of its own.
    ///
    /// Only a **complete** feed may call this: one that sees every write,
    /// such as a database server's notifications while the connection
    /// that receives them is up, or one query that reads every module's
    /// revision. A feed that hears only this process's commits must not.
    /// The default does nothing.
    fn caught_up(&self, as_of: Instant) {
        let _ = as_of;
    }

    /// The site's user groups (the store's
    /// [`SiteDirectory::groups`](crate::store::directory::SiteDirectory::groups),
    /// Bitrix's `b_group`) changed: a group was added, renamed, switched
    /// on or off, or removed. A complete feed of a store that lists groups
    /// reports these too before it claims to have
    /// [`caught_up`](Self::caught_up) with them, and
    /// [`missed`](Self::missed) covers them. The default does nothing.
    fn groups_changed(&self) {}
}

/// The listeners of one feed, and the calls that reach them. Cloning gives
/// another handle on the same feed.
///
/// Listeners are held weakly: a listener that is dropped stops being
/// called and is forgotten, so a store never keeps a cache alive.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use module_settings::store::{ChangeFeed, ChangeListener};
/// use module_settings::ModuleId;
///
/// #[derive(Default)]
/// struct Seen(Mutex<Vec<String>>);
/// impl ChangeListener for Seen {
///     fn changed(&self, module: &ModuleId) {
///         self.0.lock().unwrap().push(module.to_string());
///     }
///     fn missed(&self) {
///         self.0.lock().unwrap().push("*".into());
///     }
/// }
///
/// let feed = ChangeFeed::new();
/// let seen = Arc::new(Seen::default());
/// let listener: Arc<dyn ChangeListener> = seen.clone();
/// feed.subscribe(Arc::downgrade(&listener));
/// feed.changed(&ModuleId::from_static("video"));
/// feed.missed();
/// assert_eq!(*seen.0.lock().unwrap(), ["video", "*"]);
/// ```
#[derive(Clone, Default)]
pub struct ChangeFeed {
    listeners: Arc<Mutex<Vec<Weak<dyn ChangeListener>>>>,
}

impl ChangeFeed {
    /// A feed with no listeners.
    pub fn new() -> Self {
        ChangeFeed::default()
    }

    /// The feed every store on the file or directory `path` shares in this
    /// process, so that what one commits, the caches of the others hear at
    /// once. A path that cannot be resolved (it does not exist yet) gets a
    /// feed of its own.
    pub fn for_path(path: &Path) -> Self {
        static FEEDS: OnceLock<Mutex<HashMap<PathBuf, ChangeFeed>>> = OnceLock::new();
        let Ok(key) = std::fs::canonicalize(path) else {
            return ChangeFeed::new();
        };
        let mut feeds = crate::sync::lock(FEEDS.get_or_init(Mutex::default));
        // Forget feeds nobody holds any more, so the map stays small in a
        // process that opens many short-lived stores.
        feeds.retain(|_, feed| Arc::strong_count(&feed.listeners) > 1);
        feeds.entry(key).or_default().clone()
    }

    /// Adds a listener, held weakly.
    pub fn subscribe(&self, listener: Weak<dyn ChangeListener>) {
        self.lock().push(listener);
    }

    /// Tells every listener that `module` changed.
    pub fn changed(&self, module: &ModuleId) {
        for listener in self.live() {
            listener.changed(module);
        }
    }

    /// Tells every listener of `result`, the outcome of a commit to
    /// `module` based on `expected`: one that moved the revision — or that
    /// landed unconfirmed ([`StoreError::NotDurable`]) — is a change; an
    /// empty batch or a failure is not. For a backend's `commit_guarded`,
    /// once its locks are released.
    pub fn committed(
        &self,
        module: &ModuleId,
        expected: Revision,
        result: &Result<Revision, StoreError>,
    ) {
        let changed = match result {
            Ok(revision) => *revision != expected,
            Err(err) => matches!(err, StoreError::NotDurable { .. }),
        };
        if changed {
            self.changed(module);
        }
    }

    /// Tells every live listener that the site's user groups changed.
    pub fn groups_changed(&self) {
        for listener in self.live() {
            listener.groups_changed();
        }
    }

    /// Tells every listener that changes may have been missed.
    pub fn missed(&self) {
        for listener in self.live() {
            listener.missed();
        }
    }

    /// Tells every listener that every change committed before `as_of`
    /// has been reported; see [`ChangeListener::caught_up`], and call it
    /// only from a complete feed.
    pub fn caught_up(&self, as_of: Instant) {
        for listener in self.live() {
            listener.caught_up(as_of);
        }
    }

    /// Whether any listener is still alive (the dead ones are forgotten):
    /// a store's thread that feeds only listeners ends when none is left.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))] // only server stores poll
    pub(crate) fn has_listeners(&self) -> bool {
        let mut listeners = self.lock();
        listeners.retain(|listener| listener.strong_count() > 0);
        !listeners.is_empty()
    }

    /// The listeners still alive, with the dead ones forgotten. Called
    /// outside the lock, so a listener may subscribe another.
    fn live(&self) -> Vec<Arc<dyn ChangeListener>> {
        let mut listeners = self.lock();
        listeners.retain(|listener| listener.strong_count() > 0);
        listeners.iter().filter_map(Weak::upgrade).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Weak<dyn ChangeListener>>> {
        crate::sync::lock(&self.listeners)
    }
}

impl fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeFeed")
            .field("listeners", &self.lock().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl ChangeListener for Count {
        fn changed(&self, _: &ModuleId) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn missed(&self) {
            self.0.fetch_add(100, Ordering::SeqCst);
        }
    }

    #[test]
    fn dropped_listeners_are_forgotten() {
        let feed = ChangeFeed::new();
        let kept: Arc<dyn ChangeListener> = Arc::new(Count::default());
        let dropped: Arc<dyn ChangeListener> = Arc::new(Count::default());
        feed.subscribe(Arc::downgrade(&kept));
        feed.subscribe(Arc::downgrade(&dropped));
        drop(dropped);
        assert!(feed.has_listeners());
        assert_eq!(feed.lock().len(), 1);
        feed.changed(&ModuleId::from_static("video"));
        assert_eq!(feed.lock().len(), 1);
        assert_eq!(format!("{feed:?}"), "ChangeFeed { listeners: 1 }");
        drop(kept);
        assert!(!feed.has_listeners());
        assert!(!ChangeFeed::new().has_listeners());
    }

    #[test]
    fn stores_on_one_path_share_a_feed_and_others_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            ChangeFeed::for_path(dir.path()),
            ChangeFeed::for_path(dir.path()),
        );
        let other = tempfile::tempdir().unwrap();
        let c = ChangeFeed::for_path(other.path());
        let count = Arc::new(Count::default());
        let listener: Arc<dyn ChangeListener> = count.clone();
        a.subscribe(Arc::downgrade(&listener));
        b.changed(&ModuleId::from_static("video"));
        c.changed(&ModuleId::from_static("video"));
        b.missed();
        assert_eq!(count.0.load(Ordering::SeqCst), 101);
        let missing = ChangeFeed::for_path(&dir.path().join("not-there"));
        missing.changed(&ModuleId::from_static("video"));
        assert_eq!(count.0.load(Ordering::SeqCst), 101);
    }
}
