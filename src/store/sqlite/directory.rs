//! The site's groups, sites and memberships from SQLite's copies of
//! `b_group`, `b_lang` and `b_user_group`, where they exist; what each row
//! means is shared by the SQL stores ([`rows`]).
//!
//! SQLite has no time zones: membership dates are compared with the
//! database's clock as UTC text (`YYYY-MM-DD HH:MM:SS`), the form
//! `datetime('now')` gives.

use rusqlite::Connection;

use super::read::{self, each_row_of, table_exists, Sql};
use super::SqliteStore;
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, UserId};
use crate::store::directory::{rows, SiteDirectory, Sites};
use crate::store::{Revision, StoreError};

impl SiteDirectory for SqliteStore {
    fn groups(&self) -> Result<Option<GroupDirectory>, StoreError> {
        self.read_table("b_group", "read b_group", |conn, sql| {
            let mut groups = Vec::new();
            each_row_of(
                conn,
                sql,
                "SELECT ID, NAME, ACTIVE, C_SORT, STRING_ID FROM b_group",
                [],
                |get| {
                    groups.push(rows::group(get(0)?, get(1)?, get(2)?, get(3)?, get(4)?)?);
                    Ok(())
                },
            )?;
            rows::group_directory(groups)
        })
    }

    fn sites(&self) -> Result<Option<Sites>, StoreError> {
        self.read_table("b_lang", "read b_lang", |conn, sql| {
            let mut sites = Vec::new();
            each_row_of(
                conn,
                sql,
                "SELECT LID, NAME, ACTIVE, SORT, DEF FROM b_lang",
                [],
                |get| {
                    sites.push(rows::site(get(0)?, get(1)?, get(2)?, get(3)?, get(4)?)?);
                    Ok(())
                },
            )?;
            rows::site_list(sites)
        })
    }

    fn groups_revision(&self) -> Result<Option<Revision>, StoreError> {
        let sql = self.sql("read the groups' revision");
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(&sql)?;
        let revision = read::groups_revision(&tx, None, &sql)?;
        tx.finish().map_err(&sql)?;
        Ok(revision)
    }

    fn user_groups(&self, user: UserId) -> Result<Option<Vec<GroupId>>, StoreError> {
        self.read_table("b_user_group", "read b_user_group", |conn, sql| {
            let mut groups = Vec::new();
            each_row_of(
                conn,
                sql,
                "SELECT GROUP_ID FROM b_user_group WHERE USER_ID = ?1 \
                 AND (DATE_ACTIVE_FROM IS NULL OR DATE_ACTIVE_FROM <= datetime('now')) \
                 AND (DATE_ACTIVE_TO IS NULL OR DATE_ACTIVE_TO >= datetime('now'))",
                [i64::from(user.get())],
                |get| {
                    groups.push(rows::member_group(user, get(0)?)?);
                    Ok(())
                },
            )?;
            Ok(rows::memberships(groups))
        })
    }
}

impl SqliteStore {
    /// Runs `read` in one read transaction if `table` exists; `None` if not.
    fn read_table<T>(
        &self,
        table: &str,
        action: &'static str,
        read: impl FnOnce(&Connection, &Sql) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let sql = self.sql(action);
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(&sql)?;
        if !table_exists(&tx, table, &sql)? {
            return Ok(None);
        }
        let found = read(&tx, &sql)?;
        tx.finish().map_err(&sql)?;
        Ok(Some(found))
    }
}
