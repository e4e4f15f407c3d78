//! The one write path: every write — a settings form, a reset, the Access
//! tab, an operation — is authorized by [`Settings::authorize`] and then goes
//! through [`Settings::commit_write`]: plan, check the result, commit
//! against the base revision, rebase on conflict, swap the snapshot, emit
//! the event and the audit records.
//!
//! What a write needs of its actor is a [`Need`]: the entry points work
//! it out from the names they are given, before any value is looked at,
//! and `commit_write` works it out again from what the write changes, so
//! a write never commits more than was checked.

pub(crate) mod access_tab;
pub(crate) mod b24;
pub(crate) mod form;
pub(crate) mod merge;
pub(crate) mod need;
pub(crate) mod operate;

use std::sync::Arc;

use crate::access::AccessLevel;
use crate::ids::{ModuleId, Scope};
use crate::options::ValidationErrors;
use crate::settings::actor::Actor;
use crate::settings::cache::state::ModuleState;
use crate::settings::cache::Refresh;
use crate::settings::error::{RecordKey, SettingsError};
use crate::settings::notify::audit::{log_entry, AuditRecord};
use crate::settings::notify::events::{RecordDiff, SettingsEvent, WriteKind};
use crate::settings::registry::Entry;
use crate::settings::write::merge::{diff_of, Intent};
use crate::settings::write::need::Need;
use crate::settings::Settings;
use crate::store::directory::LogEntry;
use crate::store::{Guarded, Precondition, Revision, Store, StoreError};

/// Proof that an actor holds what one write [needs](Need) on a guarding
/// module, for the scopes of the write. Only [`Settings::authorize`] makes
/// one, and [`Settings::commit_write`] needs one: a write path cannot skip
/// the check. It remembers what was checked, so that every retry of the
/// write checks it again on the revision it commits on.
pub(crate) struct Authorized {
    actor: Actor,
    guard: ModuleId,
    scopes: Vec<Scope>,
    need: Need,
    /// The lowest level the actor held in its scopes at the last check:
    /// what errors shown to it may reveal.
    held: AccessLevel,
    /// The guard's revision the last check read. The commit carries it as
    /// a precondition, so the store refuses the write if the guard moved
    /// since: check and commit are one step.
    checked: Revision,
    /// The revision of the store's groups folded into the rights the last
    /// check read, where the facade follows the store's groups and the
    /// store keeps a revision of them. The commit carries it too, so a
    /// group switched off since stops the write inside the store.
    groups_checked: Option<Revision>,
    /// How many directories `set_groups` had been given before the check:
    /// if another came before the commit, the write checks again.
    groups_given: u64,
}

/// One write, ready to commit.
pub(crate) struct Write<'a> {
    pub(crate) kind: WriteKind,
    /// The module written (where the records go).
    pub(crate) entry: &'a Entry,
    /// The snapshot the caller's edit was based on.
    pub(crate) base: Arc<ModuleState>,
    pub(crate) intent: Intent,
}

impl<S: Store> Settings<S> {
    /// Checks that `actor` holds what `need` asks on `guard` in every one
    /// of `scopes`, against the guard's current revision — not the cached
    /// one, so a revoked right stops writes at once.
    ///
    /// Usage comes first: a site the installation does not list is
    /// refused before access is judged.
    pub(crate) fn authorize(
        &self,
        actor: &Actor,
        guard: ModuleId,
        scopes: impl IntoIterator<Item = Scope>,
        need: Need,
    ) -> Result<Authorized, SettingsError> {
        let mut auth = Authorized {
            actor: actor.clone(),
            guard,
            scopes: scopes.into_iter().collect(),
            need,
            held: AccessLevel::D,
            checked: Revision::ZERO,
            groups_checked: None,
            // Read before the check reads anything: a directory given
            // after this moves the count, and the commit checks again.
            groups_given: *crate::sync::read(&self.groups_given),
        };
        self.registry.rights(guard)?;
        self.require_sites(auth.scopes.iter().copied())?;
        self.recheck(&mut auth)?;
        Ok(auth)
    }

