//! The admin command line (`module_settings::cli`, run by
//! `examples/settings`), run as a program on
//! temporary SQLite databases: every command, the `--json` shapes, exit
//! statuses, secrets never printed, bad input and denied writes leaving the
//! database file byte-for-byte unchanged, and a database laid out the way a
//! Bitrix site holds it.
//!
//! A conflict (exit status 4) needs another writer between the command's
//! read and its commit, which one process after another cannot provoke
//! deterministically; the mapping of conflict errors to 4 is unit-tested
//! in `examples/settings/failure.rs`.

#![cfg(feature = "cli")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

mod bitrix_common;
use bitrix_common::directory::{site_rows, SQLITE, SQLITE_SITE_TABLES};

const SECRET: &str = "Tr0ub4dor&3-guest-key";
const BITRIX_TABLES: &str = include_str!("data/bitrix_tables.sql");

/// The example's binary, `target/<profile>/examples/settings` beside this
/// test's own `target/<profile>/deps/cli-…`. `cargo test` builds it, but a
/// filtered run (`--test cli`) may leave it missing or stale, so it is
/// built here once, with this test's features: a no-op when it is fresh.
fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test knows its path");
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .expect("tests run from target/<profile>/deps");
        let mut features = vec!["cli"];
        if cfg!(feature = "testing") {
            features.push("testing");
        }
        if cfg!(feature = "mysql") {
            features.push("mysql");
        }
        if cfg!(feature = "postgres") {
            features.push("postgres");
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--example", "settings", "--features"])
            .arg(features.join(","))
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile.file_name().is_some_and(|name| name == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the example failed");
        let path = profile
            .join("examples")
            .join(format!("settings{}", std::env::consts::EXE_SUFFIX));
        assert!(path.exists(), "{} exists", path.display());
        path
    })
}

/// What one run printed and how it ended.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().expect("the program exits, not killed"),
            stdout: String::from_utf8(output.stdout).expect("utf-8 output"),
            stderr: String::from_utf8(output.stderr).expect("utf-8 errors"),
        }
    }

    #[track_caller]
    fn ok(self) -> String {
        assert_eq!(self.code, 0, "{self:?}");
        assert!(self.stderr.is_empty(), "{self:?}");
        self.stdout
    }

    #[track_caller]
    fn json(self) -> Value {
        let text = self.ok();
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{err}: {text}"))
    }

    /// Fails with `code`, one line on stderr starting `error: `, nothing
    /// on stdout; returns that line.
    #[track_caller]
    fn fails(self, code: i32) -> String {
        assert_eq!(self.code, code, "{self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "one line: {self:?}");
        self.stderr.trim_end().to_owned()
    }
}

/// A temporary database and the command line over it.
struct Cli {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = dir.path().join("settings.db");
        Cli { _dir: dir, db }
    }

    /// A database laid out the way a Bitrix site holds it.
    fn bitrix() -> Cli {
        let cli = Cli::new();
        let conn = rusqlite::Connection::open(&cli.db).expect("open");
        conn.execute_batch(BITRIX_TABLES).expect("bitrix tables");
        cli
    }

    /// A Bitrix database with the site's own tables: groups (5 switched
    /// off), sites s1 and s2, and user 42's memberships; user 1 is an
    /// administrator.
    fn site() -> Cli {
        let cli = Cli::bitrix();
        let conn = cli.sql();
        conn.execute_batch(SQLITE_SITE_TABLES).expect("site tables");
        for statement in site_rows(&SQLITE) {
            conn.execute_batch(&statement).expect("site rows");
        }
        conn.execute_batch("INSERT INTO b_user_group (USER_ID, GROUP_ID) VALUES (1, 1)")
            .expect("an administrator");
        cli
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command.arg("--db").arg(&self.db).args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .expect("the example runs");
        Run::from(output)
    }

    fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example runs");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("input written");
        drop(stdin);
        Run::from(child.wait_with_output().expect("the example ends"))
    }

    /// The database file and its write-ahead log, byte for byte.
    fn files(&self) -> Vec<Option<Vec<u8>>> {
        let wal = PathBuf::from(format!("{}-wal", self.db.display()));
        [&self.db, &wal]
            .into_iter()
            .map(|path| std::fs::read(path).ok())
            .collect()
    }

    /// An administrator's write.
    fn admin(&self, args: &[&str]) -> String {
        let mut args = args.to_vec();
        args.extend(["--as", "1"]);
        self.run(&args).ok()
    }

    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).expect("open")
    }
}

#[test]
fn help_lists_every_command_and_the_exit_statuses() {
    for args in [&["--help"][..], &["-h"], &["help"], &["frob", "--help"]] {
        let output = Command::new(binary()).args(args).output().unwrap();
        let text = Run::from(output).ok();
        assert!(text.contains("usage: settings --db DB COMMAND"), "{text}");
        for command in [
            "modules",
            "show",
            "set",
            "reset",
            "rights",
            "grant",
            "revoke",
            "default",
            "check",
            "roles",
            "schema",
            "audit",
            "connect-b24",
            "disconnect-b24",
        ] {
            assert!(
                text.contains(&format!("\n  {command} ")),
                "{command} in {text}"
            );
        }
        assert!(text.contains("3  access denied") && text.contains("4  conflict"));
        assert!(
            text.contains("video means videoport"),
            "module names documented"
        );
    }
}

/// `COMMAND --help` (or `help COMMAND`) prints that command's usage and
/// what it does, for every command.
#[test]
fn every_command_has_its_own_help() {
    for command in [
        "modules",
        "show",
        "set",
        "reset",
        "rights",
        "grant",
        "revoke",
        "default",
        "check",
        "roles",
        "audit",
        "schema",
        "connect-b24",
        "disconnect-b24",
    ] {
        for args in [[command, "--help"], ["help", command]] {
            let output = Command::new(binary()).args(args).output().unwrap();
            let text = Run::from(output).ok();
            assert!(
                text.starts_with(&format!("usage: settings [--db DB] {command}")),
                "{args:?}: {text}"
            );
            let what = text.lines().nth(2).unwrap_or_default();
            assert!(what.len() > 10, "{args:?} says what it does: {text}");
        }
    }
}

/// The README's session: from nothing to a working `check` in two commands.
#[test]
fn grant_then_check() {
    let cli = Cli::new();
    let granted = cli.run(&["grant", "video", "5", "W", "--as", "1"]).ok();
    assert_eq!(granted, "video: group 5 granted W in common (revision 1)\n");
    let checked = cli.run(&["check", "video", "--groups", "5"]).ok();
    assert_eq!(checked, "W: grant of group 5 in the common scope\n");
    let everyone = cli.run(&["check", "video", "--groups", "2"]).ok();
    assert_eq!(everyone, "D: built-in default (no default level set)\n");
}

