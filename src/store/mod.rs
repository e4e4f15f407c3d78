//! Storage: one small trait, [`Store`], and the backends that implement it.
//!
//! A store keeps, per module, its raw [`ModuleRecords`] (option values per
//! scope, default access levels, grants) and a [`Revision`]. It moves records
//! and revisions and nothing else: decoding, validation, merging and
//! resolution live once, above the trait.
//!
//! | backend | feature | keeps data in |
//! |---------|---------|---------------|
//! | [`MemoryStore`] | — | this process's memory |
//! | `FileStore` | `json` | one pretty-printed JSON file per module |
//! | `SqliteStore` | `sqlite` | Bitrix's `b_option`, `b_option_site` and `b_module_group` tables in an SQLite file |
//! | `MysqlStore` | `mysql` | the same tables on a MySQL or MariaDB server, typically a live Bitrix site's |
//! | `PostgresStore` | `postgres` | the same tables on a PostgreSQL server, shared with Bitrix and other app servers, with a pushed change feed |
//!
//! # Examples
//!
//! Commit a batch, load it back, and see a stale write refused:
//!
//! ```
//! use module_settings::store::{Change, Revision};
//! use module_settings::{AccessLevel, GroupId, MemoryStore, ModuleId, OptionName, Scope, Store, StoreError};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! let video = ModuleId::new("videoport")?;
//!
//! let batch = [
//!     Change::SetOption {
//!         scope: Scope::Common,
//!         name: OptionName::new("ServerHost")?,
//!         value: "video.example.com".into(),
//!     },
//!     Change::SetDefault { scope: Scope::Common, level: AccessLevel::R },
//!     Change::SetGrant { scope: Scope::Common, group: GroupId::try_from(5u32)?, level: AccessLevel::W },
//! ];
//! let revision = store.commit(&video, Revision::ZERO, &batch)?;
//! assert_eq!(revision, Revision::new(1));
//!
//! let snapshot = store.load(&video)?;
//! assert_eq!(snapshot.revision, revision);
//! assert_eq!(snapshot.records.option(Scope::Common, "ServerHost"), Some("video.example.com"));
//!
//! // A second writer that still holds revision 0 is refused, and nothing changes.
//! let stale = store.commit(&video, Revision::ZERO, &[Change::RemoveDefault { scope: Scope::Common }]);
//! assert!(matches!(stale, Err(StoreError::Conflict { current, .. }) if current == revision));
//! assert_eq!(store.load(&video)?.records, snapshot.records);
//! # Ok(()) }
//! ```
//!
//! # Contract
//!
//! Every implementation of [`Store`] promises:
//!
//! - **Revisions.** A module that was never written is at
//!   [`Revision::ZERO`] and loads as empty records. Every successful commit of
//!   a non-empty batch moves the module's revision up by exactly one, even
//!   if the batch only removed things that were absent. Revisions of
//!   different modules are independent. A backend whose data other
//!   programs can also write (the SQLite, MySQL and PostgreSQL stores'
//!   tables) moves the revision for their writes too, so that `revision`
//!   and `Conflict` see them.
//! - **Optimistic concurrency.** [`commit`](Store::commit) names the
//!   revision the batch was based on. If the module is at another revision,
//!   the call fails with [`StoreError::Conflict`] carrying the current
//!   revision, and nothing is written.
//! - **Preconditions.** [`commit_guarded`](Store::commit_guarded) also
//!   names revisions other modules must still be at (a [`Precondition`]:
//!   the module whose rights allowed the write, as the check saw it) — and,
//!   on a store that keeps one, the revision of the site's user groups
//!   ([`Precondition::groups`]; a store that keeps none refuses it with
//!   [`StoreError::NoGroupRevision`]). The
//!   backend compares them **inside the same write transaction or lock**
//!   that applies the batch — reading them before taking it is not enough
//!   — so a change to such a module that completed before the commit
//!   always stops it: [`StoreError::PreconditionFailed`], nothing written.
//!   The module's own revision is checked first (a stale one is a
//!   `Conflict`); empty batches check preconditions too. Use
//!   [`check_preconditions`] for the comparison.
//! - **Atomic batches.** A batch lands whole or not at all: after an error
//!   the module's records and revision are as before the call — with one
//!   exception, [`StoreError::NotDurable`], which says the batch *did* land
//!   (at the revision it names) but could not be confirmed on disk;
//!   callers must not retry it blindly; and, for a server backend, a
//!   connection lost with the commit on its way whose outcome the server
//!   cannot tell, reported as [`StoreError::Unavailable`] saying so.
//!   Changes in a batch apply in order ([`ModuleRecords::apply`] defines their meaning);
//!   removing an absent record is a no-op.
//! - **Empty batches** check the revision (a stale one is still a conflict),
//!   change nothing, and return the current revision.
//! - **Durability.** When `commit` returns `Ok`, the batch survives a crash
//!   of the process (and, for the file and SQLite stores, of the machine;
//!   for a database server, as far as the server's own settings make its
//!   commits durable).
//!   A backend that applied a batch but cannot confirm it is durable
//!   returns [`StoreError::NotDurable`], never `Ok` and never an error
//!   that claims nothing changed.
//! - **Sharing.** A store is `Send + Sync` and every method takes `&self`.
//!   Clones of a store, and several stores opened on the same file,
//!   directory or database, share one state: what one commits, the others
//!   load.
//! - **Failing closed.** Stored data that cannot be read as valid records is
//!   reported as [`StoreError::Corrupt`], never skipped or replaced by a
//!   default — except a rights row that belongs to a known record (a scope's
//!   default, a group's grant in a scope) but holds no readable level: the
//!   module loads, the record has no level, and the row is listed with
//!   [`ModuleRecords::add_unreadable`] so it can be shown and repaired. A
//!   commit that sets or removes that record replaces every stored row of
//!   it.
//! - **Listing.** [`modules`](Store::modules) lists, sorted, every module
//!   that has been written (revision above zero) or holds records.
//! - **Change feed (optional).** A store whose [`watch`](Store::watch)
//!   returns `true` tells its listeners of every commit made through any
//!   handle on the same data in this process, once the commit is visible
//!   (and of others' changes it learns of). The memory, file and SQLite
//!   stores have one; the PostgreSQL store also hears other processes'
//!   writes from the server, and the MySQL store finds them by reading
//!   every revision once per tick — both say when they have caught up;
//!   polling stays the backstop either way.
//!
//! # Writing a backend
//!
//! Implement the four required methods of [`Store`] (`commit` is
//! provided: it is `commit_guarded` with no preconditions); keep your own detailed error
//! type private and map it into [`StoreError`] (`Backend` for failures,
//! `Unavailable` for timeouts, `Corrupt` for bad stored data, naming the
//! module, the record and the value). For `Backend`, say what failed and
//! pass the underlying error as the source
//! ([`StoreError::backend`]`("s3", "could not read module video", err)`);
//! do not repeat its text, the source chain carries it. If your backend holds a module's
//! records in memory at commit time, apply the batch with
//! [`ModuleRecords::apply_all`] so that the meaning of a change lives in one
//! place.
//!
//! A wrapper (a cache, a metrics layer, a read-only guard) implements
//! `Store` too and must forward every method, `commit_guarded` (with its
//! preconditions) and [`revision`](Store::revision) included: a wrapper that answers `revision` from a
//! stale copy breaks every reader that relies on it to notice changes.
//!
//! Then run the conformance suite against your backend and against it
//! wrapped in `Arc<dyn Store>` (feature `testing`, see
//! `module_settings::store::conformance`): one `#[test]` per check.

