//! [`ModuleState`]: one module's immutable snapshot — the raw records at a
//! revision and everything derived from them once, so that reads and
//! checks only look things up.

use std::fmt;

use crate::access::{AccessLevel, CompiledRights, ModuleLevels, ModuleRights, ResolveOptions};
use crate::groups::GroupDirectory;
use crate::ids::{ModuleId, Scope, SiteId};
use crate::options::{RawOptions, ScopeLayers, ValidationErrors};
use crate::settings::cache::stored_rights::{StoredRightsError, UnusableRights};
use crate::settings::registry::{AnyOptions, ModuleSpec, OptionsCodec};
use crate::store::{Change, ModuleRecords, Revision, RightKey};

/// A module at one revision: records plus derived data. Never changed
/// after it is built; a newer revision is a new state.
pub(crate) struct ModuleState {
    pub(crate) module: ModuleId,
    pub(crate) revision: Revision,
    pub(crate) records: ModuleRecords,
    /// `false` only for the placeholder a cache holds before its first
    /// load.
    pub(crate) loaded: bool,
    /// The id of the [`ModuleCache`] that installed this state (0 until
    /// one does). A form or tab remembers its base state, and a write
    /// accepts only a base its own cache produced: records from another
    /// facade's store must never become this cache's state.
    ///
    /// [`ModuleCache`]: crate::settings::cache::ModuleCache
    pub(crate) origin: u64,
    /// The lineage within the cache: it grows each time the store is found
    /// to have gone back (a restored backup), after which revision numbers
    /// mean other contents. A write must be based on the current lineage.
    pub(crate) epoch: u64,
    /// For a rights module: the compiled rights, or why the stored rights
    /// cannot be used (then every check denies, but the
    /// administrator bypass, which reads no rows). Either is folded with a
    /// group directory, which the cache keeps current (see
    /// [`with_groups`](Self::with_groups)).
    pub(crate) rights: Option<Result<CompiledRights, UnusableRights>>,
    /// For an options module: the decoded value per scope.
    pub(crate) options: Option<OptionsState>,
}

/// Decoded options: the common scope, and every site that stores values of
/// its own. A site without values of its own sees the common value — the
/// same `Arc`.
#[derive(Clone)]
pub(crate) struct OptionsState {
    common: Result<AnyOptions, ValidationErrors>,
    /// Sorted by site id; few, so found by a linear scan.
    sites: Vec<(SiteId, Result<AnyOptions, ValidationErrors>)>,
}

impl OptionsState {
    /// The decoded value seen from `scope`.
    #[inline]
    pub(crate) fn get(&self, scope: Scope) -> &Result<AnyOptions, ValidationErrors> {
        self.at(self.slot(scope))
    }

    /// Where the value seen from `scope` is kept: the site's own value
    /// (its position), or the common one (`None`).
    #[inline]
    pub(crate) fn slot(&self, scope: Scope) -> Option<usize> {
        match scope {
            Scope::Site(site) => self.sites.iter().position(|(s, _)| *s == site),
            Scope::Common => None,
        }
    }

    /// The value kept at `slot`, as [`slot`](Self::slot) named it.
    #[inline]
    pub(crate) fn at(&self, slot: Option<usize>) -> &Result<AnyOptions, ValidationErrors> {
        match slot.and_then(|position| self.sites.get(position)) {
            Some((_, value)) => value,
            None => &self.common,
        }
    }

    /// Every scope with its own decoded value: common first.
    pub(crate) fn scopes(
        &self,
    ) -> impl Iterator<Item = (Scope, &Result<AnyOptions, ValidationErrors>)> + '_ {
        std::iter::once((Scope::Common, &self.common)).chain(
            self.sites
                .iter()
                .map(|(site, value)| (Scope::Site(*site), value)),
        )
    }
}

impl ModuleState {
    /// What a cache holds before its first load: nothing may be served from
    /// it.
    pub(crate) fn placeholder(module: ModuleId) -> Self {
        ModuleState {
            module,
            revision: Revision::ZERO,
            records: ModuleRecords::new(),
            loaded: false,
            origin: 0,
            epoch: 0,
            rights: None,
            options: None,
        }
    }

    /// Builds the state of `spec`'s module from its records at `revision`,
    /// its rights folded with `groups`.
    pub(crate) fn build(
        spec: &ModuleSpec,
        resolve: &ResolveOptions,
        groups: &GroupDirectory,
        revision: Revision,
        records: ModuleRecords,
    ) -> Self {
        let rights = spec
            .levels
            .map(|levels| compile(spec.id, levels, &records, resolve, groups));
        let options = spec
            .options
            .as_ref()
            .map(|codec| decode_all(codec, &records));
        ModuleState {
            module: spec.id,
            revision,
            records,
            loaded: true,
            origin: 0,
            epoch: 0,
            rights,
            options,
        }
    }
}

