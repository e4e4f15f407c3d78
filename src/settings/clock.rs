//! The facade's two clocks: a monotonic one for the staleness bound, and a
//! wall clock (injectable, for tests) for events, audit records and
//! operations (the Bitrix24 connection time). The layers below read no clock at all.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::settings::cache::Monotonic;

/// A wall clock: `SystemTime::now` unless the builder was given another.
pub type WallClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Both clocks of one facade.
#[derive(Clone)]
pub(crate) struct Clocks {
    /// The staleness bound's clock.
    pub(crate) mono: Monotonic,
    wall: WallClock,
}

impl Clocks {
    pub(crate) fn new(wall: WallClock) -> Self {
        Clocks {
            mono: Monotonic::new(),
            wall,
        }
    }

    /// The wall-clock time.
    pub(crate) fn now(&self) -> SystemTime {
        (self.wall)()
    }
}

/// Whole seconds since the Unix epoch; a clock set before 1970 reads as 0
/// rather than failing a write.
pub(crate) fn seconds_since_epoch(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// Seconds since the Unix epoch (0 before it), for serde output: how
/// events and audit records show their time.
pub(crate) mod unix_seconds {
    use std::time::SystemTime;

    pub(crate) fn serialize<S: serde::Serializer>(
        at: &SystemTime,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u64(super::seconds_since_epoch(*at))
    }
}

pub(crate) fn system_clock() -> WallClock {
    Arc::new(SystemTime::now)
}

impl fmt::Debug for Clocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clocks")
            .field("mono", &self.mono)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn injected_wall_clock_is_used_and_pre_epoch_reads_as_zero() {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clocks = Clocks::new(Arc::new(move || at));
        assert_eq!(seconds_since_epoch(clocks.now()), 1_700_000_000);
        let before = Clocks::new(Arc::new(|| UNIX_EPOCH - Duration::from_secs(5)));
        assert_eq!(seconds_since_epoch(before.now()), 0);
        let first = clocks.mono.now();
        assert!(clocks.mono.now() >= first);
    }
}
