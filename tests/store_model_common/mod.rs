//! A plain `BTreeMap` model of a store, and the check that runs random
//! sequences of commits (on the current revision and on stale ones), loads,
//! revision reads and listings against a backend and the model side by
//! side. Shared by the model tests of every backend.
//!
//! The model is written out here on its own, not with
//! `ModuleRecords::apply`, so a wrong `apply` would be caught too.

use std::collections::BTreeMap;

use module_settings::store::{Change, ModuleRecords, Revision};
use module_settings::{
    AccessLevel, GroupId, ModuleId, OptionName, Scope, SiteId, Store, StoreError,
};
use proptest::prelude::*;

const MODULES: [ModuleId; 2] = [
    ModuleId::from_static("video"),
    ModuleId::from_static("videoport"),
];
const SCOPES: [Scope; 3] = [
    Scope::Common,
    Scope::Site(SiteId::from_static("s1")),
    Scope::Site(SiteId::from_static("s2")),
];
const NAMES: [&str; 3] = ["ServerHost", "window_main", "Имя"];
const GROUPS: [u32; 3] = [1, 5, 9];
const VALUES: [&str; 4] = ["", "Y", "значение", "a much longer value, with \"quotes\""];

/// One module as the model sees it: plain maps keyed by plain values.
#[derive(Debug, Default, Clone, PartialEq)]
struct ModelModule {
    revision: u64,
    options: BTreeMap<(Scope, String), String>,
    defaults: BTreeMap<Scope, AccessLevel>,
    grants: BTreeMap<(Scope, u32), AccessLevel>,
}

impl ModelModule {
    fn apply(&mut self, change: &Edit) {
        match *change {
            Edit::SetOption(s, n, v) => {
                self.options
                    .insert((SCOPES[s], NAMES[n].to_owned()), VALUES[v].to_owned());
            }
            Edit::RemoveOption(s, n) => {
                self.options.remove(&(SCOPES[s], NAMES[n].to_owned()));
            }
            Edit::SetDefault(s, l) => {
                self.defaults.insert(SCOPES[s], l);
            }
            Edit::RemoveDefault(s) => {
                self.defaults.remove(&SCOPES[s]);
            }
            Edit::SetGrant(s, g, l) => {
                self.grants.insert((SCOPES[s], GROUPS[g]), l);
            }
            Edit::RemoveGrant(s, g) => {
                self.grants.remove(&(SCOPES[s], GROUPS[g]));
            }
        }
    }

    /// The store's records in the model's terms, read through accessors.
    fn of(revision: Revision, records: &ModuleRecords) -> Self {
        ModelModule {
            revision: revision.get(),
            options: records
                .all_options()
                .map(|(scope, name, value)| ((scope, name.to_string()), value.to_owned()))
                .collect(),
            defaults: records.defaults().collect(),
            grants: records
                .grants()
                .map(|(scope, group, level)| ((scope, group.get()), level))
                .collect(),
        }
    }
}

/// A change, by indexes into the small universes above.
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    SetOption(usize, usize, usize),
    RemoveOption(usize, usize),
    SetDefault(usize, AccessLevel),
    RemoveDefault(usize),
    SetGrant(usize, usize, AccessLevel),
    RemoveGrant(usize, usize),
}

impl Edit {
    fn to_change(self) -> Change {
        let name = |n: usize| OptionName::new(NAMES[n]).unwrap();
        let group = |g: usize| GroupId::new(GROUPS[g]).unwrap();
        match self {
            Edit::SetOption(s, n, v) => Change::SetOption {
                scope: SCOPES[s],
                name: name(n),
                value: VALUES[v].to_owned(),
            },
            Edit::RemoveOption(s, n) => Change::RemoveOption {
                scope: SCOPES[s],
                name: name(n),
            },
            Edit::SetDefault(s, level) => Change::SetDefault {
                scope: SCOPES[s],
                level,
            },
            Edit::RemoveDefault(s) => Change::RemoveDefault { scope: SCOPES[s] },
            Edit::SetGrant(s, g, level) => Change::SetGrant {
                scope: SCOPES[s],
                group: group(g),
                level,
            },
            Edit::RemoveGrant(s, g) => Change::RemoveGrant {
                scope: SCOPES[s],
                group: group(g),
            },
        }
    }
}

