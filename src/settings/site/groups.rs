//! The facade's group directory: which user groups are switched off, folded
//! into every module's compiled rights — read from the store's `b_group`
//! within the staleness bound, or given by the caller.

use crate::groups::GroupDirectory;
use crate::settings::site::group_source::NOT_FOLLOWED;
use crate::settings::Settings;
use crate::store::{Revision, Store, StoreError};

impl<S: Store> Settings<S> {
    /// The group directory access checks use: groups it marks inactive
    /// count for nothing (see [`groups`](crate::groups)).
    ///
    /// Where it comes from:
    /// - given by [`SettingsBuilder::groups`] or
    ///   [`set_groups`](Self::set_groups): that directory, until replaced;
    /// - else, when the store lists the site's groups (the SQL stores, from
    ///   Bitrix's `b_group`, where the table exists): the store's, read
    ///   before the first check and again within the staleness bound —
    ///   a group switched off by Bitrix's own admin page stops counting
    ///   within the bound (at once on a store whose change feed reports
    ///   it). A check answered from a module's cache is never based on
    ///   groups older than the bound;
    /// - else empty: every group counts.
    ///
    /// This returns the directory as last read; it does not read the store.
    ///
    /// [`SettingsBuilder::groups`]: crate::settings::SettingsBuilder::groups
    pub fn groups(&self) -> GroupDirectory {
        crate::sync::lock(&self.groups).clone()
    }

    /// Replaces the group directory, and stops reading the store's: from
    /// the moment this returns, every
    /// check — [`check`](Self::check), [`can`](Self::can),
    /// [`roles`](Self::roles), and the right of a write's actor — in every
    /// module sees it, with no store call. A group switched off loses its
    /// grants at once; one switched back on has them back at once.
    ///
    /// Each loaded module's compiled rights are folded with the new
    /// directory in place — only the cells of the groups whose activity
    /// changed are rewritten — and every module loaded or written later is
    /// compiled with it. The stored rights do not change: the Access tab
    /// still lists the rows of an inactive group, and its grants count
    /// again once it is switched back on.
    ///
    /// Calls are applied one at a time, in the order they take the
    /// facade's lock. A write that is between its access check and its
    /// commit when this is called is let finish first: this call waits for
    /// that commit (and so returns after it), and a write whose check came
    /// before this call but whose commit had not begun checks again on the
    /// new directory. So once this returns, no write allowed only by a
    /// group it switched off can still land. Subscribers
    /// ([`on_change`](Self::on_change)) and the audit sink are told after
    /// the commit and may call it. Code that runs inside a commit — a
    /// custom store's `commit_guarded`, or a
    /// [`ChangeListener`](crate::store::ChangeListener) a store calls from
    /// the committing thread — must not: that commit's write would wait
    /// for itself.
    ///
    /// ```
    /// use module_settings::groups::{Group, GroupDirectory};
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let settings = Settings::in_memory();
    /// let video = ModuleId::from_static("video");
    /// let editors = GroupId::from_static(5);
    /// let mut tab = settings.access_tab(video)?;
    /// tab.set_grant(Scope::Common, editors, AccessLevel::W)?;
    /// settings.apply_access_tab(&Actor::new([GroupId::ADMINISTRATORS]), tab)?;
    /// assert!(settings.can(video, &[editors], Scope::Common, AccessLevel::W));
    ///
    /// settings.set_groups(GroupDirectory::new([Group::new(editors, "Editors").with_active(false)])?);
    /// assert!(!settings.can(video, &[editors], Scope::Common, AccessLevel::W));
    /// // The row is still there, for when the group is switched back on.
    /// assert_eq!(settings.access_tab(video)?.grant_rows().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn set_groups(&self, groups: GroupDirectory) {
        // Every write between its check and its commit finishes first, and
        // every later one sees the count move and checks again.
        let mut given = crate::sync::write(&self.groups_given);
        *given = given.wrapping_add(1);
        // Under the directory's lock: a read of the store's groups that
        // began before this call cannot install them after it.
        let mut current = crate::sync::lock(&self.groups);
        self.group_source.stop_following();
        self.install_groups(&mut current, groups);
    }

    /// Folds `groups` read from the store at `revision` into every module
    /// — unless the facade stopped following the store meanwhile — and
    /// only then publishes the revision.
    fn install_followed(&self, groups: GroupDirectory, revision: Option<Revision>) {
        let mut current = crate::sync::lock(&self.groups);
        if self.group_source.follows_store() {
            self.install_groups(&mut current, groups);
            self.group_source.set_revision(revision);
        }
    }

    /// Folds `groups` into every module, unless it is the directory held.
    /// The caller holds the directory's lock across the loop: two calls
    /// never interleave, so every cache ends up with the last directory.
    fn install_groups(&self, current: &mut GroupDirectory, groups: GroupDirectory) {
        if *current == groups {
            return;
        }
        for entry in self.registry.entries() {
            entry.cache.set_groups(&groups);
        }
        *current = groups;
    }

    /// The monotonic time the group directory is confirmed as of, reading
    /// the store's groups first when they are due (older than half the
    /// bound, reported changed, or never read). A refresh counts the
    /// module it refreshes as confirmed no later than this.
    pub(crate) fn groups_confirmed_as_of(&self) -> Result<u64, StoreError> {
        let source = &self.group_source;
        let clock = &self.clocks.mono;
        let half = self.policy.bound_nanos / 2;
        if let Some(as_of) = source.confirmed_as_of(clock.now(), half) {
            return Ok(as_of);
        }
        let _reading = crate::sync::lock(&source.reading);
        // Another thread may have read them while this one waited.
        if let Some(as_of) = source.confirmed_as_of(clock.now(), half) {
            return Ok(as_of);
        }
        let seen = source.begin_read();
        let started = clock.now();
        let Some(directory) = self.store.directory() else {
            source.stop_following();
            return Ok(NOT_FOLLOWED);
        };
        // The revision first: the groups read after it are at least as
        // new, so a write's precondition on it never vouches for groups
        // older than the ones it checked.
        let revision = directory.groups_revision()?;
        let Some(groups) = directory.groups()? else {
            // No `b_group`: there is nothing to follow.
            source.stop_following();
            return Ok(NOT_FOLLOWED);
        };
        self.install_followed(groups, revision);
        source.confirm(started, seen);
        Ok(started)
    }
}
