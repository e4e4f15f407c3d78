//! Bitrix's event log, `b_event_log`, in MySQL: entries written inside the
//! commit's transaction ([`insert`]), and read back ([`EventLog`]). What a
//! row means is shared by the SQL stores ([`rows`]).

use mysql::prelude::Queryable;
use mysql::{params, Conn, Row};

use super::error::MysqlError;
use super::read::cell;
use super::MysqlStore;
use crate::store::directory::rows::{self, LogRow};
use crate::store::directory::{EventLog, LogEntry, LogQuery};
use crate::store::StoreError;

/// One entry, stamped with the server's clock. `TIMESTAMP_X` is written
/// explicitly: Bitrix's own column may have no default.
const INSERT: &str = "INSERT INTO b_event_log \
     (TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, SITE_ID, USER_ID, DESCRIPTION) \
     VALUES (NOW(), :severity, :audit_type, :module_id, :item_id, :site_id, :user_id, \
     :description)";

/// A page of the rows a query may want, newest first, below row `:before`
/// (when given). The conditions are those of [`LogQuery::matches`] in SQL
/// — a module's option rows name it in `MODULE_ID`, its rights rows at
/// the start of `DESCRIPTION` (`video:` or `video/s1:`), compared by
/// equality, since module ids hold `_`, which `LIKE` takes for any
/// character — and the time in exact seconds, as the entry reports it.
const PAGE: &str = "SELECT ID, UNIX_TIMESTAMP(TIMESTAMP_X), AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, \
     SITE_ID, USER_ID, DESCRIPTION FROM b_event_log \
     WHERE AUDIT_TYPE_ID IN (:rights, :default, :option) \
     AND (:before IS NULL OR ID < :before) \
     AND (:since IS NULL OR UNIX_TIMESTAMP(TIMESTAMP_X) >= :since) \
     AND (:module IS NULL \
          OR (AUDIT_TYPE_ID = :option AND LOWER(MODULE_ID) = :module) \
          OR (AUDIT_TYPE_ID <> :option \
              AND LOWER(LEFT(DESCRIPTION, CHAR_LENGTH(:module) + 1)) \
                  IN (CONCAT(:module, ':'), CONCAT(:module, '/')))) \
     ORDER BY ID DESC LIMIT :page";

/// The fewest rows a page asks for, so that a query that wants one more
/// row does not fetch rows one at a time.
const MIN_PAGE: usize = 64;

/// Writes `entries` inside the caller's transaction. A value wider than
/// its column (a site id of three characters in Bitrix's `CHAR(2)`) fails
/// the statement, the session being strict, and with it the commit.
pub(super) fn insert(tx: &mut impl Queryable, entries: &[LogEntry]) -> mysql::Result<()> {
    for entry in entries {
        let row = LogRow::of(entry);
        tx.exec_drop(
            INSERT,
            params! {
                "severity" => row.severity,
                "audit_type" => row.audit_type,
                "module_id" => row.module_id,
                "item_id" => row.item_id,
                "site_id" => row.site_id,
                "user_id" => row.user_id,
                "description" => row.description,
            },
        )?;
    }
    Ok(())
}

impl EventLog for MysqlStore {
    fn read(&self, query: &LogQuery) -> Result<Vec<LogEntry>, StoreError> {
        if query.max_rows() == 0 {
            return Ok(Vec::new());
        }
        self.read_with(|conn| read(conn, query))
    }
}

/// The rows `query` asks for, page by page. The SQL keeps at least every
/// row the query matches; each row is then held to
/// [`LogQuery::matches`] itself, and when that leaves a page short (a
/// `since` between whole seconds, a collation that takes `Video` for
/// `video` where the entry's module id differs), the next page continues
/// below the last row read, so the limit counts matching rows only.
fn read(conn: &mut Conn, query: &LogQuery) -> Result<Vec<LogEntry>, MysqlError> {
    let [rights, default, option] = rows::audit_codes();
    let module = query.module_filter().map(|m| m.as_str().to_owned());
    let since = query.since_filter().map(rows::unix_seconds);
    let limit = query.max_rows();
    let mut found = Vec::new();
    let mut before: Option<u64> = None;
    loop {
        let page = (limit - found.len()).max(MIN_PAGE);
        let batch: Vec<Row> = conn
            .exec(
                PAGE,
                params! {
                    rights, default, option, before, since,
                    "module" => module.as_deref(),
                    "page" => u64::try_from(page).unwrap_or(u64::MAX),
                },
            )
            .map_err(MysqlError::sql("read b_event_log", None))?;
        let full = batch.len() == page;
        let mut last = None;
        for row in &batch {
            last = row.get_opt::<u64, _>(0).and_then(Result::ok);
            let entry = rows::log_entry(
                cell(row, 0),
                cell(row, 1),
                cell(row, 2),
                cell(row, 3),
                cell(row, 4),
                cell(row, 5),
                cell(row, 6),
                cell(row, 7),
            )?;
            if let Some(entry) = entry.filter(|e| query.matches(e)) {
                found.push(entry);
                if found.len() == limit {
                    return Ok(found);
                }
            }
        }
        // The next page starts below the last row read, whatever it was.
        match last {
            Some(id) if full => before = Some(id),
            _ => return Ok(found),
        }
    }
}
