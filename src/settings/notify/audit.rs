//! Audit: [`AuditRecord`], one per changed record of a committed write,
//! in Bitrix's log form; [`AuditSink`], where they go; and
//! [`MemoryAuditSink`], which keeps them.

use std::fmt;
use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;

use crate::access::AccessLevel;
use crate::ids::{GroupId, ModuleId, Scope, GROUP_DEFAULT_RIGHT};
use crate::settings::actor::Actor;
use crate::settings::notify::events::{Level, RecordDiff, Text};
use crate::store::directory::{AuditType, LogEntry};
use crate::store::Revision;

/// One changed record of a committed write: a right (default level or
/// grant) or an option.
///
/// The text ([`text`](Self::text), also the `Display` form) keeps the core
/// of Bitrix's own log line, `"{module}[/{site}]: ({old}) => ({new})"`:
///
/// | change | text |
/// |---|---|
/// | grant | `video/s1: group 5 (R) => (W)`; a new grant `video: group 5 () => (W)`, a removed one `video: group 5 (W) => ()` |
/// | default level | `video: default () => (R)`, `video/s1: default (R) => (W)` |
/// | option | `videoport: option ServerPort ("8000") => ("8001")`; not stored in that scope: `()` |
/// | secret option | `videoport: option SecretCode changed` — never a value |
///
/// The site part is there for a site scope only; `{old}`/`{new}` are
/// access letters, or option texts in double quotes escaped like a Rust
/// string. Who and when are separate fields ([`actor`](Self::actor),
/// [`at`](Self::at)).
///
/// Serialized (for log pipelines) as `{"module", "revision", "actor",
/// "at", "change", "text"}`, with `at` in whole seconds since the Unix
/// epoch, as [`SettingsEvent`](crate::settings::SettingsEvent) does.
///
/// ```
/// use module_settings::settings::{Actor, AuditSink, MemoryAuditSink, Settings};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
/// use std::sync::Arc;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let audit = Arc::new(MemoryAuditSink::new());
/// let settings = Settings::builder(module_settings::MemoryStore::new())
///     .audit(audit.clone())
///     .build()?;
/// let admin = Actor::new([GroupId::ADMINISTRATORS]);
/// let mut tab = settings.access_tab(ModuleId::from_static("video"))?;
/// tab.set_grant(Scope::Common, GroupId::from_static(5), AccessLevel::W)?;
/// settings.apply_access_tab(&admin, tab)?;
/// assert_eq!(audit.records()[0].text(), "video: group 5 () => (W)");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    module: ModuleId,
    revision: Revision,
    actor: Actor,
    #[serde(with = "crate::settings::clock::unix_seconds")]
    at: SystemTime,
    change: RecordDiff,
    text: String,
}

impl AuditRecord {
    pub(crate) fn new(
        module: ModuleId,
        revision: Revision,
        actor: Actor,
        at: SystemTime,
        change: RecordDiff,
    ) -> Self {
        let text = match change.scope() {
            Scope::Common => format!("{module}: {change}"),
            Scope::Site(site) => format!("{module}/{site}: {change}"),
        };
        AuditRecord {
            module,
            revision,
            actor,
            at,
            change,
            text,
        }
    }

    /// The module written.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// The module's revision after the write.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// Who wrote.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// When (the facade's wall clock).
    pub fn at(&self) -> SystemTime {
        self.at
    }

    /// What changed, as data.
    pub fn change(&self) -> &RecordDiff {
        &self.change
    }

    /// The log line, such as `video/s1: group 5 (R) => (W)`.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for AuditRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The longest option value an event-log entry quotes, in characters: a
/// value of megabytes must not make a log row of megabytes.
const LOGGED_VALUE_CHARS: usize = 1_000;

/// The event-log entry of one changed record of a write to `module` by
/// `actor`: rights as Bitrix logs them, the rest under this crate's
/// [`AuditType`]s; see
/// [`SettingsBuilder::event_log`](crate::settings::SettingsBuilder::event_log).
pub(crate) fn log_entry(module: ModuleId, change: &RecordDiff, actor: &Actor) -> LogEntry {
    let scope = change.scope();
    let prefix = match scope {
        Scope::Common => module.to_string(),
        Scope::Site(site) => format!("{module}/{site}"),
    };
    let rights = |group: Option<GroupId>, old: String, new: Option<AccessLevel>| {
        let description = format!("{prefix}: ({old}) => {}", Level(new));
        match group {
            Some(group) => LogEntry::new(
                AuditType::RightsChanged,
                MAIN,
                group.to_string(),
                description,
            ),
            None => LogEntry::new(
                AuditType::DefaultRightChanged,
                MAIN,
                GROUP_DEFAULT_RIGHT,
                description,
            ),
        }
    };
    let letter = |level: Option<AccessLevel>| level.map(|l| l.to_string()).unwrap_or_default();
    let mut entry = match change {
        RecordDiff::Grant {
            group, old, new, ..
        } => rights(Some(*group), letter(*old), *new),
        RecordDiff::Default { old, new, .. } => rights(None, letter(*old), *new),
        RecordDiff::Repaired { key, old, new } => {
            let rows: Vec<&str> = old
                .iter()
                .map(|raw| raw.as_deref().unwrap_or("NULL"))
                .collect();
            rights(key.group(), rows.join(", "), *new)
        }
        RecordDiff::Option { name, old, new, .. } => LogEntry::new(
            AuditType::OptionChanged,
            module,
            name.as_str(),
            format!(
                "{prefix}: {name} {} => {}",
                Text(clipped(old).as_deref()),
                Text(clipped(new).as_deref())
            ),
        ),
        RecordDiff::Secret { name, .. } => LogEntry::new(
            AuditType::OptionChanged,
            module,
            name.as_str(),
            format!("{prefix}: {name} changed"),
        ),
    };
    if let Scope::Site(site) = scope {
        entry = entry.with_site(site);
    }
    if let Some(user) = actor.user_id() {
        entry = entry.with_user(user);
    }
    entry
}

/// Bitrix's own module, under which it logs rights changes.
const MAIN: ModuleId = ModuleId::from_static("main");

/// `value` cut to [`LOGGED_VALUE_CHARS`] characters, marked with `…`.
fn clipped(value: &Option<String>) -> Option<std::borrow::Cow<'_, str>> {
    let value = value.as_deref()?;
    Some(match value.char_indices().nth(LOGGED_VALUE_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]).into(),
        None => value.into(),
    })
}

