//! [`SettingsEvent`]: what one committed write changed, delivered to
//! subscribers; [`RecordDiff`]: one changed record, old and new, secrets
//! redacted.

use std::fmt;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::Serialize;

use crate::access::AccessLevel;
use crate::ids::{GroupId, ModuleId, OptionName, Scope};
use crate::settings::actor::Actor;
use crate::store::{Revision, RightKey};

/// One changed record: an option, a default level or a grant, with the
/// stored value before and after (`None` = not stored in that scope).
///
/// A secret option never carries its values: it is a
/// [`Secret`](Self::Secret) entry that only says it changed.
///
/// Display (the part of an audit text after `{module}[/{site}]: `):
///
/// | change | text |
/// |---|---|
/// | option | `option ServerPort ("8000") => ("8001")`, unset as `()` |
/// | secret option | `option SecretCode changed` |
/// | default level | `default (R) => (W)`, unset as `()` |
/// | grant | `group 5 (R) => (W)`, no grant as `()` |
/// | repaired right | `group 7 ("X") => (R)`, `default (NULL) => ()`, `group 5 ("R", "W") => (W)` |
///
/// ```
/// use module_settings::settings::RecordDiff;
/// use module_settings::{AccessLevel, GroupId, Scope};
/// let diff = RecordDiff::Grant {
///     scope: Scope::Common,
///     group: GroupId::from_static(5),
///     old: None,
///     new: Some(AccessLevel::W),
/// };
/// assert_eq!(diff.to_string(), "group 5 () => (W)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordDiff {
    /// An option that is not a secret.
    Option {
        /// The scope the value is stored in.
        scope: Scope,
        /// The option.
        name: OptionName,
        /// The stored text before.
        old: Option<String>,
        /// The stored text after.
        new: Option<String>,
    },
    /// A secret option was set, changed or removed; its values are never
    /// carried.
    Secret {
        /// The scope the value is stored in.
        scope: Scope,
        /// The option.
        name: OptionName,
    },
    /// A scope's default access level.
    Default {
        /// Common, or one site.
        scope: Scope,
        /// The level before.
        old: Option<AccessLevel>,
        /// The level after.
        new: Option<AccessLevel>,
    },
    /// One group's grant in one scope.
    Grant {
        /// Common, or one site.
        scope: Scope,
        /// The user group.
        group: GroupId,
        /// The level before (`None`: the group had no grant, "default").
        old: Option<AccessLevel>,
        /// The level after.
        new: Option<AccessLevel>,
    },
    /// A default level or grant whose stored rows could not be read (see
    /// [`UnreadableRight`](crate::store::UnreadableRight)), overwritten or
    /// removed: a repair.
    Repaired {
        /// The record.
        key: RightKey,
        /// The stored text of each row it replaced, by row id (`None`:
        /// NULL; at most 64 characters of each).
        old: Vec<Option<String>>,
        /// The level after; `None` when the record was removed.
        new: Option<AccessLevel>,
    },
}

impl RecordDiff {
    /// The scope of the changed record.
    pub fn scope(&self) -> Scope {
        match *self {
            RecordDiff::Option { scope, .. }
            | RecordDiff::Secret { scope, .. }
            | RecordDiff::Default { scope, .. }
            | RecordDiff::Grant { scope, .. } => scope,
            RecordDiff::Repaired { key, .. } => key.scope(),
        }
    }

    /// Whether the record is part of the Access tab (a default or a grant).
    pub fn is_right(&self) -> bool {
        matches!(
            self,
            RecordDiff::Default { .. } | RecordDiff::Grant { .. } | RecordDiff::Repaired { .. }
        )
    }
}

pub(crate) struct Level(pub(crate) Option<AccessLevel>);

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(level) => write!(f, "({level})"),
            None => f.write_str("()"),
        }
    }
}

pub(crate) struct Text<'a>(pub(crate) Option<&'a str>);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(text) => write!(f, "(\"{}\")", text.escape_debug()),
            None => f.write_str("()"),
        }
    }
}

/// The stored texts of unreadable rows: `("X")`, `("R", "W")`, `(NULL)`.
struct Rows<'a>(&'a [Option<String>]);

impl fmt::Display for Rows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, raw) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match raw {
                Some(text) => write!(f, "\"{}\"", text.escape_debug())?,
                None => f.write_str("NULL")?,
            }
        }
        f.write_str(")")
    }
}

