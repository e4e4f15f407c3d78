//! [`ModuleRights`]: the data of one module's Access tab.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::Serialize;

use super::catalog::ModuleLevels;
use super::error::AccessError;
use super::index::CompiledRights;
use super::level::AccessLevel;
use super::options::ResolveOptions;
use crate::groups::GroupDirectory;
use crate::ids::{GroupId, ModuleId, Scope};

/// One explicit grant of the Access tab: group `group` holds `level` in
/// `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    /// Where the grant applies: the common scope or one site.
    pub scope: Scope,
    /// The user group.
    pub group: GroupId,
    /// The level granted.
    pub level: AccessLevel,
}

/// The Access tab of one module: a default level, optional per-site
/// defaults, and explicit grants keyed by (scope, group).
///
/// - An unset common default means **D**.
/// - "Setting a group to default" on the Access tab is
///   [`remove_grant`](Self::remove_grant): the group then has no grant.
/// - Every level written is checked against the module's [`ModuleLevels`];
///   one it does not accept is refused with
///   [`AccessError::LevelNotAccepted`].
/// - Storage keeps the common default as the module's own option
///   `GROUP_DEFAULT_RIGHT`; this type only holds it.
///
/// Everything is kept in sorted maps, so iteration and serialized output
/// are deterministic. To answer access checks quickly, compile the rights
/// once with [`compile`](Self::compile) and keep the [`CompiledRights`].
///
/// There is no `Deserialize`: the accepted levels are not part of the
/// serialized form, so a decoder could not check them. Rebuild rights from
/// records with [`new`](Self::new), [`grant`](Self::grant) and
/// [`set_default`](Self::set_default), which do.
///
/// ```
/// use module_settings::access::{ModuleLevels, ModuleRights};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};
/// # fn main() -> Result<(), module_settings::access::AccessError> {
/// let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
/// rights.set_default(Scope::Common, AccessLevel::R)?;
/// rights.grant(Scope::Common, GroupId::from_static(5), AccessLevel::W)?;
/// rights.grant(Scope::Site(SiteId::from_static("s1")), GroupId::from_static(6), AccessLevel::R)?;
/// // The video module has no level M.
/// assert!(rights.grant(Scope::Common, GroupId::from_static(7), AccessLevel::M).is_err());
/// assert_eq!(rights.grants().count(), 2);
/// assert_eq!(rights.default_level(Scope::Common), Some(AccessLevel::R));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRights {
    module: ModuleId,
    levels: ModuleLevels,
    /// Common scope first (it sorts before every site).
    defaults: BTreeMap<Scope, AccessLevel>,
    grants: BTreeMap<(Scope, GroupId), AccessLevel>,
}

/// `level`, if `module`, which accepts `levels`, accepts it: the
/// one check behind every level written to rights, here and on the
/// facade's Access tab.
pub(crate) fn accepted_level(
    module: ModuleId,
    levels: ModuleLevels,
    level: AccessLevel,
) -> Result<AccessLevel, AccessError> {
    if levels.accepts(level) {
        Ok(level)
    } else {
        Err(AccessError::LevelNotAccepted {
            module,
            level,
            allowed: levels.accepted(),
        })
    }
}

impl ModuleRights {
    /// Empty rights (no default, no grant) for `module`, which accepts
    /// `levels`.
    pub fn new(module: ModuleId, levels: ModuleLevels) -> Self {
        ModuleRights {
            module,
            levels,
            defaults: BTreeMap::new(),
            grants: BTreeMap::new(),
        }
    }

    /// The module these rights belong to.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// The levels the module accepts.
    pub fn levels(&self) -> ModuleLevels {
        self.levels
    }

    fn check(&self, level: AccessLevel) -> Result<AccessLevel, AccessError> {
        accepted_level(self.module, self.levels, level)
    }

    /// Sets the default level of `scope`: the module's default for
    /// [`Scope::Common`], a site's own default otherwise. Returns the level
    /// it replaces.
    pub fn set_default(
        &mut self,
        scope: Scope,
        level: AccessLevel,
    ) -> Result<Option<AccessLevel>, AccessError> {
        let level = self.check(level)?;
        Ok(self.defaults.insert(scope, level))
    }

    /// Unsets the default level of `scope` (a site then falls back to the
    /// common default, the common scope to D). Returns the removed level.
    pub fn remove_default(&mut self, scope: Scope) -> Option<AccessLevel> {
        self.defaults.remove(&scope)
    }

