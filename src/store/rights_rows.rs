//! [`RightsRows`]: a module's stored rights rows as a backend reads them,
//! turned into records once every row is in — because whether a row can be
//! trusted depends on the other rows of its record.
//!
//! Rows of one record that all hold the same level are that record. A row
//! that holds no level (a letter other than D, M, R, W, a lower-case
//! letter, an empty or NULL value), or rows that give one record different
//! levels, make the record unreadable: it gets no level, and every row of
//! it is listed as an [`UnreadableRight`], so that an administrator sees
//! all of them and a change to the record replaces all of them.

use std::collections::BTreeMap;

use super::unreadable::{RightKey, UnreadableRight};
use super::{Change, ModuleRecords};
use crate::access::AccessLevel;

/// The rights rows read so far, by record.
#[derive(Debug, Default)]
pub(crate) struct RightsRows {
    rows: BTreeMap<RightKey, Vec<Row>>,
}

/// One stored row, with its level or why it has none.
#[derive(Debug)]
struct Row {
    record: String,
    row_id: Option<i64>,
    raw: Option<String>,
    level: Result<AccessLevel, &'static str>,
}

impl RightsRows {
    pub(crate) fn new() -> Self {
        RightsRows::default()
    }

    /// One row of record `key`, found at `record` (with id `row_id` when
    /// its table has one), holding `raw` (`None`: NULL).
    pub(crate) fn push(
        &mut self,
        key: RightKey,
        record: String,
        row_id: Option<i64>,
        raw: Option<&str>,
    ) {
        let level = parse_level(raw);
        // Only a row that turns out unreadable keeps its text, and then
        // cut (`UnreadableRight::new`): a huge value is not held twice.
        let raw = match level {
            Ok(_) => None,
            Err(_) => raw.map(str::to_owned),
        };
        self.rows.entry(key).or_default().push(Row {
            record,
            row_id,
            raw,
            level,
        });
    }

    /// Adds every record to `records`: the readable ones as records, then
    /// the unreadable ones as [`ModuleRecords::add_unreadable`] rows.
    pub(crate) fn into_records(self, records: &mut ModuleRecords) {
        let mut unreadable = Vec::new();
        for (key, rows) in self.rows {
            match agreed_level(&rows) {
                Some(level) => records.apply(&set(key, level)),
                None => unreadable.push((key, rows)),
            }
        }
        for (key, rows) in unreadable {
            for row in &rows {
                let reason = match row.level {
                    Err(reason) => reason.to_owned(),
                    Ok(level) => disagreement(key, level, &rows),
                };
                // A readable row of a record that cannot be read is shown
                // with its letter, so the administrator sees every row.
                let mut letter = [0; 4];
                let raw = match (&row.raw, row.level) {
                    (Some(raw), _) => Some(raw.as_str()),
                    (None, Ok(level)) => Some(&*level.letter().encode_utf8(&mut letter)),
                    (None, Err(_)) => None,
                };
                records.add_unreadable(UnreadableRight::new(
                    key,
                    row.record.clone(),
                    row.row_id,
                    raw,
                    reason,
                ));
            }
        }
    }
}

/// The level every row of a record holds, if they all hold the same one.
fn agreed_level(rows: &[Row]) -> Option<AccessLevel> {
    let first = rows.first()?.level.ok()?;
    rows.iter()
        .all(|row| row.level == Ok(first))
        .then_some(first)
}

/// The change that stores `level` as record `key`.
fn set(key: RightKey, level: AccessLevel) -> Change {
    match key {
        RightKey::Default { scope } => Change::SetDefault { scope, level },
        RightKey::Grant { scope, group } => Change::SetGrant {
            scope,
            group,
            level,
        },
    }
}

/// Why a row holding `level` cannot be trusted: another row of its record
/// says otherwise, or cannot be read.
fn disagreement(key: RightKey, level: AccessLevel, rows: &[Row]) -> String {
    let (record, rule) = match key {
        RightKey::Default { .. } => ("scope", "one default level per scope is allowed"),
        RightKey::Grant { .. } => (
            "group and scope",
            "one level per group and scope is allowed",
        ),
    };
    match rows
        .iter()
        .find_map(|r| r.level.ok().filter(|l| *l != level))
    {
        Some(other) => format!("another row for the same {record} says {other}; {rule}"),
        None => format!("another row for the same {record} cannot be read; {rule}"),
    }
}