#[test]
fn modules_and_schema_need_no_database() {
    let listing = Command::new(binary()).arg("modules").output().unwrap();
    let text = Run::from(listing).ok();
    assert!(
        text.starts_with(
            "videoport\n  options: \"VideoPort / ВидеоПорт\", 10 of them, access guarded by video\n  \
             access levels: none here (see the guarding module)\nvideo\n  options: none (an access \
             tab only)\n  access levels:\n    D  closed / закрыт\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    R  view all module data / просмотр всех данных модуля"),
        "{text}"
    );
    assert!(
        text.contains("b24connector\n  options: \"Bitrix24 integration / Интеграция с Битрикс24\""),
        "{text}"
    );
    assert!(
        text.contains("    M  view statistics without financial figures"),
        "{text}"
    );
    // Every module is printed in the same three parts.
    let names = text.lines().filter(|line| !line.starts_with(' ')).count();
    let parts = text
        .lines()
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .count();
    assert_eq!((names, parts), (3, 6), "{text}");

    let cli = Cli::new();
    for name in ["videoport", "video"] {
        let schema = cli.run(&["schema", name]).json();
        assert_eq!(schema["module"], "videoport");
        assert_eq!(schema["guard"], "video");
        assert_eq!(schema["options"].as_array().unwrap().len(), 10);
        assert_eq!(schema["options"][1]["name"], "ServerPort");
        assert_eq!(schema["access_levels"][2]["level"], "W");
    }
    assert_eq!(
        cli.run(&["schema", "b24connector"]).json()["guard"],
        "b24connector"
    );
    assert!(!cli.db.exists(), "modules and schema open no database");
}

#[test]
fn options_are_set_shown_and_reset() {
    let cli = Cli::new();
    assert_eq!(
        cli.admin(&["set", "videoport", "ServerHost", "VCS.example.com"]),
        "videoport: ServerHost set in common (revision 1)\n"
    );
    cli.admin(&["set", "video", "ServerPort", "8443"]); // `video` names videoport
    cli.admin(&["set", "videoport", "ServerPort", "9443", "--site", "s1"]);
    assert_eq!(
        cli.admin(&["set", "videoport", "ServerHost", "vcs.EXAMPLE.com"]),
        "videoport: ServerHost already has that value in common; nothing written (revision 3)\n"
    );

    let text = cli.run(&["show", "videoport", "--site", "s1"]).ok();
    assert!(
        text.starts_with("videoport in s1 (revision 3):\n"),
        "{text}"
    );
    let line = |name: &str| -> String {
        text.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        line("ServerHost"),
        "ServerHost vcs.example.com common Server address"
    );
    assert_eq!(line("ServerPort"), "ServerPort 9443 site Server port");
    assert_eq!(
        line("SecretCode"),
        "SecretCode (not set) default Secret word"
    );
    assert_eq!(
        line("window_chat"),
        "window_chat N default Show the chat window"
    );

    let shown = cli
        .run(&["show", "videoport", "--site", "s1", "--json"])
        .json();
    assert_eq!(shown["module"], "videoport");
    assert_eq!(shown["scope"], "s1");
    let options = shown["options"].as_array().unwrap();
    assert_eq!(options.len(), 10);
    for option in options {
        for key in ["name", "value", "source"] {
            assert!(option.get(key).is_some(), "{key} in {option}");
        }
    }
    assert_eq!(options[1]["value"], 9443);
    assert_eq!(options[1]["source"], "site");
    assert_eq!(options[0]["value"], "vcs.example.com");
    assert_eq!(options[3]["value"], true);

    assert_eq!(
        cli.admin(&["reset", "videoport", "ServerPort", "--site", "s1"]),
        "videoport: ServerPort reset to inherited in s1 (revision 4)\n"
    );
    assert_eq!(
        cli.admin(&["reset", "videoport", "ServerPort", "--site", "s1"]),
        "videoport: ServerPort has no value of its own in s1; nothing written (revision 4)\n"
    );
    let shown = cli
        .run(&["show", "videoport", "--site", "s1", "--json"])
        .json();
    assert_eq!(shown["options"][1]["value"], 8443);
    assert_eq!(shown["options"][1]["source"], "common");
}

#[test]
fn the_access_tab_is_edited_and_shown() {
    let cli = Cli::new();
    assert_eq!(
        cli.admin(&["default", "video", "R"]),
        "video: default level in common set to R (revision 1)\n"
    );
    cli.admin(&["default", "video", "D", "--site", "s2"]);
    cli.admin(&["grant", "video", "5", "W", "--site", "s1"]);
    cli.admin(&["grant", "videoport", "6", "d"]); // videoport names video; d is D
    cli.admin(&["grant", "b24connector", "7", "M"]);

    let text = cli.run(&["rights", "video"]).ok();
    assert_eq!(
        text,
        "video (revision 4), levels D, R, W:\n  \
         common    default    R  view all module data\n  \
         s2        default    D  closed\n  \
         common    group 6    D  closed\n  \
         s1        group 5    W  write\n"
    );
    let tab = cli.run(&["rights", "video", "--json"]).json();
    assert_eq!(tab["module"], "video");
    assert_eq!(tab["revision"], 4);
    assert_eq!(tab["levels"].as_array().unwrap().len(), 3);
    assert_eq!(tab["defaults"][0]["scope"], "common");
    assert_eq!(tab["defaults"][0]["level"], "R");
    assert_eq!(tab["defaults"][1]["scope"], "s2");
    assert_eq!(tab["grants"].as_array().unwrap().len(), 2);
    assert_eq!(tab["grants"][1]["group"], 5);
    assert_eq!(tab["grants"][1]["scope"], "s1");
    assert_eq!(tab["grants"][1]["level"], "W");

    assert_eq!(
        cli.admin(&["revoke", "video", "6"]),
        "video: group 6's grant D in common removed (revision 5)\n"
    );
    assert_eq!(
        cli.admin(&["revoke", "video", "6"]),
        "video: group 6 has no grant in common; nothing written (revision 5)\n"
    );
    assert_eq!(
        cli.admin(&["default", "video", "unset", "--site", "s2"]),
        "video: default level in s2 unset (revision 6)\n"
    );
    assert_eq!(
        cli.admin(&["grant", "video", "5", "W", "--site", "s1"]),
        "video: group 5 already holds W in s1; nothing written (revision 6)\n"
    );
    let b24 = cli.run(&["rights", "b24connector", "--json"]).json();
    assert_eq!(b24["grants"][0]["level"], "M");
    assert_eq!(b24["levels"].as_array().unwrap().len(), 4);
}

