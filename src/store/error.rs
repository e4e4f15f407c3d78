//! [`StoreError`]: the one public error of every storage backend.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use super::precondition::Guarded;
use super::revision::Revision;
use crate::ids::{IdError, ModuleId};

/// Why a [`Store`](crate::Store) call failed.
///
/// Each backend keeps its detailed errors private and maps them into these
/// kinds, so code above the trait can react the same way to every backend:
/// reload and retry on [`Conflict`](Self::Conflict), check again and
/// retry on [`PreconditionFailed`](Self::PreconditionFailed), stop and report on
/// [`Corrupt`](Self::Corrupt), retry later on
/// [`Unavailable`](Self::Unavailable), and treat the write as done (but
/// report the storage) on [`NotDurable`](Self::NotDurable) — the one error
/// after which a commit has happened.
///
/// No variant ever holds an option's value: the store cannot tell which
/// values are secrets.
///
/// Errors are `Clone` (an underlying error is shared behind an `Arc`), so
/// one failure can be handed to every caller that waited for it.
///
/// ```
/// use module_settings::store::Revision;
/// use module_settings::{ModuleId, StoreError};
/// let err = StoreError::Conflict {
///     module: ModuleId::from_static("video"),
///     expected: Revision::new(3),
///     current: Revision::new(5),
/// };
/// assert_eq!(
///     err.to_string(),
///     "module video was changed by someone else: the write was based on revision 3, \
///      the module is at revision 5 now; load it again and reapply the changes"
/// );
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StoreError {
    /// The module changed since the revision the write was based on; nothing
    /// was written.
    Conflict {
        /// The module.
        module: ModuleId,
        /// The revision the write was based on.
        expected: Revision,
        /// The module's revision now.
        current: Revision,
    },

    /// A module the write depends on — usually the module whose rights
    /// allowed it — or the site's user groups are no longer at the revision
    /// the write named in a [`Precondition`](crate::store::Precondition);
    /// nothing was written. Check again on the guard's fresh records and
    /// groups (the writer's right may have been revoked) and retry.
    PreconditionFailed {
        /// The module the batch was for.
        written: ModuleId,
        /// What was checked: a module, or the user groups.
        on: Guarded,
        /// The revision the write needed it at.
        expected: Revision,
        /// Its revision now.
        current: Revision,
    },

    /// Stored data that cannot be read as valid records. It is reported,
    /// never replaced by a default: rights fail closed.
    Corrupt {
        /// The module the data belongs to, when it is known (a bad module id
        /// in a listing has none).
        module: Option<ModuleId>,
        /// Where the bad data is: a table and column with the row, or a file
        /// and the path inside it.
        record: String,
        /// What was found: the offending stored text in quotes, escaped and
        /// cut to 64 characters, or a description (`a JSON number`) where
        /// the text must not be shown — an option's value may be a secret.
        value: String,
        /// What is wrong and what is allowed.
        reason: String,
    },

    /// The store could not be reached in time, for example a lock held by
    /// another process or a busy database; trying again later may succeed.
    Unavailable {
        /// Which backend (`"memory"`, `"file"`, `"sqlite"`, …).
        backend: &'static str,
        /// What was waited for.
        reason: String,
    },

    /// The batch **was committed** and is visible at `revision` — loads
    /// return it, the revision moved — but the backend could not confirm
    /// that it reached stable storage (the file store could not flush the
    /// directory after renaming the new file in, twice). A power cut before
    /// the system flushes on its own might still bring the old state back.
    ///
    /// Unlike every other error, this one does *not* leave the module
    /// unchanged, so do not retry blindly: the same commit would now get a
    /// [`Conflict`](Self::Conflict), and re-applying it on the new revision
    /// would apply it twice. Treat the write as done, and report that the
    /// storage needs attention.
    ///
    /// ```
    /// use module_settings::store::Revision;
    /// use module_settings::{ModuleId, StoreError};
    /// let io = std::io::Error::other("input/output error");
    /// let err = StoreError::NotDurable {
    ///     module: ModuleId::from_static("video"),
    ///     revision: Revision::new(4),
    ///     source: std::sync::Arc::new(io),
    /// };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "module video was committed and is visible at revision 4, but the store could not \
    ///      confirm that it reached the disk; do not repeat the commit: load the module to see \
    ///      it, and have the storage checked"
    /// );
    /// ```
    NotDurable {
        /// The module.
        module: ModuleId,
        /// The revision the batch was committed at.
        revision: Revision,
        /// Why durability could not be confirmed.
        source: Arc<dyn StdError + Send + Sync + 'static>,
    },

    /// A write came with audit entries for the store's event log, and the
    /// store keeps none ([`Store::event_log`](crate::Store::event_log) is
    /// `None`); nothing was written.
    NoEventLog {
        /// The module the write was for.
        module: ModuleId,
    },

    /// A write came with a precondition on the user groups'
    /// revision ([`Precondition::groups`](crate::store::Precondition::groups)),
    /// and the store keeps none (its
    /// [`SiteDirectory::groups_revision`](crate::store::directory::SiteDirectory::groups_revision)
    /// is `None`); nothing was written.
    NoGroupRevision {
        /// The module the write was for.
        module: ModuleId,
    },

    /// Any other failure of a backend (I/O, a database error).
    ///
    /// The text says what failed; the underlying error, when there is one,
    /// is the [`source`](StdError::source) and is not repeated in the text,
    /// so a report that prints the whole chain shows each part once.
    Backend {
        /// Which backend (`"memory"`, `"file"`, `"sqlite"`, …).
        backend: &'static str,
        /// What failed, with what a person needs to act on it: `could not
        /// commit (module video)`, `could not read /srv/settings/video.json`.
        what: String,
        /// The error that caused it (an `io::Error`, a database error), if
        /// any.
        source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
    },
}

