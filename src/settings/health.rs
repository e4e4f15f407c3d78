//! [`ModuleHealth`]: how fresh a module's cached snapshot is, and whether
//! the store failed the last time it was asked.

use std::time::Duration;

use serde::Serialize;

use crate::ids::ModuleId;
use crate::settings::error::SettingsError;
use crate::settings::Settings;
use crate::store::{Revision, Store};

/// The state of one module's cache, from [`Settings::health`].
///
/// With [`serve_stale`](crate::settings::SettingsBuilder::serve_stale) on, this is
/// how a caller learns that reads are being served from an old snapshot:
/// [`last_error`](Self::last_error) is set and [`age`](Self::age) grows
/// past the staleness bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleHealth {
    module: ModuleId,
    revision: Option<Revision>,
    age: Option<Duration>,
    last_error: Option<String>,
    stale: bool,
}

impl ModuleHealth {
    /// The module.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// The revision of the cached snapshot; `None` before the first load.
    pub fn revision(&self) -> Option<Revision> {
        self.revision
    }

    /// How long ago the snapshot was last confirmed current by the store;
    /// `None` if it never was.
    pub fn age(&self) -> Option<Duration> {
        self.age
    }

    /// The store's error from the most recent refresh, if it failed; `None`
    /// once a refresh succeeds again. (Text only: store errors never hold
    /// option values.)
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Whether reads are being served the snapshot although the last
    /// refresh failed — only with
    /// [`serve_stale`](crate::settings::SettingsBuilder::serve_stale) on. Without
    /// it a failed refresh makes reads return the error, so nothing is
    /// served stale even while [`last_error`](Self::last_error) is set.
    pub fn is_stale(&self) -> bool {
        self.stale
    }
}

impl<S: Store> Settings<S> {
    /// How fresh the cached snapshot of `module` is. Asks nothing of the
    /// store.
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if the module is not registered.
    pub fn health(&self, module: ModuleId) -> Result<ModuleHealth, SettingsError> {
        let entry = self.entry(module)?;
        let health = entry.cache.health(self.clocks.mono.now());
        Ok(ModuleHealth {
            module,
            revision: health.revision,
            age: health.age,
            last_error: health.last_error,
            stale: health.stale,
        })
    }
}
