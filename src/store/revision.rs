//! [`Revision`]: how many times a module has been written.

use std::fmt;

/// The version of one module's stored records: the number of non-empty
/// batches committed to it.
///
/// A module that was never written is at [`Revision::ZERO`]; every successful
/// non-empty [`commit`](crate::Store::commit) moves it up by exactly one. A
/// writer names the revision its changes were based on, and the store refuses
/// the batch with [`StoreError::Conflict`](crate::StoreError::Conflict) if the
/// module has moved on since.
///
/// ```
/// use module_settings::store::Revision;
/// let first = Revision::ZERO.next().unwrap();
/// assert_eq!(first, Revision::new(1));
/// assert!(Revision::ZERO < first);
/// assert_eq!(first.to_string(), "1");
/// ```
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Revision(u64);

impl Revision {
    /// The revision of a module that was never written.
    pub const ZERO: Revision = Revision(0);

    /// The revision with this number.
    pub const fn new(number: u64) -> Self {
        Revision(number)
    }

    /// The revision's number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The revision after this one, or `None` once the counter is exhausted
    /// (after 2⁶⁴ − 1 commits, which a store reports as an error rather than
    /// wrapping around to a revision already seen).
    pub const fn next(self) -> Option<Self> {
        match self.0.checked_add(1) {
            Some(n) => Some(Revision(n)),
            None => None,
        }
    }
}

impl From<Revision> for u64 {
    fn from(revision: Revision) -> u64 {
        revision.0
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The one revision check every backend makes inside its commit, once the
/// module is locked: a stale `expected` is a
/// [`StoreError::Conflict`](crate::StoreError::Conflict), an empty batch
/// changes nothing (`Ok(None)`), and otherwise the batch moves the module
/// to `Ok(Some(next))`.
///
/// Public so that a backend written outside this crate keeps the same
/// contract without writing it again.
///
/// ```
/// use module_settings::store::next_revision;
/// use module_settings::store::{Change, Revision};
/// use module_settings::{ModuleId, Scope};
///
/// let video = ModuleId::from_static("video");
/// let change = [Change::RemoveDefault { scope: Scope::Common }];
/// let current = Revision::new(3);
/// assert_eq!(next_revision("mine", &video, current, current, &change).unwrap(), Some(Revision::new(4)));
/// assert_eq!(next_revision("mine", &video, current, current, &[]).unwrap(), None);
/// assert!(next_revision("mine", &video, Revision::new(2), current, &change).unwrap_err().is_conflict());
/// ```
pub fn next_revision(
    backend: &'static str,
    module: &crate::ModuleId,
    expected: Revision,
    current: Revision,
    changes: &[crate::store::Change],
) -> Result<Option<Revision>, crate::StoreError> {
    if current != expected {
        return Err(crate::StoreError::Conflict {
            module: *module,
            expected,
            current,
        });
    }
    if changes.is_empty() {
        return Ok(None);
    }
    current
        .next()
        .map(Some)
        .ok_or_else(|| super::error::revisions_exhausted(backend, module))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_counts_up_by_one_and_stops_at_the_end() {
        assert_eq!(Revision::ZERO.next(), Some(Revision::new(1)));
        assert_eq!(Revision::new(41).next(), Some(Revision::new(42)));
        assert_eq!(Revision::new(u64::MAX).next(), None);
    }

    #[test]
    fn serde_is_the_bare_number() {
        let json = serde_json::to_string(&Revision::new(7)).unwrap();
        assert_eq!(json, "7");
        let back: Revision = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Revision::new(7));
    }
}
