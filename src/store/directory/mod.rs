//! What a store knows of the site around the settings: its user groups, its
//! sites, which groups each user is in, and its event log.
//!
//! A Bitrix site keeps these in tables of its own — `b_group`, `b_lang`,
//! `b_user_group` and `b_event_log` — beside the settings tables. A store
//! that can read them offers a [`SiteDirectory`] through
//! [`Store::directory`](crate::Store::directory), and a store that writes
//! audit records in the commit's own transaction offers an [`EventLog`]
//! through [`Store::event_log`](crate::Store::event_log).
//!
//! | store | directory | event log |
//! |---|---|---|
//! | `MemoryStore` | none | none (the facade's [`AuditSink`](crate::settings::AuditSink) keeps records after the commit) |
//! | `FileStore` | none | none (as for memory) |
//! | `SqliteStore`, `MysqlStore`, `PostgresStore` | `b_group`, `b_lang`, `b_user_group`, each where the table exists | `b_event_log`, created in Bitrix's layout when missing, **written in the commit's transaction** |
//!
//! The SQL stores never create `b_group`, `b_lang` or `b_user_group`: they
//! belong to the site, and an empty `b_lang` made by us would declare
//! every site unknown. Where one is missing its method answers `None`.
//!
//! # Examples
//!
//! A store without a directory, and what the facade makes of a user there:
//!
//! ```
//! use module_settings::{MemoryStore, Store};
//! let store = MemoryStore::new();
//! assert!(store.directory().is_none());
//! assert!(store.event_log().is_none());
//! ```

mod event_log;
// What the SQL stores' rows of these tables mean, shared by them.
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
pub(crate) mod rows;
mod sites;

pub use event_log::{AuditType, EventLog, LogEntry, LogQuery};
pub use sites::{Site, SiteError, Sites};

use crate::groups::GroupDirectory;
use crate::ids::{GroupId, UserId};
use crate::store::{Revision, StoreError};

/// The key under which the SQL stores count changes to `b_group` in their
/// revision table (triggers move it): what a write's precondition on the
/// groups is checked against, and — on MySQL and PostgreSQL, whose feeds
/// are complete — what their feeds report
/// ([`ChangeListener::groups_changed`]). `#` is not allowed in a module
/// id, so the key never names a module; listings of modules leave it out.
///
/// [`ChangeListener::groups_changed`]: crate::store::ChangeListener::groups_changed
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
pub(crate) const GROUPS_REVISION_KEY: &str = "#b_group";

/// A site's user groups, sites and memberships, as a store reads them.
///
/// Object-safe and `Send + Sync`; a store hands out `&dyn SiteDirectory`
/// from [`Store::directory`](crate::Store::directory).
///
/// # Contract
///
/// - Each method reads the current rows: nothing is cached below the
///   facade, which re-reads within its staleness bound.
/// - `Ok(None)` means the store has no such table; an empty table is
///   `Ok(Some(empty))`. Rows that cannot be read (a group id of 0, an
///   `ACTIVE` flag that is neither `Y` nor `N`, a site id that is not a
///   valid [`SiteId`](crate::SiteId)) are [`StoreError::Corrupt`], naming
///   the table, the row and the value — never skipped.
/// - [`user_groups`](Self::user_groups) counts a membership only while
///   its dates (`DATE_ACTIVE_FROM`, `DATE_ACTIVE_TO`, either may be NULL)
///   include the present moment **by the database's clock**, as Bitrix's
///   own queries do: both ends inclusive.
pub trait SiteDirectory: Send + Sync {
    /// Every user group (Bitrix's `b_group`: id, name, `ACTIVE`, `C_SORT`,
    /// `STRING_ID`), or `None` where the store has no such table.
    ///
    /// # Errors
    ///
    /// [`StoreError::Corrupt`] for an unreadable row; the store's usual
    /// errors when it cannot be read.
    fn groups(&self) -> Result<Option<GroupDirectory>, StoreError>;

    /// Every site (Bitrix's `b_lang`: `LID`, `NAME`, `ACTIVE`, `SORT`,
    /// `DEF`), or `None` where the store has no such table.
    ///
    /// # Errors
    ///
    /// As for [`groups`](Self::groups).
    fn sites(&self) -> Result<Option<Sites>, StoreError>;

    /// The groups `user` is in now (Bitrix's `b_user_group`, memberships
    /// outside their dates left out), lowest id first, or `None` where the
    /// store has no such table. A user without rows is `Some(vec![])`;
    /// group 2, which every user is in, is added by the caller, not here.
    ///
    /// # Errors
    ///
    /// As for [`groups`](Self::groups).
    fn user_groups(&self, user: UserId) -> Result<Option<Vec<GroupId>>, StoreError>;

    /// Whether this store's change feed reports every change of the groups
    /// ([`ChangeListener::groups_changed`]) — so that a feed that has
    /// caught up vouches for them too. Only then may a cache count its
    /// group directory as confirmed by the feed; otherwise it re-reads the
    /// groups within its staleness bound. Asked once, when a facade is
    /// built; a store that cannot tell answers `false`. The default is
    /// `false`.
    ///
    /// [`ChangeListener::groups_changed`]: crate::store::ChangeListener::groups_changed
    fn reports_group_changes(&self) -> bool {
        false
    }

    /// A revision of the groups that moves with every change to them, where
    /// the store keeps one: the SQL stores while their triggers on
    /// `b_group` exist (made when a store connects where `b_group` is a
    /// table). `None` where it keeps none.
    ///
    /// A write whose check used groups read at this revision carries it as
    /// a [`Precondition::groups`](crate::store::Precondition::groups), so a
    /// group switched off between the check and the commit stops the
    /// commit. Read it *before* [`groups`](Self::groups): groups read after
    /// it are at least as new as it, so a precondition on it passes only
    /// when the groups read are the ones the store still holds at the
    /// commit (it may fail needlessly, when a change landed between the two
    /// reads: the write is then checked and tried again). The revision
    /// moves with every row change of `b_group`, renames included. The
    /// default is `None`.
    ///
    /// # Errors
    ///
    /// The store's usual errors when it cannot be read.
    fn groups_revision(&self) -> Result<Option<Revision>, StoreError> {
        Ok(None)
    }
}
