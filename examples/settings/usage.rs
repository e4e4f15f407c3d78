//! The `--help` text.

/// What `--help` prints.
pub const HELP: &str = "\
settings: an admin command line for module settings and access rights, over a
SQLite database with Bitrix's tables (b_option, b_option_site, b_module_group).
The database file is created if it is missing; an existing Bitrix database is
read and written in place.

usage: settings --db DB COMMAND [ARGUMENTS] [FLAGS]

commands:
  modules                        the registered modules, their access levels and labels
  show MODULE [--site S] [--json]
                                 every option's effective value (secrets masked) and
                                 where it comes from: site, common or default
  set MODULE NAME VALUE [--site S] --as GROUPS
                                 sets one option in the common scope or in site S;
                                 VALUE - reads the value from standard input (use it
                                 for the secret word: it stays out of shell history);
                                 a secret is always written, so the answer never tells
                                 whether it already had that value
  reset MODULE NAME [--site S] --as GROUPS
                                 deletes the option's value there (reset to inherited)
  rights MODULE [--json]         the Access tab: default levels and grants per scope, and
                                 stored rows to repair (unreadable ones with their stored
                                 text and row; levels the module does not list flagged
                                 invalid): until repaired, checks deny all but
                                 administrators; grant, revoke or default over such a row
                                 replaces it
  grant MODULE GROUP LEVEL [--site S] --as GROUPS
                                 gives GROUP the level LEVEL in the common scope or site S
  revoke MODULE GROUP [--site S] --as GROUPS
                                 removes GROUP's grant there (back to the default)
  default MODULE LEVEL [--site S] --as GROUPS
                                 sets the default level (LEVEL unset removes it)
  check MODULE --groups GROUPS [--site S | --scopes LIST] [--no-admin-bypass]
        [--no-default] [--json]  the level a user in GROUPS holds, and why
  roles MODULE --groups GROUPS [--site S] [--json]
                                 the set of levels a user in GROUPS holds
  schema MODULE                  the settings page and Access tab description, as JSON
  connect-b24 URL --mode new|existing --as GROUPS
                                 connects the Bitrix24 portal at URL (an https origin)
  disconnect-b24 --as GROUPS     disconnects it

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
  S       a site id, such as s1.
  LIST    comma-separated scopes for a Bitrix-exact check: common is the common
          scope, anything else a site id (--scopes s1 counts site s1's grants only,
          not the common ones).

flags:
  --db DB            an SQLite file, or mysql://USER:PASS@HOST:PORT/DB or
                     postgres://USER@HOST:PORT/DB (not needed by modules and schema)
  --as GROUPS        the acting user's groups: writes need W on the module
  --json             machine-readable output (show, rights, check, roles)
  --no-admin-bypass  check: administrators get only what their groups are granted
  --no-default       check: a user without a grant gets D, not the default level
  --help, -h         this text

Flags may come anywhere; -- ends them (for a VALUE that starts with --).

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
";
