//! The command line, parsed by hand into an [`Invocation`]: the global
//! `--db PATH`, a command name, its arguments and its flags. Every value is
//! checked here (ids, levels, group lists), before a database is opened.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::command::{Command, Invocation, Query, Text, Who};
use crate::cli::failure::Failure;
use crate::cli::values::{group, groups, level, mode, module, scope, scopes, shown};
use crate::cli::words::Words;

/// What one command takes: its arguments (for messages), the flags it
/// accepts besides `--db` and `--help`, and the flags it requires.
struct Spec {
    name: &'static str,
    args: &'static [&'static str],
    /// How many of the last `args` may be left out.
    optional: usize,
    flags: &'static [&'static str],
    required: &'static [&'static str],
    usage: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        name: "modules",
        args: &[],
        optional: 0,
        flags: &["json"],
        required: &[],
        usage: "modules [--json]",
    },
    Spec {
        name: "show",
        args: &["MODULE"],
        optional: 0,
        flags: &["site", "json", "as", "as-user"],
        required: &[],
        usage: "show MODULE [--site S] [--as GROUPS|--as-user ID] [--json]",
    },
    Spec {
        name: "set",
        args: &["MODULE", "NAME", "VALUE"],
        optional: 0,
        flags: &["site", "as", "as-user"],
        required: &[],
        usage: "set MODULE NAME VALUE [--site S] --as GROUPS|--as-user ID",
    },
    Spec {
        name: "reset",
        args: &["MODULE", "NAME"],
        optional: 0,
        flags: &["site", "as", "as-user"],
        required: &[],
        usage: "reset MODULE NAME [--site S] --as GROUPS|--as-user ID",
    },
    Spec {
        name: "rights",
        args: &["MODULE"],
        optional: 0,
        flags: &["json"],
        required: &[],
        usage: "rights MODULE [--json]",
    },
    Spec {
        name: "grant",
        args: &["MODULE", "GROUP", "LEVEL"],
        optional: 0,
        flags: &["site", "as", "as-user"],
        required: &[],
        usage: "grant MODULE GROUP LEVEL [--site S] --as GROUPS|--as-user ID",
    },
    Spec {
        name: "revoke",
        args: &["MODULE", "GROUP"],
        optional: 0,
        flags: &["site", "as", "as-user"],
        required: &[],
        usage: "revoke MODULE GROUP [--site S] --as GROUPS|--as-user ID",
    },
    Spec {
        name: "default",
        args: &["MODULE", "LEVEL"],
        optional: 0,
        flags: &["site", "as", "as-user"],
        required: &[],
        usage: "default MODULE LEVEL|unset [--site S] --as GROUPS|--as-user ID",
    },
    Spec {
        name: "check",
        args: &["MODULE"],
        optional: 0,
        flags: &[
            "groups",
            "user",
            "site",
            "scopes",
            "no-admin-bypass",
            "no-default",
            "json",
        ],
        required: &[],
        usage: "check MODULE --groups GROUPS|--user ID [--site S | --scopes LIST] \
                [--no-admin-bypass] [--no-default] [--json]",
    },
    Spec {
        name: "roles",
        args: &["MODULE"],
        optional: 0,
        flags: &["groups", "user", "site", "json"],
        required: &[],
        usage: "roles MODULE --groups GROUPS|--user ID [--site S] [--json]",
    },
    Spec {
        name: "audit",
        args: &["MODULE"],
        optional: 1,
        flags: &["since", "json"],
        required: &[],
        usage: "audit [MODULE] [--since TIME] [--json]",
    },
    Spec {
        name: "schema",
        args: &["MODULE"],
        optional: 0,
        flags: &["json", "site", "as", "as-user"],
        required: &[],
        usage: "schema MODULE [--site S] [--as GROUPS|--as-user ID] [--json]",
    },
    Spec {
        name: "connect-b24",
        args: &["URL"],
        optional: 0,
        flags: &["mode", "as", "as-user"],
        required: &["mode"],
        usage: "connect-b24 URL --mode new|existing --as GROUPS|--as-user ID",
    },
    Spec {
        name: "disconnect-b24",
        args: &[],
        optional: 0,
        flags: &["as", "as-user"],
        required: &[],
        usage: "disconnect-b24 --as GROUPS|--as-user ID",
    },
];