impl fmt::Display for RecordDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordDiff::Option { name, old, new, .. } => write!(
                f,
                "option {name} {} => {}",
                Text(old.as_deref()),
                Text(new.as_deref())
            ),
            RecordDiff::Secret { name, .. } => write!(f, "option {name} changed"),
            RecordDiff::Default { old, new, .. } => {
                write!(f, "default {} => {}", Level(*old), Level(*new))
            }
            RecordDiff::Grant {
                group, old, new, ..
            } => write!(f, "group {group} {} => {}", Level(*old), Level(*new)),
            RecordDiff::Repaired { key, old, new } => {
                match key.group() {
                    Some(group) => write!(f, "group {group} ")?,
                    None => f.write_str("default ")?,
                }
                write!(f, "{} => {}", Rows(old), Level(*new))
            }
        }
    }
}

/// Which write made an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WriteKind {
    /// [`Settings::save`](crate::settings::Settings::save) in one scope.
    SaveOptions {
        /// The scope saved.
        scope: Scope,
    },
    /// [`Settings::reset_option`](crate::settings::Settings::reset_option).
    ResetOption {
        /// The scope the option was reset in.
        scope: Scope,
    },
    /// [`Settings::apply_access_tab`](crate::settings::Settings::apply_access_tab).
    AccessTab,
    /// An operation of the module, run by
    /// [`Settings::operate`](crate::settings::Settings::operate) — the one write that
    /// may change [operation-only](crate::options::OptionSpec::operation_only)
    /// options. The Bitrix24 connection's operations are named
    /// `connect_b24` and `disconnect_b24`, in the common scope.
    Operation {
        /// The operation's name, as its caller gave it.
        name: &'static str,
        /// The scope the operation wrote.
        scope: Scope,
    },
}

/// What one committed write changed: exactly one event per commit, none
/// for a write that was denied, failed or changed nothing.
///
/// It carries the module, the revision before and after, the actor, the
/// time (the facade's wall clock) and every changed record as a
/// [`RecordDiff`], secrets redacted. `Debug` and serde output are safe to
/// log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingsEvent {
    module: ModuleId,
    kind: WriteKind,
    previous: Revision,
    revision: Revision,
    actor: Actor,
    #[serde(with = "crate::settings::clock::unix_seconds")]
    at: SystemTime,
    changes: Vec<RecordDiff>,
}

impl SettingsEvent {
    pub(crate) fn new(
        module: ModuleId,
        kind: WriteKind,
        (previous, revision): (Revision, Revision),
        actor: Actor,
        at: SystemTime,
        changes: Vec<RecordDiff>,
    ) -> Self {
        SettingsEvent {
            module,
            kind,
            previous,
            revision,
            actor,
            at,
            changes,
        }
    }

    /// The module written.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// Which write it was.
    pub fn kind(&self) -> WriteKind {
        self.kind
    }

    /// The revision the commit was based on.
    pub fn previous(&self) -> Revision {
        self.previous
    }

    /// The module's revision after the commit.
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

    /// Every changed record, options first, then defaults, then grants.
    pub fn changes(&self) -> &[RecordDiff] {
        &self.changes
    }

    /// The scopes the changes are in, common first, each once.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut scopes: Vec<Scope> = self.changes.iter().map(RecordDiff::scope).collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }
}

type Callback = Arc<dyn Fn(&SettingsEvent) + Send + Sync>;

/// The subscribers of one facade.
#[derive(Default)]
pub(crate) struct Hub {
    channels: Mutex<Vec<Sender<Arc<SettingsEvent>>>>,
    callbacks: Mutex<Vec<Callback>>,
}

impl Hub {
    pub(crate) fn subscribe(&self) -> Receiver<Arc<SettingsEvent>> {
        let (sender, receiver) = mpsc::channel();
        lock(&self.channels).push(sender);
        receiver
    }

    pub(crate) fn on_change(&self, callback: Callback) {
        lock(&self.callbacks).push(callback);
    }

