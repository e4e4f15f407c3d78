//! Bitrix24: connecting and disconnecting a portal — operations on
//! [`B24Connector`] in the common scope, through the pure transitions of
//! the module and the facade's clock.

use crate::ids::Scope;
use crate::modules::{B24Connector, ConnectMode, ConnectionError, Portal};
use crate::settings::actor::Actor;
use crate::settings::clock::seconds_since_epoch;
use crate::settings::error::SettingsError;
use crate::settings::Settings;
use crate::store::{Revision, Store};

impl<S: Store> Settings<S> {
    /// Connects the Bitrix24 portal at `url` (an https origin), recording
    /// `mode` and the time from the facade's clock: the operation
    /// `connect_b24` of [`operate`](Self::operate), in the common scope.
    /// Needs **W** on `b24connector` in the common scope, checked before
    /// anything else.
    ///
    /// ```
    /// use module_settings::modules::{B24Connector, ConnectMode};
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::{GroupId, Scope};
    /// # fn main() -> Result<(), module_settings::settings::SettingsError> {
    /// let settings = Settings::in_memory();
    /// let admin = Actor::new([GroupId::ADMINISTRATORS]);
    /// settings.connect_b24(&admin, "https://example.bitrix24.ru", ConnectMode::Existing)?;
    /// let b24 = settings.options::<B24Connector>(Scope::Common)?;
    /// assert_eq!(b24.portal().unwrap().to_string(), "https://example.bitrix24.ru");
    /// // Connecting again is refused: disconnect first.
    /// assert!(settings.connect_b24(&admin, "https://other.bitrix24.ru", ConnectMode::New).is_err());
    /// settings.disconnect_b24(&admin)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`]; [`SettingsError::B24`] for an address
    /// that is not an https origin, or when a portal is already connected;
    /// [`SettingsError::Conflict`], [`SettingsError::Store`].
    pub fn connect_b24(
        &self,
        actor: &Actor,
        url: &str,
        mode: ConnectMode,
    ) -> Result<Revision, SettingsError> {
        self.operate(
            actor,
            Scope::Common,
            "connect_b24",
            |b24: &B24Connector, now| {
                let portal = Portal::parse(url)?;
                let mut next = b24.clone();
                next.connect(portal, mode, seconds_since_epoch(now))?;
                Ok::<_, ConnectionError>(next)
            },
        )
    }

    /// Disconnects the connected Bitrix24 portal: the operation
    /// `disconnect_b24` of [`operate`](Self::operate), in the common
    /// scope. Needs **W** on `b24connector` in the common scope.
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`]; [`SettingsError::B24`] when no portal is
    /// connected; [`SettingsError::Conflict`], [`SettingsError::Store`].
    pub fn disconnect_b24(&self, actor: &Actor) -> Result<Revision, SettingsError> {
        self.operate(
            actor,
            Scope::Common,
            "disconnect_b24",
            |b24: &B24Connector, _| {
                let mut next = b24.clone();
                next.disconnect()?;
                Ok::<_, ConnectionError>(next)
            },
        )
    }
}
