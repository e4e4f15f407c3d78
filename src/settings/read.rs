//! Reads and access checks: the hot path, served from the module caches.

use std::sync::Arc;
use std::time::Duration;

use crate::access::{AccessLevel, Decision, DecisionResultExt, ScopeQuery};
use crate::ids::{GroupId, ModuleId, Scope};
use crate::options::ModuleOptions;
use crate::settings::cache::state::ModuleState;
use crate::settings::cache::{Begin, Fetched, Refresh};
use crate::settings::error::SettingsError;
use crate::settings::options_ref::OptionsRef;
use crate::settings::registry::{Entry, ModuleSpec};
use crate::settings::Settings;
use crate::store::{Revision, Store, StoreError};

impl<S: Store> Settings<S> {
    /// Refreshes `entry`'s cache as `mode` says: the cache says whether
    /// there is anything to do, the facade asks the store, the cache
    /// installs the answer.
    pub(crate) fn refresh(&self, entry: &Entry, mode: Refresh) -> Result<(), SettingsError> {
        let clock = &self.clocks.mono;
        match entry.cache.begin(clock, &self.policy, mode) {
            Begin::Done(result) => result,
            Begin::Go(mut ticket) => {
                // The groups first: the module's rights fold them in, so it
                // counts as confirmed no later than they are.
                let fetched = self.groups_confirmed_as_of().and_then(|groups_as_of| {
                    ticket.confirmed_no_later_than(groups_as_of);
                    self.fetch(&entry.spec, ticket.current(), ticket.mode())
                });
                ticket.finish(fetched, clock, &self.policy)
            }
        }
    }

    /// What the store holds of `spec`'s module now, compared with
    /// `current`: unchanged (its revision has not moved), or loaded.
    fn fetch(
        &self,
        spec: &ModuleSpec,
        current: &ModuleState,
        mode: Refresh,
    ) -> Result<Fetched, StoreError> {
        if mode != Refresh::Force
            && current.loaded
            && self.store.revision(&spec.id)? == current.revision
        {
            return Ok(Fetched::Unchanged);
        }
        let snapshot = self.store.load(&spec.id)?;
        Ok(Fetched::Loaded(Box::new(ModuleState::build(
            spec,
            &self.resolve,
            &self.groups(),
            snapshot.revision,
            snapshot.records,
        ))))
    }

    /// Makes sure `entry`'s snapshot is within the staleness bound: the
    /// fast path is one atomic load and a coarse clock read.
    #[inline]
    pub(crate) fn fresh(&self, entry: &Entry) -> Result<(), SettingsError> {
        if entry.cache.is_fresh(&self.clocks.mono) {
            Ok(())
        } else {
            self.refresh(entry, Refresh::IfStale)
        }
    }

    /// Makes sure `entry`'s rights may answer a check: within
    /// the bound like any read, not served past a failed refresh, and —
    /// when another thread's refresh is still waiting for the store — not
    /// older than the hard limit. The fast path is the same as
    /// [`fresh`](Self::fresh)'s.
    #[inline]
    pub(crate) fn fresh_rights(&self, entry: &Entry) -> Result<(), SettingsError> {
        if entry.cache.is_fresh_for_checks(&self.clocks.mono) {
            return Ok(());
        }
        self.stale_rights(entry)
    }

    /// The slow half of [`fresh_rights`](Self::fresh_rights).
    #[cold]
    fn stale_rights(&self, entry: &Entry) -> Result<(), SettingsError> {
        if !entry.cache.is_fresh(&self.clocks.mono) {
            self.refresh(entry, Refresh::IfStale)?;
            // Served without a refresh of this thread's own: another
            // thread's is under way. Old rights may still hold a right
            // revoked since, so they answer only up to the hard limit.
            if !entry.cache.is_fresh(&self.clocks.mono)
                && entry
                    .cache
                    .is_older_than(self.clocks.mono.now(), self.policy.hard_limit_nanos)
            {
                return Err(refresh_overdue(entry, self.policy.hard_limit_nanos));
            }
        }
        if entry.cache.is_stale() {
            return Err(rights_unavailable(entry));
        }
        Ok(())
    }

    /// The current snapshot of `entry`, within the staleness bound.
    pub(crate) fn snapshot(&self, entry: &Entry) -> Result<Arc<ModuleState>, SettingsError> {
        self.fresh(entry)?;
        Ok(entry.cache.current())
    }