impl ModuleState {
    /// The state `changes` make of `base`, whose records with the changes
    /// applied are `records`: what the changes cannot have touched is
    /// reused — the decoded options when only rights change — and the
    /// compiled rights are updated in place
    /// ([`CompiledRights::with_changes`]: only the tables the changes touch
    /// are rebuilt) instead of recompiled, and folded with `groups` should
    /// the base's be another directory. The same state as
    /// [`build`](Self::build) from `records`, at the cost of the change
    /// rather than of the module.
    pub(crate) fn after(
        base: &ModuleState,
        spec: &ModuleSpec,
        resolve: &ResolveOptions,
        groups: &GroupDirectory,
        records: ModuleRecords,
        changes: &[Change],
    ) -> Self {
        let rights = spec.levels.map(|levels| match &base.rights {
            // A level the module does not accept, or unreadable rows: the
            // full compile names the record that is wrong.
            Some(Ok(compiled)) if !records.has_unreadable() => match compiled.with_changes(changes)
            {
                Ok(compiled) => fold(Ok(compiled), groups),
                Err(_) => compile(spec.id, levels, &records, resolve, groups),
            },
            _ => compile(spec.id, levels, &records, resolve, groups),
        });
        let options_changed = changes.iter().any(|change| {
            matches!(
                change,
                Change::SetOption { .. } | Change::RemoveOption { .. }
            )
        });
        let options = spec.options.as_ref().map(|codec| match &base.options {
            Some(options) if !options_changed => options.clone(),
            _ => decode_all(codec, &records),
        });
        ModuleState {
            module: spec.id,
            revision: base.revision,
            records,
            loaded: true,
            origin: 0,
            epoch: 0,
            rights,
            options,
        }
    }
}

impl ModuleState {
    /// Whether the rights are folded with `groups` (a module without
    /// rights always is).
    pub(crate) fn folded_with(&self, groups: &GroupDirectory) -> bool {
        match &self.rights {
            Some(Ok(compiled)) => compiled.groups() == groups,
            Some(Err(unusable)) => unusable.groups() == groups,
            None => true,
        }
    }

    /// Folds `groups` into the rights, unless they are folded with it.
    pub(crate) fn fold_groups(&mut self, groups: &GroupDirectory) {
        self.rights = self.rights.take().map(|rights| fold(rights, groups));
    }

    /// This state with its rights folded with `groups`: the same revision,
    /// records, options, cache and lineage — what the cache installs when
    /// the directory changes, without asking the store.
    pub(crate) fn with_groups(&self, groups: &GroupDirectory) -> ModuleState {
        ModuleState {
            module: self.module,
            revision: self.revision,
            records: self.records.clone(),
            loaded: self.loaded,
            origin: self.origin,
            epoch: self.epoch,
            rights: self.rights.as_ref().map(|rights| match rights {
                Ok(compiled) => fold(Ok(compiled.clone()), groups),
                Err(unusable) => Err(unusable.with_groups(groups)),
            }),
            options: self.options.clone(),
        }
    }
}

/// `rights` folded with `groups`: the same rights when they already are
/// (the directories are compared by content only when they are not the
/// very same one), else with only the groups that changed rewritten
/// ([`CompiledRights::with_groups`]).
fn fold(
    rights: Result<CompiledRights, UnusableRights>,
    groups: &GroupDirectory,
) -> Result<CompiledRights, UnusableRights> {
    match rights {
        Ok(compiled) if compiled.groups() == groups => Ok(compiled),
        Ok(compiled) => Ok(compiled.with_groups(groups)),
        Err(unusable) if unusable.groups() == groups => Err(unusable),
        Err(unusable) => Err(unusable.with_groups(groups)),
    }
}

/// A module's rights rebuilt from raw records: none may be unreadable, and
/// each level must be one the module lists. The error names the
/// first record that is wrong.
pub(crate) fn rights_of(
    module: ModuleId,
    levels: ModuleLevels,
    records: &ModuleRecords,
) -> Result<ModuleRights, StoredRightsError> {
    if let Some(row) = records.unreadable().next() {
        return Err(StoredRightsError::Unreadable {
            row: Box::new(row.clone()),
            others: records.unreadable().count() - 1,
        });
    }
    let not_accepted = |key: RightKey, level: AccessLevel| StoredRightsError::NotAccepted {
        key,
        level,
        allowed: levels.accepted(),
    };
    let mut rights = ModuleRights::new(module, levels);
    for (scope, level) in records.defaults() {
        rights
            .set_default(scope, level)
            .map_err(|_| not_accepted(RightKey::Default { scope }, level))?;
    }
    for (scope, group, level) in records.grants() {
        rights
            .grant(scope, group, level)
            .map_err(|_| not_accepted(RightKey::Grant { scope, group }, level))?;
    }
    Ok(rights)
}

