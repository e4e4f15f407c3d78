//! Bitrix's event log, `b_event_log`, in SQLite: entries written inside the
//! commit's transaction ([`insert`]), and read back ([`EventLog`]). What a
//! row means is shared by the SQL stores ([`rows`]).

use rusqlite::{params, Connection};

use super::read::each_row_of;
use super::SqliteStore;
use crate::store::directory::rows::{self, LogRow};
use crate::store::directory::{EventLog, LogEntry, LogQuery};
use crate::store::StoreError;

/// Writes `entries`, stamped with the database's clock (UTC), inside the
/// caller's transaction.
pub(super) fn insert(conn: &Connection, entries: &[LogEntry]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO b_event_log (TIMESTAMP_X, SEVERITY, AUDIT_TYPE_ID, MODULE_ID, ITEM_ID, \
         SITE_ID, USER_ID, DESCRIPTION) VALUES (CURRENT_TIMESTAMP, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for entry in entries {
        let row = LogRow::of(entry);
        stmt.execute(params![
            row.severity,
            row.audit_type,
            row.module_id,
            row.item_id,
            row.site_id,
            row.user_id,
            row.description
        ])?;
    }
    Ok(())
}

impl EventLog for SqliteStore {
    fn read(&self, query: &LogQuery) -> Result<Vec<LogEntry>, StoreError> {
        let sql = self.sql("read b_event_log");
        let [rights, default, option] = rows::audit_codes();
        let module = query.module_filter().map(|m| m.as_str().to_owned());
        let since = query.since_filter().map(rows::first_whole_second);
        let limit = i64::try_from(query.max_rows()).unwrap_or(i64::MAX);
        let mut found = Vec::new();
        each_row_of(
            &self.lock(),
            &sql,
            // A module's rights rows name it at the start of the
            // description (`video:` or `video/s1:`), its option rows in
            // MODULE_ID.
            "SELECT ID, CAST(strftime('%s', TIMESTAMP_X) AS INTEGER), AUDIT_TYPE_ID, MODULE_ID, \
             ITEM_ID, SITE_ID, USER_ID, DESCRIPTION FROM b_event_log \
             WHERE AUDIT_TYPE_ID IN (?1, ?2, ?3) \
             AND (?4 IS NULL OR TIMESTAMP_X >= datetime(?4, 'unixepoch')) \
             AND (?5 IS NULL \
                  OR (AUDIT_TYPE_ID = ?3 AND MODULE_ID = ?5 COLLATE NOCASE) \
                  OR (AUDIT_TYPE_ID <> ?3 AND lower(substr(DESCRIPTION, 1, length(?5) + 1)) \
                      IN (?5 || ':', ?5 || '/'))) \
             ORDER BY ID DESC LIMIT ?6",
            params![rights, default, option, since, module, limit],
            |get| {
                let entry = rows::log_entry(
                    get(0)?,
                    get(1)?,
                    get(2)?,
                    get(3)?,
                    get(4)?,
                    get(5)?,
                    get(6)?,
                    get(7)?,
                )?;
                found.extend(entry.filter(|e| query.matches(e)));
                Ok(())
            },
        )?;
        Ok(found)
    }
}