    /// Sends to every channel (dropping the disconnected ones), then calls
    /// every callback — outside the lock, so a callback may subscribe.
    /// A callback that panics is caught: the write it reports is already
    /// committed, and the callbacks after it still get the event.
    pub(crate) fn publish(&self, event: SettingsEvent) {
        let event = Arc::new(event);
        lock(&self.channels).retain(|sender| sender.send(Arc::clone(&event)).is_ok());
        let callbacks: Vec<Callback> = lock(&self.callbacks).clone();
        for callback in callbacks {
            // Unwind safety: the callback gets a shared event and nothing
            // of ours it could leave half-changed.
            let call = std::panic::AssertUnwindSafe(|| callback(&event));
            let _ignored = std::panic::catch_unwind(call);
        }
    }
}

use crate::sync::lock;

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("channels", &lock(&self.channels).len())
            .field("callbacks", &lock(&self.callbacks).len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::UNIX_EPOCH;

    fn event() -> SettingsEvent {
        SettingsEvent::new(
            ModuleId::from_static("video"),
            WriteKind::AccessTab,
            (Revision::new(1), Revision::new(2)),
            Actor::new([GroupId::ADMINISTRATORS]),
            UNIX_EPOCH,
            vec![
                RecordDiff::Grant {
                    scope: Scope::Site(SiteId::from_static("s1")),
                    group: GroupId::from_static(5),
                    old: Some(AccessLevel::R),
                    new: None,
                },
                RecordDiff::Default {
                    scope: Scope::Common,
                    old: None,
                    new: Some(AccessLevel::R),
                },
            ],
        )
    }

    #[test]
    fn diffs_read_like_bitrix_logs() {
        let e = event();
        assert_eq!(e.changes()[0].to_string(), "group 5 (R) => ()");
        assert_eq!(e.changes()[1].to_string(), "default () => (R)");
        let option = RecordDiff::Option {
            scope: Scope::Common,
            name: OptionName::from_static("ServerHost"),
            old: None,
            new: Some("a\"b".into()),
        };
        assert_eq!(option.to_string(), r#"option ServerHost () => ("a\"b")"#);
        let secret = RecordDiff::Secret {
            scope: Scope::Common,
            name: OptionName::from_static("SecretCode"),
        };
        assert_eq!(secret.to_string(), "option SecretCode changed");
        assert_eq!(
            e.scopes(),
            [Scope::Common, Scope::Site(SiteId::from_static("s1"))]
        );
    }

    #[test]
    fn repairs_show_the_stored_texts_they_replaced() {
        let s1 = Scope::Site(SiteId::from_static("s1"));
        let grant = RecordDiff::Repaired {
            key: RightKey::Grant {
                scope: s1,
                group: GroupId::from_static(5),
            },
            old: vec![Some("R".into()), Some("w\n".into())],
            new: Some(AccessLevel::W),
        };
        assert_eq!(grant.to_string(), r#"group 5 ("R", "w\n") => (W)"#);
        assert_eq!(grant.scope(), s1);
        assert!(grant.is_right());
        let default = RecordDiff::Repaired {
            key: RightKey::Default {
                scope: Scope::Common,
            },
            old: vec![None],
            new: None,
        };
        assert_eq!(default.to_string(), "default (NULL) => ()");
        assert_eq!(
            serde_json::to_value(&default).unwrap(),
            serde_json::json!({
                "kind": "repaired",
                "key": {"kind": "default", "scope": "common"},
                "old": [null],
                "new": null,
            })
        );
    }

    #[test]
    fn disconnected_receivers_are_dropped_and_callbacks_called() {
        let hub = Hub::default();
        let kept = hub.subscribe();
        drop(hub.subscribe());
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        hub.on_change(Arc::new(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        }));
        hub.publish(event());
        assert_eq!(lock(&hub.channels).len(), 1);
        assert_eq!(kept.try_recv().unwrap().revision(), Revision::new(2));
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(format!("{hub:?}"), "Hub { channels: 1, callbacks: 1 }");
    }

    #[test]
    fn a_panicking_callback_does_not_stop_the_others() {
        let hub = Hub::default();
        let calls = Arc::new(AtomicUsize::new(0));
        hub.on_change(Arc::new(|_| panic!("a subscriber's bug")));
        let counter = Arc::clone(&calls);
        hub.on_change(Arc::new(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        }));
        hub.publish(event());
        hub.publish(event());
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn events_serialize_with_seconds() {
        let json = serde_json::to_string(&event()).unwrap();
        assert!(json.contains(r#""at":0"#), "{json}");
        assert!(json.contains(r#""kind":{"kind":"access_tab"}"#), "{json}");
    }
}
