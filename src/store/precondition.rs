//! [`Precondition`]: a revision another module — or the site's user
//! groups — must still be at when a commit lands, and the one check every
//! backend makes of it.
//!
//! A write is often authorised by one module and lands in another: the
//! VideoPort options live in `videoport`, the rights that allow saving them
//! in `video`. If the writer's right is revoked between the check and the
//! commit, the commit must not land. So the writer names the guard's
//! revision as its check saw it, and the backend compares it inside the
//! same transaction or lock that writes the batch: check and commit become
//! one step, and a revocation that returned first always wins.
//!
//! A right is also revoked when the group that grants it is switched off
//! (Bitrix's `b_group.ACTIVE`). A store that keeps a revision of its
//! groups ([`SiteDirectory::groups_revision`]) takes a precondition on it
//! too ([`Precondition::groups`]), so a group switched off between the
//! check and the commit stops the commit the same way.
//!
//! [`SiteDirectory::groups_revision`]: crate::store::directory::SiteDirectory::groups_revision

use std::fmt;

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
    /// What is checked: a module (the guard) or the site's user groups.
    pub on: Guarded,
    /// The revision it must still be at.
    pub revision: Revision,
}

impl Precondition {
    /// `module` must still be at `revision`.
    pub const fn new(module: ModuleId, revision: Revision) -> Self {
        Precondition {
            on: Guarded::Module(module),
            revision,
        }
    }

    /// The site's user groups must still be at `revision`, as
    /// [`SiteDirectory::groups_revision`] read it. Only a store that keeps
    /// that revision accepts it; the others refuse the commit with
    /// [`StoreError::NoGroupRevision`].
    ///
    /// [`SiteDirectory::groups_revision`]: crate::store::directory::SiteDirectory::groups_revision
    pub const fn groups(revision: Revision) -> Self {
        Precondition {
            on: Guarded::Groups,
            revision,
        }
    }
}

/// What a [`Precondition`] is on.
///
/// ```
/// use module_settings::store::Guarded;
/// use module_settings::ModuleId;
/// assert_eq!(Guarded::Module(ModuleId::from_static("video")).to_string(), "module video");
/// assert_eq!(Guarded::Groups.to_string(), "the user groups (b_group)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Guarded {
    /// The revision of the site's user groups (Bitrix's `b_group`): a
    /// group switched off revokes what it granted in every module. Sorts
    /// before every module, so backends that lock in this order take the
    /// groups' row first — as Bitrix's own group form writes `b_group`
    /// before the groups' module rights.
    Groups,
    /// A module's revision: usually the module whose rights allowed the
    /// write.
    Module(ModuleId),
}

impl Guarded {
    /// The module guarded, if it is one.
    pub const fn module(&self) -> Option<ModuleId> {
        match self {
            Guarded::Module(module) => Some(*module),
            Guarded::Groups => None,
        }
    }

    /// The module guarded — or, for the groups,
    /// [`StoreError::NoGroupRevision`] for a write to `written`: what a
    /// backend that keeps no revision of the groups answers in its
    /// `revision_of` for [`check_preconditions`].
    ///
    /// # Errors
    ///
    /// [`StoreError::NoGroupRevision`] for [`Guarded::Groups`].
    pub fn module_or_refuse(&self, written: &ModuleId) -> Result<ModuleId, StoreError> {
        self.module()
            .ok_or(StoreError::NoGroupRevision { module: *written })
    }
}

impl fmt::Display for Guarded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Guarded::Module(module) => write!(f, "module {module}"),
            Guarded::Groups => f.write_str("the user groups (b_group)"),
        }
    }
}

/// The one precondition check every backend makes inside its commit, once
/// the committed module and every precondition's module are locked (or
/// inside the write transaction), after the committed module's own
/// revision was found to be the expected one.
///
/// `revision_of` reads a module's — or the groups' — current revision
/// under that lock; it is not asked for `committed`, whose revision before
/// the commit is `committed_at`. The first precondition that does not hold is a
/// [`StoreError::PreconditionFailed`]; an empty list always holds. Public
/// so that a backend written outside this crate keeps the same contract
/// without writing it again.
///
/// ```
/// use module_settings::store::{check_preconditions, Guarded, Precondition};
/// use module_settings::store::Revision;
/// use module_settings::{ModuleId, StoreError};
///
/// let (video, videoport) = (ModuleId::from_static("video"), ModuleId::from_static("videoport"));
/// let at = |_: &Guarded| Ok::<_, StoreError>(Revision::new(4));
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
    mut revision_of: impl FnMut(&Guarded) -> Result<Revision, StoreError>,
) -> Result<(), StoreError> {
    for precondition in preconditions {
        let current = match precondition.on {
            Guarded::Module(module) if module == *committed => committed_at,
            on => revision_of(&on)?,
        };
        if current != precondition.revision {
            return Err(StoreError::PreconditionFailed {
                written: *committed,
                on: precondition.on,
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
        let never = |_: &Guarded| -> Result<Revision, StoreError> {
            panic!("the written module's revision is known")
        };
        let same = [Precondition::new(VIDEOPORT, Revision::new(2))];
        assert!(check_preconditions(&same, &VIDEOPORT, Revision::new(2), never).is_ok());
        let err = check_preconditions(&same, &VIDEOPORT, Revision::new(3), never).unwrap_err();
        assert!(matches!(
            err,
            StoreError::PreconditionFailed { on, current, .. }
                if on == Guarded::Module(VIDEOPORT) && current == Revision::new(3)
        ));
    }

    #[test]
    fn a_read_error_is_passed_on_and_stops_the_check() {
        let failing = |_: &Guarded| Err(StoreError::backend_failure("test", "unreadable"));
        let guard = [Precondition::new(VIDEO, Revision::ZERO)];
        let err = check_preconditions(&guard, &VIDEOPORT, Revision::ZERO, failing).unwrap_err();
        assert_eq!(err.to_string(), "test store: unreadable");
    }

    #[test]
    fn the_groups_are_asked_for_their_own_revision() {
        let groups_at_7 = |on: &Guarded| match on {
            Guarded::Groups => Ok(Revision::new(7)),
            Guarded::Module(_) => Ok(Revision::ZERO),
        };
        let held = [
            Precondition::new(VIDEO, Revision::ZERO),
            Precondition::groups(Revision::new(7)),
        ];
        assert!(check_preconditions(&held, &VIDEOPORT, Revision::ZERO, groups_at_7).is_ok());
        let moved = [Precondition::groups(Revision::new(6))];
        let err = check_preconditions(&moved, &VIDEOPORT, Revision::ZERO, groups_at_7).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a write to module videoport needed the user groups (b_group) at revision 6, but \
             they are at revision 7 now: what allowed the write may have changed; check again \
             and retry"
        );
    }
}
