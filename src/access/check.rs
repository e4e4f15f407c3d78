//! [`DecisionResultExt`]: access checks on a decision that may have failed
//! to load, failing closed.

use super::decision::Decision;
use super::error::AccessError;
use super::level::AccessLevel;

/// Access checks on `Result<Decision, E>`, the shape every loading path
/// returns (a store read, a cache refresh). An `Err` never grants anything:
/// [`can`](Self::can) is `false`, and [`require`](Self::require)
/// passes the error on.
///
/// ```
/// use module_settings::access::{AccessError, Decision, DecisionResultExt};
/// use module_settings::AccessLevel;
///
/// // Whatever went wrong while loading the rights, the check says no.
/// let failed: Result<Decision, std::io::Error> = Err(std::io::ErrorKind::NotFound.into());
/// assert!(!failed.can(AccessLevel::D));
///
/// let also_failed: Result<Decision, AccessError> = Err(AccessError::BadLevel { value: "X".into() });
/// assert!(also_failed.require(AccessLevel::R).is_err());
/// ```
pub trait DecisionResultExt<E> {
    /// Whether the decision loaded **and** grants at least `needed`.
    fn can(&self, needed: AccessLevel) -> bool;

    /// The decision if it loaded and grants at least `needed`; else the
    /// loading error, or [`AccessError::Denied`] converted into `E`.
    fn require(self, needed: AccessLevel) -> Result<Decision, E>
    where
        E: From<AccessError>;
}

impl<E> DecisionResultExt<E> for Result<Decision, E> {
    fn can(&self, needed: AccessLevel) -> bool {
        matches!(self, Ok(decision) if decision.can(needed))
    }

    fn require(self, needed: AccessLevel) -> Result<Decision, E>
    where
        E: From<AccessError>,
    {
        self?.require(needed).map_err(E::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::decision::Reason;
    use crate::ids::ModuleId;

    #[derive(Debug, PartialEq)]
    enum LoadError {
        Unavailable,
        Access(AccessError),
    }

    impl From<AccessError> for LoadError {
        fn from(err: AccessError) -> Self {
            LoadError::Access(err)
        }
    }

    const VIDEO: ModuleId = ModuleId::from_static("video");

    #[test]
    fn errors_fail_closed() {
        let failed: Result<Decision, LoadError> = Err(LoadError::Unavailable);
        for level in AccessLevel::ALL {
            assert!(!failed.can(level), "{level}");
        }
        assert_eq!(failed.require(AccessLevel::D), Err(LoadError::Unavailable));
    }

    #[test]
    fn loaded_decisions_check_their_level() {
        let decision = Decision::new(VIDEO, AccessLevel::R, Reason::BuiltInDefault);
        let loaded: Result<Decision, LoadError> = Ok(decision);
        assert!(loaded.can(AccessLevel::R));
        assert!(!loaded.can(AccessLevel::W));
        assert_eq!(loaded.require(AccessLevel::R), Ok(decision));
        let loaded: Result<Decision, LoadError> = Ok(decision);
        assert_eq!(
            loaded.require(AccessLevel::W),
            Err(LoadError::Access(AccessError::Denied {
                module: VIDEO,
                needed: AccessLevel::W,
                held: AccessLevel::R,
            }))
        );
    }
}
