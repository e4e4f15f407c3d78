//! The admin command line as a library (feature `cli`): every command —
//! list modules, show and set options, edit the Access tab, check what a
//! user may do, read the audit trail, connect Bitrix24 — for the modules an
//! application registers, over an SQLite file or (with the `mysql` and
//! `postgres` features) Bitrix's tables on a server. Everything goes
//! through the [`Settings`] facade.
//!
//! An application's `main` is one line:
//!
//! ```no_run
//! use module_settings::cli::Cli;
//! # use module_settings::options::ModuleOptions;
//! fn main() -> std::process::ExitCode {
//!     Cli::new().run()
//! }
//! ```
//!
//! Register the application's own modules with [`Cli::register`]; the
//! seed modules (`videoport` with `video`, `b24connector`) are always
//! there. `--help` lists the commands; every command line is checked —
//! syntax, ids, levels, module and option names — before a database is
//! opened.
//!
//! Exit statuses: 0 success; 1 anything else (a store that failed, stored
//! data to repair); 2 bad usage or input, nothing written; 3 access
//! denied, nothing written; 4 a conflict with another writer, nothing
//! written.

mod args;
mod command;
mod database;
mod failure;
mod output;
mod prepare;
mod run;
mod shapes;
mod stdin;
mod usage;
mod values;
mod words;

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use crate::access::{ModuleLevels, ResolveOptions};
use crate::ids::ModuleId;
use crate::options::ModuleOptions;
use crate::settings::{Settings, SettingsBuilder};
use crate::store::{MemoryStore, Store};

use self::command::Command;
use self::failure::Failure;

/// What registers one module on a facade's builder.
type Registration =
    Box<dyn Fn(SettingsBuilder<Box<dyn Store>>) -> SettingsBuilder<Box<dyn Store>> + Send + Sync>;

/// The admin command line for an application's modules.
///
/// ```
/// use module_settings::access::ModuleLevels;
/// use module_settings::cli::Cli;
/// use module_settings::ModuleId;
///
/// let cli = Cli::new().register_rights(ModuleId::from_static("forum"), ModuleLevels::VIDEO);
/// let (code, out, _err) = cli.run_args(["modules"]);
/// assert_eq!(code, 0);
/// assert!(out.contains("forum"));
/// ```
#[derive(Default)]
pub struct Cli {
    registrations: Vec<Registration>,
}

impl Cli {
    /// The command line with the seed modules only.
    pub fn new() -> Self {
        Cli::default()
    }

    /// Adds the options module `T` (and its guarding rights module).
    #[must_use]
    pub fn register<T: ModuleOptions>(mut self) -> Self {
        self.registrations
            .push(Box::new(|builder| builder.register::<T>()));
        self
    }

    /// Adds a rights module: an Access tab without options here.
    #[must_use]
    pub fn register_rights(mut self, module: ModuleId, levels: ModuleLevels) -> Self {
        self.registrations.push(Box::new(move |builder| {
            builder.register_rights(module, levels)
        }));
        self
    }

    /// Runs the process's command line (its arguments after the program
    /// name; standard input for `set … -`), prints the answer on standard
    /// output or one error line on standard error, and returns the exit
    /// status.
    pub fn run(&self) -> ExitCode {
        let (code, out, err) = self.run_args(std::env::args_os().skip(1));
        // A closed pipe (`settings … | head`) is not an error worth a panic.
        let _ = std::io::stdout().write_all(out.as_bytes());
        let _ = std::io::stderr().write_all(err.as_bytes());
        ExitCode::from(code)
    }

    /// Runs one command line (the arguments after the program name) and
    /// returns its exit status, what it prints on standard output, and
    /// what on standard error. `set … -` reads the process's standard
    /// input.
    pub fn run_args<I, A>(&self, args: I) -> (u8, String, String)
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        // Known before parsing, so that a command line that does not parse
        // still answers in the form asked for.
        let json = args
            .iter()
            .take_while(|arg| *arg != "--")
            .any(|arg| arg == "--json");
        match self.execute(args) {
            Ok(out) => (0, out, String::new()),
            Err(failure) if json => (failure.code(), String::new(), failure.json_line() + "\n"),
            Err(failure) => (failure.code(), String::new(), failure.line() + "\n"),
        }
    }

    /// Parses, checks, opens the database if the command needs it, and runs.
    fn execute(&self, raw: impl IntoIterator<Item = OsString>) -> Result<String, Failure> {
        let invocation = args::parse(raw)?;
        let resolve = resolve_options(&invocation.command);
        // The modules this command line knows, to check names before the
        // database is opened: the same registrations as the real facade.
        let catalog = self
            .builder(Box::new(MemoryStore::new()), resolve.clone())
            .build()?;
        let command = prepare::prepare(&catalog, invocation.command)?;
        let json = invocation.json;
        let Some(path) = invocation.db.filter(|_| command.needs_db()) else {
            return run::run(&catalog, command, json);
        };
        if database::is_missing_file(&path) {
            if !command.writes() {
                return Err(Failure::input(format!(
                    "there is no database at {}: a command that only reads never creates one \
                     (a write does)",
                    path.display()
                )));
            }
            // A new file would start empty, as the catalog is: the write is
            // tried there first, so a refused one never creates the file.
            run::run(&catalog, command.clone(), json)?;
        }
        let store = database::open(&path)?;
        let settings = self.builder(store, resolve).build()?;
        run::run(&settings, command, json)
    }

    /// The facade's builder: the seed modules, the registered ones, and
    /// how access is resolved.
    fn builder(
        &self,
        store: Box<dyn Store>,
        resolve: ResolveOptions,
    ) -> SettingsBuilder<Box<dyn Store>> {
        self.registrations
            .iter()
            .fold(Settings::builder(store).resolve_options(resolve), |b, r| {
                r(b)
            })
    }
}

impl fmt::Debug for Cli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cli")
            .field("registrations", &self.registrations.len())
            .finish()
    }
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
