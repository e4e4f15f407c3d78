//! [`EventLog`]: the site's own event log (Bitrix's `b_event_log`), which
//! a SQL store writes audit records into in the commit's transaction.

use std::fmt;
use std::time::SystemTime;

use serde::Serialize;

use crate::ids::{ModuleId, SiteId, UserId};
use crate::store::StoreError;

/// The kinds of event-log rows this crate writes and reads back.
///
/// Rights changes are logged exactly as Bitrix logs them; the default
/// level and options have no Bitrix event of their own, so they carry
/// types of this crate's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum AuditType {
    /// A group's level on a module changed (`MODULE_RIGHTS_CHANGED`,
    /// Bitrix's own): `MODULE_ID` is `main`, `ITEM_ID` the group id, the
    /// description `"{module}[/{site}]: ({old}) => ({new})"`.
    RightsChanged,
    /// A module's default level changed (`MODULE_DEFAULT_RIGHT_CHANGED`):
    /// `MODULE_ID` is `main`, `ITEM_ID` is `GROUP_DEFAULT_RIGHT` (the
    /// option Bitrix keeps it in), the description as for rights.
    DefaultRightChanged,
    /// An option changed (`MODULE_OPTION_CHANGED`): `MODULE_ID` is the
    /// module, `ITEM_ID` the option name, the description
    /// `"{module}[/{site}]: {name} ({old}) => ({new})"` with values in
    /// double quotes, or `"{module}[/{site}]: {name} changed"` for a secret.
    OptionChanged,
}

impl AuditType {
    /// Every type, in the order above.
    pub const ALL: [AuditType; 3] = [
        AuditType::RightsChanged,
        AuditType::DefaultRightChanged,
        AuditType::OptionChanged,
    ];

    /// The `AUDIT_TYPE_ID` stored.
    pub const fn code(self) -> &'static str {
        match self {
            AuditType::RightsChanged => "MODULE_RIGHTS_CHANGED",
            AuditType::DefaultRightChanged => "MODULE_DEFAULT_RIGHT_CHANGED",
            AuditType::OptionChanged => "MODULE_OPTION_CHANGED",
        }
    }

    /// The type stored as `code`, if it is one of these.
    pub fn from_code(code: &str) -> Option<Self> {
        AuditType::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The `SEVERITY` stored: `SECURITY` for rights, as Bitrix logs them;
    /// `INFO` for options.
    pub const fn severity(self) -> &'static str {
        match self {
            AuditType::RightsChanged | AuditType::DefaultRightChanged => "SECURITY",
            AuditType::OptionChanged => "INFO",
        }
    }

    /// Whether `MODULE_ID` names the module changed (options) rather than
    /// Bitrix's `main`, with the module at the start of the description
    /// (rights).
    const fn names_module_in_description(self) -> bool {
        !matches!(self, AuditType::OptionChanged)
    }
}

impl fmt::Display for AuditType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One row of the event log: to be written with a commit, or read back.
///
/// ```
/// use module_settings::store::directory::{AuditType, LogEntry};
/// use module_settings::{ModuleId, UserId};
/// let entry = LogEntry::new(AuditType::RightsChanged, ModuleId::from_static("main"), "5", "video: () => (W)")
///     .with_user(UserId::from_static(1));
/// assert_eq!(entry.subject(), Some(ModuleId::from_static("video")));
/// assert_eq!(entry.audit_type().severity(), "SECURITY");
/// assert!(entry.id().is_none(), "not written yet");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    id: Option<u64>,
    #[serde(serialize_with = "serialize_time")]
    at: Option<SystemTime>,
    audit_type: AuditType,
    module_id: ModuleId,
    item_id: String,
    site_id: Option<SiteId>,
    user_id: Option<UserId>,
    description: String,
}

impl LogEntry {
    /// An entry not yet written: no id, and the time the database gives it
    /// when the commit writes it.
    pub fn new(
        audit_type: AuditType,
        module_id: ModuleId,
        item_id: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        LogEntry {
            id: None,
            at: None,
            audit_type,
            module_id,
            item_id: item_id.into(),
            site_id: None,
            user_id: None,
            description: description.into(),
        }
    }

    /// The same entry with the site it concerns (`SITE_ID`).
    #[must_use]
    pub fn with_site(mut self, site: SiteId) -> Self {
        self.site_id = Some(site);
        self
    }

    /// The same entry with the user who acted (`USER_ID`).
    #[must_use]
    pub fn with_user(mut self, user: UserId) -> Self {
        self.user_id = Some(user);
        self
    }

    /// The same entry as stored: its row id (`ID`) and time
    /// (`TIMESTAMP_X`). For [`EventLog`] implementations.
    #[must_use]
    pub fn stored_as(mut self, id: u64, at: SystemTime) -> Self {
        self.id = Some(id);
        self.at = Some(at);
        self
    }

    /// The row id, once stored.
    pub fn id(&self) -> Option<u64> {
        self.id
    }

    /// When it was stored, by the database's clock (whole seconds).
    pub fn at(&self) -> Option<SystemTime> {
        self.at
    }

    /// What kind of change it records.
    pub fn audit_type(&self) -> AuditType {
        self.audit_type
    }

    /// `MODULE_ID`: `main` for rights (as Bitrix logs them), the module
    /// for options.
    pub fn module_id(&self) -> ModuleId {
        self.module_id
    }

