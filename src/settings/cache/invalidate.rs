//! Pushed invalidation: the facade's side of a store's change feed, and
//! [`Settings::invalidate`] for callers who learn of changes themselves.

use std::sync::{Arc, Weak};
use std::time::Instant;

use crate::ids::ModuleId;
use crate::settings::cache::{Monotonic, Policy};
use crate::settings::error::SettingsError;
use crate::settings::registry::Registry;
use crate::settings::site::group_source::GroupSource;
use crate::settings::Settings;
use crate::store::{ChangeListener, Store};

/// What a store's change feed calls: ends the freshness of the named
/// module's cache (of every cache, when changes were missed), and moves
/// every cache's deadline on when a complete feed has caught up. Holds the
/// registry weakly, so a feed that outlives the facade calls nothing.
pub(crate) struct Invalidator {
    registry: Weak<Registry>,
    /// The facade's group directory, when it follows the store's: told of
    /// group changes and of the feed catching up.
    groups: Arc<GroupSource>,
    clock: Monotonic,
    bound_nanos: u64,
}

impl Invalidator {
    /// Subscribes a listener for `registry`'s caches to `store`'s feed,
    /// if it has one; the listener lives as long as the returned `Arc`.
    /// A caught-up feed keeps snapshots fresh for `policy`'s bound after
    /// the time it caught up to, read on `clock`.
    pub(crate) fn watch(
        store: &dyn Store,
        registry: &Arc<Registry>,
        groups: &Arc<GroupSource>,
        clock: &Monotonic,
        policy: &Policy,
    ) -> Arc<dyn ChangeListener> {
        let listener: Arc<dyn ChangeListener> = Arc::new(Invalidator {
            registry: Arc::downgrade(registry),
            groups: Arc::clone(groups),
            clock: clock.clone(),
            bound_nanos: policy.bound_nanos,
        });
        store.watch(Arc::downgrade(&listener));
        listener
    }
}

impl ChangeListener for Invalidator {
    fn changed(&self, module: &ModuleId) {
        if let Some(registry) = self.registry.upgrade() {
            if let Some(entry) = registry.find(*module) {
                entry.cache.invalidate();
            }
        }
    }

    fn missed(&self) {
        self.groups.changed();
        self.invalidate_all();
    }

    fn groups_changed(&self) {
        // Every module's rights fold the groups in: the next check of any
        // module refreshes, and the refresh reads the groups first.
        self.groups.changed();
        self.invalidate_all();
    }

    fn caught_up(&self, as_of: Instant) {
        let Some(registry) = self.registry.upgrade() else {
            return;
        };
        // `as_of` on the cache's clock: both are the monotonic clock, read
        // through different APIs, so go by how long ago it was. The cache's
        // clock is read first: `elapsed` read after it can only be longer,
        // so `confirmed` lands at or before `as_of`, never after it (read
        // the other way round, the time between the two reads would move
        // `confirmed` past what the feed confirmed).
        let now = self.clock.now();
        let ago = u64::try_from(as_of.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let confirmed = now.saturating_sub(ago);
        // First the groups (a feed that reports their changes confirms them
        // too); then no module is extended past them: its rights are only
        // as fresh as the groups folded in, and groups the feed does not
        // watch must come due to be read again.
        self.groups.caught_up(confirmed);
        let confirmed = confirmed.min(self.groups.confirmed());
        let deadline = confirmed.saturating_add(self.bound_nanos);
        for entry in registry.entries() {
            entry.cache.extend(confirmed, deadline);
        }
    }
}

impl<S: Store> Settings<S> {
    /// Ends the freshness of `module`'s cached snapshot now: the next read
    /// asks the store, whatever the staleness bound. For callers that
    /// learn of a change the store's own feed cannot see (a message from
    /// another service, a script that wrote the database).
    ///
    /// Cheap, and safe at any time from any thread: a refresh under way
    /// when it comes does not mark the snapshot fresh.
    ///
    /// ```
    /// use module_settings::settings::Settings;
    /// use module_settings::ModuleId;
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// settings.invalidate(ModuleId::from_static("video"))?;
    /// assert!(settings.invalidate(ModuleId::from_static("nope")).is_err());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if the module is not registered.
    pub fn invalidate(&self, module: ModuleId) -> Result<(), SettingsError> {
        self.entry(module)?.cache.invalidate();
        Ok(())
    }

    /// [`invalidate`](Self::invalidate)s every registered module, and the
    /// group directory read from the store (the next check reads it
    /// again).
    pub fn invalidate_all(&self) {
        self.group_source.changed();
        for entry in self.registry.entries() {
            entry.cache.invalidate();
        }
    }
}

impl Invalidator {
    fn invalidate_all(&self) {
        if let Some(registry) = self.registry.upgrade() {
            for entry in registry.entries() {
                entry.cache.invalidate();
            }
        }
    }
}