/// Parses the arguments after the program name.
pub fn parse(raw: impl IntoIterator<Item = OsString>) -> Result<Invocation, Failure> {
    let words = Words::split(raw)?;
    let db = words.value("db").map(PathBuf::from);
    if words.has("help") || words.args.first().map(String::as_str) == Some("help") {
        // `grant --help`, `help grant`: that command's usage.
        let named = match words.args.first().map(String::as_str) {
            Some("help") => words.args.get(1),
            _ => words.args.first(),
        };
        let command = match named.and_then(|name| SPECS.iter().find(|s| s.name == name)) {
            Some(spec) => Command::HelpFor(crate::cli::usage::command_help(spec.name, spec.usage)),
            None => Command::Help,
        };
        return Ok(Invocation {
            db,
            json: words.has("json"),
            command,
        });
    }
    let Some(name) = words.args.first() else {
        return Err(Failure::usage("no command given"));
    };
    let Some(spec) = SPECS.iter().find(|s| s.name == name) else {
        return Err(Failure::usage(format!("unknown command {}", shown(name))));
    };
    let args = &words.args[1..];
    let least = spec.args.len() - spec.optional;
    if args.len() < least || args.len() > spec.args.len() {
        return Err(Failure::usage(format!(
            "{} takes {}{} argument{} ({}), not {}; usage: {}",
            spec.name,
            if spec.optional > 0 { "at most " } else { "" },
            spec.args.len(),
            if spec.args.len() == 1 { "" } else { "s" },
            if spec.args.is_empty() {
                "none".to_owned()
            } else {
                spec.args.join(" ")
            },
            args.len(),
            spec.usage
        )));
    }
    for (flag, _) in &words.flags {
        if !matches!(*flag, "db" | "help" | "json") && !spec.flags.contains(flag) {
            return Err(Failure::usage(format!(
                "{} does not take --{flag}; usage: {}",
                spec.name, spec.usage
            )));
        }
    }
    for flag in spec.required {
        if !words.has(flag) {
            let what = match *flag {
                "as" => " (the acting user's groups; --as 1 acts as an administrator)",
                "groups" => " (the user's groups, such as 2,5)",
                _ => "",
            };
            return Err(Failure::usage(format!(
                "{} needs --{flag}{what}; usage: {}",
                spec.name, spec.usage
            )));
        }
    }
    let command = build(spec.name, args, &words)?;
    if command.needs_db() && db.is_none() {
        return Err(Failure::usage(format!(
            "{} needs --db DB (an SQLite file, created if missing, or a mysql:// or postgres:// URL)",
            spec.name
        )));
    }
    Ok(Invocation {
        db,
        json: words.has("json"),
        command,
    })
}

/// The typed command from checked words.
fn build(name: &str, args: &[String], words: &Words) -> Result<Command, Failure> {
    let module = || module(&args[0]);
    let scope = || scope(words.value("site"));
    let actor = || {
        who(
            name,
            words,
            (
                "as",
                "the acting user's groups; --as 1 acts as an administrator",
            ),
            "as-user",
        )
    };
    let groups_flag = || {
        who(
            name,
            words,
            ("groups", "the user's groups, such as 2,5"),
            "user",
        )
    };
    let json = words.has("json");
    Ok(match name {
        "modules" => Command::Modules { json },
        "show" => Command::Show {
            module: module()?,
            scope: scope()?,
            // Without one, what an administrator sees.
            viewer: match (words.has("as"), words.has("as-user")) {
                (false, false) => None,
                _ => Some(actor()?),
            },
            json,
        },
        "set" => Command::Set {
            module: module()?,
            name: args[1].clone(),
            value: if args[2] == "-" {
                Text::Stdin
            } else {
                Text::Given(args[2].clone())
            },
            scope: scope()?,
            actor: actor()?,
        },
        "reset" => Command::Reset {
            module: module()?,
            name: args[1].clone(),
            scope: scope()?,
            actor: actor()?,
        },
        "rights" => Command::Rights {
            module: module()?,
            json,
        },
        "grant" => Command::Grant {
            module: module()?,
            group: group(&args[1])?,
            level: level(&args[2])?,
            scope: scope()?,
            actor: actor()?,
        },
        "revoke" => Command::Revoke {
            module: module()?,
            group: group(&args[1])?,
            scope: scope()?,
            actor: actor()?,
        },
        "default" => Command::Default {
            module: module()?,
            level: match args[1].as_str() {
                "unset" => None,
                text => Some(level(text)?),
            },
            scope: scope()?,
            actor: actor()?,
        },
        "check" => Command::Check {
            module: module()?,
            who: groups_flag()?,
            query: match (words.value("site"), words.value("scopes")) {
                (Some(_), Some(_)) => {
                    return Err(Failure::usage(
                        "check takes --site or --scopes, not both (--scopes lists every scope \
                         to count)",
                    ))
                }
                (_, Some(list)) => Query::Exact(scopes(list)?),
                (site, None) => Query::Scope(self::scope(site)?),
            },
            admin_bypass: !words.has("no-admin-bypass"),
            use_default: !words.has("no-default"),
            json,
        },
        "roles" => Command::Roles {
            module: module()?,
            who: groups_flag()?,
            scope: scope()?,
            json,
        },
        "audit" => Command::Audit {
            module: args.first().map(|text| self::module(text)).transpose()?,
            since: words.value("since").map(since).transpose()?,
            json,
        },
        "schema" => Command::Schema {
            module: module()?,
            // Without one, the module's schema, the same for everyone.
            viewer: match (words.has("as"), words.has("as-user")) {
                (false, false) => None,
                _ => Some(actor()?),
            },
            scope: scope()?,
            json,
        },
        "connect-b24" => Command::ConnectB24 {
            url: args[0].clone(),
            mode: mode(words.value("mode").unwrap_or_default())?,
            actor: actor()?,
        },
        "disconnect-b24" => Command::DisconnectB24 { actor: actor()? },
        other => return Err(Failure::usage(format!("unknown command {}", shown(other)))),
    })
}

