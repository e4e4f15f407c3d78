//! [`Precondition`]: a revision another module must still be at when a
//! commit lands, and the one check every backend makes of it.
//!
//! A write is often authorised by one module and lands in another: the
//! VideoPort options live in `videoport`, the rights that allow saving them
//! in `video`. If the writer's right is revoked between the check and the
//! commit, the commit must not land. So the writer names the guard's
//! revision as its check saw it, and the backend compares it inside the
//! same transaction or lock that writes the batch: check and commit become
//! one step, and a revocation that returned first always wins.

use super::{Revision, StoreError};
use crate::ids::ModuleId;

/// A condition on another module's revision that a commit carries: the
/// batch lands only if, inside the backend's write transaction or lock,
/// `module` is still at `revision`.
///
/// ```
/// use module_settings::store::Precondition;
/// use module_settings::store::{Change, Revision};
/// use module_settings::{MemoryStore, ModuleId, Scope, Store, StoreError};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let (video, videoport) = (ModuleId::from_static("video"), ModuleId::from_static("videoport"));
/// let change = [Change::RemoveDefault { scope: Scope::Common }];
///
/// // The guard is at revision 0 as the writer's check saw it: the batch lands.
/// let guard = [Precondition::new(video, Revision::ZERO)];
/// store.commit_guarded(&videoport, Revision::ZERO, &change, &guard)?;
///
/// // The guard moved on (a right revoked): the next batch is refused.
/// store.commit(&video, Revision::ZERO, &change)?;
/// let err = store.commit_guarded(&videoport, Revision::new(1), &change, &guard).unwrap_err();
/// assert!(matches!(err, StoreError::PreconditionFailed { current, .. } if current == Revision::new(1)));
/// assert_eq!(store.revision(&videoport)?, Revision::new(1));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Precondition {
    /// The module whose revision is checked (the guard).
    pub module: ModuleId,
    /// The revision it must still be at.
    pub revision: Revision,
}

impl Precondition {
    /// `module` must still be at `revision`.
    pub const fn new(module: ModuleId, revision: Revision) -> Self {
        Precondition { module, revision }
    }
}

/// The one precondition check every backend makes inside its commit, once
/// the committed module and every precondition's module are locked (or
/// inside the write transaction), after the committed module's own
/// revision was found to be the expected one.
///
/// `revision_of` reads a module's current revision under that lock; it is
/// not asked for `committed`, whose revision before the commit is
/// `committed_at`. The first precondition that does not hold is a
/// [`StoreError::PreconditionFailed`]; an empty list always holds. Public
/// so that a backend written outside this crate keeps the same contract
/// without writing it again.
///
/// ```
/// use module_settings::store::{check_preconditions, Precondition};
/// use module_settings::store::Revision;
/// use module_settings::{ModuleId, StoreError};
///
/// let (video, videoport) = (ModuleId::from_static("video"), ModuleId::from_static("videoport"));
/// let at = |_: &ModuleId| Ok::<_, StoreError>(Revision::new(4));
/// let held = [Precondition::new(video, Revision::new(4))];
/// assert!(check_preconditions(&held, &videoport, Revision::new(9), at).is_ok());
/// let moved = [Precondition::new(video, Revision::new(3))];
/// let err = check_preconditions(&moved, &videoport, Revision::new(9), at).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "a write to module videoport needed module video at revision 3, but it is at revision 4 \
///      now: what allowed the write may have changed; check again and retry"
/// );
/// ```
///
/// # Errors
///
/// [`StoreError::PreconditionFailed`] for the first precondition that does
/// not hold, or whatever `revision_of` returns.
pub fn check_preconditions(
    preconditions: &[Precondition],
    committed: &ModuleId,
    committed_at: Revision,
    mut revision_of: impl FnMut(&ModuleId) -> Result<Revision, StoreError>,
) -> Result<(), StoreError> {
    for precondition in preconditions {
        let current = if precondition.module == *committed {
            committed_at
        } else {
            revision_of(&precondition.module)?
        };
        if current != precondition.revision {
            return Err(StoreError::PreconditionFailed {
                written: *committed,
                module: precondition.module,
                expected: precondition.revision,
                current,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIDEO: ModuleId = ModuleId::from_static("video");
    const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");

    #[test]
    fn the_written_module_is_judged_by_its_revision_before_the_commit() {
        let never = |_: &ModuleId| -> Result<Revision, StoreError> {
            panic!("the written module's revision is known")
        };
        let same = [Precondition::new(VIDEOPORT, Revision::new(2))];
        assert!(check_preconditions(&same, &VIDEOPORT, Revision::new(2), never).is_ok());
        let err = check_preconditions(&same, &VIDEOPORT, Revision::new(3), never).unwrap_err();
        assert!(matches!(
            err,
            StoreError::PreconditionFailed { module, current, .. }
                if module == VIDEOPORT && current == Revision::new(3)
        ));
    }

    #[test]
    fn a_read_error_is_passed_on_and_stops_the_check() {
        let failing = |_: &ModuleId| Err(StoreError::backend_failure("test", "unreadable"));
        let guard = [Precondition::new(VIDEO, Revision::ZERO)];
        let err = check_preconditions(&guard, &VIDEOPORT, Revision::ZERO, failing).unwrap_err();
        assert_eq!(err.to_string(), "test store: unreadable");
    }
}