    /// Makes `auth` cover what `write` changes: what the write changes
    /// decides what it needs, and an entry point that could not know it
    /// all before (an operation's result) has the rest checked here, on
    /// the guard's current revision. Nothing to do when it was checked.
    pub(crate) fn cover(
        &self,
        auth: &mut Authorized,
        write: &Write<'_>,
    ) -> Result<(), SettingsError> {
        if auth.need.absorb(Need::of(write)?) {
            self.recheck(auth)?;
        }
        Ok(())
    }

    /// Checks `auth` on the guard's current revision, asked of the store.
    fn recheck(&self, auth: &mut Authorized) -> Result<(), SettingsError> {
        let entry = self.registry.rights(auth.guard)?;
        self.refresh(entry, Refresh::Check)?;
        let (guard, groups) = self.current_with_groups(entry);
        self.permits(auth, &guard, groups)
    }

    /// `entry`'s current state, and the revision of the followed groups
    /// read just before it. The groups are folded into every module before
    /// their revision is published, so the state's rights are folded with
    /// groups at least that new: a precondition on the revision can fail
    /// needlessly (a retry) but never pass on groups the check did not
    /// see.
    fn current_with_groups(&self, entry: &Entry) -> (Arc<ModuleState>, Option<Revision>) {
        let groups = self.group_source.revision();
        (entry.cache.current(), groups)
    }

    /// Checks `auth` again before a retry commits: the actor's right may
    /// have been revoked since the last check. `written` is the written
    /// module's state just refreshed from the store: when the write guards
    /// itself (the Access tab, a module guarded by its own rights, such as
    /// Bitrix24) it is the guard's state too;
    /// otherwise the guard is asked for its current revision again.
    fn reauthorize(
        &self,
        auth: &mut Authorized,
        (written, groups): (&ModuleState, Option<Revision>),
    ) -> Result<(), SettingsError> {
        if written.module == auth.guard {
            return self.permits(auth, written, groups);
        }
        self.recheck(auth)
    }

    /// Whether the actor of `auth` holds what it needs in each of its
    /// scopes in `guard`, the guarding module's state (its rights folded
    /// with the groups at `groups`); if so, `auth` remembers the revisions
    /// that were checked and the level held.
    fn permits(
        &self,
        auth: &mut Authorized,
        guard: &ModuleState,
        groups: Option<Revision>,
    ) -> Result<(), SettingsError> {
        let mut lowest = AccessLevel::W;
        for scope in &auth.scopes {
            let held = self.held_in(auth, guard, *scope)?;
            auth.need.check(auth.guard, held)?;
            lowest = lowest.min(held);
        }
        auth.held = lowest;
        auth.checked = guard.revision;
        auth.groups_checked = groups;
        Ok(())
    }

    /// The level the actor of `auth` holds in `scope` of `guard`.
    fn held_in(
        &self,
        auth: &Authorized,
        guard: &ModuleState,
        scope: Scope,
    ) -> Result<AccessLevel, SettingsError> {
        let groups = auth.actor.groups();
        match &guard.rights {
            Some(Ok(compiled)) => Ok(compiled.resolve(groups, scope)),
            // Unusable stored rights deny every check — except the
            // administrator bypass, which reads no rows. So the Access
            // tab stays repairable and options stay writable.
            Some(Err(unusable)) => unusable
                .bypass(groups, scope)
                .map(|decision| decision.level())
                .ok_or_else(|| unusable.error(auth.guard)),
            None => Err(SettingsError::UnknownModule {
                module: auth.guard,
                role: "as a rights module",
            }),
        }
    }

