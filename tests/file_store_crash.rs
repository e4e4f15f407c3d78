//! A `FileStore` writer killed at random moments leaves the old or the new
//! state, never a mix, and never goes backwards (rule 22).
//!
//! The parent test re-runs this test binary as a child process that commits
//! in a loop, and kills it (SIGKILL on Unix) about 30 times.

#![cfg(feature = "json")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use module_settings::store::{Change, Revision};
use module_settings::{FileStore, ModuleId, OptionName, Scope, Store};

const CHILD_DIR: &str = "MODULE_SETTINGS_CRASH_CHILD_DIR";
const CHILD_TEST: &str = "child_commits_until_killed";
const MODULE: ModuleId = ModuleId::from_static("videoport");
const ROUNDS: usize = 30;

fn set(name: &'static str, value: String) -> Change {
    Change::SetOption {
        scope: Scope::Common,
        name: OptionName::from_static(name),
        value,
    }
}

/// `counter` and `check` of a loaded state, which must always be equal.
fn counters(dir: &Path) -> (Revision, u64, u64) {
    let snapshot = FileStore::open(dir).unwrap().load(&MODULE).unwrap();
    let read = |name: &str| -> u64 {
        snapshot
            .records
            .option(Scope::Common, name)
            .map_or(0, |v| v.parse().unwrap())
    };
    (snapshot.revision, read("counter"), read("check"))
}

/// The child's body: commit `counter` = `check` = n, with a large filler
/// that makes each write take long enough to be interrupted, forever.
#[test]
#[ignore = "helper process of file_store_survives_being_killed"]
fn child_commits_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return; // run by hand without the parent: nothing to do
    };
    let store = FileStore::open(dir).unwrap();
    loop {
        let snapshot = store.load(&MODULE).unwrap();
        let n = snapshot.revision.get() + 1;
        let filler = format!("{n:>8}").repeat(32 * 1024); // 256 KiB
        let batch = [
            set("counter", n.to_string()),
            set("filler", filler),
            set("check", n.to_string()),
        ];
        store.commit(&MODULE, snapshot.revision, &batch).unwrap();
    }
}

/// A small xorshift generator: the kill moments need no more than that.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn file_store_survives_being_killed() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("kill-moment seed: {seed}");
    let mut last = 0;
    let mut moved = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                CHILD_TEST,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + next(&mut seed) % 60));
        // If the child died on its own, that is a failure of the child.
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: the child exited by itself"
        );
        child.kill().unwrap();
        child.wait().unwrap();

        let (revision, counter, check) = counters(dir.path());
        assert_eq!(counter, check, "round {round}: a half-written state");
        assert_eq!(
            revision.get(),
            counter,
            "round {round}: revision and content disagree"
        );
        assert!(
            counter >= last,
            "round {round}: went back from {last} to {counter}"
        );
        if counter > last {
            moved += 1;
        }
        last = counter;
    }
    assert!(
        moved > 0,
        "no child ever committed; the test proved nothing"
    );
    println!("{moved} of {ROUNDS} children committed; {last} commits in all");

    // The killed writers left the lock free and no temp file in the way.
    let store = FileStore::open(dir.path()).unwrap();
    let after = store
        .commit(
            &MODULE,
            Revision::new(last),
            &[set("counter", "done".into())],
        )
        .unwrap();
    assert_eq!(after, Revision::new(last + 1));
    assert_eq!(store.modules().unwrap(), [MODULE]);
}
