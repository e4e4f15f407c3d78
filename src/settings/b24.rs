//! Bitrix24: connecting and disconnecting a portal, through the pure
//! transitions of [`B24Connector`] and the facade's clock.

use super::actor::Actor;
use super::cache::Refresh;
use super::error::SettingsError;
use super::events::WriteKind;
use super::form::OptionsForm;
use super::merge::Intent;
use super::Settings;
use crate::ids::{ModuleId, Scope};
use crate::modules::{B24Connector, ConnectMode, Portal};
use crate::options::ModuleOptions;
use crate::store::{Revision, Store};

/// Refuses a write of `module`'s options by any write but `kind`'s own
/// operation, where the module has one: the Bitrix24 connection is
/// written only by [`Settings::connect_b24`] and
/// [`Settings::disconnect_b24`], which check W in the common scope,
/// validate the portal and take the time from the facade's clock. A
/// settings form or a reset would skip all three — and could put a
/// connection in one site's scope.
pub(crate) fn only_by_its_operation(
    module: ModuleId,
    kind: WriteKind,
    intent: &Intent,
) -> Result<(), SettingsError> {
    let operation = matches!(kind, WriteKind::ConnectB24 | WriteKind::DisconnectB24);
    if module == B24Connector::MODULE && !operation && intent.touches_options() {
        return Err(SettingsError::OperationOnly {
            module,
            operations: "connect_b24 and disconnect_b24",
        });
    }
    Ok(())
}

impl<S: Store> Settings<S> {
    /// Connects the Bitrix24 portal at `url` (an https origin), recording
    /// `mode` and the time from the facade's clock. Needs **W** on
    /// `b24connector` (rule 24), checked before anything else.
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
        let auth = self.authorize(actor, B24Connector::GUARD, [Scope::Common])?;
        let portal = Portal::parse(url)?;
        let mut form = self.current_b24()?;
        form.value_mut()
            .connect(portal, mode, self.clocks.unix_seconds())?;
        self.commit_form(auth, WriteKind::ConnectB24, form)
    }

    /// Disconnects the connected Bitrix24 portal. Needs **W** on
    /// `b24connector` (rule 24).
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`]; [`SettingsError::B24`] when no portal is
    /// connected; [`SettingsError::Conflict`], [`SettingsError::Store`].
    pub fn disconnect_b24(&self, actor: &Actor) -> Result<Revision, SettingsError> {
        let auth = self.authorize(actor, B24Connector::GUARD, [Scope::Common])?;
        let mut form = self.current_b24()?;
        form.value_mut().disconnect()?;
        self.commit_form(auth, WriteKind::DisconnectB24, form)
    }

    /// The connection state at the store's current revision: a transition
    /// is judged on what is stored now, not on a cached copy.
    fn current_b24(&self) -> Result<OptionsForm<B24Connector>, SettingsError> {
        let entry = self.registry.typed::<B24Connector>()?;
        self.refresh(entry, Refresh::Check)?;
        self.edit::<B24Connector>(Scope::Common)
    }
}
