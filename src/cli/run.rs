//! Runs a prepared [`Command`] against the facade and returns what to
//! print. Every write goes through the facade: W on the guarding module,
//! the revision it was based on, one event, nothing written on failure.

use crate::access::ScopeQuery;
use crate::modules::B24Connector;
use crate::settings::{AccessTab, Actor, Settings};
use crate::store::directory::LogQuery;
use crate::store::{Revision, RightKey, UnreadableRight};
use crate::{GroupId, ModuleId, Scope, Store};

use crate::cli::command::{Command, Query, Text, Who};
use crate::cli::failure::Failure;
use crate::cli::output;
use crate::cli::shapes;

/// Runs `command` (prepared: names resolved, values checked).
pub fn run<S: Store>(
    settings: &Settings<S>,
    command: Command,
    json: bool,
) -> Result<String, Failure> {
    match command {
        Command::Help => Ok(crate::cli::usage::HELP.to_owned()),
        Command::HelpFor(usage) => Ok(usage),
        Command::Modules { json: false } => Ok(output::modules(settings)),
        Command::Modules { json: true } => output::json(&output::module_shapes(settings)),
        Command::Schema {
            module,
            viewer: None,
            ..
        } => output::json(&settings.schema(module)?),
        Command::Schema {
            module,
            viewer: Some(who),
            scope,
            ..
        } => {
            let viewer = actor_of(settings, who)?;
            output::json(&settings.schema_for(&viewer, module, scope)?)
        }
        Command::Show {
            module,
            scope,
            viewer,
            json,
        } => {
            let revision = settings.revision(module)?;
            // Options the viewer may not see are left out; without `--as`,
            // what an administrator sees.
            let viewer = match viewer {
                Some(who) => actor_of(settings, who)?,
                None => Actor::new([GroupId::ADMINISTRATORS]),
            };
            let options = settings.show(&viewer, module, scope)?;
            if json {
                output::json(&shapes::Shown {
                    module,
                    scope,
                    revision,
                    options: &options,
                })
            } else {
                Ok(output::options(module, scope, revision, &options))
            }
        }
        Command::Set {
            module,
            name,
            value,
            scope,
            actor,
        } => {
            let Text::Given(value) = value else {
                return Err(Failure::other(
                    "the value was not read (a bug in the example)",
                ));
            };
            let based_on = settings.revision(module)?;
            let revision = settings.set_option(
                &actor_of(settings, actor)?,
                module,
                scope,
                &name,
                &value,
                based_on,
            )?;
            // The value is never echoed: it may be a secret.
            written(
                json,
                module,
                revision,
                based_on,
                &format!("{name} set in {scope}"),
                &format!("{name} already has that value in {scope}"),
            )
        }
        Command::Reset {
            module,
            name,
            scope,
            actor,
        } => {
            let based_on = settings.revision(module)?;
            let revision = settings.reset_option(
                &actor_of(settings, actor)?,
                module,
                scope,
                &name,
                based_on,
            )?;
            written(
                json,
                module,
                revision,
                based_on,
                &format!("{name} reset to inherited in {scope}"),
                &format!("{name} has no value of its own in {scope}"),
            )
        }
        Command::Rights { module, json } => {
            let tab = settings.access_tab(module)?;
            if json {
                output::json(&tab)
            } else {
                Ok(output::rights(&tab, settings.sites()?.as_ref()))
            }
        }
        Command::Grant {
            module,
            group,
            level,
            scope,
            actor,
        } => {
            let mut tab = settings.access_tab(module)?;
            let based_on = tab.revision();
            let replacing = replacing(&tab, RightKey::Grant { scope, group });
            tab.set_grant(scope, group, level)?;
            let revision = settings.apply_access_tab(&actor_of(settings, actor)?, tab)?;
            written(
                json,
                module,
                revision,
                based_on,
                &format!("group {group} granted {level} in {scope}{replacing}"),
                &format!("group {group} already holds {level} in {scope}"),
            )
        }
        Command::Revoke {
            module,
            group,
            scope,
            actor,
        } => {
            let mut tab = settings.access_tab(module)?;
            let based_on = tab.revision();
            let unreadable = unreadable_texts(&tab, RightKey::Grant { scope, group });
            let had = tab.remove_grant(scope, group);
            let revision = settings.apply_access_tab(&actor_of(settings, actor)?, tab)?;
            let done = match (had, unreadable) {
                (Some(level), _) => format!("group {group}'s grant {level} in {scope} removed"),
                (None, Some((rows, texts))) => {
                    format!("group {group}'s unreadable {rows} {texts} in {scope} removed")
                }
                (None, None) => String::new(),
            };
            written(
                json,
                module,
                revision,
                based_on,
                &done,
                &format!("group {group} has no grant in {scope}"),
            )
        }
        Command::Default {
            module,
            level,
            scope,
            actor,
        } => {
            let mut tab = settings.access_tab(module)?;
            let based_on = tab.revision();
            let key = RightKey::Default { scope };
            let (replacing, unreadable) = (replacing(&tab, key), unreadable_texts(&tab, key));
            match level {
                Some(level) => {
                    tab.set_default(scope, level)?;
                }
                None => {
                    tab.remove_default(scope);
                }
            }
            let revision = settings.apply_access_tab(&actor_of(settings, actor)?, tab)?;
            let (done, same) = match level {
                Some(level) => (
                    format!("default level in {scope} set to {level}{replacing}"),
                    format!("the default level in {scope} is {level} already"),
                ),
                None => (
                    match unreadable {
                        Some((_, texts)) => {
                            format!("unreadable default level {texts} in {scope} removed")
                        }
                        None => format!("default level in {scope} unset"),
                    },
                    format!("no default level is set in {scope}"),
                ),
            };
            written(json, module, revision, based_on, &done, &same)
        }
        Command::Check {
            module,
            who,
            query,
            json,
            ..
        } => {
            let actor = actor_of(settings, who)?;
            let exact;
            let query: ScopeQuery<'_> = match &query {
                Query::Scope(scope) => (*scope).into(),
                Query::Exact(scopes) => {
                    exact = scopes.clone();
                    ScopeQuery::Exact(&exact)
                }
            };
            let decision = settings.check(module, &actor, query)?;
            if json {
                output::json(&shapes::Checked {
                    module,
                    query: match query {
                        ScopeQuery::Exact(scopes) => shapes::QueryShape::Exact { scopes },
                        ScopeQuery::Site(site) => shapes::QueryShape::Scope {
                            scope: Scope::Site(site),
                        },
                        _ => shapes::QueryShape::Scope {
                            scope: Scope::Common,
                        },
                    },
                    level: decision.level(),
                    reason: decision.reason().to_string(),
                    detail: decision.reason(),
                })
            } else {
                Ok(format!("{decision}\n"))
            }
        }
        Command::Roles {
            module,
            who,
            scope,
            json,
        } => {
            let actor = actor_of(settings, who)?;
            let roles = settings.roles(module, &actor, scope)?;
            if json {
                output::json(&shapes::Roles {
                    module,
                    levels: roles.levels().collect(),
                })
            } else {
                Ok(format!("{roles}\n"))
            }
        }
        Command::Audit {
            module,
            since,
            json,
        } => {
            let Some(log) = settings.store().event_log() else {
                return Err(Failure::input(
                    "this database keeps no event log (only the SQL databases do: SQLite, \
                     MySQL, PostgreSQL)",
                ));
            };
            let mut query = LogQuery::new();
            if let Some(module) = module {
                query = query.module(module);
            }
            if let Some(since) = since {
                query = query.since(since);
            }
            let entries = log.read(&query)?;
            if json {
                let entries: Vec<_> = entries.iter().map(shapes::Audited::of).collect();
                output::json(&entries)
            } else {
                Ok(output::audit(&entries))
            }
        }
        Command::ConnectB24 { url, mode, actor } => {
            let b24 = ModuleId::from_static("b24connector");
            let based_on = settings.revision(b24)?;
            let revision = settings.connect_b24(&actor_of(settings, actor)?, &url, mode)?;
            let portal = settings
                .options::<B24Connector>(Scope::Common)?
                .portal()
                .map_or_else(|| url.clone(), |p| p.to_string());
            written(
                json,
                b24,
                revision,
                based_on,
                &format!("connected to {portal} ({})", mode.as_str()),
                "",
            )
        }
        Command::DisconnectB24 { actor } => {
            let b24 = ModuleId::from_static("b24connector");
            let based_on = settings.revision(b24)?;
            let revision = settings.disconnect_b24(&actor_of(settings, actor)?)?;
            written(json, b24, revision, based_on, "disconnected", "")
        }
    }
}