// Written by hand rather than derived: the underlying errors are shared
// behind `Arc`s (so that a `StoreError` can be cloned), and `source` must
// hand out the underlying error itself — an `io::Error` a caller can
// downcast to — not the `Arc` around it.
impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Conflict {
                module,
                expected,
                current,
            } => write!(
                f,
                "module {module} was changed by someone else: the write was based on revision \
                 {expected}, the module is at revision {current} now; load it again and \
                 reapply the changes"
            ),
            StoreError::PreconditionFailed {
                written,
                on,
                expected,
                current,
            } => {
                let is = match on {
                    Guarded::Groups => "they are",
                    _ => "it is",
                };
                write!(
                    f,
                    "a write to module {written} needed {on} at revision {expected}, but {is} at \
                     revision {current} now: what allowed the write may have changed; check \
                     again and retry"
                )
            }
            StoreError::Corrupt {
                module,
                record,
                value,
                reason,
            } => CorruptText {
                module: module.as_ref(),
                record,
                value,
                reason,
            }
            .fmt(f),
            StoreError::Unavailable { backend, reason } => write!(
                f,
                "the {backend} store is unavailable: {reason}; try again later"
            ),
            StoreError::NotDurable {
                module, revision, ..
            } => write!(
                f,
                "module {module} was committed and is visible at revision {revision}, but the \
                 store could not confirm that it reached the disk; do not repeat the commit: load \
                 the module to see it, and have the storage checked"
            ),
            StoreError::NoEventLog { module } => write!(
                f,
                "a write to module {module} came with event-log entries, but this store keeps no \
                 event log; nothing was written (commit without entries, or use a store with one)"
            ),
            StoreError::NoGroupRevision { module } => write!(
                f,
                "a write to module {module} named a revision of the user groups, but this store \
                 keeps none; nothing was written (commit without that precondition, or use a \
                 store whose groups have a revision)"
            ),
            StoreError::Backend { backend, what, .. } => write!(f, "{backend} store: {what}"),
        }
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StoreError::NotDurable { source, .. } => Some(&**source),
            StoreError::Backend {
                source: Some(source),
                ..
            } => Some(&**source),
            _ => None,
        }
    }
}

/// The longest stored text a [`StoreError::Corrupt`] repeats.
const SHOWN_CHARS: usize = 64;

impl StoreError {
    /// A [`Corrupt`](Self::Corrupt) error about `module`: `value` is the
    /// stored text, shown in quotes, escaped and cut to 64 characters.
    pub fn corrupt(
        module: Option<ModuleId>,
        record: impl Into<String>,
        value: &str,
        reason: impl Into<String>,
    ) -> Self {
        StoreError::Corrupt {
            module,
            record: record.into(),
            value: quoted(value),
            reason: reason.into(),
        }
    }

    /// A [`Corrupt`](Self::Corrupt) error whose stored value is described
    /// rather than shown (`a JSON number`, `a BLOB of 12 bytes`).
    pub fn corrupt_described(
        module: Option<ModuleId>,
        record: impl Into<String>,
        description: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        StoreError::Corrupt {
            module,
            record: record.into(),
            value: description.into(),
            reason: reason.into(),
        }
    }

    /// A [`Corrupt`](Self::Corrupt) error for an identifier that failed its
    /// check; the reason says what is wrong and what is allowed.
    pub fn corrupt_id(module: Option<ModuleId>, record: impl Into<String>, err: &IdError) -> Self {
        StoreError::corrupt(
            module,
            record,
            err.value(),
            format!("{}; {}", err.problem(), err.kind().rule()),
        )
    }

