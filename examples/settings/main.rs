//! An admin command line over a settings database — an SQLite file, or
//! Bitrix's tables on a MySQL/MariaDB or PostgreSQL server: list modules,
//! show and set options, edit the Access tab, check what a user may do,
//! connect Bitrix24 — everything through the `Settings` facade.
//!
//! Run: `cargo run --features sqlite --example settings -- --db PATH COMMAND …`
//! (`--help` lists the commands). For example:
//!
//! ```text
//! cargo run --features sqlite --example settings -- --db demo.db grant video 5 W --as 1
//! cargo run --features sqlite --example settings -- --db demo.db check video --groups 5
//! cargo run --features sqlite,mysql --example settings -- --db mysql://user:pass@host:3306/bitrix modules
//! cargo run --features sqlite,postgres --example settings -- --db postgres://user@host/bitrix rights video
//! ```
//!
//! The command line is checked whole — syntax, ids, levels, module names,
//! option values — before the database is opened, so bad input exits with
//! status 2 and never creates or touches a database file.

mod args;
mod command;
mod database;
mod failure;
mod output;
mod prepare;
mod run;
mod stdin;
mod usage;
mod values;
mod words;

use std::io::Write;
use std::process::ExitCode;

use module_settings::access::ResolveOptions;
use module_settings::settings::{Settings, SettingsBuilder};
use module_settings::{MemoryStore, Store};

use crate::command::Command;
use crate::failure::Failure;

fn main() -> ExitCode {
    match execute(std::env::args_os().skip(1)) {
        Ok(text) => {
            // A closed pipe (`settings … | head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{}", failure.line());
            failure.exit_code()
        }
    }
}

/// Parses, checks, opens the database if the command needs it, and runs.
fn execute(raw: impl IntoIterator<Item = std::ffi::OsString>) -> Result<String, Failure> {
    let invocation = args::parse(raw)?;
    let resolve = resolve_options(&invocation.command);
    // The modules this command line knows, to check names before the
    // database is opened: the same registrations as the real facade.
    let catalog = builder(MemoryStore::new(), resolve.clone()).build()?;
    let command = prepare::prepare(&catalog, invocation.command)?;
    let Some(path) = invocation.db.filter(|_| command.needs_db()) else {
        return run::run(&catalog, command);
    };
    let store = database::open(&path)?;
    let settings = builder(store, resolve).build()?;
    run::run(&settings, command)
}

/// The facade's builder: the modules this command line knows (the seed
/// modules; register your own here) and how access is resolved.
fn builder<S: Store>(store: S, resolve: ResolveOptions) -> SettingsBuilder<S> {
    Settings::builder(store).resolve_options(resolve)
}

/// `check`'s switches; Bitrix's defaults for every other command.
fn resolve_options(command: &Command) -> ResolveOptions {
    match command {
        Command::Check {
            admin_bypass,
            use_default,
            ..
        } => ResolveOptions::new()
            .admin_bypass(*admin_bypass)
            .use_default(*use_default),
        _ => ResolveOptions::new(),
    }
}