    /// The decoded, validated options of `T`'s module as seen from `scope`
    /// (a site's values over the common values over the
    /// defaults). A site that stores no values of its own sees the very
    /// same value as the common scope.
    ///
    /// On a cache hit this takes no lock a writer holds during a commit,
    /// allocates nothing, and writes no counter other threads' reads also
    /// write: the [`OptionsRef`] is a look into the cached snapshot, which
    /// it keeps alive; take [`OptionsRef::to_arc`] to keep the value.
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `T` is not registered;
    /// [`SettingsError::StoredOptions`] if the stored values of that scope
    /// fail to decode; [`SettingsError::Store`] if a refresh failed.
    ///
    /// ```
    /// use module_settings::modules::VideoPort;
    /// use module_settings::settings::Settings;
    /// use module_settings::{Scope, SiteId};
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let common = settings.options::<VideoPort>(Scope::Common)?;
    /// let site = settings.options::<VideoPort>(Scope::Site(SiteId::from_static("s1")))?;
    /// assert!(std::ptr::eq(&*common, &*site));
    /// assert_eq!(common.server_port, None);
    /// # Ok(()) }
    /// ```
    #[inline]
    pub fn options<T: ModuleOptions>(&self, scope: Scope) -> Result<OptionsRef<T>, SettingsError> {
        let entry = self.registry.typed::<T>()?;
        self.fresh(entry)?;
        let state = entry.cache.read();
        let slot = match &state.options {
            Some(options) => options.slot(scope),
            None => None,
        };
        OptionsRef::new(state, slot, scope)
    }

    /// Calls `read` with the decoded, validated options of `T`'s module as
    /// seen from `scope` — the same value [`options`](Self::options)
    /// returns — and returns what it returns.
    ///
    /// Like `options`, this writes no counter that other threads' reads
    /// also write. Keep `read` short; the snapshot it sees stays alive
    /// (though not current) while it runs.
    ///
    /// ```
    /// use module_settings::modules::VideoPort;
    /// use module_settings::settings::Settings;
    /// use module_settings::Scope;
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let ready = settings.with_options(Scope::Common, |video: &VideoPort| video.is_ready())?;
    /// assert!(!ready);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`options`](Self::options).
    pub fn with_options<T: ModuleOptions, R>(
        &self,
        scope: Scope,
        read: impl FnOnce(&T) -> R,
    ) -> Result<R, SettingsError> {
        let entry = self.registry.typed::<T>()?;
        self.fresh(entry)?;
        let state = entry.cache.read();
        typed_ref(&state, scope).map(read)
    }