/// Whose groups: `--{groups}` (a list of group ids) or `--{user}` (a
/// user id), exactly one of them.
fn who(command: &str, words: &Words, groups: (&str, &str), user: &str) -> Result<Who, Failure> {
    let (groups, what) = groups;
    match (words.value(groups), words.value(user)) {
        (Some(list), None) => Ok(Who::Groups(self::groups(&format!("--{groups}"), list)?)),
        (None, Some(id)) => id
            .parse()
            .map(Who::User)
            .map_err(|err| Failure::input(format!("--{user}: {err}"))),
        (Some(_), Some(_)) => Err(Failure::usage(format!(
            "{command} takes --{groups} or --{user}, not both"
        ))),
        (None, None) => {
            let usage = SPECS
                .iter()
                .find(|s| s.name == command)
                .map_or("", |s| s.usage);
            Err(Failure::usage(format!(
                "{command} needs --{groups} GROUPS ({what}) or --{user} ID (a user of the site, \
                 whose groups the database lists); usage: {usage}"
            )))
        }
    }
}

/// `--since`: an RFC 3339 time (`2026-11-27T10:00:00Z`), or how long ago
/// (`2h`, `3days`).
fn since(text: &str) -> Result<std::time::SystemTime, Failure> {
    if let Ok(at) = humantime::parse_rfc3339_weak(text) {
        return Ok(at);
    }
    humantime::parse_duration(text)
        .ok()
        .and_then(|ago| std::time::SystemTime::now().checked_sub(ago))
        .ok_or_else(|| {
            Failure::input(format!(
                "--since {}: expected a time such as 2026-11-27T10:00:00Z or how long ago, \
                 such as 2h or 3days",
                shown(text)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::failure::BAD_INPUT;
    use crate::{AccessLevel, GroupId, ModuleId, Scope, SiteId};
    use proptest::prelude::*;

    fn run(line: &str) -> Result<Invocation, Failure> {
        parse(line.split_whitespace().map(OsString::from))
    }

    #[track_caller]
    fn command(line: &str) -> Command {
        match run(line) {
            Ok(invocation) => invocation.command,
            Err(failure) => panic!("{line}: {}", failure.line()),
        }
    }

    #[track_caller]
    fn refused(line: &str, needle: &str) {
        let failure = run(line).expect_err(line);
        assert_eq!(failure.code(), BAD_INPUT, "{line}");
        assert!(
            failure.line().contains(needle),
            "{line}: {} lacks {needle}",
            failure.line()
        );
    }

    const G5: GroupId = GroupId::from_static(5);
    const S1: Scope = Scope::Site(SiteId::from_static("s1"));

    #[test]
    fn commands_parse_with_flags_anywhere() {
        assert_eq!(
            command("--db x.db grant video 5 W --as 1"),
            Command::Grant {
                module: ModuleId::from_static("video"),
                group: G5,
                level: AccessLevel::W,
                scope: Scope::Common,
                actor: Who::Groups(vec![GroupId::ADMINISTRATORS]),
            }
        );
        assert_eq!(
            command("grant --site=s1 video --as 1,2 5 w --db x.db"),
            Command::Grant {
                module: ModuleId::from_static("video"),
                group: G5,
                level: AccessLevel::W,
                scope: S1,
                actor: Who::Groups(vec![GroupId::ADMINISTRATORS, GroupId::EVERYONE]),
            }
        );
        assert_eq!(
            command("--db x check Video --groups 2,5 --scopes common,s1 --no-default --json"),
            Command::Check {
                module: ModuleId::from_static("video"),
                who: Who::Groups(vec![GroupId::EVERYONE, G5]),
                query: Query::Exact(vec![Scope::Common, S1]),
                admin_bypass: true,
                use_default: false,
                json: true,
            }
        );
        assert_eq!(
            command("--db x set videoport SecretCode - --as 1"),
            Command::Set {
                module: ModuleId::from_static("videoport"),
                name: "SecretCode".into(),
                value: Text::Stdin,
                scope: Scope::Common,
                actor: Who::Groups(vec![GroupId::ADMINISTRATORS]),
            }
        );
        assert!(matches!(
            command("--db x default video unset --as 1"),
            Command::Default { level: None, .. }
        ));
        assert_eq!(
            command("schema videoport"),
            Command::Schema {
                module: ModuleId::from_static("videoport"),
                viewer: None,
                scope: Scope::Common,
                json: false
            }
        );
        assert_eq!(
            command("--db x schema videoport --as 5,2 --site s1"),
            Command::Schema {
                module: ModuleId::from_static("videoport"),
                viewer: Some(Who::Groups(vec![
                    GroupId::from_static(5),
                    GroupId::from_static(2)
                ])),
                scope: Scope::Site(SiteId::from_static("s1")),
                json: false
            }
        );
        assert_eq!(command("modules"), Command::Modules { json: false });
        assert_eq!(command("--help"), Command::Help);
        assert!(
            matches!(command("check -h"), Command::HelpFor(text) if text.starts_with("usage: settings [--db DB] check MODULE"))
        );
        assert!(
            matches!(command("help grant"), Command::HelpFor(text) if text.contains("gives GROUP the level LEVEL"))
        );
        assert_eq!(command("help"), Command::Help);
        // `--` ends the flags: a value may start with dashes.
        let value = parse(
            [
                "--db",
                "x",
                "--as",
                "1",
                "set",
                "videoport",
                "ServerHost",
                "--",
                "--odd",
            ]
            .map(OsString::from),
        )
        .unwrap();
        assert!(
            matches!(value.command, Command::Set { value: Text::Given(v), .. } if v == "--odd")
        );
    }

    #[test]
    fn bad_command_lines_say_what_to_do() {
        refused("", "no command given; run with --help for usage");
        refused("--db x frob", "unknown command \"frob\"; run with --help");
        refused(
            "--db x grant video 5",
            "grant takes 3 arguments (MODULE GROUP LEVEL), not 2",
        );
        refused(
            "--db x grant video 5 W",
            "grant needs --as GROUPS (the acting user's groups",
        );
        refused("--db x check video", "check needs --groups GROUPS");
        refused(
            "--db x check video --groups 2 --as 1",
            "check does not take --as",
        );
        refused(
            "--db x check video --groups 2 --site s1 --scopes s1",
            "not both",
        );
        refused("--db x show video --frob", "unknown option \"--frob\"");
        refused("--db x show video --json=yes", "--json takes no value");
        refused("--db x show video --site", "--site needs a value");
        refused("--db x show video --json --json", "--json is given twice");
        refused("show video", "show needs --db DB");
        refused(
            "--db x grant video 5 X --as 1",
            "invalid access level \"X\"",
        );
        refused("--db x grant video 0 W --as 1", "invalid group id \"0\"");
        refused("--db x grant video 5 W --as 1,,2", "an empty group id");
        refused(
            "--db x grant video 5 W --as one",
            "--as: invalid group id \"one\"",
        );
        refused(
            "--db x check video --groups 2 --scopes common,",
            "--scopes: invalid site id",
        );
        refused("--db x show vi/deo", "invalid module id \"vi/deo\"");
        refused("--db x show video --site common", "--site: invalid site id");
        refused(
            "--db x connect-b24 https://a.bitrix24.ru --mode old --as 1",
            "expected new",
        );
    }

    proptest! {
        /// Any words at all parse or fail with a usage error; never a panic.
        #[test]
        fn arbitrary_words_never_panic(words in prop::collection::vec("\\PC{0,12}|--[a-z-]{1,16}(=\\PC{0,6})?", 0..8)) {
            match parse(words.iter().map(OsString::from)) {
                Ok(_) => {}
                Err(failure) => {
                    prop_assert_eq!(failure.code(), BAD_INPUT);
                    prop_assert!(!failure.line().contains('\n'));
                }
            }
        }
    }
}