    /// The default level set for `scope` itself, without any fallback.
    pub fn default_level(&self, scope: Scope) -> Option<AccessLevel> {
        self.defaults.get(&scope).copied()
    }

    /// Every default that is set, the common one first, then sites in
    /// order.
    pub fn defaults(&self) -> impl ExactSizeIterator<Item = (Scope, AccessLevel)> + '_ {
        self.defaults.iter().map(|(&scope, &level)| (scope, level))
    }

    /// Grants `level` to `group` in `scope`, replacing any earlier grant
    /// there. Returns the level it replaces.
    pub fn grant(
        &mut self,
        scope: Scope,
        group: GroupId,
        level: AccessLevel,
    ) -> Result<Option<AccessLevel>, AccessError> {
        let level = self.check(level)?;
        Ok(self.grants.insert((scope, group), level))
    }

    /// Removes the grant of `group` in `scope` — the Access tab's "set to
    /// default". Returns the removed level.
    pub fn remove_grant(&mut self, scope: Scope, group: GroupId) -> Option<AccessLevel> {
        self.grants.remove(&(scope, group))
    }

    /// The grant of `group` in `scope` itself, if any.
    pub fn grant_of(&self, scope: Scope, group: GroupId) -> Option<AccessLevel> {
        self.grants.get(&(scope, group)).copied()
    }

    /// Every grant, ordered by scope (common first) and then group id.
    pub fn grants(&self) -> impl ExactSizeIterator<Item = Grant> + '_ {
        self.grants.iter().map(|(&(scope, group), &level)| Grant {
            scope,
            group,
            level,
        })
    }

    /// The grants of one scope, ordered by group id: one column of the
    /// Access tab.
    pub fn grants_in(&self, scope: Scope) -> impl Iterator<Item = Grant> + '_ {
        let first = (scope, GroupId::from_static(1));
        self.grants
            .range(first..)
            .take_while(move |((s, _), _)| *s == scope)
            .map(|(&(scope, group), &level)| Grant {
                scope,
                group,
                level,
            })
    }

    /// How many grants there are, in all scopes.
    pub fn grant_count(&self) -> usize {
        self.grants.len()
    }

    /// Builds the read-only index that answers access checks in time
    /// proportional to the user's groups, every group active. Build it
    /// once per change of the rights and share it.
    pub fn compile(&self, options: ResolveOptions) -> CompiledRights {
        CompiledRights::new(self, options)
    }

    /// Like [`compile`](Self::compile), with the groups `groups` marks
    /// inactive counting for nothing: their grants are ignored, they bring
    /// no default role, and an inactive administrator group gives no
    /// bypass. Groups 1 and 2, and groups the directory does not list,
    /// always count. The checks cost what they cost without a directory.
    ///
    /// ```
    /// use module_settings::access::{ModuleLevels, ModuleRights, ResolveOptions};
    /// use module_settings::groups::{Group, GroupDirectory};
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (editors, authors) = (GroupId::from_static(5), GroupId::from_static(6));
    /// let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
    /// rights.set_default(Scope::Common, AccessLevel::R)?;
    /// rights.grant(Scope::Common, editors, AccessLevel::W)?;
    /// rights.grant(Scope::Common, authors, AccessLevel::D)?;
    /// let groups = GroupDirectory::new([
    ///     Group::new(editors, "Editors"),
    ///     Group::new(authors, "Authors").with_active(false),
    /// ])?;
    /// let compiled = rights.compile_with(ResolveOptions::new(), &groups);
    /// // The authors' D no longer outranks the default: as if not a member.
    /// assert_eq!(compiled.resolve(&[authors], Scope::Common), AccessLevel::R);
    /// assert_eq!(compiled.resolve(&[editors, authors], Scope::Common), AccessLevel::W);
    /// # Ok(()) }
    /// ```
    pub fn compile_with(&self, options: ResolveOptions, groups: &GroupDirectory) -> CompiledRights {
        CompiledRights::build(self, options, groups)
    }
}

