//! Writing changes in Bitrix's form, inside the caller's transaction. Every
//! value is a bound parameter; no SQL is built from input.

use rusqlite::{params, Connection};

use crate::access::AccessLevel;
use crate::ids::{GroupId, ModuleId, Scope, SiteId};
use crate::store::bitrix_write::RowWrite;
use crate::store::{Change, Revision};

/// Applies one change. Module ids are written in lower case and matched
/// without regard to case, so a row another program wrote as `Video` is
/// updated rather than duplicated. Site ids are matched without regard to
/// case too, as Bitrix's MySQL collation matches them: a change for `s1`
/// updates or removes the rows under `S1` (every one of them, so a write
/// also repairs rows that disagree); a new row takes the id as given.
pub(super) fn apply(conn: &Connection, module: &ModuleId, change: &Change) -> rusqlite::Result<()> {
    let module = module.as_str();
    match RowWrite::of(change) {
        RowWrite::SetValue { scope, name, value } => set_value(conn, module, scope, name, &value),
        RowWrite::RemoveValue { scope, name } => remove_value(conn, module, scope, name),
        RowWrite::SetGrant {
            scope,
            group,
            level,
        } => set_grant(conn, module, scope, group, level),
        RowWrite::RemoveGrant { scope, group } => remove_grant(conn, module, scope, group),
    }
}

/// Records the module's new revision.
pub(super) fn set_revision(
    conn: &Connection,
    module: &ModuleId,
    revision: Revision,
) -> rusqlite::Result<()> {
    // Revisions beyond i64::MAX cannot be stored; the store's caller checked
    // `Revision::next`, and 2^63 commits are out of reach in practice, but a
    // clamped value would silently repeat a revision, so fail instead.
    let number = i64::try_from(revision.get())
        .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
    conn.prepare_cached(
        "INSERT INTO module_settings_revision (MODULE_ID, REVISION) VALUES (?1, ?2) \
         ON CONFLICT (MODULE_ID) DO UPDATE SET REVISION = excluded.REVISION",
    )?
    .execute(params![module.as_str(), number])?;
    Ok(())
}

// Update first, insert only if nothing matched: this needs no unique index
// (tables made by others may lack one, and SQLite's UNIQUE lets NULL site
// ids repeat), keeps the row's other columns (DESCRIPTION, ID), and a
// batch runs in one transaction so no one sees the gap.

fn set_value(
    conn: &Connection,
    module: &str,
    scope: Scope,
    name: &str,
    value: &str,
) -> rusqlite::Result<()> {
    match scope {
        Scope::Common => {
            let updated = conn
                .prepare_cached(
                    "UPDATE b_option SET VALUE = ?3 WHERE MODULE_ID = ?1 COLLATE NOCASE AND NAME = ?2 \
                     AND (SITE_ID IS NULL OR SITE_ID = '')",
                )?
                .execute(params![module, name, value])?;
            if updated == 0 {
                conn.prepare_cached(
                    "INSERT INTO b_option (MODULE_ID, NAME, VALUE) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![module, name, value])?;
            }
        }
        Scope::Site(site) => {
            let site = site.as_str();
            let updated = conn
                .prepare_cached(
                    "UPDATE b_option_site SET VALUE = ?4 \
                     WHERE MODULE_ID = ?1 COLLATE NOCASE AND NAME = ?2 \
                     AND SITE_ID = ?3 COLLATE NOCASE",
                )?
                .execute(params![module, name, site, value])?;
            if updated == 0 {
                conn.prepare_cached(
                    "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![module, name, site, value])?;
            }
        }
    }
    Ok(())
}

fn remove_value(conn: &Connection, module: &str, scope: Scope, name: &str) -> rusqlite::Result<()> {
    match scope {
        Scope::Common => conn
            .prepare_cached(
                "DELETE FROM b_option WHERE MODULE_ID = ?1 COLLATE NOCASE AND NAME = ?2 \
                 AND (SITE_ID IS NULL OR SITE_ID = '')",
            )?
            .execute(params![module, name])?,
        Scope::Site(site) => conn
            .prepare_cached(
                "DELETE FROM b_option_site WHERE MODULE_ID = ?1 COLLATE NOCASE AND NAME = ?2 \
                 AND SITE_ID = ?3 COLLATE NOCASE",
            )?
            .execute(params![module, name, site.as_str()])?,
    };
    Ok(())
}

fn set_grant(
    conn: &Connection,
    module: &str,
    scope: Scope,
    group: GroupId,
    level: AccessLevel,
) -> rusqlite::Result<()> {
    let (group, level) = (group.get(), level.as_str());
    let updated = match scope.site() {
        None => conn
            .prepare_cached(
                "UPDATE b_module_group SET G_ACCESS = ?3 WHERE MODULE_ID = ?1 COLLATE NOCASE \
                 AND GROUP_ID = ?2 AND (SITE_ID IS NULL OR SITE_ID = '')",
            )?
            .execute(params![module, group, level])?,
        Some(site) => conn
            .prepare_cached(
                "UPDATE b_module_group SET G_ACCESS = ?3 WHERE MODULE_ID = ?1 COLLATE NOCASE \
                 AND GROUP_ID = ?2 AND SITE_ID = ?4 COLLATE NOCASE",
            )?
            .execute(params![module, group, level, site.as_str()])?,
    };
    if updated == 0 {
        let site = scope.site();
        conn.prepare_cached(
            "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![module, group, level, site.as_ref().map(SiteId::as_str)])?;
    }
    Ok(())
}

fn remove_grant(
    conn: &Connection,
    module: &str,
    scope: Scope,
    group: GroupId,
) -> rusqlite::Result<()> {
    let group = group.get();
    match scope.site() {
        None => conn
            .prepare_cached(
                "DELETE FROM b_module_group WHERE MODULE_ID = ?1 COLLATE NOCASE AND GROUP_ID = ?2 \
                 AND (SITE_ID IS NULL OR SITE_ID = '')",
            )?
            .execute(params![module, group])?,
        Some(site) => conn
            .prepare_cached(
                "DELETE FROM b_module_group WHERE MODULE_ID = ?1 COLLATE NOCASE AND GROUP_ID = ?2 \
                 AND SITE_ID = ?3 COLLATE NOCASE",
            )?
            .execute(params![module, group, site.as_str()])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GROUP_DEFAULT_RIGHT;

    #[test]
    fn every_level_is_stored_as_its_letter() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::ensure_now(&conn).unwrap();
        let module = ModuleId::from_static("video");
        for (i, level) in AccessLevel::ALL.into_iter().enumerate() {
            let group = GroupId::new(u32::try_from(i).unwrap() + 1).unwrap();
            apply(
                &conn,
                &module,
                &Change::SetGrant {
                    scope: Scope::Common,
                    group,
                    level,
                },
            )
            .unwrap();
            apply(
                &conn,
                &module,
                &Change::SetDefault {
                    scope: Scope::Common,
                    level,
                },
            )
            .unwrap();
            let stored: (String, String) = conn
                .query_row(
                    "SELECT G_ACCESS, (SELECT VALUE FROM b_option WHERE NAME = ?2) \
                     FROM b_module_group WHERE GROUP_ID = ?1",
                    params![group.get(), GROUP_DEFAULT_RIGHT],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            let letter = level.letter().to_string();
            assert_eq!(stored, (letter.clone(), letter));
        }
    }
}
