//! The sites a scope may name: where the store lists the installation's
//! sites (Bitrix's `b_lang`), a site it does not list is refused.

use crate::ids::Scope;
use crate::settings::{Settings, SettingsError};
use crate::store::directory::Sites;
use crate::store::Store;

impl<S: Store> Settings<S> {
    /// The installation's sites as the store lists them now (Bitrix's
    /// `b_lang`), or `None` when it does not (no such table, or a store
    /// without a site directory): then every site id is accepted.
    ///
    /// # Errors
    ///
    /// [`SettingsError::Store`] when they cannot be read.
    ///
    /// ```
    /// use module_settings::settings::Settings;
    /// assert!(Settings::in_memory().sites()?.is_none());
    /// # Ok::<(), module_settings::settings::SettingsError>(())
    /// ```
    pub fn sites(&self) -> Result<Option<Sites>, SettingsError> {
        match self.store.directory() {
            Some(directory) => Ok(directory.sites()?),
            None => Ok(None),
        }
    }

    /// Refuses any site of `scopes` the store's site list does not hold
    /// (a switched-off site is still a site). Reads the list only when a
    /// site is named.
    pub(crate) fn require_sites(
        &self,
        scopes: impl IntoIterator<Item = Scope>,
    ) -> Result<(), SettingsError> {
        let mut named = scopes.into_iter().filter_map(|scope| match scope {
            Scope::Site(site) => Some(site),
            Scope::Common => None,
        });
        let Some(first) = named.next() else {
            return Ok(());
        };
        let Some(sites) = self.sites()? else {
            return Ok(());
        };
        for site in std::iter::once(first).chain(named) {
            sites.require(site)?;
        }
        Ok(())
    }
}