#[test]
fn check_and_roles_explain_levels() {
    let cli = Cli::new();
    cli.admin(&["default", "video", "R"]);
    cli.admin(&["grant", "video", "5", "W", "--site", "s1"]);
    cli.admin(&["grant", "video", "6", "D"]);
    let check = |args: &[&str]| cli.run(args).ok().trim_end().to_owned();

    assert_eq!(
        check(&["check", "video", "--groups", "2"]),
        "R: default of the common scope"
    );
    // Rule 10: one group with a grant decides; the default is not mixed in.
    assert_eq!(
        check(&["check", "video", "--groups", "2,6"]),
        "D: grant of group 6 in the common scope"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "5", "--site", "s1"]),
        "W: grant of group 5 in site s1"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "5", "--scopes", "common"]),
        "R: default of the common scope"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "6", "--scopes", "s1"]),
        "R: default of the common scope",
    );
    assert_eq!(
        check(&["check", "video", "--groups", "1"]),
        "W: member of administrator group 1"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "1", "--no-admin-bypass"]),
        "R: default of the common scope"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "2", "--no-default"]),
        "D: no grant, and defaults are off"
    );

    let json = cli
        .run(&[
            "check",
            "videoport",
            "--groups",
            "2,5",
            "--site",
            "s1",
            "--json",
        ])
        .json();
    assert_eq!(json["module"], "video");
    assert_eq!(json["level"], "W");
    assert_eq!(json["reason"], "grant of group 5 in site s1");
    assert_eq!(json["detail"]["kind"], "grant");
    assert_eq!(json["detail"]["group"], 5);
    assert_eq!(json["detail"]["scope"], "s1");
    assert_eq!(
        json["query"],
        serde_json::json!({"kind": "scope", "scope": "s1"})
    );
    let text = cli.run(&["check", "video", "--groups", "5", "--json"]).ok();
    let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap_or(usize::MAX);
    let order = ["module", "query", "level", "reason", "detail"].map(at);
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "declaration order: {text}"
    );

    assert_eq!(check(&["roles", "video", "--groups", "2,6"]), "D, R");
    let roles = cli
        .run(&["roles", "video", "--groups", "5", "--site", "s1", "--json"])
        .json();
    assert_eq!(roles["levels"], serde_json::json!(["R", "W"]));
    let roles = cli
        .run(&["roles", "video", "--groups", "1", "--json"])
        .json();
    assert_eq!(roles["levels"], serde_json::json!(["R", "W"]));
}

#[test]
fn bitrix24_is_connected_and_disconnected() {
    let cli = Cli::new();
    let text = cli.admin(&[
        "connect-b24",
        "https://Example.bitrix24.ru/",
        "--mode",
        "existing",
    ]);
    assert_eq!(
        text,
        "b24connector: connected to https://example.bitrix24.ru (existing) (revision 1)\n"
    );
    let shown = cli.run(&["show", "b24connector", "--json"]).json();
    assert_eq!(shown["options"][1]["name"], "connect_mode");
    assert_eq!(shown["options"][1]["value"], "existing");
    // Connecting again is refused: disconnect first (bad input for the state).
    let before = cli.files();
    let err = cli
        .run(&[
            "connect-b24",
            "https://other.bitrix24.ru",
            "--mode",
            "new",
            "--as",
            "1",
        ])
        .fails(2);
    assert!(err.contains("disconnect it first"), "{err}");
    assert_eq!(cli.files(), before);
    assert_eq!(
        cli.admin(&["disconnect-b24"]),
        "b24connector: disconnected (revision 2)\n"
    );
    let err = cli.run(&["disconnect-b24", "--as", "1"]).fails(2);
    assert_eq!(err, "error: no bitrix24 portal is connected");
}

