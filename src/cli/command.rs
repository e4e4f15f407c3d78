//! [`Command`]: one parsed command line — what to do, with every argument
//! checked and typed.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::modules::ConnectMode;
use crate::{AccessLevel, GroupId, ModuleId, Scope, UserId};

/// Whose groups a command uses: given on the command line (`--groups`,
/// `--as`), or a user's as the site lists them (`--user`, `--as-user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// These groups.
    Groups(Vec<GroupId>),
    /// This user's groups (from `b_user_group`), and the user id in the
    /// audit records.
    User(UserId),
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `--db PATH`, if given.
    pub db: Option<PathBuf>,
    /// `--json`: every command answers in JSON, errors included.
    pub json: bool,
    /// What to do.
    pub command: Command,
}

/// Where a `check` looks: a scope (a site seen through the common scope),
/// or exactly the listed scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The common scope, or a site seen through it.
    Scope(Scope),
    /// Exactly these scopes (`--scopes`, Bitrix-exact).
    Exact(Vec<Scope>),
}

/// The new value of `set`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// Given on the command line.
    Given(String),
    /// `-`: read from standard input (so a secret stays out of the shell
    /// history and the process list).
    Stdin,
}

/// One command with its checked arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `--help`.
    Help,
    /// `COMMAND --help`: one command's usage and what it does, as printed.
    HelpFor(String),
    /// `modules [--json]`.
    Modules { json: bool },
    /// `show MODULE [--site S] [--as GROUPS|--as-user ID] [--json]`.
    Show {
        module: ModuleId,
        scope: Scope,
        /// Whose view (`--as`, `--as-user`); `None`: an administrator's.
        viewer: Option<Who>,
        json: bool,
    },
    /// `set MODULE NAME VALUE [--site S] --as GROUPS|--as-user ID`.
    Set {
        module: ModuleId,
        name: String,
        value: Text,
        scope: Scope,
        actor: Who,
    },
    /// `reset MODULE NAME [--site S] --as GROUPS|--as-user ID`.
    Reset {
        module: ModuleId,
        name: String,
        scope: Scope,
        actor: Who,
    },
    /// `rights MODULE [--json]`.
    Rights { module: ModuleId, json: bool },
    /// `grant MODULE GROUP LEVEL [--site S] --as GROUPS|--as-user ID`.
    Grant {
        module: ModuleId,
        group: GroupId,
        level: AccessLevel,
        scope: Scope,
        actor: Who,
    },
    /// `revoke MODULE GROUP [--site S] --as GROUPS|--as-user ID`.
    Revoke {
        module: ModuleId,
        group: GroupId,
        scope: Scope,
        actor: Who,
    },
    /// `default MODULE LEVEL|unset [--site S] --as GROUPS|--as-user ID`.
    Default {
        module: ModuleId,
        level: Option<AccessLevel>,
        scope: Scope,
        actor: Who,
    },
    /// `check MODULE --groups GROUPS|--user ID [--site S | --scopes LIST]
    /// [--no-admin-bypass] [--no-default] [--json]`.
    Check {
        module: ModuleId,
        who: Who,
        query: Query,
        admin_bypass: bool,
        use_default: bool,
        json: bool,
    },
    /// `roles MODULE --groups GROUPS|--user ID [--site S] [--json]`.
    Roles {
        module: ModuleId,
        who: Who,
        scope: Scope,
        json: bool,
    },
    /// `audit [MODULE] [--since TIME] [--json]`.
    Audit {
        module: Option<ModuleId>,
        since: Option<SystemTime>,
        json: bool,
    },
    /// `schema MODULE [--site S] [--as GROUPS|--as-user ID] [--json]`
    /// (JSON either way): with a viewer, what it may see and change.
    Schema {
        module: ModuleId,
        viewer: Option<Who>,
        scope: Scope,
        json: bool,
    },
    /// `connect-b24 URL --mode new|existing --as GROUPS|--as-user ID`.
    ConnectB24 {
        url: String,
        mode: ConnectMode,
        actor: Who,
    },
    /// `disconnect-b24 --as GROUPS|--as-user ID`.
    DisconnectB24 { actor: Who },
}

impl Command {
    /// Whether the command writes (and so may create a database file).
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Command::Set { .. }
                | Command::Reset { .. }
                | Command::Grant { .. }
                | Command::Revoke { .. }
                | Command::Default { .. }
                | Command::ConnectB24 { .. }
                | Command::DisconnectB24 { .. }
        )
    }

    /// Whether the command reads or writes the database (`--db` needed).
    /// A schema needs none — unless it is a viewer's, whose level is read
    /// from the stored rights.
    pub fn needs_db(&self) -> bool {
        !matches!(
            self,
            Command::Help
                | Command::HelpFor(_)
                | Command::Modules { .. }
                | Command::Schema { viewer: None, .. }
        )
    }
}
