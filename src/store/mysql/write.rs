//! Writing changes in Bitrix's form, inside the caller's transaction.
//! Every value is a bound parameter; no SQL is built from input.

use mysql::prelude::Queryable;
use mysql::{params, Params};

use super::statements::{self, Statements};
use crate::ids::{ModuleId, Scope};
use crate::store::bitrix_write::RowWrite;
use crate::store::{Change, Revision};

/// Applies one change. Module ids are written in lower case and matched
/// without regard to case, so a row another program wrote as `Video` is
/// updated rather than duplicated. Site ids are matched without regard to
/// case too: a change for `s1` updates or removes the rows under `S1`
/// (every one of them, so a write also repairs rows that disagree); a new
/// row takes the id as given.
pub(super) fn apply(
    tx: &mut impl Queryable,
    statements: &Statements,
    module: &ModuleId,
    change: &Change,
) -> mysql::Result<()> {
    let module = module.as_str();
    // Update first, insert only if nothing matched: this needs no unique
    // key (the common scope's NULL SITE_ID lets duplicate rows through
    // one), and keeps the row's other columns (DESCRIPTION, ID). The
    // session counts matched rows, not changed ones, so a value set to
    // what it was still counts as found.
    match RowWrite::of(change) {
        RowWrite::SetValue { scope, name, value } => {
            let value = &*value;
            let (update, insert, params) = match scope {
                Scope::Common => (
                    &statements.update_common,
                    &statements.insert_common,
                    params! { module, name, value },
                ),
                Scope::Site(site) => (
                    &statements.update_site,
                    &statements.insert_site,
                    params! {
                        module, name, value,
                        "site" => site.as_str().to_ascii_lowercase(),
                        "new_site" => site.as_str(),
                    },
                ),
            };
            update_or_insert(tx, update, insert, params)
        }
        RowWrite::RemoveValue { scope, name } => match scope {
            Scope::Common => tx.exec_drop(&statements.delete_common, params! { module, name }),
            Scope::Site(site) => tx.exec_drop(
                &statements.delete_site,
                params! { module, name, "site" => site.as_str().to_ascii_lowercase() },
            ),
        },
        RowWrite::SetGrant {
            scope,
            group,
            level,
        } => {
            let (group, level) = (group.get(), level.as_str());
            let update = match scope {
                Scope::Common => &statements.update_grant_common,
                Scope::Site(_) => &statements.update_grant_site,
            };
            let site = scope.site();
            let params = params! {
                module, group, level,
                "site" => site.map(|s| s.as_str().to_ascii_lowercase()),
                "new_site" => site.as_ref().map(|s| s.as_str()),
            };
            update_or_insert(tx, update, &statements.insert_grant, params)
        }
        RowWrite::RemoveGrant { scope, group } => {
            let group = group.get();
            match scope {
                Scope::Common => {
                    tx.exec_drop(&statements.delete_grant_common, params! { module, group })
                }
                Scope::Site(site) => tx.exec_drop(
                    &statements.delete_grant_site,
                    params! { module, group, "site" => site.as_str().to_ascii_lowercase() },
                ),
            }
        }
    }
}

/// Runs `update`; when it matched no row, `insert` with the same
/// parameters.
fn update_or_insert(
    tx: &mut impl Queryable,
    update: &str,
    insert: &str,
    params: Params,
) -> mysql::Result<()> {
    let matched = tx.exec_iter(update, params.clone())?.affected_rows();
    if matched == 0 {
        tx.exec_drop(insert, params)?;
    }
    Ok(())
}

/// Records the module's new revision; its row exists, locked by the
/// commit.
pub(super) fn set_revision(
    tx: &mut impl Queryable,
    module: &ModuleId,
    revision: Revision,
) -> mysql::Result<()> {
    tx.exec_drop(
        statements::SET_REVISION,
        params! { "module" => module.as_str(), "revision" => revision.get() },
    )
}
