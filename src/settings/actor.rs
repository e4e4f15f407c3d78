//! [`Actor`]: who makes a write.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::ids::{GroupId, UserId};

/// The user a write is made for: their groups (what the access check looks
/// at), and optionally a user id and a display name for events and audit
/// records.
///
/// The groups are kept sorted and without duplicates (order and repeats
/// never change an access decision). Cloning is cheap: the data
/// is shared.
///
/// ```
/// use module_settings::settings::Actor;
/// use module_settings::{GroupId, UserId};
///
/// let admin = Actor::new([GroupId::ADMINISTRATORS, GroupId::EVERYONE])
///     .with_user_id(UserId::from_static(1))
///     .with_name("admin");
/// assert_eq!(admin.groups(), [GroupId::ADMINISTRATORS, GroupId::EVERYONE]);
/// assert_eq!(admin.to_string(), "user 1 (admin)");
/// assert_eq!(Actor::new([GroupId::EVERYONE]).to_string(), "groups [2]");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Actor {
    inner: Arc<ActorData>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ActorData {
    groups: Vec<GroupId>,
    user_id: Option<UserId>,
    name: Option<String>,
}

impl Actor {
    /// An actor in `groups` (any order, repeats allowed).
    pub fn new(groups: impl IntoIterator<Item = GroupId>) -> Self {
        let mut groups: Vec<GroupId> = groups.into_iter().collect();
        groups.sort_unstable();
        groups.dedup();
        Actor {
            inner: Arc::new(ActorData {
                groups,
                user_id: None,
                name: None,
            }),
        }
    }

    /// The same actor with a user id, for audit records.
    #[must_use]
    pub fn with_user_id(mut self, id: UserId) -> Self {
        Arc::make_mut(&mut self.inner).user_id = Some(id);
        self
    }

    /// The same actor with a display name, for audit records.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.inner).name = Some(name.into());
        self
    }

    /// The actor's groups, lowest id first.
    pub fn groups(&self) -> &[GroupId] {
        &self.inner.groups
    }

    /// The user id, if given.
    pub fn user_id(&self) -> Option<UserId> {
        self.inner.user_id
    }

    /// The display name, if given.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }
}

/// `user 42 (Anna)`, `user 42`, `Anna`, or `groups [2, 5]` when neither is
/// given.
/// An actor's groups, so that checks take an `Actor` as writes do.
impl AsRef<[GroupId]> for Actor {
    fn as_ref(&self) -> &[GroupId] {
        self.groups()
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.user_id(), self.name()) {
            (Some(id), Some(name)) => write!(f, "user {id} ({name})"),
            (Some(id), None) => write!(f, "user {id}"),
            (None, Some(name)) => f.write_str(name),
            (None, None) => {
                f.write_str("groups [")?;
                for (i, group) in self.groups().iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{group}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// `{"groups": [1, 2], "user_id": 7, "name": "admin"}`.
impl Serialize for Actor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.inner.serialize(s)
    }
}

impl fmt::Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("groups", &self.inner.groups)
            .field("user_id", &self.inner.user_id)
            .field("name", &self.inner.name)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_sorted_and_deduplicated() {
        let g = GroupId::from_static;
        let actor = Actor::new([g(5), g(2), g(5)]);
        assert_eq!(actor.groups(), [g(2), g(5)]);
        assert_eq!(actor.to_string(), "groups [2, 5]");
    }

    #[test]
    fn builder_methods_do_not_touch_clones() {
        let first = Actor::new([GroupId::EVERYONE]).with_name("a");
        let second = first.clone().with_user_id(UserId::from_static(7));
        assert_eq!(first.user_id(), None);
        assert_eq!(second.user_id(), Some(UserId::from_static(7)));
        assert_eq!(second.to_string(), "user 7 (a)");
        assert_eq!(first.to_string(), "a");
        assert_eq!(
            Actor::new([])
                .with_user_id(UserId::from_static(3))
                .to_string(),
            "user 3"
        );
    }
}
