//! The monotonic clock behind the staleness bound: exact, and cheap where
//! it is read on every cached read.
//!
//! A precise reading of the monotonic clock costs 20–40 ns on a virtual
//! machine, more than the access check it would guard. Linux also keeps a
//! *coarse* reading of the same clock, updated once per scheduler tick, that
//! costs a few nanoseconds; it is never ahead of the precise clock and lags
//! it by less than one tick. So a deadline more than two ticks away is
//! known not to have passed from the coarse reading alone, and only reads
//! in the last two ticks before a deadline pay for a precise one: the
//! bound stays exact, the common case stays cheap.

#[cfg(not(any(target_os = "linux", target_os = "android")))]
use std::time::Instant;

/// Nanoseconds on a monotonic clock, and the cheap "is it still before
/// this deadline?" test of the hot path.
#[derive(Debug, Clone)]
pub(crate) struct Monotonic {
    /// How far the coarse clock may lag the precise one (twice its
    /// resolution); 0 where there is no coarse clock.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    margin: u64,
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    base: Instant,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod imp {
    use rustix::time::{clock_getres, clock_gettime, ClockId, Timespec};

    /// Nanoseconds of a reading; a clock before its epoch (never, for a
    /// monotonic clock) reads as 0, which only ever makes data look older.
    fn nanos(t: Timespec) -> u64 {
        let seconds = u64::try_from(t.tv_sec).unwrap_or(0);
        let fraction = u64::try_from(t.tv_nsec).unwrap_or(0);
        seconds
            .saturating_mul(1_000_000_000)
            .saturating_add(fraction)
    }

    pub(super) fn precise() -> u64 {
        nanos(clock_gettime(ClockId::Monotonic))
    }

    pub(super) fn coarse() -> u64 {
        nanos(clock_gettime(ClockId::MonotonicCoarse))
    }

    /// Twice the coarse clock's resolution (its tick): the most it can lag
    /// the precise clock, with room to spare.
    pub(super) fn margin() -> u64 {
        nanos(clock_getres(ClockId::MonotonicCoarse)).saturating_mul(2)
    }
}

impl Monotonic {
    pub(crate) fn new() -> Self {
        Monotonic {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            margin: imp::margin(),
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            base: Instant::now(),
        }
    }

    /// The precise time, in nanoseconds since an arbitrary start.
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            imp::precise()
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
        }
    }

    /// Whether the precise time is still before `deadline` — answered from
    /// the coarse clock when the deadline is far enough away. Never says
    /// yes once a precise reading taken before the call had reached
    /// `deadline`.
    #[inline]
    pub(crate) fn before(&self, deadline: u64) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if imp::coarse().saturating_add(self.margin) < deadline {
            return true;
        }
        self.now() < deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_before_a_deadline_the_precise_clock_has_passed() {
        let clock = Monotonic::new();
        // Deadlines in the last ticks before "now" and just after it: the
        // coarse clock still reads below them for a while, which is exactly
        // when a wrong fast path would answer yes.
        for _ in 0..20_000 {
            let start = clock.now();
            for offset in [0, 1_000, 100_000, 1_000_000] {
                let deadline = start.saturating_add(offset);
                let earlier = clock.now();
                if clock.before(deadline) {
                    assert!(earlier < deadline, "{earlier} is not before {deadline}");
                }
            }
        }
    }

    #[test]
    fn a_far_deadline_is_before_and_a_past_one_is_not() {
        let clock = Monotonic::new();
        let now = clock.now();
        assert!(clock.before(now.saturating_add(3_600_000_000_000)));
        assert!(!clock.before(now));
        assert!(!clock.before(0));
    }
}
