//! The facade's group directory: which user groups are switched off, folded
//! into every module's compiled rights.

use crate::groups::GroupDirectory;
use crate::settings::Settings;
use crate::store::Store;

impl<S: Store> Settings<S> {
    /// The group directory access checks use: groups it marks inactive
    /// count for nothing (see [`groups`](crate::groups)). Empty — every
    /// group counts — unless [`SettingsBuilder::groups`] or
    /// [`set_groups`](Self::set_groups) gave one.
    ///
    /// [`SettingsBuilder::groups`]: crate::settings::SettingsBuilder::groups
    pub fn groups(&self) -> GroupDirectory {
        crate::sync::lock(&self.groups).clone()
    }

    /// Replaces the group directory: from the moment this returns, every
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
    /// facade's lock; a write whose check passed just before the call may
    /// still commit after it (the directory is not part of the store's
    /// revision check).
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
        // Held across the loop: two calls never interleave, so every cache
        // ends up with the directory of the last call.
        let mut current = crate::sync::lock(&self.groups);
        for entry in self.registry.entries() {
            entry.cache.set_groups(&groups);
        }
        *current = groups;
    }
}
