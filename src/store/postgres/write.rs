//! Writing changes in Bitrix's form, inside the commit's transaction: one
//! statement per change, every value a bound parameter.
//!
//! Module ids are written in lower case and matched in lower case, so a
//! row another program wrote as `Video` is updated rather than
//! duplicated. Site ids are matched without regard to case (and without
//! `char(2)`'s padding), as Bitrix's MySQL collation matches them: a change
//! for `s1` updates or removes the rows under `S1` too (every one of them,
//! so a write also repairs rows that disagree); a new row takes the id as
//! given. The common scope is `SITE_ID` NULL or empty.
//!
//! A set updates the matching rows first and inserts only when none
//! matched — in one statement — so it needs no unique index (a NULL
//! `SITE_ID` repeats freely in Bitrix's key) and keeps the row's other
//! columns (`DESCRIPTION`, `ID`).

use super::error::PgError;
use super::session::Session;
use crate::ids::{GroupId, ModuleId, OptionName, Scope};
use crate::store::bitrix_write::RowWrite;
use crate::store::{Change, Revision, StoreError};

// `$1` is the module id, `$2` the option name or group id, `$3` the value
// or level, `$4` the site id. Group ids are bound as bigint: the column is
// `int` in Bitrix's tables and `bigint` in the store's, and an id that does
// not fit an `int` is an error, not a wrap.

const SET_COMMON_VALUE: &str = "\
    WITH updated AS (\
      UPDATE b_option SET value = $3 \
      WHERE lower(module_id COLLATE \"C\") = $1 AND name = $2 \
        AND coalesce(site_id::text, '') = '' RETURNING 1) \
    INSERT INTO b_option (module_id, name, value) \
    SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM updated)";

const SET_SITE_VALUE: &str = "\
    WITH updated AS (\
      UPDATE b_option_site SET value = $3 \
      WHERE lower(module_id COLLATE \"C\") = $1 AND name = $2 \
        AND lower(site_id::text COLLATE \"C\") = $4 RETURNING 1) \
    INSERT INTO b_option_site (module_id, name, site_id, value) \
    SELECT $1, $2, $4, $3 WHERE NOT EXISTS (SELECT 1 FROM updated)";

const REMOVE_COMMON_VALUE: &str = "\
    DELETE FROM b_option WHERE lower(module_id COLLATE \"C\") = $1 AND name = $2 \
      AND coalesce(site_id::text, '') = ''";

const REMOVE_SITE_VALUE: &str = "\
    DELETE FROM b_option_site WHERE lower(module_id COLLATE \"C\") = $1 AND name = $2 \
      AND lower(site_id::text COLLATE \"C\") = $3";

const SET_COMMON_GRANT: &str = "\
    WITH updated AS (\
      UPDATE b_module_group SET g_access = $3 \
      WHERE lower(module_id COLLATE \"C\") = $1 AND group_id = $2::bigint \
        AND coalesce(site_id::text, '') = '' RETURNING 1) \
    INSERT INTO b_module_group (module_id, group_id, g_access) \
    SELECT $1, $2::bigint, $3 WHERE NOT EXISTS (SELECT 1 FROM updated)";

const SET_SITE_GRANT: &str = "\
    WITH updated AS (\
      UPDATE b_module_group SET g_access = $3 \
      WHERE lower(module_id COLLATE \"C\") = $1 AND group_id = $2::bigint \
        AND lower(site_id::text COLLATE \"C\") = $4 RETURNING 1) \
    INSERT INTO b_module_group (module_id, group_id, g_access, site_id) \
    SELECT $1, $2::bigint, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM updated)";

const REMOVE_COMMON_GRANT: &str = "\
    DELETE FROM b_module_group WHERE lower(module_id COLLATE \"C\") = $1 \
      AND group_id = $2::bigint AND coalesce(site_id::text, '') = ''";

const REMOVE_SITE_GRANT: &str = "\
    DELETE FROM b_module_group WHERE lower(module_id COLLATE \"C\") = $1 \
      AND group_id = $2::bigint AND lower(site_id::text COLLATE \"C\") = $3";