    /// Commits `write`, re-planning it on newer revisions while others'
    /// changes do not collide with it. Returns the new revision,
    /// or, when there is nothing to write, the revision of the module's
    /// current snapshot.
    pub(crate) fn commit_write(
        &self,
        mut auth: Authorized,
        write: Write<'_>,
    ) -> Result<Revision, SettingsError> {
        let module = write.entry.id();
        // Held until the commit is installed (not while subscribers are
        // told): `set_groups` waits for it, and cannot slip in between the
        // check below and the commit.
        let given = crate::sync::read(&self.groups_given);
        if *given != auth.groups_given {
            // A directory was given since the check: check on it.
            auth.groups_given = *given;
            self.recheck(&mut auth)?;
        }
        self.cover(&mut auth, &write)?;
        if !write.entry.cache.produced(&write.base) {
            // Planning on records this facade did not load would commit
            // changes judged against another store and cache a state
            // that is stored nowhere.
            return Err(SettingsError::ForeignSnapshot { module });
        }
        if !write.entry.cache.is_current_lineage(&write.base) {
            // The store went back since the base was loaded: its revision
            // numbers now mean other contents.
            return Err(SettingsError::Outdated {
                module,
                based_on: write.base.revision,
                current: write.entry.cache.current().revision,
            });
        }
        let codec = write.entry.spec.options.as_ref();
        let mut attempt = Arc::clone(&write.base);
        let mut theirs = Vec::new();
        let mut changes = write.intent.plan(codec, &attempt.records);
        if changes.is_empty() {
            // Nothing to write on the base. If the cache has moved on, the
            // write is judged on the current records like any other: it
            // wants nothing there either (the answer is the current
            // revision), or others' changes since collide with it.
            let current = self.current_with_groups(write.entry);
            if current.0.revision != attempt.revision {
                (attempt, theirs) = self.rebase(&mut auth, &write, current)?;
                changes = write.intent.plan(codec, &attempt.records);
            }
        }
        let mut retries = 0;
        loop {
            if changes.is_empty() {
                return Ok(attempt.revision);
            }
            let mut records = attempt.records.clone();
            records.apply_all(&changes);
            let mut next = ModuleState::after(
                &attempt,
                &write.entry.spec,
                &self.resolve,
                &self.groups(),
                records,
                &changes,
            );
            if let Err(errors) = newly_broken(&attempt, &next) {
                return Err(if Arc::ptr_eq(&attempt, &write.base) {
                    // The stored records may hold values of options the
                    // actor may not see: their problems keep no value.
                    SettingsError::Invalid(match codec {
                        Some(codec) => codec.schema().errors_for(errors, auth.held),
                        None => errors,
                    })
                } else {
                    // Valid on the base, broken on what others left: the
                    // merge breaks it.
                    conflict(&write, &attempt, theirs)
                });
            }
            // `NotDurable` is the one error after which the commit happened:
            // cache, event and audit show it like any other committed write,
            // and the caller still hears that the disk did not confirm it.
            // The guard's revision as the last check saw it goes with the
            // commit: a right revoked since stops it inside the store.
            // The groups first: when both moved, the failure names them,
            // and the retry reads them again along with the guard.
            let mut guard: Vec<Precondition> = auth
                .groups_checked
                .map(Precondition::groups)
                .into_iter()
                .collect();
            guard.push(Precondition::new(auth.guard, auth.checked));
            let diffs: Vec<RecordDiff> = changes
                .iter()
                .map(|c| diff_of(c, &attempt.records, codec))
                .collect();
            // The store's event log takes the entries in the commit's own
            // transaction: they land exactly when the changes do.
            let log: Vec<LogEntry> = if self.event_log && self.store.event_log().is_some() {
                diffs
                    .iter()
                    .map(|diff| log_entry(module, diff, &auth.actor))
                    .collect()
            } else {
                Vec::new()
            };
            let committed =
                self.store
                    .commit_logged(&module, attempt.revision, &changes, &guard, &log);
            let (revision, result) = match committed {
                Ok(revision) => (revision, Ok(revision)),
                Err(StoreError::NotDurable {
                    module,
                    revision,
                    source,
                }) => (
                    revision,
                    Err(StoreError::NotDurable {
                        module,
                        revision,
                        source,
                    }
                    .into()),
                ),
                // The module moved, or the guard did since the check: the
                // rebase asks the guard again on its fresh rights (and
                // stops if W is gone) before anything is retried.
                Err(
                    err @ (StoreError::Conflict { .. }
                    | StoreError::PreconditionFailed { .. }
                    | StoreError::NoGroupRevision { .. }),
                ) => {
                    if matches!(
                        err,
                        StoreError::PreconditionFailed {
                            on: Guarded::Groups,
                            ..
                        } | StoreError::NoGroupRevision { .. }
                    ) {
                        // The groups changed since they were read — or the
                        // store stopped keeping their revision (its
                        // triggers were dropped): the refresh reads them,
                        // and their revision, again before the check.
                        self.group_source.changed();
                    }
                    self.refresh(write.entry, Refresh::Check)?;
                    let current = self.current_with_groups(write.entry);
                    (attempt, theirs) = self.rebase(&mut auth, &write, current)?;
                    if retries == self.max_retries {
                        return Err(SettingsError::RetriesExhausted {
                            module,
                            expected: write.base.revision,
                            current: attempt.revision,
                            retries,
                        });
                    }
                    retries += 1;
                    changes = write.intent.plan(codec, &attempt.records);
                    continue;
                }
                Err(err) => {
                    // A failed commit may still have landed (a server that
                    // lost the connection with the commit on its way cannot
                    // always tell): the next read asks the store rather than
                    // trust the snapshot. A spare refresh is cheap.
                    write.entry.cache.invalidate();
                    return Err(err.into());
                }
            };
            next.revision = revision;
            write.entry.cache.install_written(next, &attempt);
            drop(given);
            self.announce(&auth, &write, (attempt.revision, revision), diffs);
            return result;
        }
    }