/// Where the facade sends audit records: one call per changed record,
/// after the write is committed, in the writing thread.
///
/// **Not transactional**: the records are sent once the write has landed,
/// so a crash between the two loses them. The audit trail that lands with
/// the change is the store's event log — the SQL stores write each
/// write's entries into Bitrix's `b_event_log` in the write's own
/// transaction (see
/// [`SettingsBuilder::event_log`](crate::settings::SettingsBuilder::event_log)).
/// The memory and file stores keep no event log; a sink such as
/// [`MemoryAuditSink`] is their trail. Both may be used at once.
///
/// A sink that can fail (a database, a file) handles its own errors: the
/// settings are already written when it is called, so there is nothing to
/// undo. A sink that panics is caught, that one record is lost, and the
/// write still succeeds. Object-safe; give it to
/// [`SettingsBuilder::audit`](crate::settings::SettingsBuilder::audit) as an `Arc`.
pub trait AuditSink: Send + Sync {
    /// Takes one record.
    fn record(&self, record: AuditRecord);
}

/// An [`AuditSink`] that keeps every record in memory, in order.
#[derive(Debug, Default)]
pub struct MemoryAuditSink {
    records: Mutex<Vec<AuditRecord>>,
}

impl MemoryAuditSink {
    /// An empty sink.
    pub fn new() -> Self {
        MemoryAuditSink::default()
    }

    /// A copy of every record so far, oldest first.
    pub fn records(&self) -> Vec<AuditRecord> {
        self.lock().clone()
    }

    /// The texts of every record so far, oldest first.
    pub fn texts(&self) -> Vec<String> {
        self.lock().iter().map(|r| r.text.clone()).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditRecord>> {
        crate::sync::lock(&self.records)
    }
}

impl AuditSink for MemoryAuditSink {
    fn record(&self, record: AuditRecord) {
        self.lock().push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessLevel;
    use crate::ids::{GroupId, OptionName, SiteId};
    use std::time::UNIX_EPOCH;

    #[track_caller]
    fn text(module: &'static str, change: RecordDiff, expected: &str) {
        let record = AuditRecord::new(
            ModuleId::from_static(module),
            Revision::new(4),
            Actor::new([GroupId::ADMINISTRATORS]),
            UNIX_EPOCH,
            change,
        );
        assert_eq!(record.text(), expected);
        assert_eq!(record.to_string(), expected);
    }

    #[test]
    fn texts_keep_the_bitrix_core() {
        let s1 = Scope::Site(SiteId::from_static("s1"));
        let g5 = GroupId::from_static(5);
        text(
            "video",
            RecordDiff::Grant {
                scope: s1,
                group: g5,
                old: Some(AccessLevel::R),
                new: Some(AccessLevel::W),
            },
            "video/s1: group 5 (R) => (W)",
        );
        text(
            "video",
            RecordDiff::Default {
                scope: Scope::Common,
                old: None,
                new: Some(AccessLevel::R),
            },
            "video: default () => (R)",
        );
        text(
            "videoport",
            RecordDiff::Option {
                scope: Scope::Common,
                name: OptionName::from_static("ServerPort"),
                old: Some("8000".into()),
                new: None,
            },
            "videoport: option ServerPort (\"8000\") => ()",
        );
        text(
            "videoport",
            RecordDiff::Secret {
                scope: s1,
                name: OptionName::from_static("SecretCode"),
            },
            "videoport/s1: option SecretCode changed",
        );
    }

    #[test]
    fn records_serialize_with_their_time_in_seconds() {
        let record = AuditRecord::new(
            ModuleId::from_static("video"),
            Revision::new(4),
            Actor::new([GroupId::ADMINISTRATORS]),
            UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_900),
            RecordDiff::Default {
                scope: Scope::Common,
                old: None,
                new: Some(AccessLevel::R),
            },
        );
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.contains(r#""at":1700000000"#), "{json}");
    }

    #[test]
    fn memory_sink_keeps_order() {
        let sink = MemoryAuditSink::new();
        for level in [AccessLevel::R, AccessLevel::W] {
            sink.record(AuditRecord::new(
                ModuleId::from_static("video"),
                Revision::new(1),
                Actor::new([]),
                UNIX_EPOCH,
                RecordDiff::Default {
                    scope: Scope::Common,
                    old: None,
                    new: Some(level),
                },
            ));
        }
        assert_eq!(
            sink.texts(),
            ["video: default () => (R)", "video: default () => (W)"]
        );
    }
}
