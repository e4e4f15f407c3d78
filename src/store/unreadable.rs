//! [`RightKey`] and [`UnreadableRight`]: a stored rights row that belongs
//! to a known record but cannot be read as a level, kept so that it can be
//! shown and repaired instead of locking the whole module.

use std::fmt;

use serde::Serialize;

use crate::ids::{GroupId, Scope};

/// One rights record of a module: the default level of a scope, or one
/// group's grant in a scope. A [`Change`](crate::store::Change) on the same key
/// overwrites or removes what is stored there.
///
/// Display: `default level in common`, `grant of group 5 in s1`.
/// Serialized as `{"kind": "default", "scope": "common"}` or
/// `{"kind": "grant", "scope": "s1", "group": 5}`.
///
/// ```
/// use module_settings::store::RightKey;
/// use module_settings::{GroupId, Scope};
/// let key = RightKey::Grant { scope: Scope::Common, group: GroupId::from_static(7) };
/// assert_eq!(key.to_string(), "grant of group 7 in common");
/// assert_eq!(key.scope(), Scope::Common);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RightKey {
    /// The default level of a scope (Bitrix's `GROUP_DEFAULT_RIGHT`).
    Default {
        /// Common, or one site.
        scope: Scope,
    },
    /// A group's grant in a scope.
    Grant {
        /// Common, or one site.
        scope: Scope,
        /// The user group.
        group: GroupId,
    },
}

impl RightKey {
    /// The scope of the record.
    pub fn scope(&self) -> Scope {
        match *self {
            RightKey::Default { scope } | RightKey::Grant { scope, .. } => scope,
        }
    }

    /// The group of a grant; `None` for a default level.
    pub fn group(&self) -> Option<GroupId> {
        match *self {
            RightKey::Default { .. } => None,
            RightKey::Grant { group, .. } => Some(group),
        }
    }
}

impl fmt::Display for RightKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RightKey::Default { scope } => write!(f, "default level in {scope}"),
            RightKey::Grant { scope, group } => write!(f, "grant of group {group} in {scope}"),
        }
    }
}

/// The most characters of a row's stored text an [`UnreadableRight`]
/// keeps.
pub(crate) const RAW_CHARS: usize = 64;

/// A stored rights row that belongs to a known record ([`key`](Self::key))
/// but cannot be read as a level: a letter that is not D, M, R or W (`X`,
/// `E`, `T` are used by other Bitrix modules), a lower-case letter, an
/// empty or NULL value — or one of several rows of the same record that do
/// not agree.
///
/// A backend that finds such a row loads the module anyway and lists the
/// row with [`ModuleRecords::add_unreadable`](crate::store::ModuleRecords::add_unreadable):
/// the record then has no readable value (rights above the store fail
/// closed), and any change to the same key overwrites or removes every row
/// of it — which is how an administrator repairs it. Data that cannot be
/// placed under any key (a group id that is not a number, a site id that
/// is not valid) is still [`StoreError::Corrupt`](crate::StoreError::Corrupt).
///
/// Nothing here is a secret: rights rows hold access letters.
///
/// ```
/// use module_settings::store::{RightKey, UnreadableRight};
/// use module_settings::{GroupId, Scope};
/// let key = RightKey::Grant { scope: Scope::Common, group: GroupId::from_static(7) };
/// let row = UnreadableRight::new(
///     key,
///     "b_module_group.G_ACCESS (ID 50)",
///     Some(50),
///     Some("X"),
///     "an access level is one of the letters D, M, R, W",
/// );
/// assert_eq!(row.raw.as_deref(), Some("X"));
/// assert_eq!(row.shown_raw(), "\"X\"");
/// assert_eq!(
///     row.to_string(),
///     "grant of group 7 in common, b_module_group.G_ACCESS (ID 50): found \"X\", but an \
///      access level is one of the letters D, M, R, W"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub struct UnreadableRight {
    /// The record the row belongs to.
    pub key: RightKey,
    /// The row's id, when its table has one (`b_module_group.ID`).
    pub row_id: Option<i64>,
    /// Where the row is, in the form [`StoreError::Corrupt`](crate::StoreError::Corrupt)
    /// names records: a table and column with the row
    /// (`b_module_group.G_ACCESS (ID 50)`), or a file and the path inside it.
    pub record: String,
    /// The stored text, unescaped, at most 64 characters of it (a cut ends
    /// in `…`); `None` when the value is NULL.
    pub raw: Option<String>,
    /// What is wrong and what is allowed.
    pub reason: String,
}

impl UnreadableRight {
    /// A row of record `key`, found at `record` (row `row_id`, if its
    /// table has ids), holding `raw` (`None`: NULL), unreadable because of
    /// `reason`. `raw` is kept up to 64 characters.
    pub fn new(
        key: RightKey,
        record: impl Into<String>,
        row_id: Option<i64>,
        raw: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        UnreadableRight {
            key,
            row_id,
            record: record.into(),
            raw: raw.map(bounded),
            reason: reason.into(),
        }
    }

    /// The stored text for a message: in double quotes, escaped like a
    /// Rust string (so it stays on one line), or `NULL`.
    pub fn shown_raw(&self) -> String {
        match &self.raw {
            // `raw` is already cut; escaping cannot make it unbounded.
            Some(raw) => format!("\"{}\"", crate::text::shown(raw, RAW_CHARS + 1)),
            None => "NULL".to_owned(),
        }
    }
}

/// `{key}, {record}: found {raw}, but {reason}`.
impl fmt::Display for UnreadableRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {}: found {}, but {}",
            self.key,
            self.record,
            self.shown_raw(),
            self.reason
        )
    }
}

/// `text` cut to [`RAW_CHARS`] characters, with `…` when something was
/// cut.
fn bounded(text: &str) -> String {
    match text.char_indices().nth(RAW_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    const KEY: RightKey = RightKey::Default {
        scope: Scope::Site(SiteId::from_static("s1")),
    };

    #[test]
    fn raw_text_is_kept_up_to_64_characters() {
        let exact = "ж".repeat(RAW_CHARS);
        let row = UnreadableRight::new(KEY, "r", None, Some(&exact), "why");
        assert_eq!(row.raw.as_deref(), Some(exact.as_str()));
        let long = format!("{exact}W");
        let row = UnreadableRight::new(KEY, "r", None, Some(&long), "why");
        assert_eq!(row.raw, Some(format!("{exact}…")));
    }

    #[test]
    fn shown_raw_escapes_and_says_null() {
        let row = UnreadableRight::new(KEY, "r", None, Some("W\n\"x\""), "why");
        assert_eq!(row.shown_raw(), r#""W\n\"x\"""#);
        let null = UnreadableRight::new(KEY, "r", None, None, "why");
        assert_eq!(null.shown_raw(), "NULL");
        assert_eq!(
            null.to_string(),
            "default level in s1, r: found NULL, but why"
        );
    }

    #[test]
    fn keys_sort_defaults_first_and_serialize_tagged() {
        let grant = RightKey::Grant {
            scope: Scope::Common,
            group: GroupId::EVERYONE,
        };
        assert!(KEY < grant);
        assert_eq!(KEY.group(), None);
        assert_eq!(grant.group(), Some(GroupId::EVERYONE));
        assert_eq!(
            serde_json::to_string(&grant).unwrap(),
            r#"{"kind":"grant","scope":"common","group":2}"#
        );
        assert_eq!(KEY.to_string(), "default level in s1");
    }
}