/// The actor `who` names: the groups given, or the user's groups as the
/// database lists them (with the user id, for the audit records).
fn actor_of<S: Store>(settings: &Settings<S>, who: Who) -> Result<Actor, Failure> {
    match who {
        Who::Groups(groups) => Ok(Actor::new(groups)),
        Who::User(user) => Ok(settings.actor_for_user(user)?),
    }
}

/// The stored texts of `key`'s unreadable rows on `tab`, as `("row",
/// "\"X\"")` or `("rows", "\"R\", \"W\"")`; `None` when it has none.
fn unreadable_texts(tab: &AccessTab, key: RightKey) -> Option<(&'static str, String)> {
    let texts: Vec<String> = tab
        .unreadable_rows()
        .iter()
        .filter(|row| row.key == key)
        .map(UnreadableRight::shown_raw)
        .collect();
    match texts.len() {
        0 => None,
        1 => Some(("row", texts.join(", "))),
        _ => Some(("rows", texts.join(", "))),
    }
}

/// `, replacing unreadable "X"` when a write overwrites unreadable rows.
fn replacing(tab: &AccessTab, key: RightKey) -> String {
    unreadable_texts(tab, key).map_or(String::new(), |(_, texts)| {
        format!(", replacing unreadable {texts}")
    })
}

/// `video: group 5 granted W in common (revision 3)`, or the `same` text
/// when the write changed nothing; with `json`, the same as an object.
fn written(
    json: bool,
    module: ModuleId,
    revision: Revision,
    based_on: Revision,
    done: &str,
    same: &str,
) -> Result<String, Failure> {
    let changed = revision != based_on;
    let message = if changed {
        format!("{module}: {done} (revision {revision})")
    } else {
        format!("{module}: {same}; nothing written (revision {revision})")
    };
    if json {
        output::json(&shapes::Written {
            module,
            revision,
            changed,
            message: &message,
        })
    } else {
        Ok(message + "\n")
    }
}
