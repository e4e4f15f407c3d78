//! [`B24Connector`]: the Connection tab of the Bitrix24 integration module
//! (`b24connector`) as a state with pure transitions.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::connection_error::ConnectionError;
use super::portal::Portal;
use crate::access::ModuleLevels;
use crate::options::{Decoder, FieldProblem, ModuleOptions, OptionChoice};

/// How a portal was connected: the Connect button offers both. More ways
/// may come (Bitrix has grown its Connect dialog before), so match with a
/// wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, OptionChoice)]
#[non_exhaustive]
pub enum ConnectMode {
    /// A new Bitrix24 portal was created (stored as `new`).
    New,
    /// An existing portal was connected and access confirmed (`existing`).
    Existing,
}

impl ConnectMode {
    /// The stored text: `new` or `existing`.
    pub const fn as_str(self) -> &'static str {
        <Self as OptionChoice>::CHOICES[self as usize]
    }
}

/// The Connection tab's state. More states may come (a connection
/// pending confirmation, say), so match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Connection {
    /// No portal is connected.
    #[default]
    NotConnected,
    /// Connected to a portal.
    Connected {
        /// The portal's origin.
        portal: Portal,
        /// Whether a new portal was created or an existing one connected.
        mode: ConnectMode,
        /// When, in whole seconds since the Unix epoch (UTC), as passed in
        /// by the caller: this layer reads no clock.
        at: u64,
    },
}

/// The Bitrix24 integration's settings: its connection state, stored as
/// three options.
///
/// | option | kind | not connected | connected |
/// |---|---|---|---|
/// | `portal_url` | https origin | `""` | `https://example.bitrix24.ru` |
/// | `connect_mode` | `new` or `existing` | `""` | how it was connected |
/// | `connected_at` | seconds since the Unix epoch | `""` | when |
///
/// The three are set together or empty together; decoding reports the odd
/// one out. [`connect`](Self::connect) and [`disconnect`](Self::disconnect)
/// are explicit: connecting while connected is an error (disconnect first,
/// so switching portals is never silent), and so is disconnecting while not
/// connected. A failed transition changes nothing.
///
/// The three options are [operation-only](crate::options::OptionSpec::operation_only): a
/// settings form cannot write them. The facade's
/// [`connect_b24`](crate::settings::Settings::connect_b24) and
/// [`disconnect_b24`](crate::settings::Settings::disconnect_b24) run these
/// transitions in the common scope, with W on `b24connector` and the time
/// from the facade's clock.
///
/// ```
/// use module_settings::modules::{B24Connector, ConnectMode, ConnectionError};
///
/// let mut b24 = B24Connector::default();
/// b24.connect("https://example.bitrix24.ru".parse()?, ConnectMode::New, 1_700_000_000)?;
/// assert!(b24.is_connected());
/// let again = b24.connect("https://other.bitrix24.ru".parse()?, ConnectMode::New, 1_700_000_100);
/// assert!(matches!(again, Err(ConnectionError::AlreadyConnected { .. })));
/// assert_eq!(b24.disconnect()?.to_string(), "https://example.bitrix24.ru");
/// assert_eq!(b24.disconnect(), Err(ConnectionError::NotConnected));
/// # Ok::<(), ConnectionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, ModuleOptions)]
#[module(
    id = "b24connector",
    title(ru = "Интеграция с Битрикс24", en = "Bitrix24 integration"),
    levels = ModuleLevels::B24_CONNECTOR,
    validate = Self::all_or_none
)]
pub struct B24Connector {
    #[option(
        label(ru = "Портал Битрикс24", en = "Bitrix24 portal"),
        help(
            ru = "Адрес подключённого портала; пусто, если портал не подключён.",
            en = "The connected portal's address; empty when no portal is connected."
        ),
        operation_only
    )]
    portal_url: Option<Portal>,
    #[option(
        label(ru = "Способ подключения", en = "How it was connected"),
        help(
            ru = "new — создан новый портал, existing — подключён существующий.",
            en = "new: a new portal was created; existing: an existing portal was connected."
        ),
        operation_only
    )]
    connect_mode: Option<ConnectMode>,
    // Seconds since the Unix epoch: `u64`'s range as an option is
    // 0..=i64::MAX, what Bitrix's PHP reads as a signed 64-bit number.
    #[option(
        label(ru = "Время подключения", en = "Connected at"),
        help(
            ru = "Секунды с 1 января 1970 года (UTC).",
            en = "Seconds since 1 January 1970 (UTC)."
        ),
        operation_only
    )]
    connected_at: Option<u64>,
}

/// The largest timestamp the store accepts: `connected_at` is stored as a
/// signed 64-bit number, as Bitrix's PHP reads it.
const MAX_SECONDS: i64 = i64::MAX;

impl B24Connector {
    /// The latest connection time [`connect`](Self::connect) accepts, in
    /// seconds since the Unix epoch: the largest the `connected_at` option
    /// can hold (`i64::MAX`, some 292 billion years from now).
    pub const MAX_CONNECTED_AT: u64 = MAX_SECONDS.unsigned_abs();

    /// The connection state, built from the three options (the portal
    /// cloned).
    pub fn connection(&self) -> Connection {
        match (&self.portal_url, self.connect_mode, self.connected_at) {
            (Some(portal), Some(mode), Some(at)) => Connection::Connected {
                portal: portal.clone(),
                mode,
                at,
            },
            _ => Connection::NotConnected,
        }
    }