#[test]
fn the_secret_word_is_never_printed() {
    let cli = Cli::new();
    let set = cli.run(&["set", "videoport", "SecretCode", SECRET, "--as", "1"]);
    let text = format!("{set:?}");
    assert_eq!(
        set.ok(),
        "videoport: SecretCode set in common (revision 1)\n"
    );
    assert!(!text.contains(SECRET));
    // From standard input, so it stays out of the shell history.
    let piped = cli.run_with_input(
        &[
            "set",
            "videoport",
            "SecretCode",
            "-",
            "--as",
            "1",
            "--site",
            "s1",
        ],
        &format!("{SECRET}-s1\n"),
    );
    assert!(!format!("{piped:?}").contains(SECRET));
    piped.ok();

    let mut seen = String::new();
    for args in [
        &["show", "videoport"][..],
        &["show", "videoport", "--json"],
        &["show", "videoport", "--site", "s1", "--json"],
        &["rights", "video", "--json"],
        &["schema", "videoport"],
    ] {
        seen.push_str(&cli.run(args).ok());
    }
    assert!(!seen.contains(SECRET), "{seen}");
    assert!(seen.contains("SecretCode          ****** (set)"), "{seen}");
    assert!(seen.contains(r#""set": true"#), "{seen}");
    // The stored value is the one given (without the newline).
    let stored: String = cli
        .sql()
        .query_row(
            "SELECT VALUE FROM b_option_site WHERE MODULE_ID = 'videoport' AND NAME = 'SecretCode'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, format!("{SECRET}-s1"));

    // A refused secret is masked in the error.
    let long = format!("{SECRET}{}", "x".repeat(300));
    let err = cli
        .run(&["set", "videoport", "SecretCode", &long, "--as", "1"])
        .fails(2);
    assert!(err.contains("******") && !err.contains(SECRET), "{err}");
}

/// Every kind of bad input exits 2 with one actionable line and leaves the
/// database byte-for-byte unchanged.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let cli = Cli::new();
    cli.admin(&["grant", "video", "5", "W"]);
    cli.admin(&["set", "videoport", "ServerPort", "8000"]);
    cli.admin(&["connect-b24", "https://a.bitrix24.ru", "--mode", "new"]);
    let before = cli.files();
    assert!(before[0].is_some(), "the database exists");

    let cases: &[(&[&str], &str)] = &[
        (&["frob"], "error: unknown command \"frob\"; run with --help for usage"),
        (&[], "error: no command given; run with --help for usage"),
        (
            &["grant", "video", "5", "W"],
            "error: grant needs --as GROUPS (the acting user's groups; --as 1 acts as an \
             administrator) or --as-user ID (a user of the site, whose groups the database \
             lists); usage: grant MODULE GROUP LEVEL [--site S] --as GROUPS|--as-user ID; run \
             with --help for usage",
        ),
        (&["grant", "nosuch", "5", "W", "--as", "1"], "error: unknown module nosuch; the modules are videoport, video, b24connector"),
        (
            &["grant", "video", "5", "M", "--as", "1"],
            "error: module video does not accept access level M: allowed are D, R, W",
        ),
        (&["grant", "video", "5", "RW", "--as", "1"], "error: invalid access level \"RW\""),
        (&["grant", "video", "5", "W", "--as", "1,x"], "error: --as: invalid group id \"x\""),
        (&["grant", "video", "5", "W", "--as", ""], "error: --as \"\": an empty group id"),
        (&["check", "video", "--groups", "0"], "error: --groups: invalid group id \"0\""),
        (&["check", "video", "--groups", "2", "--site", "s1", "--scopes", "s1"], "not both"),
        (&["check", "video"], "error: check needs --groups"),
        (
            &["set", "videoport", "ServerPort", "70000", "--as", "1"],
            "error: videoport option ServerPort: \"70000\" is not allowed; expected a whole \
             number from 1 to 65535, or empty for unset",
        ),
        (&["set", "videoport", "window_chat", "yes", "--as", "1"], "expected \"Y\" (yes) or \"N\" (no)"),
        (&["set", "videoport", "Port", "1", "--as", "1"], "error: module videoport has no option \"Port\"; its options are ServerHost, ServerPort"),
        (&["reset", "videoport", "Port", "--as", "1"], "has no option \"Port\""),
        (&["set", "videoport", "ServerPort", "8000", "--as", "1", "--site", "bad site"], "error: --site: invalid site id"),
        (
            // The connection is written only by connect-b24 / disconnect-b24.
            &["set", "b24connector", "connect_mode", "", "--as", "1"],
            "error: option connect_mode of module b24connector is written only by an operation",
        ),
        (
            &["reset", "b24connector", "portal_url", "--as", "1"],
            "error: option portal_url of module b24connector is written only by an operation",
        ),
        (
            &["set", "b24connector", "portal_url", "https://a.bitrix24.ru", "--as", "1"],
            "; use connect-b24 or disconnect-b24",
        ),
        (&["connect-b24", "http://a.bitrix24.ru", "--mode", "new", "--as", "1"], "the scheme is not https"),
        (&["connect-b24", "https://a.bitrix24.ru", "--mode", "old", "--as", "1"], "expected new"),
        (&["show", "videoport", "--mode", "new"], "show does not take --mode"),
        (&["show", "videoport", "--frob"], "unknown option \"--frob\""),
        (&["show"], "show takes 1 argument (MODULE), not 0"),
    ];
    for (args, expected) in cases {
        let err = cli.run(args).fails(2);
        assert!(
            err.contains(expected),
            "{args:?}: {err}\n  lacks: {expected}"
        );
        assert_eq!(cli.files(), before, "{args:?} changed the database");
    }
    // Syntax errors point to --help; bad values say what is allowed.
    let err = cli
        .run(&["grant", "video", "5", "W", "--as", "1,x"])
        .fails(2);
    assert!(
        err.contains("a group id is a whole number from 1 to 4294967295"),
        "{err}"
    );
}

#[test]
fn bad_input_never_creates_a_database() {
    let cli = Cli::new();
    for args in [
        &["grant", "nosuch", "5", "W", "--as", "1"][..],
        &["set", "videoport", "ServerPort", "0", "--as", "1"],
        &["frob"],
    ] {
        cli.run(args).fails(2);
    }
    assert!(!cli.db.exists());
}

/// Commands that only read never create a database file, and a write
/// that is refused — denied, or a bad value — never creates one either;
/// a write that succeeds does.
#[test]
fn only_a_successful_write_creates_a_database() {
    let cli = Cli::new();
    for args in [
        &["show", "videoport"][..],
        &["rights", "video"],
        &["check", "video", "--groups", "5"],
        &["roles", "video", "--groups", "5"],
        &["audit"],
    ] {
        let err = cli.run(args).fails(2);
        assert!(err.contains("there is no database at"), "{args:?}: {err}");
    }
    assert!(!cli.db.exists());
    cli.run(&["grant", "video", "5", "W", "--as", "5"]).fails(3);
    cli.run(&["set", "videoport", "ServerPort", "70000", "--as", "1"])
        .fails(2);
    cli.run(&["grant", "video", "5", "W", "--as-user", "1"])
        .fails(2);
    assert!(!cli.db.exists(), "refused writes create nothing");
    cli.run(&["grant", "video", "5", "W", "--as", "1"]).ok();
    assert!(cli.db.exists());
    cli.run(&["rights", "video"]).ok();
}

/// A file that is not a database says so, and is left as it was.
#[test]
fn a_file_that_is_not_a_database_says_so() {
    let cli = Cli::new();
    std::fs::write(&cli.db, "just some text\n").unwrap();
    let err = cli.run(&["rights", "video"]).fails(1);
    assert!(err.contains("is not an SQLite database"), "{err}");
    assert_eq!(std::fs::read(&cli.db).unwrap(), b"just some text\n");
}

/// A write by groups without W exits 3, says which level was needed and
/// held, and changes nothing.
#[test]
fn denied_writes_exit_3_and_write_nothing() {
    let cli = Cli::new();
    cli.admin(&["default", "video", "R"]);
    cli.admin(&["grant", "video", "6", "W", "--site", "s1"]);
    cli.admin(&["grant", "b24connector", "5", "R"]);
    cli.admin(&["connect-b24", "https://a.bitrix24.ru", "--mode", "new"]);
    let before = cli.files();

    let cases: &[&[&str]] = &[
        &["set", "videoport", "ServerPort", "8000", "--as", "2,5"],
        &["set", "videoport", "ServerPort", "8000", "--as", "6"], // W in s1 only
        &["reset", "videoport", "ServerPort", "--as", "5"],
        &["grant", "video", "5", "W", "--as", "5"],
        &["revoke", "video", "6", "--as", "5", "--site", "s1"],
        &["default", "video", "W", "--as", "5"],
    ];
    for args in cases {
        let err = cli.run(args).fails(3);
        assert_eq!(
            err, "error: access denied to module video: needs W, holds R",
            "{args:?}"
        );
        assert_eq!(cli.files(), before, "{args:?} changed the database");
    }
    for args in [
        &[
            "connect-b24",
            "https://b.bitrix24.ru",
            "--mode",
            "new",
            "--as",
            "5",
        ][..],
        &["disconnect-b24", "--as", "5"],
    ] {
        let err = cli.run(args).fails(3);
        assert_eq!(
            err,
            "error: access denied to module b24connector: needs W, holds R"
        );
        assert_eq!(cli.files(), before, "{args:?} changed the database");
    }
    // Group 6 may write in s1 — and a write does show in the files.
    let args = ["set", "videoport", "ServerPort", "9000", "--site", "s1"];
    cli.run(&[&args[..], &["--as", "6"]].concat()).ok();
    assert_ne!(cli.files(), before);
}

/// A database Bitrix made, with its own rows: read, checked and written in
/// place.
#[test]
fn a_bitrix_database_works_as_it_is() {
    let cli = Cli::bitrix();
    let shown = cli.run(&["show", "videoport", "--json"]).json();
    let options = shown["options"].as_array().unwrap();
    assert_eq!(options[0]["value"], "vcs.example.com");
    assert_eq!(options[0]["source"], "common");
    assert_eq!(options[1]["value"], 8443);
    assert_eq!(options[2]["value"], serde_json::json!({"set": true}));
    let s1 = cli.run(&["show", "videoport", "--site", "s1"]).ok();
    assert!(s1.contains("vcs-s1.example.com"), "{s1}");
    assert!(!s1.contains("guest-key-42"), "{s1}");

    let tab = cli.run(&["rights", "video", "--json"]).json();
    assert_eq!(tab["defaults"][0]["level"], "R");
    assert_eq!(tab["defaults"][1]["scope"], "s2");
    assert_eq!(tab["defaults"][1]["level"], "D");
    assert_eq!(tab["grants"].as_array().unwrap().len(), 4);
    let text = cli.run(&["rights", "video"]).ok();
    assert!(text.contains("s1        group 5    W  write"), "{text}");

    let check = |args: &[&str]| cli.run(args).ok().trim_end().to_owned();
    assert_eq!(
        check(&["check", "video", "--groups", "2,5"]),
        "R: grant of group 5 in the common scope"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "2,5", "--site", "s1"]),
        "W: grant of group 5 in site s1"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "2,6", "--site", "s1"]),
        "D: grant of group 6 in the common scope"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "2", "--site", "s2"]),
        "D: default of site s2"
    );
    assert_eq!(
        check(&["check", "video", "--groups", "5", "--scopes", "s2"]),
        "D: default of site s2"
    );
    assert_eq!(check(&["roles", "video", "--groups", "2,5,6"]), "D, R");

    // A write lands in Bitrix's own table, where Bitrix reads it.
    cli.admin(&["grant", "video", "7", "R", "--site", "s1"]);
    let level: String = cli
        .sql()
        .query_row(
            "SELECT G_ACCESS FROM b_module_group WHERE MODULE_ID = 'video' AND GROUP_ID = 7 \
             AND SITE_ID = 's1'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(level, "R");
    // Other modules' rows are left alone.
    let main: i64 = cli
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM b_module_group WHERE MODULE_ID = 'main'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(main, 1);
}