// What Bitrix's rows mean, and what a change does to them, shared by the
// SQL backends.
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
mod bitrix_rows;
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
mod bitrix_write;
mod change;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance;
mod diff;
pub mod directory;
mod error;
mod feed;
// Random pauses for the SQL stores' retries.
#[cfg(feature = "json")]
mod file;
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
mod jitter;
mod memory;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
mod precondition;
mod records;
mod revision;
// Shared by the SQL backends, which read rights row by row.
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
mod rights_rows;
// What the SQL stores' errors say alike.
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
mod sql_error;
// What the MySQL and PostgreSQL stores read alike in their URLs.
#[cfg(any(feature = "mysql", feature = "postgres"))]
mod server_url;
#[cfg(feature = "sqlite")]
mod sqlite;
mod unreadable;

use std::sync::{Arc, Weak};

pub use change::Change;
pub use error::StoreError;
pub use feed::{ChangeFeed, ChangeListener};
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use file::FileStore;
pub use memory::MemoryStore;
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use mysql::MysqlStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PostgresStore;
pub use precondition::{check_preconditions, Guarded, Precondition};
pub use records::ModuleRecords;
pub use revision::{next_revision, Revision};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;
pub use unreadable::{RightKey, UnreadableRight};

use crate::ids::ModuleId;
use directory::{EventLog, LogEntry, SiteDirectory};

