//! Actors from user ids: a user's groups as the site's `b_user_group`
//! holds them.

use crate::ids::{GroupId, UserId};
use crate::settings::{Actor, Settings, SettingsError};
use crate::store::Store;

impl<S: Store> Settings<S> {
    /// The actor for `user`: the groups the store lists for the user now
    /// (Bitrix's `b_user_group`, each membership counted only while its
    /// `DATE_ACTIVE_FROM`/`DATE_ACTIVE_TO` include the present moment by
    /// the database's clock), plus group 2, which every user is in — so a
    /// user without rows, or who does not exist, is in group 2 only. The
    /// actor carries the user id into audit records.
    ///
    /// Reads the store on every call (one query); a service that checks
    /// many requests of one user keeps the actor for as long as it may be
    /// stale. Switched-off groups stay in the list: the checks leave them
    /// out (see [`groups`](crate::groups)).
    ///
    /// # Errors
    ///
    /// [`SettingsError::NoUserDirectory`] when the store keeps no users'
    /// groups (the memory and file stores; an SQL database without
    /// `b_user_group`); [`SettingsError::Store`] when it cannot be read.
    ///
    /// ```
    /// use module_settings::settings::{Settings, SettingsError};
    /// use module_settings::UserId;
    /// let settings = Settings::in_memory();
    /// let err = settings.actor_for_user(UserId::from_static(42)).unwrap_err();
    /// assert!(matches!(err, SettingsError::NoUserDirectory { .. }));
    /// ```
    pub fn actor_for_user(&self, user: UserId) -> Result<Actor, SettingsError> {
        let missing = |reason| SettingsError::NoUserDirectory { user, reason };
        let directory = self
            .store
            .directory()
            .ok_or_else(|| missing("the store keeps no site directory"))?;
        let groups = directory
            .user_groups(user)?
            .ok_or_else(|| missing("the database has no b_user_group table"))?;
        Ok(Actor::new(groups.into_iter().chain([GroupId::EVERYONE])).with_user_id(user))
    }
}