    #[cfg_attr(
        not(any(feature = "sqlite", feature = "mysql", feature = "postgres")),
        allow(dead_code)
    )]
    pub(crate) fn module_id_str(&self) -> &str {
        self.module_id.as_str()
    }

    #[cfg_attr(
        not(any(feature = "sqlite", feature = "mysql", feature = "postgres")),
        allow(dead_code)
    )]
    pub(crate) fn site_id_str(&self) -> Option<&str> {
        self.site_id.as_ref().map(SiteId::as_str)
    }

    /// `ITEM_ID`: the group id, `GROUP_DEFAULT_RIGHT`, or the option name.
    pub fn item_id(&self) -> &str {
        &self.item_id
    }

    /// `SITE_ID`: the site scope changed, if not the common one.
    pub fn site_id(&self) -> Option<SiteId> {
        self.site_id
    }

    /// `USER_ID`: who acted, when known.
    pub fn user_id(&self) -> Option<UserId> {
        self.user_id
    }

    /// `DESCRIPTION`, such as `video/s1: (R) => (W)`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The module the change was made to: for rights, the module named at
    /// the start of the description (`video` in `video/s1: (R) => (W)`);
    /// for options, `MODULE_ID`. `None` for a rights row whose description
    /// does not start with a module id (written by hand).
    pub fn subject(&self) -> Option<ModuleId> {
        if !self.audit_type.names_module_in_description() {
            return Some(self.module_id);
        }
        let end = self.description.find([':', '/'])?;
        ModuleId::new(&self.description[..end]).ok()
    }
}

fn serialize_time<S: serde::Serializer>(at: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match at.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()) {
        Some(since) => s.serialize_some(&since.as_secs()),
        None => s.serialize_none(),
    }
}

/// Which event-log rows to read: newest first, those of this crate's
/// [`AuditType`]s only.
///
/// ```
/// use module_settings::store::directory::{AuditType, LogEntry, LogQuery};
/// use module_settings::ModuleId;
/// let video = ModuleId::from_static("video");
/// let query = LogQuery::new().module(video).limit(20);
/// let grant = LogEntry::new(AuditType::RightsChanged, ModuleId::from_static("main"), "5", "video: () => (W)");
/// assert!(query.matches(&grant));
/// let other = LogEntry::new(AuditType::RightsChanged, ModuleId::from_static("main"), "5", "videoport: () => (W)");
/// assert!(!query.matches(&other));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    module: Option<ModuleId>,
    since: Option<SystemTime>,
    limit: usize,
}

impl Default for LogQuery {
    fn default() -> Self {
        LogQuery::new()
    }
}

impl LogQuery {
    /// How many rows a query returns unless told otherwise.
    pub const DEFAULT_LIMIT: usize = 100;

    /// Every module, all time, the newest [`DEFAULT_LIMIT`](Self::DEFAULT_LIMIT) rows.
    pub fn new() -> Self {
        LogQuery {
            module: None,
            since: None,
            limit: Self::DEFAULT_LIMIT,
        }
    }

    /// Only rows whose [`subject`](LogEntry::subject) is `module`.
    #[must_use]
    pub fn module(mut self, module: ModuleId) -> Self {
        self.module = Some(module);
        self
    }

    /// Only rows stored at or after `since` (whole seconds).
    #[must_use]
    pub fn since(mut self, since: SystemTime) -> Self {
        self.since = Some(since);
        self
    }

    /// At most `limit` rows (the newest).
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The module asked for, if any.
    pub fn module_filter(&self) -> Option<ModuleId> {
        self.module
    }

    /// The earliest time asked for, if any.
    pub fn since_filter(&self) -> Option<SystemTime> {
        self.since
    }

    /// The most rows to return.
    pub fn max_rows(&self) -> usize {
        self.limit
    }

    /// Whether `entry` is one the query asks for (its limit aside): the
    /// meaning every [`EventLog`] implements, whatever its SQL.
    pub fn matches(&self, entry: &LogEntry) -> bool {
        let module = self.module.is_none_or(|m| entry.subject() == Some(m));
        let since = match (self.since, entry.at) {
            (Some(since), Some(at)) => at >= since,
            (Some(_), None) => false,
            (None, _) => true,
        };
        module && since
    }
}

/// A store's event log, read back.
///
/// # Contract
///
/// - A store that offers one (through
///   [`Store::event_log`](crate::Store::event_log)) writes the entries given
///   to [`Store::commit_logged`](crate::Store::commit_logged) **in the
///   commit's own transaction**: a committed batch always has its entries,
///   a failed one never does; an empty batch writes none.
/// - [`read`](Self::read) returns the rows of [`AuditType`]s that
///   [`LogQuery::matches`], newest first (highest id first), at most the
///   query's limit, each with its id and time. Rows of other types (the
///   rest of Bitrix's log) are never returned.
pub trait EventLog: Send + Sync {
    /// The rows `query` asks for, newest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] for a row of one of these types that cannot
    /// be read (a `MODULE_ID` that is not a module id, a `USER_ID` of 0);
    /// the store's usual errors when it cannot be read.
    fn read(&self, query: &LogQuery) -> Result<Vec<LogEntry>, StoreError>;
}
