//! What the database servers' test helpers (`mysql_common`,
//! `postgres_common`) share: the server's URL from the environment — a
//! server test without its server fails, saying how to start one — and
//! database names no other test uses, in this run or a parallel one.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The URL in `variable`.
///
/// # Panics
///
/// When the variable is not set: a server test never passes without a
/// server. The message names the variable and how to start `engine`'s
/// throwaway server (`.ci/servers/{script}.sh`), then `otherwise`.
pub fn url_from_env(variable: &str, engine: &str, script: &str, otherwise: &str) -> String {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{variable} is not set, so the {engine} tests have no server: start one with \
             `.ci/servers/{script}.sh start && . .ci/servers/{script}.env` (as root){otherwise}"
        ),
    }
}

/// `{prefix}_{process}_{count}_{nanoseconds}`: unique within this process
/// by its count, and across processes (and leftovers of earlier runs) by
/// the process id and the clock.
pub fn unique_name(prefix: &str) -> String {
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