/// A stored level: exactly one of the letters, upper case, as Bitrix
/// writes them.
fn parse_level(raw: Option<&str>) -> Result<AccessLevel, &'static str> {
    const RULE: &str = "an access level is one of the letters D, M, R, W";
    let Some(text) = raw else {
        return Err("an access level is one of the letters D, M, R, W, never NULL");
    };
    if let Ok(level) = text.parse() {
        return Ok(level);
    }
    // Bitrix compares letters as they are stored: `w` is not `W` there
    // either, so it is not guessed here.
    if text.to_ascii_uppercase().parse::<AccessLevel>().is_ok() {
        return Err("an access level is one of the letters D, M, R, W, in upper case");
    }
    Err(RULE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GroupId, Scope};

    const G5: GroupId = GroupId::from_static(5);
    const KEY: RightKey = RightKey::Grant {
        scope: Scope::Common,
        group: G5,
    };

    fn read(rows: &[(i64, Option<&str>)]) -> ModuleRecords {
        let mut read = RightsRows::new();
        for (id, raw) in rows {
            read.push(KEY, format!("row {id}"), Some(*id), *raw);
        }
        let mut records = ModuleRecords::new();
        read.into_records(&mut records);
        records
    }

    fn reasons(records: &ModuleRecords) -> Vec<(Option<&str>, &str)> {
        records
            .unreadable()
            .map(|r| (r.raw.as_deref(), r.reason.as_str()))
            .collect()
    }

    #[test]
    fn rows_that_agree_are_one_record() {
        let records = read(&[(1, Some("R")), (2, Some("R"))]);
        assert_eq!(records.grant(Scope::Common, G5), Some(AccessLevel::R));
        assert!(!records.has_unreadable());
    }

    #[test]
    fn a_row_without_a_level_says_why() {
        for (raw, reason) in [
            (
                Some("X"),
                "an access level is one of the letters D, M, R, W",
            ),
            (Some(""), "an access level is one of the letters D, M, R, W"),
            (
                Some("RW"),
                "an access level is one of the letters D, M, R, W",
            ),
            (
                Some("w"),
                "an access level is one of the letters D, M, R, W, in upper case",
            ),
            (
                None,
                "an access level is one of the letters D, M, R, W, never NULL",
            ),
        ] {
            let records = read(&[(1, raw)]);
            assert_eq!(records.grant(Scope::Common, G5), None);
            assert_eq!(reasons(&records), [(raw, reason)]);
        }
    }

    #[test]
    fn rows_that_disagree_are_all_listed() {
        let records = read(&[(2, Some("R")), (1, Some("W"))]);
        assert_eq!(records.grant(Scope::Common, G5), None);
        assert_eq!(
            reasons(&records),
            [
                (
                    Some("W"),
                    "another row for the same group and scope says R; one level per group and \
                     scope is allowed"
                ),
                (
                    Some("R"),
                    "another row for the same group and scope says W; one level per group and \
                     scope is allowed"
                ),
            ]
        );
        let mixed = read(&[(1, Some("R")), (2, Some("x"))]);
        assert_eq!(
            reasons(&mixed)[0],
            (
                Some("R"),
                "another row for the same group and scope cannot be read; one level per group \
                 and scope is allowed"
            )
        );
    }

    #[test]
    fn a_default_speaks_of_its_scope() {
        let key = RightKey::Default {
            scope: Scope::Common,
        };
        let mut read = RightsRows::new();
        read.push(key, "a".into(), None, Some("R"));
        read.push(key, "b".into(), None, Some("D"));
        let mut records = ModuleRecords::new();
        read.into_records(&mut records);
        assert_eq!(records.default_level(Scope::Common), None);
        assert!(records
            .unreadable()
            .all(|r| r.reason.contains("one default level per scope")));
    }
}
