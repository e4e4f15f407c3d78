//! Random pauses for the SQL stores' retries (a lock that stayed busy, a
//! commit that lost a deadlock, a listener connecting again), so that the
//! processes and threads that met once do not meet again in step.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

/// A random length between half of `pause` and all of it.
pub(crate) fn jittered(pause: Duration) -> Duration {
    let half = pause / 2;
    let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    // A fresh `RandomState` has fresh random keys; hashing the time with
    // them gives a number no other process can predict or share.
    let random = RandomState::new().hash_one(Instant::now());
    half + Duration::from_nanos(random % span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_is_between_half_and_all_of_its_length() {
        for pause in [Duration::from_millis(1), Duration::from_secs(5)] {
            for _ in 0..100 {
                let jittered = jittered(pause);
                assert!(jittered >= pause / 2 && jittered <= pause, "{jittered:?}");
            }
        }
    }
}