/// `{"module": "video", "defaults": {"common": "R", "s1": "W"},
/// "grants": [{"scope": "common", "group": 5, "level": "W"}, …]}`.
impl Serialize for ModuleRights {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Defaults<'a>(&'a BTreeMap<Scope, AccessLevel>);
        impl Serialize for Defaults<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (scope, level) in self.0 {
                    map.serialize_entry(scope, level)?;
                }
                map.end()
            }
        }
        struct Grants<'a>(&'a ModuleRights);
        impl Serialize for Grants<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.grants())
            }
        }
        let mut out = s.serialize_struct("ModuleRights", 3)?;
        out.serialize_field("module", &self.module)?;
        out.serialize_field("defaults", &Defaults(&self.defaults))?;
        out.serialize_field("grants", &Grants(self))?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessLevels;
    use crate::ids::SiteId;

    fn video() -> ModuleRights {
        ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO)
    }

    const G5: GroupId = GroupId::from_static(5);
    const G6: GroupId = GroupId::from_static(6);
    const S1: Scope = Scope::Site(SiteId::from_static("s1"));

    #[test]
    fn grants_replace_and_remove() {
        let mut rights = video();
        assert_eq!(rights.grant(Scope::Common, G5, AccessLevel::R), Ok(None));
        assert_eq!(
            rights.grant(Scope::Common, G5, AccessLevel::W),
            Ok(Some(AccessLevel::R))
        );
        assert_eq!(rights.grant_of(Scope::Common, G5), Some(AccessLevel::W));
        assert_eq!(rights.grant_of(S1, G5), None);
        assert_eq!(rights.remove_grant(Scope::Common, G5), Some(AccessLevel::W));
        assert_eq!(rights.remove_grant(Scope::Common, G5), None);
        assert_eq!(rights.grant_count(), 0);
    }

    #[test]
    fn levels_the_module_lacks_are_refused_everywhere() {
        let mut rights = video();
        let err = rights.grant(S1, G5, AccessLevel::M).unwrap_err();
        assert_eq!(
            err,
            AccessError::LevelNotAccepted {
                module: ModuleId::from_static("video"),
                level: AccessLevel::M,
                allowed: AccessLevels::D | AccessLevels::R | AccessLevels::W,
            }
        );
        assert_eq!(
            err.to_string(),
            "module video does not accept access level M: allowed are D, R, W"
        );
        assert!(rights.set_default(Scope::Common, AccessLevel::M).is_err());
        assert!(rights.set_default(S1, AccessLevel::M).is_err());
        assert_eq!(rights, video(), "a refused write changes nothing");
        let mut b24 = ModuleRights::new(
            ModuleId::from_static("b24connector"),
            ModuleLevels::B24_CONNECTOR,
        );
        assert_eq!(b24.grant(S1, G5, AccessLevel::M), Ok(None));
    }

    #[test]
    fn defaults_per_scope() {
        let mut rights = video();
        assert_eq!(rights.default_level(Scope::Common), None);
        assert_eq!(rights.set_default(S1, AccessLevel::W), Ok(None));
        assert_eq!(rights.set_default(Scope::Common, AccessLevel::R), Ok(None));
        assert_eq!(
            rights.defaults().collect::<Vec<_>>(),
            [(Scope::Common, AccessLevel::R), (S1, AccessLevel::W)]
        );
        assert_eq!(rights.remove_default(S1), Some(AccessLevel::W));
        assert_eq!(rights.default_level(S1), None);
    }

    #[test]
    fn iteration_is_ordered_and_per_scope() {
        let mut rights = video();
        let s2 = Scope::Site(SiteId::from_static("s2"));
        for (scope, group) in [(s2, G5), (S1, G6), (Scope::Common, G6), (S1, G5)] {
            rights.grant(scope, group, AccessLevel::R).unwrap();
        }
        let order: Vec<_> = rights.grants().map(|g| (g.scope, g.group)).collect();
        assert_eq!(order, [(Scope::Common, G6), (S1, G5), (S1, G6), (s2, G5)]);
        let s1: Vec<_> = rights.grants_in(S1).map(|g| g.group).collect();
        assert_eq!(s1, [G5, G6]);
        assert_eq!(
            rights
                .grants_in(Scope::Site(SiteId::from_static("s3")))
                .count(),
            0
        );
    }

    #[test]
    fn serializes_deterministically() {
        let mut rights = video();
        rights.set_default(Scope::Common, AccessLevel::R).unwrap();
        rights.set_default(S1, AccessLevel::D).unwrap();
        rights.grant(S1, G6, AccessLevel::W).unwrap();
        rights.grant(Scope::Common, G5, AccessLevel::D).unwrap();
        assert_eq!(
            serde_json::to_string(&rights).unwrap(),
            r#"{"module":"video","defaults":{"common":"R","s1":"D"},"grants":[{"scope":"common","group":5,"level":"D"},{"scope":"s1","group":6,"level":"W"}]}"#
        );
    }
}