/// One operation on a store.
#[derive(Debug, Clone)]
pub enum Op {
    /// Commit on the module's current revision.
    Commit(usize, Vec<Edit>),
    /// Commit on a revision the module is not at: `current + 1 + k`, or
    /// `current - 1` when `behind` and there is one.
    Stale(usize, Vec<Edit>, u64, bool),
    Load(usize),
    Revision(usize),
    Modules,
}

fn level() -> impl Strategy<Value = AccessLevel> {
    prop::sample::select(AccessLevel::ALL.to_vec())
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..3usize, 0..3usize, 0..4usize).prop_map(|(s, n, v)| Edit::SetOption(s, n, v)),
        (0..3usize, 0..3usize).prop_map(|(s, n)| Edit::RemoveOption(s, n)),
        (0..3usize, level()).prop_map(|(s, l)| Edit::SetDefault(s, l)),
        (0..3usize).prop_map(Edit::RemoveDefault),
        (0..3usize, 0..3usize, level()).prop_map(|(s, g, l)| Edit::SetGrant(s, g, l)),
        (0..3usize, 0..3usize).prop_map(|(s, g)| Edit::RemoveGrant(s, g)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let edits = || prop::collection::vec(edit(), 0..6);
    prop_oneof![
        4 => (0..2usize, edits()).prop_map(|(m, e)| Op::Commit(m, e)),
        2 => (0..2usize, edits(), 0..3u64, any::<bool>()).prop_map(|(m, e, k, b)| Op::Stale(m, e, k, b)),
        2 => (0..2usize).prop_map(Op::Load),
        1 => (0..2usize).prop_map(Op::Revision),
        1 => Just(Op::Modules),
    ]
}

/// Runs `ops` against `store` and the model side by side.
pub fn check(store: &dyn Store, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut model: [ModelModule; 2] = Default::default();
    let mut written = [false; 2];
    for op in ops {
        match op {
            Op::Commit(m, edits) => {
                let changes: Vec<Change> = edits.iter().map(|e| e.to_change()).collect();
                let expected = Revision::new(model[*m].revision);
                let got = store.commit(&MODULES[*m], expected, &changes);
                if !edits.is_empty() {
                    for edit in edits {
                        model[*m].apply(edit);
                    }
                    model[*m].revision += 1;
                    written[*m] = true;
                }
                prop_assert_eq!(
                    got.map_err(|e| e.to_string()),
                    Ok(Revision::new(model[*m].revision))
                );
            }
            Op::Stale(m, edits, k, behind) => {
                let current = model[*m].revision;
                let stale = if *behind && current > 0 {
                    current - 1
                } else {
                    current + 1 + k
                };
                let changes: Vec<Change> = edits.iter().map(|e| e.to_change()).collect();
                match store.commit(&MODULES[*m], Revision::new(stale), &changes) {
                    Err(StoreError::Conflict {
                        module,
                        expected,
                        current: now,
                    }) => {
                        prop_assert_eq!(module, MODULES[*m]);
                        prop_assert_eq!(expected, Revision::new(stale));
                        prop_assert_eq!(now, Revision::new(current));
                    }
                    other => prop_assert!(
                        false,
                        "a stale commit returned {:?}",
                        other.map_err(|e| e.to_string())
                    ),
                }
            }
            Op::Load(m) => {
                let snapshot = store
                    .load(&MODULES[*m])
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(
                    ModelModule::of(snapshot.revision, &snapshot.records),
                    model[*m].clone()
                );
            }
            Op::Revision(m) => {
                let revision = store
                    .revision(&MODULES[*m])
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(revision, Revision::new(model[*m].revision));
            }
            Op::Modules => {
                let listed = store
                    .modules()
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let expected: Vec<ModuleId> =
                    (0..2).filter(|&m| written[m]).map(|m| MODULES[m]).collect();
                prop_assert_eq!(listed, expected);
            }
        }
    }
    // Finally every module must match, whatever the sequence ended with.
    for m in 0..2 {
        let snapshot = store
            .load(&MODULES[m])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(
            ModelModule::of(snapshot.revision, &snapshot.records),
            model[m].clone()
        );
    }
    Ok(())
}

/// Random sequences of operations.
pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..30)
}