const SET_REVISION: &str = "UPDATE module_settings_revision SET revision = $2 WHERE module_id = $1";

/// Applies one change to `module`'s rows.
pub(super) fn apply(
    session: &mut Session,
    module: &ModuleId,
    change: &Change,
) -> Result<(), PgError> {
    match RowWrite::of(change) {
        RowWrite::SetValue { scope, name, value } => {
            set_value(session, module, scope, name, &value)
        }
        RowWrite::RemoveValue { scope, name } => remove_value(session, module, scope, name),
        RowWrite::SetGrant {
            scope,
            group,
            level,
        } => set_grant(session, module, scope, group, level.as_str()),
        RowWrite::RemoveGrant { scope, group } => remove_grant(session, module, scope, group),
    }
}

/// Records the module's new revision (its row exists: the commit made it).
pub(super) fn set_revision(
    session: &mut Session,
    module: &ModuleId,
    revision: Revision,
) -> Result<(), StoreError> {
    // Revisions beyond i64::MAX cannot be stored; 2^63 commits are out of
    // reach in practice, but a clamped value would repeat a revision.
    let number = i64::try_from(revision.get())
        .map_err(|_| crate::store::error::revisions_exhausted(super::error::BACKEND, module))?;
    session.execute(
        SET_REVISION,
        &[&module.as_str(), &number],
        "write the revision",
        Some(*module),
    )?;
    Ok(())
}

/// The first change of `changes` whose value PostgreSQL's `text` cannot
/// hold (it has the character U+0000), named for an error.
pub(super) fn unstorable(changes: &[Change]) -> Option<(Scope, &OptionName)> {
    changes.iter().find_map(|change| match change {
        Change::SetOption { scope, name, value } if value.contains('\0') => Some((*scope, name)),
        _ => None,
    })
}

fn set_value(
    session: &mut Session,
    module: &ModuleId,
    scope: Scope,
    name: &str,
    value: &str,
) -> Result<(), PgError> {
    let id = module.as_str();
    let action = "write an option";
    match scope {
        Scope::Common => session.execute(
            SET_COMMON_VALUE,
            &[&id, &name, &value],
            action,
            Some(*module),
        ),
        Scope::Site(site) => session.execute(
            SET_SITE_VALUE,
            &[&id, &name, &value, &site.as_str()],
            action,
            Some(*module),
        ),
    }
    .map(drop)
}

fn remove_value(
    session: &mut Session,
    module: &ModuleId,
    scope: Scope,
    name: &str,
) -> Result<(), PgError> {
    let id = module.as_str();
    let action = "remove an option";
    match scope {
        Scope::Common => session.execute(REMOVE_COMMON_VALUE, &[&id, &name], action, Some(*module)),
        Scope::Site(site) => session.execute(
            REMOVE_SITE_VALUE,
            &[&id, &name, &site.as_str()],
            action,
            Some(*module),
        ),
    }
    .map(drop)
}

fn set_grant(
    session: &mut Session,
    module: &ModuleId,
    scope: Scope,
    group: GroupId,
    level: &str,
) -> Result<(), PgError> {
    let (id, group) = (module.as_str(), i64::from(group.get()));
    let action = "write a grant";
    match scope {
        Scope::Common => session.execute(
            SET_COMMON_GRANT,
            &[&id, &group, &level],
            action,
            Some(*module),
        ),
        Scope::Site(site) => session.execute(
            SET_SITE_GRANT,
            &[&id, &group, &level, &site.as_str()],
            action,
            Some(*module),
        ),
    }
    .map(drop)
}

fn remove_grant(
    session: &mut Session,
    module: &ModuleId,
    scope: Scope,
    group: GroupId,
) -> Result<(), PgError> {
    let (id, group) = (module.as_str(), i64::from(group.get()));
    let action = "remove a grant";
    match scope {
        Scope::Common => {
            session.execute(REMOVE_COMMON_GRANT, &[&id, &group], action, Some(*module))
        }
        Scope::Site(site) => session.execute(
            REMOVE_SITE_GRANT,
            &[&id, &group, &site.as_str()],
            action,
            Some(*module),
        ),
    }
    .map(drop)
}