fn compile(
    module: ModuleId,
    levels: ModuleLevels,
    records: &ModuleRecords,
    resolve: &ResolveOptions,
    groups: &GroupDirectory,
) -> Result<CompiledRights, UnusableRights> {
    match rights_of(module, levels, records) {
        Ok(rights) => Ok(rights.compile_with(resolve.clone(), groups)),
        Err(error) => Err(UnusableRights::new(module, levels, resolve, groups, error)),
    }
}

/// The records stored in exactly `scope`.
pub(crate) fn scope_raw(records: &ModuleRecords, scope: Scope) -> RawOptions {
    records
        .options(scope)
        .map(|(name, value)| (name.clone(), value.to_owned()))
        .collect()
}

/// The effective records of `scope`: site over common over defaults.
pub(crate) fn effective(codec: &OptionsCodec, records: &ModuleRecords, scope: Scope) -> RawOptions {
    let common = scope_raw(records, Scope::Common);
    let own = scope_raw(records, scope);
    ScopeLayers::of(scope, codec.defaults(), &common, &own)
        .effective()
        .into_raw()
}

fn decode_all(codec: &OptionsCodec, records: &ModuleRecords) -> OptionsState {
    let common = codec.decode(&effective(codec, records, Scope::Common));
    let mut sites: Vec<SiteId> = records
        .all_options()
        .filter_map(|(scope, _, _)| scope.site())
        .collect();
    sites.dedup(); // sorted by scope already
    let sites = sites
        .into_iter()
        .map(|site| {
            let value = codec.decode(&effective(codec, records, Scope::Site(site)));
            (site, value)
        })
        .collect();
    OptionsState { common, sites }
}