    /// Whether a portal is connected.
    pub fn is_connected(&self) -> bool {
        self.portal_url.is_some()
    }

    /// The connected portal, if any.
    pub fn portal(&self) -> Option<&Portal> {
        self.portal_url.as_ref()
    }

    /// When the portal was connected, as a `SystemTime`.
    pub fn connected_at(&self) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(Duration::from_secs(self.connected_at?))
    }

    /// Connects `portal`, recording how and when (`at`: seconds since the
    /// Unix epoch, from the caller's clock). Refused while connected, and
    /// for a time after [`MAX_CONNECTED_AT`](Self::MAX_CONNECTED_AT), which
    /// could not be stored and read back.
    ///
    /// The time stays a `u64` (what `SystemTime` gives as seconds since the
    /// epoch) rather than a narrower type: the one value range it cannot
    /// store is refused here, with a [`ConnectionError::TimeOutOfRange`].
    pub fn connect(
        &mut self,
        portal: Portal,
        mode: ConnectMode,
        at: u64,
    ) -> Result<(), ConnectionError> {
        if let Some(current) = self.portal() {
            return Err(ConnectionError::AlreadyConnected {
                portal: current.clone(),
            });
        }
        if at > Self::MAX_CONNECTED_AT {
            return Err(ConnectionError::TimeOutOfRange {
                at,
                max: Self::MAX_CONNECTED_AT,
            });
        }
        self.portal_url = Some(portal);
        self.connect_mode = Some(mode);
        self.connected_at = Some(at);
        Ok(())
    }

    /// Disconnects, returning the portal that was connected. Refused while
    /// not connected.
    pub fn disconnect(&mut self) -> Result<Portal, ConnectionError> {
        let portal = self
            .portal_url
            .take()
            .ok_or(ConnectionError::NotConnected)?;
        self.connect_mode = None;
        self.connected_at = None;
        Ok(portal)
    }

    /// The rule across the three options: set together or empty together.
    /// Names the odd one out, unless the portal itself was refused (then
    /// the others cannot be judged).
    fn all_or_none(&self, d: &mut Decoder<'_>) {
        if d.has_error(&Self::PORTAL_URL) {
            return;
        }
        let portal_set = self.portal_url.is_some();
        for (spec, present) in [
            (&Self::CONNECT_MODE, self.connect_mode.is_some()),
            (&Self::CONNECTED_AT, self.connected_at.is_some()),
        ] {
            let other = Self::PORTAL_URL.name().clone();
            if portal_set && !present {
                d.reject(spec, FieldProblem::RequiredBecause { other });
            } else if !portal_set && !d.text_of(spec).is_empty() {
                d.reject(spec, FieldProblem::EmptyBecause { other });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::ModuleSchema;

    #[test]
    fn schema_is_consistent() {
        ModuleSchema::of::<B24Connector>().self_check().unwrap();
        assert_eq!(
            B24Connector::default().encode(),
            ModuleSchema::of::<B24Connector>().defaults()
        );
        assert_eq!(B24Connector::GUARD, B24Connector::MODULE);
    }

    #[test]
    fn modes_round_trip_through_text() {
        for mode in [ConnectMode::New, ConnectMode::Existing] {
            assert_eq!(ConnectMode::from_stored(mode.as_str()), Some(mode));
        }
        assert_eq!(ConnectMode::from_stored("New"), None);
    }

    #[test]
    fn failed_transitions_change_nothing() {
        let mut b24 = B24Connector::default();
        assert_eq!(b24.disconnect(), Err(ConnectionError::NotConnected));
        assert_eq!(b24, B24Connector::default());
        let portal: Portal = "https://a.bitrix24.ru".parse().unwrap();
        b24.connect(portal.clone(), ConnectMode::New, 5).unwrap();
        let before = b24.clone();
        let other: Portal = "https://b.bitrix24.ru".parse().unwrap();
        assert!(b24.connect(other, ConnectMode::Existing, 6).is_err());
        assert_eq!(b24, before);
        assert_eq!(
            b24.connected_at(),
            UNIX_EPOCH.checked_add(Duration::from_secs(5))
        );
    }

    #[test]
    fn times_that_cannot_be_stored_are_refused() {
        let portal: Portal = "https://a.bitrix24.ru".parse().unwrap();
        let max = B24Connector::MAX_CONNECTED_AT;
        assert_eq!(max, i64::MAX as u64);
        for at in [max + 1, u64::MAX] {
            let mut b24 = B24Connector::default();
            let err = b24
                .connect(portal.clone(), ConnectMode::New, at)
                .unwrap_err();
            assert_eq!(err, ConnectionError::TimeOutOfRange { at, max });
            assert_eq!(
                err.to_string(),
                format!(
                    "connection time {at} is out of range; expected seconds since the \
                     Unix epoch from 0 to 9223372036854775807"
                )
            );
            assert_eq!(
                b24,
                B24Connector::default(),
                "a refused connect changes nothing"
            );
        }
        // The latest time that is accepted reads back as it was written.
        let mut b24 = B24Connector::default();
        b24.connect(portal, ConnectMode::New, max).unwrap();
        assert_eq!(B24Connector::decode(&b24.encode()), Ok(b24));
    }
}
