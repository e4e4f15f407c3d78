//! [`B24Connector`]: the Connection tab of the Bitrix24 integration module
//! (`b24connector`) as a state with pure transitions.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::connection_error::ConnectionError;
use super::portal::Portal;
use crate::access::ModuleLevels;
use crate::ids::ModuleId;
use crate::label::Label;
use crate::options::{
    Decoder, Encoder, FieldProblem, ModuleOptions, OptionKind, OptionSpec, RawOptions,
    ValidationErrors,
};

/// How a portal was connected: the Connect button offers both. More ways
/// may come (Bitrix has grown its Connect dialog before), so match with a
/// wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
        match self {
            ConnectMode::New => "new",
            ConnectMode::Existing => "existing",
        }
    }

    fn from_stored(text: &str) -> Option<Self> {
        match text {
            "new" => Some(ConnectMode::New),
            "existing" => Some(ConnectMode::Existing),
            _ => None,
        }
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
/// The three options are [operation-only](OptionSpec::operation_only): a
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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct B24Connector {
    connection: Connection,
}

/// The largest timestamp the store accepts: `connected_at` is stored as a
/// signed 64-bit number, as Bitrix's PHP reads it.
const MAX_SECONDS: i64 = i64::MAX;

impl B24Connector {
    /// The latest connection time [`connect`](Self::connect) accepts, in
    /// seconds since the Unix epoch: the largest the `connected_at` option
    /// can hold (`i64::MAX`, some 292 billion years from now).
    pub const MAX_CONNECTED_AT: u64 = MAX_SECONDS.unsigned_abs();

    /// `portal_url`: the connected portal's origin.
    pub const PORTAL_URL: OptionSpec = OptionSpec::new(
        "portal_url",
        OptionKind::HttpsOrigin,
        Label::new("Портал Битрикс24", "Bitrix24 portal"),
    )
    .with_help(Label::new(
        "Адрес подключённого портала; пусто, если портал не подключён.",
        "The connected portal's address; empty when no portal is connected.",
    ))
    .operation_only();

    /// `connect_mode`: `new` or `existing`.
    pub const CONNECT_MODE: OptionSpec = OptionSpec::new(
        "connect_mode",
        OptionKind::Choice {
            allowed: &["new", "existing"],
            optional: true,
        },
        Label::new("Способ подключения", "How it was connected"),
    )
    .with_help(Label::new(
        "new — создан новый портал, existing — подключён существующий.",
        "new: a new portal was created; existing: an existing portal was connected.",
    ))
    .operation_only();

    /// `connected_at`: seconds since the Unix epoch.
    pub const CONNECTED_AT: OptionSpec = OptionSpec::new(
        "connected_at",
        OptionKind::Integer {
            min: 0,
            max: MAX_SECONDS,
            optional: true,
        },
        Label::new("Время подключения", "Connected at"),
    )
    .with_help(Label::new(
        "Секунды с 1 января 1970 года (UTC).",
        "Seconds since 1 January 1970 (UTC).",
    ))
    .operation_only();

    /// The connection state.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Whether a portal is connected.
    pub fn is_connected(&self) -> bool {
        matches!(self.connection, Connection::Connected { .. })
    }

    /// The connected portal, if any.
    pub fn portal(&self) -> Option<&Portal> {
        match &self.connection {
            Connection::Connected { portal, .. } => Some(portal),
            Connection::NotConnected => None,
        }
    }

    /// When the portal was connected, as a `SystemTime`.
    pub fn connected_at(&self) -> Option<SystemTime> {
        match self.connection {
            Connection::Connected { at, .. } => UNIX_EPOCH.checked_add(Duration::from_secs(at)),
            Connection::NotConnected => None,
        }
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
        self.connection = Connection::Connected { portal, mode, at };
        Ok(())
    }

    /// Disconnects, returning the portal that was connected. Refused while
    /// not connected.
    pub fn disconnect(&mut self) -> Result<Portal, ConnectionError> {
        match std::mem::take(&mut self.connection) {
            Connection::Connected { portal, .. } => Ok(portal),
            Connection::NotConnected => Err(ConnectionError::NotConnected),
        }
    }
}

impl ModuleOptions for B24Connector {
    const MODULE: ModuleId = ModuleId::from_static("b24connector");
    const TITLE: Label = Label::new("Интеграция с Битрикс24", "Bitrix24 integration");
    const LEVELS: ModuleLevels = ModuleLevels::B24_CONNECTOR;
    const OPTIONS: &'static [OptionSpec] = &[
        B24Connector::PORTAL_URL,
        B24Connector::CONNECT_MODE,
        B24Connector::CONNECTED_AT,
    ];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let portal = d.url(&Self::PORTAL_URL).map(Portal::from_checked);
        let mode = d
            .choice(&Self::CONNECT_MODE)
            .and_then(ConnectMode::from_stored);
        let at = d.optional_integer::<u64>(&Self::CONNECTED_AT);
        // The three options go together: name the odd one out, unless the
        // portal itself is bad (then the others cannot be judged).
        let portal_set = !d.text_of(&Self::PORTAL_URL).is_empty();
        if !d.has_error(&Self::PORTAL_URL) {
            for (spec, present) in [
                (&Self::CONNECT_MODE, mode.is_some()),
                (&Self::CONNECTED_AT, at.is_some()),
            ] {
                let other = Self::PORTAL_URL.name().clone();
                if portal_set && !present {
                    d.reject(spec, FieldProblem::RequiredBecause { other });
                } else if !portal_set && !d.text_of(spec).is_empty() {
                    d.reject(spec, FieldProblem::EmptyBecause { other });
                }
            }
        }
        let connection = match (portal, mode, at) {
            (Some(portal), Some(mode), Some(at)) => Connection::Connected { portal, mode, at },
            _ => Connection::NotConnected,
        };
        d.finish(B24Connector { connection })
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        match &self.connection {
            Connection::Connected { portal, mode, at } => {
                e.url(&Self::PORTAL_URL, Some(portal.url()));
                e.choice(&Self::CONNECT_MODE, Some(mode.as_str()));
                e.optional_integer(&Self::CONNECTED_AT, Some(at));
            }
            Connection::NotConnected => {
                e.url(&Self::PORTAL_URL, None);
                e.choice(&Self::CONNECT_MODE, None);
                e.optional_integer(&Self::CONNECTED_AT, None::<u64>);
            }
        }
        e.finish()
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
