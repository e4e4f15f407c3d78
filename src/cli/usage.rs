//! The `--help` text.

/// What `--help` prints.
pub const HELP: &str = "\
settings: an admin command line for module settings and access rights, over a
database with Bitrix's tables (b_option, b_option_site, b_module_group) — an
SQLite file, or a MySQL or PostgreSQL server. A missing SQLite file is created
by the first write that succeeds (never by a command that only reads, or by a
refused one); an existing Bitrix database is read and written in place. Where the database
has them, Bitrix's b_group (group names, switched-off groups), b_lang (the
sites: an unknown site is refused), b_user_group (--user, --as-user) are read,
and every write is logged in b_event_log in the write's own transaction.

usage: settings --db DB COMMAND [ARGUMENTS] [FLAGS]

commands:
  modules                        the registered modules, their access levels and labels
  show MODULE [--site S] [--as GROUPS|--as-user ID] [--json]
                                 every option's effective value (secrets masked) and
                                 where it comes from: site, common or default; with
                                 --as, only the options those groups may view
  set MODULE NAME VALUE [--site S] --as GROUPS|--as-user ID
                                 sets one option in the common scope or in site S;
                                 VALUE - reads the value from standard input (use it
                                 for the secret word: it stays out of shell history);
                                 a secret is always written, so the answer never tells
                                 whether it already had that value
  reset MODULE NAME [--site S] --as GROUPS|--as-user ID
                                 deletes the option's value there (reset to inherited)
  rights MODULE [--json]         the Access tab: the sites, default levels and grants per
                                 scope with group names (switched-off groups marked), and
                                 stored rows to repair (unreadable ones with their stored
                                 text and row; levels the module does not list flagged
                                 invalid): until repaired, checks deny all but
                                 administrators; grant, revoke or default over such a row
                                 replaces it
  grant MODULE GROUP LEVEL [--site S] --as GROUPS|--as-user ID
                                 gives GROUP the level LEVEL in the common scope or site S
  revoke MODULE GROUP [--site S] --as GROUPS|--as-user ID
                                 removes GROUP's grant there (back to the default)
  default MODULE LEVEL [--site S] --as GROUPS|--as-user ID
                                 sets the default level (LEVEL unset removes it)
  check MODULE --groups GROUPS|--user ID [--site S | --scopes LIST]
        [--no-admin-bypass] [--no-default] [--json]
                                 the level a user in GROUPS (or user ID) holds, and why
  roles MODULE --groups GROUPS|--user ID [--site S] [--json]
                                 the set of levels a user in GROUPS (or user ID) holds
  audit [MODULE] [--since TIME] [--json]
                                 the audit trail in b_event_log, newest first: rights
                                 changes as Bitrix logs them, options (secrets as
                                 \"changed\"); MODULE: only that module's entries
  schema MODULE [--site S] [--as GROUPS|--as-user ID]
                                 the settings page and Access tab description, as JSON;
                                 with --as, the level those groups (or that user) hold
                                 in the scope and, per option, whether they may view
                                 and edit it
  connect-b24 URL --mode new|existing --as GROUPS|--as-user ID
                                 connects the Bitrix24 portal at URL (an https origin)
  disconnect-b24 --as GROUPS|--as-user ID
                                 disconnects it

arguments:
  MODULE  settings commands (show, set, reset, schema) take an options module:
          videoport or b24connector. Access commands (rights, grant, revoke,
          default, check, roles) take a rights module: video or b24connector.
          Either may be named by the other: a rights module that guards exactly
          one options module stands for it (video means videoport in show), and
          an options module stands for its guard (videoport means video in grant).
  GROUPS  comma-separated group ids, such as 2,5. Group 1 is the administrators
          (--as 1 acts as an administrator); group 2 is everyone, and every user
          counts as a member of it.
  LEVEL   one of the letters D < M < R < W that the module accepts
          (video: D, R, W; b24connector: D, M, R, W).
  ID      a user id, such as 42: the user's groups are read from b_user_group
          (memberships outside their dates do not count), plus group 2; a user
          without rows is in group 2 only. The user id goes into the audit log.
  TIME    a time such as 2026-11-27T10:00:00Z, or how long ago, such as 2h or 3days.
  S       a site id, such as s1; where the database has b_lang, one it lists.
  LIST    comma-separated scopes for a Bitrix-exact check: common is the common
          scope, anything else a site id (--scopes s1 counts site s1's grants only,
          not the common ones).

flags:
  --db DB            an SQLite file, or mysql://USER:PASS@HOST:PORT/DB or
                     postgres://USER@HOST:PORT/DB (not needed by modules, nor by
                     schema without --as)
  --as GROUPS        the acting user's groups: writes need W on the module
  --as-user ID       the acting user, by id: their groups from b_user_group
  --user ID          check, roles: the user whose groups count
  --since TIME       audit: entries from TIME on
  --json             machine-readable output from every command; an error is then
                     one JSON object on stderr, {\"error\": {\"kind\", \"message\"}}, with the
                     same exit status
  --no-admin-bypass  check: administrators get only what their groups are granted
  --no-default       check: a user without a grant gets D, not the default level
  --help, -h         this text

Flags may come anywhere; -- ends them (for a VALUE that starts with --).

Every write checks, in this order: usage (the command line, the module, the
option, the site), then access (W on the module, for the acting groups), then
the value — so a user without W learns nothing about valid values by probing.

exit status:
  0  success
  1  anything else (the store failed, stored data needs repair)
  2  bad usage or bad input: unknown command or module, bad group list, a level
     the module does not accept, a bad option value, a Bitrix24 connect while
     connected or disconnect while not; nothing was written
  3  access denied: the acting groups lack W; nothing was written
  4  conflict: someone else changed the same records meanwhile; nothing was
     written, run the command again

example:
  settings --db demo.db grant video 5 W --as 1
  settings --db demo.db check video --groups 5
  settings --db demo.db audit video --since 1day
";

/// `COMMAND --help`: `usage` (the command's usage line) and what the
/// command does, from its lines of [`HELP`]; then where the rest is.
pub fn command_help(name: &str, usage: &str) -> String {
    let commands = HELP
        .split("\ncommands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default();
    // A command's first line is indented by two spaces and starts with its
    // name.
    let starts_it = |line: &str| {
        line.starts_with("  ")
            && !line.starts_with("   ")
            && line.trim_start().split(' ').next() == Some(name)
    };
    let mut lines = commands.lines().skip_while(|line| !starts_it(line));
    let mut what = Vec::new();
    if let Some(first) = lines.next() {
        // The description starts after a wide gap on the first line, or on
        // the lines below, indented deep (a usage that goes on is indented
        // less).
        what.extend(first.split_once("   ").map(|(_, text)| text.trim()));
        what.extend(
            lines
                .take_while(|line| line.starts_with("   "))
                .filter(|line| line.len() - line.trim_start().len() > 20)
                .map(str::trim),
        );
    }
    format!(
        "usage: settings [--db DB] {usage}\n\n{}\n\nrun settings --help for every command, the \
         arguments, flags and exit statuses\n",
        what.join(" ")
    )
}
