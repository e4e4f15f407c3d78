//! Single values from the command line: ids, lists, levels, modes — each
//! refused with a message that says what is allowed.

use crate::modules::ConnectMode;
use crate::{AccessLevel, GroupId, ModuleId, Scope, SiteId};

use crate::cli::failure::Failure;

pub fn module(text: &str) -> Result<ModuleId, Failure> {
    ModuleId::new(text).map_err(Failure::input)
}

pub fn scope(site: Option<&str>) -> Result<Scope, Failure> {
    match site {
        None => Ok(Scope::Common),
        Some(site) => SiteId::new(site)
            .map(Scope::Site)
            .map_err(|err| Failure::input(format!("--site: {err}"))),
    }
}

pub fn group(text: &str) -> Result<GroupId, Failure> {
    text.parse().map_err(Failure::input)
}

/// A comma-separated list of group ids, such as `2,5`.
pub fn groups(flag: &str, list: &str) -> Result<Vec<GroupId>, Failure> {
    list.split(',')
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return Err(Failure::input(format!(
                    "{flag} {}: an empty group id; expected comma-separated group ids such as 2,5",
                    shown(list)
                )));
            }
            item.parse()
                .map_err(|err| Failure::input(format!("{flag}: {err}")))
        })
        .collect()
}

/// A comma-separated list of scopes: `common` or site ids.
pub fn scopes(list: &str) -> Result<Vec<Scope>, Failure> {
    list.split(',')
        .map(|item| {
            item.trim().parse::<Scope>().map_err(|err| {
                Failure::input(format!(
                    "--scopes: {err}; expected comma-separated scopes such as common,s1"
                ))
            })
        })
        .collect()
}

/// One access letter; a lower-case letter is taken as its capital.
pub fn level(text: &str) -> Result<AccessLevel, Failure> {
    let upper = if text.chars().count() == 1 {
        text.to_ascii_uppercase()
    } else {
        text.to_owned()
    };
    upper.parse().map_err(|_| {
        Failure::input(format!(
            "invalid access level {}: expected one of the letters D, M, R, W",
            shown(text)
        ))
    })
}

pub fn mode(text: &str) -> Result<ConnectMode, Failure> {
    match text {
        "new" => Ok(ConnectMode::New),
        "existing" => Ok(ConnectMode::Existing),
        other => Err(Failure::input(format!(
            "--mode {}: expected new (create a portal) or existing (connect one)",
            shown(other)
        ))),
    }
}

/// A word from the command line, quoted and escaped for a message, at
/// most 64 characters of it.
pub fn shown(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(64)
        .collect::<String>()
        .escape_debug()
        .collect();
    if text.chars().count() > 64 {
        out.push('…');
    }
    format!("\"{out}\"")
}