/// The module and revision; records and values stay out of logs.
impl fmt::Debug for ModuleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleState")
            .field("module", &self.module)
            .field("revision", &self.revision)
            .field("loaded", &self.loaded)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AccessLevel;
    use crate::ids::{GroupId, OptionName};
    use crate::modules::VideoPort;
    use crate::store::Change;
    use std::sync::Arc;

    const S1: SiteId = SiteId::from_static("s1");
    const S2: SiteId = SiteId::from_static("s2");

    /// The `video` rights module, with records granting group 5 a level
    /// (M) the module does not list.
    fn video_with_a_grant_of_m() -> (ModuleSpec, ModuleRecords) {
        let spec = ModuleSpec {
            id: ModuleId::from_static("video"),
            levels: Some(ModuleLevels::VIDEO),
            options: None,
        };
        let mut records = ModuleRecords::new();
        records.apply(&Change::SetGrant {
            scope: Scope::Common,
            group: GroupId::from_static(5),
            level: AccessLevel::M,
        });
        (spec, records)
    }

    fn videoport() -> ModuleSpec {
        ModuleSpec {
            id: ModuleId::from_static("videoport"),
            levels: None,
            options: Some(OptionsCodec::of::<VideoPort>()),
        }
    }

    fn set(scope: Scope, name: &'static str, value: &str) -> Change {
        Change::SetOption {
            scope,
            name: OptionName::from_static(name),
            value: value.to_owned(),
        }
    }

    fn port(state: &ModuleState, scope: Scope) -> Option<u16> {
        let value = state.options.as_ref().unwrap().get(scope).clone().unwrap();
        let video: Arc<VideoPort> = value.downcast().unwrap();
        video.server_port.map(|p| p.get())
    }

    #[test]
    fn sites_without_values_share_the_common_value() {
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            set(Scope::Common, "ServerPort", "8000"),
            set(Scope::Site(S1), "ServerPort", "9000"),
        ]);
        let state = ModuleState::build(
            &videoport(),
            &ResolveOptions::new(),
            &GroupDirectory::empty(),
            Revision::new(2),
            records,
        );
        assert_eq!(port(&state, Scope::Common), Some(8000));
        assert_eq!(port(&state, Scope::Site(S1)), Some(9000));
        assert_eq!(port(&state, Scope::Site(S2)), Some(8000));
        let options = state.options.as_ref().unwrap();
        let common = options.get(Scope::Common).as_ref().unwrap();
        let s2 = options.get(Scope::Site(S2)).as_ref().unwrap();
        assert!(Arc::ptr_eq(common, s2));
        assert_eq!(options.scopes().count(), 2);
    }

    #[test]
    fn bad_stored_values_are_kept_per_scope() {
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            set(Scope::Site(S1), "ServerPort", "70000"),
            set(Scope::Site(S2), "ServerPort", "1"),
        ]);
        let state = ModuleState::build(
            &videoport(),
            &ResolveOptions::new(),
            &GroupDirectory::empty(),
            Revision::ZERO,
            records,
        );
        let options = state.options.as_ref().unwrap();
        assert!(options.get(Scope::Common).is_ok());
        assert!(options.get(Scope::Site(S1)).is_err());
        assert!(options.get(Scope::Site(S2)).is_ok());
    }

    #[test]
    fn rights_with_levels_the_module_lacks_fail_closed() {
        let (spec, records) = video_with_a_grant_of_m();
        let state = ModuleState::build(
            &spec,
            &ResolveOptions::new(),
            &GroupDirectory::empty(),
            Revision::new(1),
            records,
        );
        let unusable = state.rights.as_ref().unwrap().as_ref().err().unwrap();
        let err = unusable.error(state.module);
        assert!(
            err.to_string().contains(
                "grant of group 5 in common holds M, a level the module does not list: \
                 allowed are D, R, W"
            ),
            "{err}"
        );
        assert!(unusable
            .bypass(&[GroupId::ADMINISTRATORS], Scope::Common)
            .is_some());
        assert!(format!("{state:?}").contains("revision: Revision(1)"));
    }

    #[test]
    fn unreadable_rows_come_first_and_are_counted() {
        use crate::store::UnreadableRight;
        let (spec, mut records) = video_with_a_grant_of_m();
        for (group, id) in [(7, 50), (8, 51)] {
            let key = RightKey::Grant {
                scope: Scope::Common,
                group: GroupId::from_static(group),
            };
            records.add_unreadable(UnreadableRight::new(key, "row", Some(id), Some("X"), "no"));
        }
        let err = rights_of(spec.id, ModuleLevels::VIDEO, &records).unwrap_err();
        match err {
            StoredRightsError::Unreadable { row, others } => {
                assert_eq!((row.row_id, others), (Some(50), 1));
            }
            other => panic!("{other:?}"),
        }
    }

    /// A state derived from a base and a batch answers as one built from
    /// scratch: rights changes update the index in place, option changes
    /// decode again, and a level the module does not list fails closed the
    /// same way.
    #[test]
    fn a_state_after_changes_is_the_state_built_from_its_records() {
        let spec = ModuleSpec {
            id: ModuleId::from_static("videoport"),
            levels: Some(ModuleLevels::VIDEO),
            options: Some(OptionsCodec::of::<VideoPort>()),
        };
        let resolve = ResolveOptions::new();
        let none = GroupDirectory::empty();
        let g = GroupId::from_static;
        let grant = |scope, group: u32, level| Change::SetGrant {
            scope,
            group: g(group),
            level,
        };
        let port = |value: &str| Change::SetOption {
            scope: Scope::Common,
            name: OptionName::from_static("ServerPort"),
            value: value.into(),
        };
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            grant(Scope::Common, 5, AccessLevel::R),
            grant(Scope::Site(S1), 6, AccessLevel::W),
            port("8000"),
        ]);
        let base = ModuleState::build(&spec, &resolve, &none, Revision::new(1), records.clone());
        let batches = [
            vec![
                grant(Scope::Common, 5, AccessLevel::W),
                Change::RemoveGrant {
                    scope: Scope::Site(S1),
                    group: g(6),
                },
            ],
            vec![
                Change::SetDefault {
                    scope: Scope::Common,
                    level: AccessLevel::R,
                },
                port("9000"),
            ],
            vec![grant(Scope::Site(S2), 7, AccessLevel::M)],
        ];
        for batch in batches {
            let mut after_records = records.clone();
            after_records.apply_all(&batch);
            let derived =
                ModuleState::after(&base, &spec, &resolve, &none, after_records.clone(), &batch);
            let built = ModuleState::build(&spec, &resolve, &none, Revision::new(1), after_records);
            match (&derived.rights, &built.rights) {
                (Some(Ok(derived)), Some(Ok(built))) => {
                    for user in [vec![g(2)], vec![g(2), g(5)], vec![g(6), g(7)], vec![g(1)]] {
                        for scope in [Scope::Common, Scope::Site(S1), Scope::Site(S2)] {
                            assert_eq!(derived.explain(&user, scope), built.explain(&user, scope));
                        }
                    }
                }
                (Some(Err(derived)), Some(Err(built))) => {
                    let module = spec.id;
                    assert_eq!(
                        derived.error(module).to_string(),
                        built.error(module).to_string()
                    );
                }
                _ => panic!("the derived and the built state disagree on {batch:?}"),
            }
            let video = |state: &ModuleState| {
                state.options.as_ref().map(|options| {
                    options
                        .get(Scope::Common)
                        .as_ref()
                        .ok()
                        .map(|v| v.downcast_ref::<VideoPort>().cloned())
                })
            };
            assert_eq!(video(&derived), video(&built), "{batch:?}");
        }
    }
}
