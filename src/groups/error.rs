//! [`GroupError`]: what can be wrong with the rows of a group directory.

use crate::ids::GroupId;

/// Rows that cannot make a [`GroupDirectory`](super::GroupDirectory).
///
/// ```
/// use module_settings::groups::{Group, GroupDirectory, GroupError};
/// use module_settings::GroupId;
///
/// let g5 = GroupId::from_static(5);
/// let err = GroupDirectory::new([Group::new(g5, "Editors"), Group::new(g5, "Authors")]).unwrap_err();
/// assert_eq!(err, GroupError::Duplicate { group: g5, first: "Editors".into(), second: "Authors".into() });
/// assert_eq!(
///     err.to_string(),
///     "group 5 is listed twice in the group directory, as \"Editors\" and as \"Authors\": \
///      each group id may appear once"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// Two rows share one group id.
    #[error(
        "group {group} is listed twice in the group directory, as {first:?} and as {second:?}: \
         each group id may appear once"
    )]
    Duplicate {
        /// The id listed twice.
        group: GroupId,
        /// The name of the first row with that id.
        first: String,
        /// The name of the second row with that id.
        second: String,
    },
}