/// A module's records as loaded, with the revision they belong to.
///
/// ```
/// use module_settings::store::{ModuleRecords, Revision, Snapshot};
/// let empty = Snapshot::new(Revision::ZERO, ModuleRecords::new());
/// assert!(empty.records.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The revision the records belong to; pass it to
    /// [`Store::commit`] to write changes based on these records.
    pub revision: Revision,
    /// The records.
    pub records: ModuleRecords,
}

impl Snapshot {
    /// A snapshot of `records` at `revision`.
    pub fn new(revision: Revision, records: ModuleRecords) -> Self {
        Snapshot { revision, records }
    }
}

/// Where modules' records and revisions are kept.
///
/// Object-safe, synchronous, and shared by reference: use it as
/// `Arc<dyn Store>` or `Box<dyn Store>`, or through `&T`. See the
/// [module docs](self) for the contract every implementation keeps and for
/// how to write one.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Loads a module's records with their revision. A module never written
    /// loads as empty records at [`Revision::ZERO`].
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError>;

    /// The module's current revision, without loading its records. Meant to
    /// be cheap enough to call before every cached read.
    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError>;

    /// Applies `changes` atomically if the module is still at `expected`,
    /// and returns the new revision (`expected` + 1, or `expected` itself
    /// for an empty batch). The same as
    /// [`commit_guarded`](Store::commit_guarded) with no preconditions.
    ///
    /// # Errors
    ///
    /// As for [`commit_guarded`](Store::commit_guarded).
    fn commit(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
    ) -> Result<Revision, StoreError> {
        self.commit_guarded(module, expected, changes, &[])
    }

    /// Applies `changes` atomically if the module is still at `expected`
    /// **and** every precondition's module is still at its revision, all
    /// checked inside the same write transaction or lock that applies the
    /// batch; returns the new revision (`expected` + 1, or `expected`
    /// itself for an empty batch).
    ///
    /// A precondition names another module the write depends on — the
    /// module whose rights allowed it — at the revision the writer's check
    /// saw, or the site's user groups at theirs
    /// ([`Precondition::groups`]). Checking it in the commit makes
    /// check-and-commit one step: no change to the guard, or to the groups,
    /// can land between the check and the write.
    ///
    /// # Errors
    ///
    /// [`StoreError::Conflict`] if the module is at another revision
    /// (checked first); [`StoreError::PreconditionFailed`] if a
    /// precondition's module, or the groups, are at another revision
    /// (checked next, empty batches included);
    /// [`StoreError::NoGroupRevision`] for a precondition on the groups on
    /// a store that keeps no revision of them; any other error also leaves
    /// the module
    /// unchanged, except [`StoreError::NotDurable`]: the batch was
    /// committed at the revision it names but its durability is
    /// unconfirmed, so do not repeat it.
    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError>;

    /// Every module that has been written or holds records, sorted.
    fn modules(&self) -> Result<Vec<ModuleId>, StoreError>;

    /// Subscribes `listener` to this store's change feed, if it has one,
    /// and says whether it does. A store with a feed calls
    /// [`ChangeListener::changed`] for every module it learns has changed —
    /// at least for each commit through any handle on the same data in this
    /// process, after the commit is visible — and
    /// [`ChangeListener::missed`] when it may have missed changes.
    ///
    /// The default has no feed (`false`): caches then learn of changes by
    /// polling [`revision`](Store::revision) within their staleness bound,
    /// as they always do as a backstop.
    fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
        let _ = listener;
        false
    }

    /// The site's user groups, sites and memberships, if this store can
    /// read them (the SQL stores, from Bitrix's `b_group`, `b_lang` and
    /// `b_user_group`). The default has none.
    fn directory(&self) -> Option<&dyn SiteDirectory> {
        None
    }

    /// The event log this store writes audit entries into **in the
    /// commit's own transaction** (the SQL stores: Bitrix's
    /// `b_event_log`), to read them back. A store that returns one must
    /// implement [`commit_logged`](Store::commit_logged). The default has
    /// none.
    fn event_log(&self) -> Option<&dyn EventLog> {
        None
    }

    /// [`commit_guarded`](Store::commit_guarded), writing `log` into the
    /// store's [`event_log`](Store::event_log) in the same transaction: a
    /// committed batch has its entries, a failed one has none. An empty
    /// batch writes no entries.
    ///
    /// The default, for stores without an event log, commits an empty
    /// `log` as `commit_guarded` and refuses any other with
    /// [`StoreError::NoEventLog`] — entries are never dropped silently.
    ///
    /// # Errors
    ///
    /// As for [`commit_guarded`](Store::commit_guarded); an entry the log
    /// cannot hold (too long for its column) fails the whole commit.
    fn commit_logged(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
        log: &[LogEntry],
    ) -> Result<Revision, StoreError> {
        if log.is_empty() {
            self.commit_guarded(module, expected, changes, preconditions)
        } else {
            Err(StoreError::NoEventLog { module: *module })
        }
    }
}

