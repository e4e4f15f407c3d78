//! The site's groups, sites and memberships from Bitrix's `b_group`,
//! `b_lang` and `b_user_group`, where they exist; what each row means is
//! shared by the SQL stores ([`rows`]).
//!
//! The store never creates these tables. Whether one exists is the
//! server's answer to the query itself: a table it does not have is
//! `None`, in one round trip and without a moment between a lookup and the
//! read in which the table could come or go. (A table the user may not
//! read is an error that says so, not `None`.)
//!
//! Membership dates are compared with the server's clock (`NOW()`), as
//! Bitrix's own queries compare them, both ends inclusive.

use mysql::prelude::Queryable;
use mysql::{params, Conn, Params, Row};

use super::error::{code, server_code, MysqlError};
use super::read::{self, cell};
use super::statements;
use super::MysqlStore;
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, UserId};
use crate::store::bitrix_rows::Cell;
use crate::store::directory::{rows, SiteDirectory, Sites, GROUPS_REVISION_KEY};
use crate::store::{Revision, StoreError};

const GROUPS: &str = "SELECT ID, NAME, ACTIVE, C_SORT, STRING_ID FROM b_group";

const SITES: &str = "SELECT LID, NAME, ACTIVE, SORT, DEF FROM b_lang";

const MEMBERSHIPS: &str = "SELECT GROUP_ID FROM b_user_group WHERE USER_ID = :user \
     AND (DATE_ACTIVE_FROM IS NULL OR DATE_ACTIVE_FROM <= NOW()) \
     AND (DATE_ACTIVE_TO IS NULL OR DATE_ACTIVE_TO >= NOW())";

impl SiteDirectory for MysqlStore {
    fn groups(&self) -> Result<Option<GroupDirectory>, StoreError> {
        self.read_with(|conn| {
            let Some(groups) = five_cell_rows(conn, "read b_group", GROUPS, |[a, b, c, d, e]| {
                rows::group(a, b, c, d, e)
            })?
            else {
                return Ok(None);
            };
            Ok(Some(rows::group_directory(groups)?))
        })
    }

    fn sites(&self) -> Result<Option<Sites>, StoreError> {
        self.read_with(|conn| {
            let Some(sites) = five_cell_rows(conn, "read b_lang", SITES, |[a, b, c, d, e]| {
                rows::site(a, b, c, d, e)
            })?
            else {
                return Ok(None);
            };
            Ok(Some(rows::site_list(sites)?))
        })
    }

    fn reports_group_changes(&self) -> bool {
        // The poller reports what moves the groups' revision, and that
        // revision is kept while all three triggers on `b_group` exist
        // (made when a store connects where it is a table then).
        self.groups_revision()
            .is_ok_and(|revision| revision.is_some())
    }

    fn groups_revision(&self) -> Result<Option<Revision>, StoreError> {
        // Kept only while all three triggers exist: without them the row
        // would not move with `b_group`.
        self.read_with(|conn| {
            let triggers: Option<u64> = conn
                .query_first(statements::GROUPS_TRIGGERS)
                .map_err(MysqlError::sql("look up the groups triggers", None))?;
            if triggers != Some(3) {
                return Ok(None);
            }
            read::stored_revision_of(
                conn,
                statements::REVISION,
                GROUPS_REVISION_KEY,
                None,
                "read the groups' revision",
            )
            .map(Some)
        })
    }

    fn user_groups(&self, user: UserId) -> Result<Option<Vec<GroupId>>, StoreError> {
        self.read_with(|conn| {
            let params = params! { "user" => user.get() };
            let Some(found) = rows_of(conn, "read b_user_group", MEMBERSHIPS, params)? else {
                return Ok(None);
            };
            let mut groups = Vec::with_capacity(found.len());
            for row in &found {
                groups.push(rows::member_group(user, cell(row, 0))?);
            }
            Ok(Some(rows::memberships(groups)))
        })
    }
}

/// The rows `query` returns (through the binary protocol, which hands
/// numbers over as numbers), or `None` when the server says its table does
/// not exist.
/// Every row of `query` (five columns, no parameters) made into a `T` by
/// `make`; `None` where the table is missing.
fn five_cell_rows<T>(
    conn: &mut Conn,
    action: &'static str,
    query: &str,
    make: impl Fn([Cell<'_>; 5]) -> Result<T, StoreError>,
) -> Result<Option<Vec<T>>, MysqlError> {
    let Some(found) = rows_of(conn, action, query, Params::Empty)? else {
        return Ok(None);
    };
    let mut made = Vec::with_capacity(found.len());
    for row in &found {
        made.push(make([0, 1, 2, 3, 4].map(|i| cell(row, i)))?);
    }
    Ok(Some(made))
}

fn rows_of(
    conn: &mut Conn,
    action: &'static str,
    query: &str,
    params: Params,
) -> Result<Option<Vec<Row>>, MysqlError> {
    match conn.exec(query, params) {
        Ok(rows) => Ok(Some(rows)),
        Err(err) if server_code(&err) == Some(code::NO_SUCH_TABLE) => Ok(None),
        Err(err) => Err(MysqlError::sql(action, None)(err)),
    }
}
