//! The site's groups, sites and memberships from Bitrix's `b_group`,
//! `b_lang` and `b_user_group`, where the store's schema has them; what
//! each row means is shared by the SQL stores ([`rows`]).
//!
//! Every read runs on the store's reading connection (never behind a
//! commit that waits for a lock): one statement to look the table up,
//! one to read it. Columns are read as text, as loads read them, so that
//! tables with other column types decode alike (and `char(2)`'s padding
//! goes with the cast).

use super::error::PgError;
use super::read::{number_or_text, revision_of_key, text_cell};
use super::schema::site_table_exists;
use super::session::Session;
use super::PostgresStore;
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, UserId};
use crate::store::directory::{rows, SiteDirectory, Sites, GROUPS_REVISION_KEY};
use crate::store::{Revision, StoreError};

const GROUPS: &str =
    "SELECT id::text, name::text, active::text, c_sort::text, string_id::text FROM b_group";

const SITES: &str = "SELECT lid::text, name::text, active::text, sort::text, def::text FROM b_lang";

/// A user's memberships in force now. Bitrix's PostgreSQL date columns are
/// `timestamp` without time zone, holding the wall-clock time of the
/// server's zone as Bitrix wrote it; they are compared with
/// `LOCALTIMESTAMP`, the database's present moment as the same kind of
/// wall-clock time (`now()` is a `timestamptz`, and each row's column
/// would first be cast to one in the session's zone). Both ends count.
/// `$1` is bound as bigint: Bitrix's `USER_ID` is `int`, a user id any
/// `u32`.
const MEMBERSHIPS: &str = "\
    SELECT group_id::text FROM b_user_group WHERE user_id = $1::bigint \
      AND (date_active_from IS NULL OR date_active_from <= LOCALTIMESTAMP) \
      AND (date_active_to IS NULL OR date_active_to >= LOCALTIMESTAMP)";

impl SiteDirectory for PostgresStore {
    fn groups(&self) -> Result<Option<GroupDirectory>, StoreError> {
        self.read_site_table("b_group", |session| {
            let found = query(session, GROUPS, &[], "read b_group")?;
            let mut groups = Vec::with_capacity(found.len());
            for row in &found {
                let cell = |i| text_cell(row, i, "read b_group", None);
                groups.push(rows::group(
                    number_or_text(cell(0)?),
                    cell(1)?,
                    cell(2)?,
                    number_or_text(cell(3)?),
                    cell(4)?,
                )?);
            }
            rows::group_directory(groups)
        })
    }

    fn sites(&self) -> Result<Option<Sites>, StoreError> {
        self.read_site_table("b_lang", |session| {
            let found = query(session, SITES, &[], "read b_lang")?;
            let mut sites = Vec::with_capacity(found.len());
            for row in &found {
                let cell = |i| text_cell(row, i, "read b_lang", None);
                sites.push(rows::site(
                    cell(0)?,
                    cell(1)?,
                    cell(2)?,
                    number_or_text(cell(3)?),
                    cell(4)?,
                )?);
            }
            rows::site_list(sites)
        })
    }

    fn reports_group_changes(&self) -> bool {
        // The listener reports what moves the groups' revision, and that
        // revision is kept while the trigger on `b_group` exists (made when
        // a store connected where `b_group` was a table then; a later
        // `b_group`, or a view, has none).
        self.groups_revision()
            .is_ok_and(|revision| revision.is_some())
    }

    fn groups_revision(&self) -> Result<Option<Revision>, StoreError> {
        // Kept only while the trigger exists: without it the row would
        // not move with `b_group`.
        let name = super::triggers::bump_trigger(super::triggers::GROUPS_TABLE);
        self.read(move |session| {
            let trigger = query(
                session,
                GROUPS_TRIGGER,
                &[&name],
                "look up the groups trigger",
            )?;
            if trigger.is_empty() {
                return Ok(None);
            }
            revision_of_key(session, GROUPS_REVISION_KEY, None).map(Some)
        })
    }

    fn user_groups(&self, user: UserId) -> Result<Option<Vec<GroupId>>, StoreError> {
        self.read_site_table("b_user_group", move |session| {
            let id = i64::from(user.get());
            let found = query(session, MEMBERSHIPS, &[&id], "read b_user_group")?;
            let mut groups = Vec::with_capacity(found.len());
            for row in &found {
                let group = text_cell(row, 0, "read b_user_group", None)?;
                groups.push(rows::member_group(user, number_or_text(group))?);
            }
            Ok(rows::memberships(groups))
        })
    }
}

/// The trigger on `b_group` in the store's schema (the revision table's),
/// switched on: what makes the feed report group changes.
/// The trigger on `b_group` that moves the groups' revision, by name
/// (`$1`), where it exists and is enabled.
pub(super) const GROUPS_TRIGGER: &str =
    "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
     WHERE c.relname = 'b_group' AND t.tgname = $1 AND t.tgenabled <> 'D' \
     AND c.relnamespace = (SELECT relnamespace FROM pg_class \
                           WHERE oid = to_regclass('module_settings_revision'))";

impl PostgresStore {
    /// Runs `read` on the reading connection if the store's schema has
    /// `table`; `None` if not.
    fn read_site_table<T, F>(&self, table: &'static str, read: F) -> Result<Option<T>, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut Session) -> Result<T, StoreError> + Send + 'static,
    {
        self.read(move |session| {
            if !site_table_exists(session, table)? {
                return Ok(None);
            }
            read(session).map(Some)
        })
    }
}

fn query(
    session: &mut Session,
    sql: &'static str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    action: &'static str,
) -> Result<Vec<postgres::Row>, StoreError> {
    session
        .query(sql, params, action, None)
        .map_err(PgError::into_store_error)
}