    /// The level `groups` hold in `module` for `query` (a [`Scope`], a
    /// site, or a Bitrix-exact list of scopes), and why — Bitrix's
    /// `GetUserRight`.
    ///
    /// `groups` is the user's groups: a slice of [`GroupId`]s, or the same
    /// [`Actor`](crate::settings::Actor) a write takes.
    ///
    /// On a cache hit this takes no lock a writer holds during a commit
    /// and allocates nothing.
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `module` is not a registered
    /// rights module; [`SettingsError::StoredRights`] if its stored rights
    /// are unusable (an administrator with the bypass on gets W then, as
    /// always: the bypass reads no rows); [`SettingsError::Store`] if a
    /// refresh failed, or
    /// [`SettingsError::RightsUnavailable`] while stale snapshots are served
    /// after one (checks always fail closed).
    pub fn check<'q>(
        &self,
        module: ModuleId,
        groups: &(impl AsRef<[GroupId]> + ?Sized),
        query: impl Into<ScopeQuery<'q>>,
    ) -> Result<Decision, SettingsError> {
        let groups = groups.as_ref();
        let entry = self.registry.rights(module)?;
        self.fresh_rights(entry)?;
        let state = entry.cache.read();
        match &state.rights {
            Some(Ok(compiled)) => Ok(compiled.explain(groups, query)),
            Some(Err(unusable)) => unusable
                .bypass(groups, query)
                .ok_or_else(|| unusable.error(module)),
            None => Err(SettingsError::UnknownModule {
                module,
                role: "as a rights module",
            }),
        }
    }

    /// Whether `groups` hold at least `needed` in `module`; `false` on any
    /// error (fail closed). The same answer as
    /// `check(…).can(needed)`, without working out the reason.
    pub fn can<'q>(
        &self,
        module: ModuleId,
        groups: &(impl AsRef<[GroupId]> + ?Sized),
        query: impl Into<ScopeQuery<'q>>,
        needed: AccessLevel,
    ) -> bool {
        let groups = groups.as_ref();
        let Ok(entry) = self.registry.rights(module) else {
            return false;
        };
        if self.fresh_rights(entry).is_err() {
            return false;
        }
        let state = entry.cache.read();
        match &state.rights {
            Some(Ok(compiled)) => compiled.can(groups, query, needed),
            // Unusable stored rights deny, but for the administrator
            // bypass, which reads no rows.
            Some(Err(unusable)) => unusable
                .bypass(groups, query)
                .is_some_and(|decision| decision.can(needed)),
            None => false,
        }
    }

    /// The decision if `groups` hold at least `needed` in `module`.
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`] naming the level needed and held, or the
    /// error that kept the check from being answered (fail closed).
    pub fn require<'q>(
        &self,
        module: ModuleId,
        groups: &(impl AsRef<[GroupId]> + ?Sized),
        query: impl Into<ScopeQuery<'q>>,
        needed: AccessLevel,
    ) -> Result<Decision, SettingsError> {
        self.check(module, groups.as_ref(), query).require(needed)
    }

    /// The revision of `module`'s snapshot (within the staleness bound).
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`], or [`SettingsError::Store`] if a
    /// refresh failed.
    pub fn revision(&self, module: ModuleId) -> Result<Revision, SettingsError> {
        let entry = self.entry(module)?;
        Ok(self.snapshot(entry)?.revision)
    }

    /// Loads `module` from the store now, whatever its revision says, and
    /// returns the revision loaded. For changes the revision check cannot
    /// see, such as rows another program wrote to SQLite directly.
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`], or [`SettingsError::Store`].
    pub fn reload(&self, module: ModuleId) -> Result<Revision, SettingsError> {
        let entry = self.entry(module)?;
        self.refresh(entry, Refresh::Force)?;
        Ok(entry.cache.current().revision)
    }

    /// [`reload`](Self::reload)s every registered module — the group
    /// directory read from the store first — and stops at the first error.
    ///
    /// # Errors
    ///
    /// [`SettingsError::Store`].
    pub fn reload_all(&self) -> Result<(), SettingsError> {
        self.group_source.changed();
        for entry in self.registry.entries() {
            self.refresh(entry, Refresh::Force)?;
        }
        Ok(())
    }

    pub(crate) fn entry(&self, module: ModuleId) -> Result<&Entry, SettingsError> {
        self.registry
            .find(module)
            .ok_or(SettingsError::UnknownModule {
                module,
                role: "with the facade",
            })
    }
}

/// `T`'s decoded options in `state` as seen from `scope`: one `Arc`
/// clone, no allocation.
#[inline]
pub(crate) fn typed_value<T: ModuleOptions>(
    state: &ModuleState,
    scope: Scope,
) -> Result<Arc<T>, SettingsError> {
    erased::<T>(state, scope).and_then(|value| {
        Arc::clone(value)
            .downcast::<T>()
            .map_err(|_| not_options(T::MODULE))
    })
}

/// `T`'s decoded options in `state` as seen from `scope`, borrowed.
#[inline]
fn typed_ref<T: ModuleOptions>(state: &ModuleState, scope: Scope) -> Result<&T, SettingsError> {
    erased::<T>(state, scope).and_then(|value| {
        value
            .downcast_ref::<T>()
            .ok_or_else(|| not_options(T::MODULE))
    })
}

/// The decoded options of `state`'s module (whose type is `T`'s) as seen
/// from `scope`, type-erased.
#[inline]
fn erased<T: ModuleOptions>(
    state: &ModuleState,
    scope: Scope,
) -> Result<&crate::settings::registry::AnyOptions, SettingsError> {
    let Some(options) = &state.options else {
        return Err(not_options(T::MODULE));
    };
    options
        .get(scope)
        .as_ref()
        .map_err(|errors| SettingsError::StoredOptions {
            module: T::MODULE,
            scope,
            errors: errors.clone(),
        })
}

#[cold]
fn rights_unavailable(entry: &Entry) -> SettingsError {
    let error = entry
        .cache
        .last_error()
        .unwrap_or_else(|| "no reason was given".to_owned());
    SettingsError::RightsUnavailable {
        module: entry.id(),
        reason: format!("the store failed ({error})"),
    }
}

#[cold]
fn refresh_overdue(entry: &Entry, limit_nanos: u64) -> SettingsError {
    SettingsError::RightsUnavailable {
        module: entry.id(),
        reason: format!(
            "the cached rights are older than {:?} and the store has not answered the refresh \
             under way",
            Duration::from_nanos(limit_nanos)
        ),
    }
}

fn not_options(module: ModuleId) -> SettingsError {
    SettingsError::UnknownModule {
        module,
        role: "as an options module of this type",
    }
}