/// Implements [`Store`] for a pointer type by forwarding every method to
/// the store it points to, written once for `&S`, `Arc<S>` and `Box<S>`.
macro_rules! forward_store {
    ($($(#[$doc:meta])* $pointer:ty;)+) => {$(
        $(#[$doc])*
        impl<S: Store + ?Sized> Store for $pointer {
            fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
                (**self).load(module)
            }
            fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
                (**self).revision(module)
            }
            fn commit(
                &self,
                module: &ModuleId,
                expected: Revision,
                changes: &[Change],
            ) -> Result<Revision, StoreError> {
                (**self).commit(module, expected, changes)
            }
            fn commit_guarded(
                &self,
                module: &ModuleId,
                expected: Revision,
                changes: &[Change],
                preconditions: &[Precondition],
            ) -> Result<Revision, StoreError> {
                (**self).commit_guarded(module, expected, changes, preconditions)
            }
            fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
                (**self).modules()
            }
            fn watch(&self, listener: Weak<dyn ChangeListener>) -> bool {
                (**self).watch(listener)
            }
            fn directory(&self) -> Option<&dyn SiteDirectory> {
                (**self).directory()
            }
            fn event_log(&self) -> Option<&dyn EventLog> {
                (**self).event_log()
            }
            fn commit_logged(
                &self,
                module: &ModuleId,
                expected: Revision,
                changes: &[Change],
                preconditions: &[Precondition],
                log: &[LogEntry],
            ) -> Result<Revision, StoreError> {
                (**self).commit_logged(module, expected, changes, preconditions, log)
            }
        }
    )+};
}

forward_store! {
    /// Forwards every method, so `&S` can be passed where a store is owned.
    &S;
    /// Forwards every method; `Arc<dyn Store>` is the usual shared handle.
    Arc<S>;
    /// Forwards every method.
    Box<S>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts calls per method, to prove the forwarding impls forward all
    /// four of them.
    #[derive(Debug, Default)]
    struct Counting {
        inner: MemoryStore,
        calls: [AtomicUsize; 4],
    }

    impl Store for Counting {
        fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
            self.calls[0].fetch_add(1, Ordering::Relaxed);
            self.inner.load(module)
        }
        fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
            self.calls[1].fetch_add(1, Ordering::Relaxed);
            self.inner.revision(module)
        }
        fn commit_guarded(
            &self,
            module: &ModuleId,
            expected: Revision,
            changes: &[Change],
            preconditions: &[Precondition],
        ) -> Result<Revision, StoreError> {
            self.calls[2].fetch_add(1, Ordering::Relaxed);
            self.inner
                .commit_guarded(module, expected, changes, preconditions)
        }
        fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
            self.calls[3].fetch_add(1, Ordering::Relaxed);
            self.inner.modules()
        }
    }

    fn use_all(store: &dyn Store) {
        let module = ModuleId::from_static("video");
        let change = Change::RemoveDefault {
            scope: crate::ids::Scope::Common,
        };
        let before = store.revision(&module).unwrap();
        let rev = store.commit(&module, before, &[change]).unwrap();
        assert_eq!(rev.get(), before.get() + 1);
        assert_eq!(store.load(&module).unwrap().revision, rev);
        assert_eq!(store.modules().unwrap(), [module]);
    }

    fn counts(counting: &Counting) -> [usize; 4] {
        counting.calls.each_ref().map(|c| c.load(Ordering::Relaxed))
    }

    #[test]
    fn reference_arc_and_box_forward_every_method() {
        let counting = Arc::new(Counting::default());
        use_all(&&*counting as &dyn Store);
        assert_eq!(counts(&counting), [1; 4]);

        let shared: Arc<dyn Store> = counting.clone();
        use_all(&shared as &dyn Store);
        assert_eq!(counts(&counting), [2; 4]);

        let boxed: Box<dyn Store> = Box::new(Arc::clone(&counting));
        use_all(&boxed as &dyn Store);
        assert_eq!(counts(&counting), [3; 4]);
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<MemoryStore>();
        assert_send_sync::<Snapshot>();
        assert_send_sync::<ModuleRecords>();
        assert_send_sync::<Change>();
        assert_send_sync::<Revision>();
        assert_send_sync::<StoreError>();
        assert_send_sync::<Arc<dyn Store>>();
        assert_send_sync::<Box<dyn Store>>();
    }
}