    /// A [`Backend`](Self::Backend) error: `what` failed because of
    /// `source`, which becomes the error's [`source`](StdError::source).
    ///
    /// ```
    /// use module_settings::StoreError;
    /// let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
    /// let err = StoreError::backend("file", "could not read /srv/settings/video.json", io);
    /// assert_eq!(err.to_string(), "file store: could not read /srv/settings/video.json");
    /// assert_eq!(std::error::Error::source(&err).unwrap().to_string(), "permission denied");
    /// ```
    pub fn backend(
        backend: &'static str,
        what: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        StoreError::Backend {
            backend,
            what: what.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// A [`Backend`](Self::Backend) error with no underlying error: `what`
    /// says all there is.
    pub fn backend_failure(backend: &'static str, what: impl Into<String>) -> Self {
        StoreError::Backend {
            backend,
            what: what.into(),
            source: None,
        }
    }

    /// Whether this is a [`Conflict`](Self::Conflict).
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }

    /// Whether this is [`PreconditionFailed`](Self::PreconditionFailed).
    pub fn is_precondition_failed(&self) -> bool {
        matches!(self, StoreError::PreconditionFailed { .. })
    }

    /// Whether this is [`Corrupt`](Self::Corrupt).
    pub fn is_corrupt(&self) -> bool {
        matches!(self, StoreError::Corrupt { .. })
    }
}

/// A module's revision counter reached `u64::MAX`. Reported instead of
/// wrapping around to a revision that readers have already seen.
pub(crate) fn revisions_exhausted(backend: &'static str, module: &ModuleId) -> StoreError {
    StoreError::backend_failure(
        backend,
        format!(
            "module {module} has used up its revision numbers ({} commits)",
            u64::MAX
        ),
    )
}

/// `value` in quotes, escaped and cut to 64 characters.
pub(crate) fn quoted(value: &str) -> String {
    format!("\"{}\"", crate::text::shown(value, SHOWN_CHARS))
}

/// The Display form of [`StoreError::Corrupt`]:
/// `corrupt stored data[ for module {module}] in {record}: found {value}, but {reason}`.
struct CorruptText<'a> {
    module: Option<&'a ModuleId>,
    record: &'a str,
    value: &'a str,
    reason: &'a str,
}

impl fmt::Display for CorruptText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("corrupt stored data")?;
        if let Some(module) = self.module {
            write!(f, " for module {module}")?;
        }
        write!(
            f,
            " in {}: found {}, but {}",
            self.record, self.value, self.reason
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_names_module_record_value_and_rule() {
        let err = StoreError::corrupt(
            Some(ModuleId::from_static("video")),
            "b_module_group.G_ACCESS (ID 7)",
            "X",
            "an access level is one of the letters D, M, R, W",
        );
        assert_eq!(
            err.to_string(),
            "corrupt stored data for module video in b_module_group.G_ACCESS (ID 7): \
             found \"X\", but an access level is one of the letters D, M, R, W"
        );
        assert!(err.is_corrupt() && !err.is_conflict());
    }

    #[test]
    fn corrupt_value_is_escaped_and_cut() {
        let long = "\n".repeat(100);
        let StoreError::Corrupt { value, .. } = StoreError::corrupt(None, "r", &long, "x") else {
            panic!("not corrupt");
        };
        assert_eq!(value, format!("\"{}…\"", "\\n".repeat(64)));
    }

    #[test]
    fn corrupt_described_shows_the_description_unquoted() {
        let err = StoreError::corrupt_described(
            Some(ModuleId::from_static("videoport")),
            "videoport.json at options.common.SecretCode",
            "a JSON number",
            "an option value is a JSON string",
        );
        assert_eq!(
            err.to_string(),
            "corrupt stored data for module videoport in videoport.json at \
             options.common.SecretCode: found a JSON number, but an option value is a JSON string"
        );
    }

    #[test]
    fn corrupt_id_explains_the_rule() {
        let id_err = crate::ids::GroupId::try_from("0").unwrap_err();
        let err = StoreError::corrupt_id(None, "grants", &id_err);
        let text = err.to_string();
        assert!(text.contains("found \"0\""), "{text}");
        assert!(text.contains("a group id is a whole number"), "{text}");
    }

    #[test]
    fn backend_says_what_failed_and_leaves_the_cause_to_source() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let err = StoreError::backend("file", "could not read video.json", io);
        assert_eq!(err.to_string(), "file store: could not read video.json");
        let source = std::error::Error::source(&err).unwrap();
        assert_eq!(source.to_string(), "permission denied");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn a_backend_failure_without_a_cause_has_no_source() {
        let err = revisions_exhausted("memory", &ModuleId::from_static("video"));
        assert_eq!(
            err.to_string(),
            format!(
                "memory store: module video has used up its revision numbers ({} commits)",
                u64::MAX
            )
        );
        assert!(std::error::Error::source(&err).is_none());
    }

    #[test]
    fn unavailable_says_to_retry() {
        let err = StoreError::Unavailable {
            backend: "sqlite",
            reason: "the database stayed locked for 5 s".into(),
        };
        assert_eq!(
            err.to_string(),
            "the sqlite store is unavailable: the database stayed locked for 5 s; try again later"
        );
    }
}
