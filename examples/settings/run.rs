//! Runs a prepared [`Command`] against the facade and returns what to
//! print. Every write goes through the facade: W on the guarding module,
//! the revision it was based on, one event, nothing written on failure.

use module_settings::access::ScopeQuery;
use module_settings::modules::B24Connector;
use module_settings::settings::{AccessTab, Actor, Settings};
use module_settings::store::directory::LogQuery;
use module_settings::store::{Revision, RightKey, UnreadableRight};
use module_settings::{GroupId, ModuleId, Scope, Store};

use crate::command::{Command, Query, Text, Who};
use crate::failure::Failure;
use crate::output;

/// Runs `command` (prepared: names resolved, values checked).
pub fn run<S: Store>(settings: &Settings<S>, command: Command) -> Result<String, Failure> {
    match command {
        Command::Help => Ok(crate::usage::HELP.to_owned()),
        Command::Modules => Ok(output::modules(settings)),
        Command::Schema { module } => output::json(&settings.schema(module)?),
        Command::Show {
            module,
            scope,
            json,
        } => {
            let revision = settings.revision(module)?;
            // `show` takes no `--as`: it shows what an administrator sees.
            let administrator = Actor::new([GroupId::ADMINISTRATORS]);
            let options = settings.show(&administrator, module, scope)?;
            if json {
                output::json(&serde_json::json!({
                    "module": module,
                    "scope": scope,
                    "revision": revision,
                    "options": options,
                }))
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
            Ok(written(
                module,
                revision,
                based_on,
                &format!("{name} set in {scope}"),
                &format!("{name} already has that value in {scope}"),
            ))
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
            Ok(written(
                module,
                revision,
                based_on,
                &format!("{name} reset to inherited in {scope}"),
                &format!("{name} has no value of its own in {scope}"),
            ))
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
            Ok(written(
                module,
                revision,
                based_on,
                &format!("group {group} granted {level} in {scope}{replacing}"),
                &format!("group {group} already holds {level} in {scope}"),
            ))
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
            Ok(written(
                module,
                revision,
                based_on,
                &done,
                &format!("group {group} has no grant in {scope}"),
            ))
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
            Ok(written(module, revision, based_on, &done, &same))
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
                output::json(&serde_json::json!({
                    "module": module,
                    "query": query.to_string(),
                    "level": decision.level(),
                    "reason": decision.reason().to_string(),
                    "detail": decision.reason(),
                }))
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
                let levels: Vec<_> = roles.levels().collect();
                output::json(&serde_json::json!({ "module": module, "levels": levels }))
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
            Ok(written(
                b24,
                revision,
                based_on,
                &format!("connected to {portal} ({})", mode.as_str()),
                "",
            ))
        }
        Command::DisconnectB24 { actor } => {
            let b24 = ModuleId::from_static("b24connector");
            let based_on = settings.revision(b24)?;
            let revision = settings.disconnect_b24(&actor_of(settings, actor)?)?;
            Ok(written(b24, revision, based_on, "disconnected", ""))
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
/// when the write changed nothing.
fn written(
    module: ModuleId,
    revision: Revision,
    based_on: Revision,
    done: &str,
    same: &str,
) -> String {
    if revision == based_on {
        format!("{module}: {same}; nothing written (revision {revision})\n")
    } else {
        format!("{module}: {done} (revision {revision})\n")
    }
}
