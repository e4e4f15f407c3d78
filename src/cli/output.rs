//! What the commands print: plain text for people, JSON for scripts.
//! Nothing here can print a secret: values come from the facade's
//! secret-free views ([`EffectiveOption`], [`AccessTab`]).

use std::fmt::Write as _;

use serde::Serialize;

use crate::access::ModuleLevels;
use crate::options::{ShownValue, Source};
use crate::settings::{AccessTab, EffectiveOption, Settings};
use crate::store::directory::{AuditType, LogEntry, Sites};
use crate::store::{Revision, RightKey};
use crate::{AccessLevel, Label, ModuleId, Scope, Store};

use crate::cli::failure::Failure;

/// Pretty JSON and a newline.
pub fn json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|err| Failure::other(format!("could not write JSON: {err}")))
}

/// `modules`: every registered module the same way — its name, then its
/// options page (or none) and its access levels (or whose they are).
pub fn modules<S: Store>(settings: &Settings<S>) -> String {
    let mut out = String::new();
    for module in settings.modules() {
        let _ = writeln!(out, "{module}");
        match settings.schema(module) {
            Ok(schema) => {
                let _ = writeln!(
                    out,
                    "  options: \"{}\", {} of them, access guarded by {}",
                    label(schema.title()),
                    schema.options().len(),
                    schema.guard()
                );
            }
            Err(_) => out.push_str("  options: none (an access tab only)\n"),
        }
        match settings.levels(module) {
            Ok(levels) => {
                out.push_str("  access levels:\n");
                out.push_str(&level_lines(levels));
            }
            Err(_) => out.push_str("  access levels: none here (see the guarding module)\n"),
        }
    }
    out
}

/// `modules --json`: every registered module in registration order.
pub fn module_shapes<S: Store>(settings: &Settings<S>) -> Vec<crate::cli::shapes::Module> {
    settings
        .modules()
        .map(|module| crate::cli::shapes::Module {
            module,
            options: settings.schema(module).ok(),
            levels: settings.levels(module).ok(),
        })
        .collect()
}

fn level_lines(levels: ModuleLevels) -> String {
    levels
        .entries()
        .iter()
        .map(|info| format!("    {}  {}\n", info.level, label(info.label)))
        .collect()
}

/// `write / запись`.
fn label(label: Label) -> String {
    format!("{} / {}", label.en, label.ru)
}

/// `show`: one line per option — name, value, where it came from.
pub fn options(
    module: ModuleId,
    scope: Scope,
    revision: Revision,
    options: &[EffectiveOption],
) -> String {
    let mut out = format!("{module} in {scope} (revision {revision}):\n");
    let width = options
        .iter()
        .map(|o| o.name.as_str().chars().count())
        .max()
        .unwrap_or(0);
    for option in options {
        let value = value(&option.value);
        let _ = writeln!(
            out,
            "  {:<width$}  {:<28}  {:<7}  {}",
            option.name.as_str(),
            value,
            source(option.source),
            option.label.en
        );
    }
    out
}

/// A shown value on one line; a secret as the mask or "(not set)".
fn value(value: &ShownValue) -> String {
    match value {
        ShownValue::Unset => "(unset)".to_owned(),
        ShownValue::Bool(true) => "Y".to_owned(),
        ShownValue::Bool(false) => "N".to_owned(),
        ShownValue::Integer(n) => n.to_string(),
        ShownValue::Text(text) => text.escape_debug().to_string(),
        ShownValue::Secret { set: true } => "****** (set)".to_owned(),
        ShownValue::Secret { set: false } => "(not set)".to_owned(),
    }
}

fn source(source: Source) -> &'static str {
    match source {
        Source::Site => "site",
        Source::Common => "common",
        Source::Default => "default",
    }
}