/// Stored rights that are unusable fail closed: anything else, status 1.
#[test]
fn unusable_stored_rights_exit_1() {
    let cli = Cli::bitrix();
    cli.sql()
        .execute(
            "INSERT INTO b_module_group (MODULE_ID, GROUP_ID, G_ACCESS) VALUES ('video', 9, 'M')",
            [],
        )
        .unwrap();
    let err = cli.run(&["check", "video", "--groups", "2"]).fails(1);
    assert!(
        err.contains("stored access rights of module video are invalid"),
        "{err}"
    );
    assert!(err.contains("grant of group 9 in common holds M"), "{err}");
    assert!(err.contains("fix them on the access tab"), "{err}");
    // The level the module does not list is flagged, not shown as valid.
    let text = cli.run(&["rights", "video"]).ok();
    assert!(
        text.contains("common    group 9    M  invalid: module video has no level M"),
        "{text}"
    );
    let tab = cli.run(&["rights", "video", "--json"]).json();
    let m = tab["grants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["group"] == 9)
        .unwrap();
    assert_eq!((&m["level"], &m["accepted"]), (&"M".into(), &false.into()));
    // The administrator can still repair it from the command line.
    assert_eq!(
        cli.admin(&["revoke", "video", "9"]),
        "video: group 9's grant M in common removed (revision 1)\n"
    );
    cli.run(&["check", "video", "--groups", "2"]).ok();

    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(binary())
        .args(["--db"])
        .arg(dir.path())
        .args(["rights", "video"])
        .output()
        .unwrap();
    let err = Run::from(output).fails(1);
    assert!(
        err.starts_with("error: could not open the database"),
        "{err}"
    );
}

/// A bad row in a Bitrix database (a letter another module uses, a
/// lower-case letter, a NULL default, duplicates that disagree): ordinary
/// checks fail naming it, administrators keep W and save options,
/// `rights` lists it with its stored text and row, and `grant`, `revoke`
/// and `default` repair it.
#[test]
fn unreadable_rows_are_listed_and_repaired_from_the_command_line() {
    let cli = Cli::bitrix();
    cli.sql()
        .execute_batch(
            "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (50, 'video', 7, 'X');
             INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (51, 'Video', 8, 'w');
             INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES (52, 'video', 5, 'W', '');
             UPDATE b_option SET VALUE = NULL WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT';",
        )
        .unwrap();
    let err = cli.run(&["check", "video", "--groups", "2,5"]).fails(1);
    assert!(
        err.contains("default level in common, b_option.VALUE of option GROUP_DEFAULT_RIGHT in scope common: found NULL"),
        "{err}"
    );
    assert!(err.contains("(and 4 more unreadable rows)"), "{err}");
    assert_eq!(
        cli.run(&["check", "video", "--groups", "1"]).ok(),
        "W: member of administrator group 1\n"
    );
    // An administrator's option save is not blocked by the guard's rows.
    cli.admin(&["set", "videoport", "ServerPort", "8000"]);

    let text = cli.run(&["rights", "video"]).ok();
    for line in [
        "  common    default    NULL  unreadable, b_option.VALUE of option GROUP_DEFAULT_RIGHT in scope common: an access level is one of the letters D, M, R, W, never NULL\n",
        "  common    group 5    \"R\"  unreadable, b_module_group.G_ACCESS (ID 2): another row for the same group and scope says W; one level per group and scope is allowed\n",
        "  common    group 5    \"W\"  unreadable, b_module_group.G_ACCESS (ID 52): another row for the same group and scope says R; one level per group and scope is allowed\n",
        "  common    group 7    \"X\"  unreadable, b_module_group.G_ACCESS (ID 50): an access level is one of the letters D, M, R, W\n",
        "  common    group 8    \"w\"  unreadable, b_module_group.G_ACCESS (ID 51): an access level is one of the letters D, M, R, W, in upper case\n",
        "5 stored rows to repair: until then every check but an administrator's is denied; grant, revoke or default over them repairs them\n",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(
        text.contains("  common    default    (unreadable)\n"),
        "{text}"
    );
    let tab = cli.run(&["rights", "video", "--json"]).json();
    let rows = tab["unreadable"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[3]["row_id"], 50);
    assert_eq!(rows[3]["raw"], "X");
    assert_eq!(
        rows[3]["key"],
        serde_json::json!({"kind": "grant", "scope": "common", "group": 7})
    );
    assert_eq!(rows[0]["raw"], Value::Null);

    // Each repair is an ordinary write.
    assert_eq!(
        cli.admin(&["revoke", "video", "7"]),
        "video: group 7's unreadable row \"X\" in common removed (revision 1)\n"
    );
    assert_eq!(
        cli.admin(&["grant", "video", "8", "W"]),
        "video: group 8 granted W in common, replacing unreadable \"w\" (revision 2)\n"
    );
    assert_eq!(
        cli.admin(&["grant", "video", "5", "r"]),
        "video: group 5 granted R in common, replacing unreadable \"R\", \"W\" (revision 3)\n"
    );
    let err = cli.run(&["check", "video", "--groups", "2,5"]).fails(1);
    assert!(err.contains("found NULL"), "{err}");
    assert_eq!(
        cli.admin(&["default", "video", "R"]),
        "video: default level in common set to R, replacing unreadable NULL (revision 4)\n"
    );
    assert_eq!(
        cli.run(&["check", "video", "--groups", "2,5"]).ok(),
        "R: grant of group 5 in the common scope\n"
    );
    let text = cli.run(&["rights", "video"]).ok();
    assert!(
        !text.contains("unreadable") && !text.contains("repair"),
        "{text}"
    );
    let rows: Vec<(i64, String)> = cli
        .sql()
        .prepare(
            "SELECT GROUP_ID, G_ACCESS FROM b_module_group WHERE MODULE_ID = 'video' COLLATE NOCASE \
             AND (SITE_ID IS NULL OR SITE_ID = '') ORDER BY GROUP_ID, ID",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<(i64, String)> = [(1, "W"), (5, "R"), (5, "R"), (6, "D"), (8, "W")]
        .into_iter()
        .map(|(g, l)| (g, l.to_owned()))
        .collect();
    assert_eq!(rows, expected);

    // Removing an unreadable default (`default … unset`) works the same way.
    cli.sql()
        .execute(
            "UPDATE b_option SET VALUE = '' WHERE MODULE_ID = 'video' AND NAME = 'GROUP_DEFAULT_RIGHT'",
            [],
        )
        .unwrap();
    assert_eq!(
        cli.admin(&["default", "video", "unset"]),
        "video: unreadable default level \"\" in common removed (revision 6)\n"
    );
    // An ordinary user cannot do any of it.
    cli.sql()
        .execute(
            "INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS) VALUES (60, 'video', 9, 'T')",
            [],
        )
        .unwrap();
    let before = cli.files();
    let err = cli.run(&["revoke", "video", "9", "--as", "2,5"]).fails(1);
    assert!(err.contains("found \"T\""), "{err}");
    assert_eq!(cli.files(), before, "nothing written");
}

/// `set … -` stops reading standard input once the value can no longer be
/// accepted: 20 MB for a 255-character secret is refused after a few
/// kilobytes (what the pipe holds), with the usual masked error.
#[test]
fn set_from_standard_input_stops_reading_past_the_limit() {
    let cli = Cli::new();
    let mut child = cli
        .command(&[
            "set",
            "videoport",
            "SecretCode",
            "-",
            "--as",
            "1",
            "--site",
            "s1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let chunk = [b'k'; 64 * 1024];
        let mut written = 0usize;
        while written < 20 << 20 {
            // The program closes its end once it has read enough.
            match stdin.write(&chunk) {
                Ok(n) => written += n,
                Err(_) => break,
            }
        }
        written
    });
    let run = Run::from(child.wait_with_output().expect("the example ends"));
    let written = feeder.join().expect("the feeder ends");
    let err = run.fails(2);
    assert_eq!(
        err,
        "error: videoport option SecretCode: \"******\" is not allowed; expected at most 255 \
         characters"
    );
    assert!(
        written < 4 << 20,
        "the program read {written} bytes of a 20 MB input"
    );
    assert!(!cli.db.exists(), "bad input never creates a database");
}

/// Host names keep to DNS and portals to real ports: refused as bad input,
/// naming the field, the value and what is allowed.
#[test]
fn hosts_outside_dns_limits_and_port_0_are_refused() {
    let cli = Cli::new();
    let err = cli
        .run(&[
            "set",
            "videoport",
            "ServerHost",
            "--as",
            "1",
            "--",
            "--weird",
        ])
        .fails(2);
    assert!(
        err.starts_with("error: videoport option ServerHost: \"--weird\" is not allowed; expected a domain name whose dot-separated labels"),
        "{err}"
    );
    let long = "x".repeat(300);
    let err = cli
        .run(&["set", "videoport", "ServerHost", &long, "--as", "1"])
        .fails(2);
    assert!(
        err.ends_with(
            "expected a domain name of at most 253 characters, an IPv4 address or an IPv6 address"
        ),
        "{err}"
    );
    assert!(err.len() < 300, "the value is cut: {err}");
    let err = cli
        .run(&[
            "connect-b24",
            "https://a.bitrix24.ru:0",
            "--mode",
            "new",
            "--as",
            "1",
        ])
        .fails(2);
    assert!(
        err.starts_with("error: bitrix24 portal address \"https://a.bitrix24.ru:0\" is not allowed; the port is 0"),
        "{err}"
    );
    assert!(!cli.db.exists(), "bad input never creates a database");
}

/// A site administrator cannot confirm a guess of the common secret word:
/// `set` answers the same for the right guess and a wrong one (and for the
/// value the scope already holds), always writing.
#[test]
fn setting_a_secret_never_says_it_already_had_that_value() {
    let answers = [SECRET, "a-wrong-guess"].map(|guess| {
        let cli = Cli::new();
        cli.admin(&["grant", "video", "5", "W", "--site", "s1"]);
        cli.admin(&["set", "videoport", "SecretCode", SECRET]);
        let site = ["set", "videoport", "SecretCode", guess, "--site", "s1"];
        let first = cli.run(&[&site[..], &["--as", "5"]].concat()).ok();
        let again = cli.run(&[&site[..], &["--as", "5"]].concat()).ok();
        let common = cli.admin(&["set", "videoport", "SecretCode", guess]);
        [first, again, common]
    });
    assert_eq!(answers[0], answers[1], "the right guess is told apart");
    assert_eq!(
        answers[0],
        [
            "videoport: SecretCode set in s1 (revision 2)\n",
            "videoport: SecretCode set in s1 (revision 3)\n",
            "videoport: SecretCode set in common (revision 4)\n",
        ]
    );
}

/// Site ids are one rule everywhere: `S1` and `s1` are one site, whether
/// the database row or the command line spells it in upper case — as
/// Bitrix on MySQL matches them.
#[test]
fn site_ids_match_without_regard_to_case() {
    let cli = Cli::bitrix();
    cli.sql()
        .execute(
            "INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) \
             VALUES ('videoport', 'ServerPort', 'S7', '7443')",
            [],
        )
        .unwrap();
    for site in ["s7", "S7"] {
        let text = cli.run(&["show", "videoport", "--site", site]).ok();
        assert!(text.starts_with("videoport in s7 "), "{text}");
        let port = text
            .lines()
            .find(|l| l.trim_start().starts_with("ServerPort"))
            .unwrap_or_else(|| panic!("ServerPort in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(port, "ServerPort 7443 site Server port", "--site {site}");
    }
}

/// The command line with `--db url`.
#[cfg(any(feature = "mysql", feature = "postgres"))]
fn on_server(url: &str, args: &[&str]) -> Run {
    let output = Command::new(binary())
        .args(["--db", url])
        .args(args)
        .output()
        .unwrap();
    Run::from(output)
}

/// Every kind of command on a server database at `url`: writes, checks, a
/// denied write that writes nothing, the Access tab.
#[cfg(any(feature = "mysql", feature = "postgres"))]
fn every_kind_of_command(url: &str) {
    let run = |args: &[&str]| on_server(url, args);
    let granted = run(&["grant", "video", "5", "W", "--as", "1"]).ok();
    assert_eq!(granted, "video: group 5 granted W in common (revision 1)\n");
    run(&["default", "video", "R", "--as", "1"]).ok();
    let checked = run(&["check", "video", "--groups", "5"]).ok();
    assert_eq!(checked, "W: grant of group 5 in the common scope\n");
    let reader = run(&["check", "video", "--groups", "7"]).ok();
    assert_eq!(reader, "R: default of the common scope\n");
    run(&["set", "videoport", "ServerPort", "8443", "--as", "5"]).ok();
    let shown = run(&["show", "videoport", "--json"]).json();
    assert_eq!(shown["options"][1]["value"], 8443, "{shown}");
    // Denied: group 7 holds R only, and nothing is written.
    let denied = run(&["set", "videoport", "ServerPort", "1", "--as", "7"]).fails(3);
    assert!(denied.contains("needs W"), "{denied}");
    let again = run(&["show", "videoport", "--json"]).json();
    assert_eq!(again["options"][1]["value"], 8443);
    let rights = run(&["rights", "video"]).ok();
    assert!(rights.contains("group 5"), "{rights}");
}

/// The same command line on Bitrix's tables on a MariaDB server: `--db`
/// takes a `mysql://` URL, every command works, and a server error is one
/// line that never shows the password.
#[cfg(feature = "mysql")]
mod mysql_common;

#[cfg(feature = "mysql")]
mod on_mysql {
    use super::*;

    use super::mysql_common::TestDatabase;

    #[test]
    fn every_kind_of_command_works_on_a_server() {
        let Some(database) = TestDatabase::new() else {
            return;
        };
        every_kind_of_command(&database.url());
    }

    #[test]
    fn a_wrong_password_is_one_line_without_it() {
        let Some(database) = TestDatabase::new() else {
            return;
        };
        let url = database.url().replacen("ci:ci@", "ci:not-the-Pa55word@", 1);
        assert!(
            url.contains("not-the-Pa55word"),
            "the test URL has a password: {url}"
        );
        let output = Command::new(binary())
            .args(["--db", &url, "show", "videoport"])
            .output()
            .unwrap();
        let line = Run::from(output).fails(1);
        assert!(!line.contains("not-the-Pa55word"), "{line}");
        assert!(line.contains("mysql://ci:***@"), "{line}");
    }
}

// Each engine's helpers bring their own copy of `server_common`, so that a
// test binary of one engine needs nothing else; here both meet, and each
// engine's server is still started once, from its own helpers' copy.
#[cfg(feature = "postgres")]
#[allow(clippy::duplicate_mod)]
mod postgres_common;

/// The same command line on Bitrix's tables on a PostgreSQL server.
#[cfg(feature = "postgres")]
mod on_postgres {
    use super::*;

    use super::postgres_common::TestDb;

    #[test]
    fn every_kind_of_command_works_on_a_server() {
        let Some(db) = TestDb::new() else {
            return;
        };
        every_kind_of_command(db.url());
    }

    #[test]
    fn a_refused_connection_is_one_line_without_the_password() {
        // Port 1: nothing listens there.
        let url = "postgres://someone:not-the-Pa55word@127.0.0.1:1/bitrix";
        let output = Command::new(binary())
            .args(["--db", url, "show", "videoport"])
            .output()
            .unwrap();
        let line = Run::from(output).fails(1);
        assert!(!line.contains("not-the-Pa55word"), "{line}");
        assert!(
            line.contains("postgres://someone:***@127.0.0.1:1/bitrix"),
            "{line}"
        );
    }
}

#[test]
fn rights_show_sites_and_group_names_and_mark_switched_off_groups() {
    let cli = Cli::site();
    let text = cli.run(&["rights", "video"]).ok();
    assert!(
        text.contains("  sites: s1 (Main shop), s2 (Outlet, off)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "common    group 5    R  [Editors, switched off: counts for nothing]  view all module data"
        ),
        "{text}"
    );
    assert!(
        text.contains("common    group 1    W  [Administrators]  write"),
        "{text}"
    );
    let tab = cli.run(&["rights", "video", "--json"]).json();
    assert_eq!(tab["groups"][0]["name"], "Authors");
}

#[test]
fn checks_and_writes_take_a_user_id() {
    let cli = Cli::site();
    // User 42 is in 5 (switched off) and 6; group 6 has D in the common scope.
    let checked = cli.run(&["check", "video", "--user", "42"]).ok();
    assert_eq!(checked, "D: grant of group 6 in the common scope\n");
    assert_eq!(
        cli.run(&["roles", "video", "--user", "43"]).ok(),
        "R\n",
        "group 2: the default"
    );

    let granted = cli
        .run(&["grant", "video", "6", "W", "--as-user", "1"])
        .ok();
    assert!(
        granted.starts_with("video: group 6 granted W in common"),
        "{granted}"
    );
    let denied = cli
        .run(&["grant", "video", "6", "R", "--as-user", "43"])
        .fails(3);
    assert!(denied.contains("needs W"), "{denied}");
    let user: i64 = cli
        .sql()
        .query_row(
            "SELECT USER_ID FROM b_event_log WHERE AUDIT_TYPE_ID = 'MODULE_RIGHTS_CHANGED'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(user, 1, "the audit entry carries the user id");

    let both = cli
        .run(&["check", "video", "--user", "42", "--groups", "2"])
        .fails(2);
    assert!(
        both.contains("takes --groups or --user, not both"),
        "{both}"
    );
    let neither = cli.run(&["grant", "video", "6", "W"]).fails(2);
    assert!(neither.contains("needs --as GROUPS"), "{neither}");
    assert!(neither.contains("or --as-user ID"), "{neither}");
    let zero = cli.run(&["check", "video", "--user", "0"]).fails(2);
    assert!(zero.contains("--user"), "{zero}");
}

#[test]
fn a_user_cannot_be_looked_up_without_b_user_group() {
    let cli = Cli::bitrix();
    let err = cli.run(&["check", "video", "--user", "42"]).fails(2);
    assert!(
        err.contains("the database has no b_user_group table"),
        "{err}"
    );
}

#[test]
fn a_site_the_database_does_not_list_is_refused() {
    let cli = Cli::site();
    cli.run(&["rights", "video"]).ok();
    let before = cli.files();
    let err = cli
        .run(&[
            "set",
            "videoport",
            "ServerPort",
            "8001",
            "--site",
            "s3",
            "--as",
            "1",
        ])
        .fails(2);
    assert_eq!(err, "error: site s3 does not exist; the sites are s1, s2");
    assert_eq!(cli.files(), before, "nothing written");
    cli.run(&["show", "videoport", "--site", "s3"]).fails(2);
    cli.admin(&["set", "videoport", "ServerPort", "8001", "--site", "s2"]);
}

#[test]
fn audit_lists_the_trail_newest_first() {
    let cli = Cli::site();
    cli.run(&["grant", "video", "6", "W", "--site", "s1", "--as-user", "1"])
        .ok();
    cli.admin(&["set", "videoport", "ServerPort", "8001"]);
    cli.admin(&["set", "videoport", "SecretCode", "hunter2"]);

    let text = cli.run(&["audit"]).ok();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].ends_with("MODULE_OPTION_CHANGED         videoport: SecretCode changed"),
        "{text}"
    );
    assert!(
        lines[1].contains("videoport: ServerPort (\"8443\") => (\"8001\")"),
        "{text}"
    );
    assert!(
        lines[2]
            .contains("user 1      MODULE_RIGHTS_CHANGED         video/s1: () => (W)  [group 6]"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("20") && lines[2].as_bytes()[19] == b'Z',
        "RFC 3339 UTC: {text}"
    );
    assert!(!text.contains("hunter2"));

    let video = cli.run(&["audit", "video", "--json"]).json();
    let entries = video.as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["description"], "video/s1: () => (W)");
    assert_eq!(entries[0]["user_id"], 1);
    assert_eq!(entries[0]["audit_type"], "RightsChanged");
    assert_eq!(cli.run(&["audit", "--since", "1h"]).ok().lines().count(), 3);
    assert_eq!(
        cli.run(&["audit", "--since", "2999-01-01T00:00:00Z"]).ok(),
        "no audit entries\n"
    );
    let bad = cli.run(&["audit", "--since", "yesterday-ish"]).fails(2);
    assert!(bad.contains("--since"), "{bad}");
}

/// `set … SecretCode - < /dev/null` used to print "set", exit 0 and delete
/// the stored secret. Empty input is an error; a secret is one line; one
/// trailing newline is the terminator.
#[test]
fn a_secret_from_standard_input_is_never_empty_or_several_lines() {
    let cli = Cli::new();
    cli.run_with_input(
        &["set", "videoport", "SecretCode", "-", "--as", "1"],
        "first\n",
    )
    .ok();
    let stored = || -> String {
        cli.sql()
            .query_row(
                "SELECT VALUE FROM b_option WHERE MODULE_ID = 'videoport' AND NAME = 'SecretCode'",
                [],
                |row| row.get(0),
            )
            .unwrap()
    };
    assert_eq!(stored(), "first", "one trailing newline is dropped");
    let before = cli.files();
    let empty = cli
        .run(&["set", "videoport", "SecretCode", "-", "--as", "1"])
        .fails(2);
    assert!(
        empty.contains("standard input is empty; nothing was set"),
        "{empty}"
    );
    for input in ["", "\n"] {
        let err = cli
            .run_with_input(&["set", "videoport", "SecretCode", "-", "--as", "1"], input)
            .fails(2);
        assert!(err.contains("standard input is empty"), "{input:?}: {err}");
    }
    let lines = cli
        .run_with_input(
            &["set", "videoport", "SecretCode", "-", "--as", "1"],
            "one\ntwo\n",
        )
        .fails(2);
    assert!(lines.contains("a secret is one line"), "{lines}");
    assert!(!lines.contains("two"), "the text is never echoed: {lines}");
    assert_eq!(cli.files(), before, "nothing written");
    assert_eq!(stored(), "first");
}

/// With `--json`, a failure is one JSON object on standard error, with the
/// exit status it has without; `modules` and `schema` take `--json` too;
/// audit times are RFC 3339.
#[test]
fn json_runs_answer_in_json_even_when_they_fail() {
    let cli = Cli::new();
    let error = |args: &[&str], code: i32| -> Value {
        let run = cli.run(args);
        assert_eq!(run.code, code, "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
        serde_json::from_str(&run.stderr).unwrap_or_else(|err| panic!("{err}: {run:?}"))
    };
    let usage = error(&["frob", "--json"], 2);
    assert_eq!(usage["error"]["kind"], "usage");
    assert!(usage["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown command"));
    let input = error(&["check", "nosuch", "--groups", "5", "--json"], 2);
    assert_eq!(input["error"]["kind"], "input");
    cli.admin(&["grant", "video", "5", "R"]);
    let denied = error(&["grant", "video", "6", "W", "--as", "5", "--json"], 3);
    assert_eq!(denied["error"]["kind"], "denied");
    assert_eq!(
        denied["error"]["message"],
        "access denied to module video: needs W, holds R"
    );

    let written = cli
        .run(&["grant", "video", "6", "W", "--as", "1", "--json"])
        .json();
    assert_eq!(written["module"], "video");
    assert_eq!(written["changed"], true);
    assert_eq!(
        written["message"],
        "video: group 6 granted W in common (revision 2)"
    );
    let same = cli
        .run(&["grant", "video", "6", "W", "--as", "1", "--json"])
        .json();
    assert_eq!(same["changed"], false);
    assert_eq!(same["revision"], 2);

    let modules = Command::new(binary())
        .args(["modules", "--json"])
        .output()
        .unwrap();
    let modules: Value = serde_json::from_slice(&modules.stdout).unwrap();
    let names: Vec<&str> = modules
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["module"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["videoport", "video", "b24connector"]);
    assert_eq!(
        modules[1]["options"],
        Value::Null,
        "video has an access tab only"
    );
    assert_eq!(modules[1]["levels"][0]["level"], "D");
    let schema = Command::new(binary())
        .args(["schema", "videoport", "--json"])
        .output()
        .unwrap();
    assert!(schema.status.success());

    let audit = cli.run(&["audit", "--json"]).json();
    let at = audit[0]["at"].as_str().unwrap();
    assert!(humantime::parse_rfc3339(at).is_ok(), "{at}");
}

/// Every write checks in one order — usage, then access, then the value —
/// so a user without W learns nothing about valid values by probing.
#[test]
fn writes_check_usage_then_access_then_the_value() {
    let cli = Cli::new();
    cli.admin(&["grant", "video", "5", "R"]);
    let before = cli.files();
    // Usage first: an option the module does not have, whoever asks.
    let usage = cli
        .run(&["set", "videoport", "Port", "1", "--as", "5"])
        .fails(2);
    assert!(usage.contains("has no option \"Port\""), "{usage}");
    // Then access: a reader probing a bad value is denied, not told why
    // the value is bad.
    for args in [
        &["set", "videoport", "ServerPort", "70000", "--as", "5"][..],
        &["set", "videoport", "ServerPort", "8000", "--as", "5"],
        &[
            "connect-b24",
            "http://a.bitrix24.ru",
            "--mode",
            "new",
            "--as",
            "5",
        ],
    ] {
        let denied = cli.run(args).fails(3);
        assert!(denied.contains("needs W"), "{args:?}: {denied}");
    }
    // Then the value, for a writer.
    let invalid = cli
        .run(&["set", "videoport", "ServerPort", "70000", "--as", "1"])
        .fails(2);
    assert!(invalid.contains("70000"), "{invalid}");
    assert_eq!(cli.files(), before, "nothing written");
}

/// `show --as` leaves out the options those groups may not view (the
/// secret word needs W to be seen at all); without `--as` an
/// administrator's view.
#[test]
fn show_as_a_user_leaves_out_what_they_may_not_view() {
    let cli = Cli::new();
    cli.admin(&["grant", "video", "5", "R"]);
    let names = |args: &[&str]| -> Vec<String> {
        cli.run(args).json()["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = names(&["show", "videoport", "--json"]);
    assert!(all.contains(&"SecretCode".to_owned()), "{all:?}");
    let reader = names(&["show", "videoport", "--as", "5", "--json"]);
    assert!(!reader.contains(&"SecretCode".to_owned()), "{reader:?}");
    assert_eq!(reader.len(), all.len() - 1, "{reader:?}");
    let text = cli.run(&["show", "videoport", "--as", "5"]).ok();
    assert!(!text.contains("SecretCode"), "{text}");
}

#[test]
fn schema_as_a_viewer_says_what_it_may_see_and_change() {
    let cli = Cli::new();
    cli.admin(&["default", "video", "R"]);
    let reader = cli.run(&["schema", "videoport", "--as", "2"]).json();
    assert_eq!(reader["held"], "R");
    assert_eq!(reader["scope"], "common");
    let options = reader["options"].as_array().unwrap();
    let port = options.iter().find(|o| o["name"] == "ServerPort").unwrap();
    assert_eq!(
        (&port["viewable"], &port["editable"]),
        (&true.into(), &false.into())
    );
    let secret = options.iter().find(|o| o["name"] == "SecretCode").unwrap();
    assert_eq!(secret["viewable"], false, "a secret needs W");
    let admin = cli.run(&["schema", "videoport", "--as", "1"]).json();
    assert_eq!(admin["held"], "W");
    assert!(admin["options"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["viewable"] == true && o["editable"] == true));
}

#[test]
fn schema_as_a_viewer_needs_a_database() {
    let cli = Cli::new();
    let error = cli.run(&["schema", "videoport", "--as", "2"]).fails(2);
    assert!(error.contains("there is no database at"), "{error}");
    assert!(!cli.db.exists(), "a read creates no database");
}
