//! An admin command line over a settings database — an SQLite file, or
//! Bitrix's tables on a MySQL/MariaDB or PostgreSQL server: list modules,
//! show and set options, edit the Access tab, check what a user may do,
//! read the audit trail, connect Bitrix24 — everything through the
//! `Settings` facade, from the library's `cli` feature.
//!
//! Run: `cargo run --features cli --example settings -- --db PATH COMMAND …`
//! (`--help` lists the commands). For example:
//!
//! ```text
//! cargo run --features cli --example settings -- --db demo.db grant video 5 W --as 1
//! cargo run --features cli --example settings -- --db demo.db check video --groups 5
//! cargo run --features cli,mysql --example settings -- --db mysql://user:pass@host:3306/bitrix modules
//! cargo run --features cli,postgres --example settings -- --db postgres://user@host/bitrix rights video
//! ```
//!
//! An application registers its own modules the same way:
//! `Cli::new().register::<MyModule>().run()`.

use std::process::ExitCode;

use module_settings::cli::Cli;

fn main() -> ExitCode {
    Cli::new().run()
}
