//! What `--json` prints, as structs: keys come out in declaration order
//! (a `serde_json::json!` map would sort them), times in RFC 3339.

use serde::Serialize;

use crate::access::{AccessLevel, ModuleLevels, Reason};
use crate::ids::{ModuleId, Scope, SiteId, UserId};
use crate::options::ModuleSchema;
use crate::settings::EffectiveOption;
use crate::store::directory::{AuditType, LogEntry};
use crate::store::Revision;

/// `show --json`.
#[derive(Serialize)]
pub struct Shown<'a> {
    pub module: ModuleId,
    pub scope: Scope,
    pub revision: Revision,
    pub options: &'a [EffectiveOption],
}

/// Where a `check` looked, as data.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueryShape<'a> {
    /// The common scope, or a site seen through it.
    Scope { scope: Scope },
    /// Exactly these scopes.
    Exact { scopes: &'a [Scope] },
}

/// `check --json`.
#[derive(Serialize)]
pub struct Checked<'a> {
    pub module: ModuleId,
    pub query: QueryShape<'a>,
    pub level: AccessLevel,
    pub reason: String,
    pub detail: Reason,
}

/// What a write did, with `--json`.
#[derive(Serialize)]
pub struct Written<'a> {
    pub module: ModuleId,
    /// The module's revision after the command.
    pub revision: Revision,
    /// Whether anything was written.
    pub changed: bool,
    pub message: &'a str,
}

/// `roles --json`.
#[derive(Serialize)]
pub struct Roles {
    pub module: ModuleId,
    pub levels: Vec<AccessLevel>,
}

/// One module of `modules --json`.
#[derive(Serialize)]
pub struct Module {
    pub module: ModuleId,
    /// The options page, for an options module.
    pub options: Option<ModuleSchema>,
    /// The Access tab's levels, for a rights module.
    pub levels: Option<ModuleLevels>,
}

/// One entry of `audit --json`.
#[derive(Serialize)]
pub struct Audited<'a> {
    pub id: Option<u64>,
    /// RFC 3339, UTC, whole seconds.
    pub at: Option<String>,
    pub audit_type: AuditType,
    pub module_id: ModuleId,
    pub item_id: &'a str,
    pub site_id: Option<SiteId>,
    pub user_id: Option<UserId>,
    pub description: &'a str,
}

impl<'a> Audited<'a> {
    pub fn of(entry: &'a LogEntry) -> Self {
        Audited {
            id: entry.id(),
            at: entry
                .at()
                .map(|at| humantime::format_rfc3339_seconds(at).to_string()),
            audit_type: entry.audit_type(),
            module_id: entry.module_id(),
            item_id: entry.item_id(),
            site_id: entry.site_id(),
            user_id: entry.user_id(),
            description: entry.description(),
        }
    }
}

/// The error of a `--json` run, on standard error.
#[derive(Serialize)]
pub struct ErrorShape<'a> {
    pub error: ErrorBody<'a>,
}

/// What failed: the kind (`usage`, `input`, `denied`, `conflict`,
/// `other`) and the message a person reads.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub kind: &'a str,
    pub message: &'a str,
}