/// `rights`: the defaults, then one line per grant, then the stored rows
/// that need repair: unreadable ones with their stored text (escaped, at
/// most 64 characters) and where they are, and levels the module does not
/// list flagged as invalid.
pub fn rights(tab: &AccessTab, sites: Option<&Sites>) -> String {
    let levels: Vec<String> = tab.levels().iter().map(|l| l.level.to_string()).collect();
    let mut out = format!(
        "{} (revision {}), levels {}:\n",
        tab.module(),
        tab.revision(),
        levels.join(", ")
    );
    if let Some(sites) = sites {
        let named: Vec<String> = sites
            .iter()
            .map(|site| {
                let off = if site.is_active() { "" } else { ", off" };
                format!("{} ({}{off})", site.id(), site.name())
            })
            .collect();
        let _ = writeln!(out, "  sites: {}", named.join(", "));
    }
    let unreadable = tab.unreadable_rows();
    let invalid =
        |level: AccessLevel| format!("  invalid: module {} has no level {level}", tab.module());
    let line = |scope: Scope, who: &str, level: &str, note: &str| {
        format!("  {:<8}  {:<9}  {level}{note}\n", scope.to_string(), who)
    };
    let mut defaults = vec![tab.default_row()];
    defaults.extend(tab.site_default_rows());
    let mut to_repair = unreadable.len();
    for row in defaults {
        let key = RightKey::Default { scope: row.scope };
        let (level, note) = match row.level {
            Some(level) if !row.accepted => {
                to_repair += 1;
                (level.to_string(), invalid(level))
            }
            Some(level) => (level.to_string(), note(row.label)),
            None if unreadable.iter().any(|r| r.key == key) => {
                ("(unreadable)".to_owned(), String::new())
            }
            None => ("(unset: D)".to_owned(), String::new()),
        };
        out.push_str(&line(row.scope, "default", &level, &note));
    }
    for row in tab.grant_rows() {
        let note = if row.accepted {
            note(row.label)
        } else {
            to_repair += 1;
            invalid(row.level)
        };
        let who = format!("group {}", row.group);
        let note = match (&row.name, row.active) {
            (Some(name), true) => format!("  [{name}]{note}"),
            (Some(name), false) => format!("  [{name}, switched off: counts for nothing]{note}"),
            (None, _) => note,
        };
        out.push_str(&line(row.scope, &who, &row.level.to_string(), &note));
    }
    for row in &unreadable {
        let who = match row.key.group() {
            Some(group) => format!("group {group}"),
            None => "default".to_owned(),
        };
        let note = format!("  unreadable, {}: {}", row.record, row.reason);
        out.push_str(&line(row.key.scope(), &who, &row.shown_raw(), &note));
    }
    if to_repair > 0 {
        let rows = if to_repair == 1 { "row" } else { "rows" };
        let _ = writeln!(
            out,
            "{to_repair} stored {rows} to repair: until then every check but an administrator's \
             is denied; grant, revoke or default over them repairs them"
        );
    }
    out
}

/// `  view all module data`, or nothing without a label.
fn note(label: Option<Label>) -> String {
    label.map_or(String::new(), |l| format!("  {}", l.en))
}

/// `audit`: one entry per line, newest first: when (UTC), who, what.
pub fn audit(entries: &[LogEntry]) -> String {
    if entries.is_empty() {
        return "no audit entries\n".to_owned();
    }
    let mut out = String::new();
    for entry in entries {
        let at = entry.at().map_or_else(
            || "(no time)".to_owned(),
            |at| humantime::format_rfc3339_seconds(at).to_string(),
        );
        let who = entry
            .user_id()
            .map_or_else(|| "-".to_owned(), |user| format!("user {user}"));
        let item = match entry.audit_type() {
            AuditType::RightsChanged => format!("group {}", entry.item_id()),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{at}  {who:<10}  {:<28}  {}{}",
            entry.audit_type().code(),
            entry.description(),
            if item.is_empty() {
                String::new()
            } else {
                format!("  [{item}]")
            }
        );
    }
    out
}