    /// Moves `write` onto `current`, a later state of its module (rule
    /// 21): checks the actor's right again — the right that allowed the
    /// last try may be gone — and returns `current` with the records
    /// others changed since the base, unless they collide with the write.
    fn rebase(
        &self,
        auth: &mut Authorized,
        write: &Write<'_>,
        (current, groups): (Arc<ModuleState>, Option<Revision>),
    ) -> Result<(Arc<ModuleState>, Vec<RecordKey>), SettingsError> {
        self.reauthorize(auth, (&current, groups))?;
        let theirs = write.intent.theirs(&write.base.records, &current.records);
        if write.intent.collides(&theirs) {
            return Err(conflict(write, &current, theirs));
        }
        Ok((current, theirs))
    }

    /// The event and the audit records of a committed write.
    fn announce(
        &self,
        auth: &Authorized,
        write: &Write<'_>,
        revisions: (Revision, Revision),
        diffs: Vec<RecordDiff>,
    ) {
        let module = write.entry.id();
        let at = self.clocks.now();
        if let Some(sink) = &self.audit {
            for diff in &diffs {
                let record =
                    AuditRecord::new(module, revisions.1, auth.actor.clone(), at, diff.clone());
                // The write is committed: a sink that panics must not
                // take the caller's result, the next records or the event
                // with it. (Unwind safety: the sink gets an owned record
                // and nothing of ours.)
                let call = std::panic::AssertUnwindSafe(|| sink.record(record));
                let _ignored = std::panic::catch_unwind(call);
            }
        }
        self.hub.publish(SettingsEvent::new(
            module,
            write.kind,
            revisions,
            auth.actor.clone(),
            at,
            diffs,
        ));
    }
}

/// The conflict error of `write` against the module at `current`.
fn conflict(write: &Write<'_>, current: &ModuleState, theirs: Vec<RecordKey>) -> SettingsError {
    SettingsError::Conflict {
        module: write.entry.id(),
        expected: write.base.revision,
        current: current.revision,
        ours: write.intent.ours(),
        theirs,
    }
}

/// The decode errors of every options scope that decoded in `before` but
/// not in `after`: a write must not break stored options (scopes already
/// broken may be repaired one field at a time).
fn newly_broken(before: &ModuleState, after: &ModuleState) -> Result<(), ValidationErrors> {
    let (Some(old), Some(new)) = (&before.options, &after.options) else {
        return Ok(());
    };
    for (scope, value) in new.scopes() {
        if let Err(errors) = value {
            if old.get(scope).is_ok() {
                return Err(errors.clone());
            }
        }
    }
    Ok(())
}
