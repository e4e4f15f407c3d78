//! What the database servers' test helpers (`mysql_common`,
//! `postgres_common`) share: which server a test uses, and database names
//! no other test uses, in this run or a parallel one.
//!
//! The server:
//! 1. the one the environment names (`MODULE_SETTINGS_MYSQL_URL`,
//!    `MODULE_SETTINGS_POSTGRES_URL`), as `.ci/run` sets them;
//! 2. otherwise, when the server's programs are installed, a throwaway
//!    server this test process starts once (through `.ci/servers/*.sh`, on
//!    a free loopback port, in a temporary directory) and a watchdog
//!    process stops and removes when this process ends;
//! 3. otherwise the test is **skipped**, and says so on the terminal with
//!    what to install — unless `MODULE_SETTINGS_REQUIRE_SERVERS` is set
//!    (`.ci/run` sets it), which turns the skip into a failure: a server
//!    test that passes without a server would be a lie.

#![allow(dead_code)] // each test file uses one engine

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Set (to anything) where a skipped server test must fail instead.
pub const REQUIRE: &str = "MODULE_SETTINGS_REQUIRE_SERVERS";

/// A database server the tests know how to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Mysql,
    Postgres,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Mysql => "mysql",
            Engine::Postgres => "postgres",
        }
    }

    /// The variable that names a running server.
    pub fn url_var(self) -> &'static str {
        match self {
            Engine::Mysql => "MODULE_SETTINGS_MYSQL_URL",
            Engine::Postgres => "MODULE_SETTINGS_POSTGRES_URL",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Engine::Mysql => "MODULE_SETTINGS_MYSQL",
            Engine::Postgres => "MODULE_SETTINGS_POSTGRES",
        }
    }
}

/// The URL of a server of `engine` for this test, or `None` when the test
/// is to be skipped (having said so); panics instead when skips are
/// refused or a throwaway server fails to start.
pub fn url(engine: Engine) -> Option<String> {
    if let Ok(url) = std::env::var(engine.url_var()) {
        return Some(url);
    }
    static MYSQL: OnceLock<Result<String, String>> = OnceLock::new();
    static POSTGRES: OnceLock<Result<String, String>> = OnceLock::new();
    let cell = match engine {
        Engine::Mysql => &MYSQL,
        Engine::Postgres => &POSTGRES,
    };
    match cell.get_or_init(|| start(engine)) {
        Ok(url) => Some(url.clone()),
        Err(why) => {
            if std::env::var_os(REQUIRE).is_some() {
                panic!("{why} ({REQUIRE} is set, so server tests may not be skipped)");
            }
            skipped(engine, why);
            None
        }
    }
}

/// Says once per process, on the terminal itself (the test harness
/// captures only the print macros), that the tests of `engine` skipped.
fn skipped(engine: Engine, why: &str) {
    static SAID: OnceLock<()> = OnceLock::new();
    SAID.get_or_init(|| {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: the {} server tests of this test binary did not run: {why} (or set {} to \
             a running server's URL; set {REQUIRE} to make this a failure)",
            engine.name(),
            engine.url_var(),
        );
    });
}

/// Starts a throwaway server of `engine` through its `.ci/servers` script
/// on a free port; `Err` says why there is none.
fn start(engine: Engine) -> Result<String, String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(".ci/servers")
        .join(format!("{}.sh", engine.name()));
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|err| format!("no free loopback port: {err}"))?
        .port();
    let state = tempfile::Builder::new()
        .prefix("module-settings-server-")
        .tempdir()
        .map_err(|err| format!("no temporary directory: {err}"))?
        .keep();
    let env_file = state.join("server.env");
    let vars = [
        (format!("{}_PORT", engine.prefix()), port.to_string()),
        (
            format!("{}_ENV", engine.prefix()),
            env_file.display().to_string(),
        ),
        (
            format!("{}_STATE", engine.prefix()),
            state.display().to_string(),
        ),
    ];
    let output = Command::new("bash")
        .arg(&script)
        .arg("start")
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("could not run {}: {err}", script.display()))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "no {} server could be started: {}",
            engine.name(),
            said.trim()
        ));
    }
    let env = std::fs::read_to_string(&env_file).map_err(|err| {
        format!(
            "{} wrote no {}: {err}",
            script.display(),
            env_file.display()
        )
    })?;
    let url = env
        .lines()
        .find_map(|line| {
            line.trim_start_matches("export ")
                .strip_prefix(&format!("{}=", engine.url_var()))
        })
        .ok_or_else(|| format!("{} names no URL", env_file.display()))?
        .to_owned();
    // The watchdog: once this process is gone, stop the server and remove
    // its files. A process of its own, so that it outlives this one.
    let watch = format!(
        "while kill -0 {} 2>/dev/null; do sleep 0.5; done; bash '{}' stop >/dev/null 2>&1; rm -rf '{}'",
        std::process::id(),
        script.display(),
        state.display()
    );
    Command::new("setsid")
        .args(["bash", "-c", &watch])
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("could not start the server's watchdog: {err}"))?;
    Ok(url)
}

/// `{prefix}_{process}_{count}_{nanoseconds}`: unique within this process
/// by its count, and across processes (and leftovers of earlier runs) by
/// the process id and the clock.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}
