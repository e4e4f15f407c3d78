//! [`Command`]: one parsed command line — what to do, with every argument
//! checked and typed.

use std::path::PathBuf;

use module_settings::modules::ConnectMode;
use module_settings::{AccessLevel, GroupId, ModuleId, Scope};

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `--db PATH`, if given.
    pub db: Option<PathBuf>,
    /// What to do.
    pub command: Command,
}

/// Where a `check` looks (rule 11).
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
    /// `modules`.
    Modules,
    /// `show MODULE [--site S] [--json]`.
    Show {
        module: ModuleId,
        scope: Scope,
        json: bool,
    },
    /// `set MODULE NAME VALUE [--site S] --as GROUPS`.
    Set {
        module: ModuleId,
        name: String,
        value: Text,
        scope: Scope,
        actor: Vec<GroupId>,
    },
    /// `reset MODULE NAME [--site S] --as GROUPS`.
    Reset {
        module: ModuleId,
        name: String,
        scope: Scope,
        actor: Vec<GroupId>,
    },
    /// `rights MODULE [--json]`.
    Rights { module: ModuleId, json: bool },
    /// `grant MODULE GROUP LEVEL [--site S] --as GROUPS`.
    Grant {
        module: ModuleId,
        group: GroupId,
        level: AccessLevel,
        scope: Scope,
        actor: Vec<GroupId>,
    },
    /// `revoke MODULE GROUP [--site S] --as GROUPS`.
    Revoke {
        module: ModuleId,
        group: GroupId,
        scope: Scope,
        actor: Vec<GroupId>,
    },
    /// `default MODULE LEVEL|unset [--site S] --as GROUPS`.
    Default {
        module: ModuleId,
        level: Option<AccessLevel>,
        scope: Scope,
        actor: Vec<GroupId>,
    },
    /// `check MODULE --groups GROUPS [--site S | --scopes LIST]
    /// [--no-admin-bypass] [--no-default] [--json]`.
    Check {
        module: ModuleId,
        groups: Vec<GroupId>,
        query: Query,
        admin_bypass: bool,
        use_default: bool,
        json: bool,
    },
    /// `roles MODULE --groups GROUPS [--site S] [--json]`.
    Roles {
        module: ModuleId,
        groups: Vec<GroupId>,
        scope: Scope,
        json: bool,
    },
    /// `schema MODULE`.
    Schema { module: ModuleId },
    /// `connect-b24 URL --mode new|existing --as GROUPS`.
    ConnectB24 {
        url: String,
        mode: ConnectMode,
        actor: Vec<GroupId>,
    },
    /// `disconnect-b24 --as GROUPS`.
    DisconnectB24 { actor: Vec<GroupId> },
}

impl Command {
    /// Whether the command reads or writes the database (`--db` needed).
    pub fn needs_db(&self) -> bool {
        !matches!(
            self,
            Command::Help | Command::Modules | Command::Schema { .. }
        )
    }
}
