//! [`AccessTab`]: a module's Access tab as rendered from one snapshot,
//! edited, and applied as the minimal set of changes.

use std::fmt;
use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::Serialize;

use crate::access::{accepted_level, AccessError, AccessLevel, LevelInfo, ModuleLevels};
use crate::groups::{Group, GroupDirectory};
use crate::ids::{GroupId, ModuleId, Scope};
use crate::label::Label;
use crate::settings::actor::Actor;
use crate::settings::cache::state::ModuleState;
use crate::settings::error::SettingsError;
use crate::settings::notify::events::WriteKind;
use crate::settings::write::merge::Intent;
use crate::settings::write::need::Need;
use crate::settings::write::Write;
use crate::settings::Settings;
use crate::store::{Change, ModuleRecords, Revision, Store, UnreadableRight};

/// A default-level row of the Access tab: the common "Default" row, or a
/// site's own default. Rows are made by [`AccessTab`] only (more fields
/// may come), so they cannot be built outside the crate:
///
/// ```compile_fail
/// use module_settings::settings::DefaultRow;
/// use module_settings::Scope;
/// let row = DefaultRow { scope: Scope::Common, level: None, label: None };
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DefaultRow {
    /// Common, or one site.
    pub scope: Scope,
    /// The level; `None` when unset (the common default then means D, a
    /// site falls back to the common default) — or when its stored row
    /// cannot be read: [`AccessTab::unreadable_rows`] lists it then.
    pub level: Option<AccessLevel>,
    /// The level's label; `None` when unset or when the stored level is
    /// one the module does not accept (a row to repair).
    pub label: Option<Label>,
    /// Whether the module lists the level (an unset level counts as
    /// listed). `false` marks an invalid row to repair: every check of an
    /// ordinary user denies until it is.
    pub accepted: bool,
}

/// A group's row of the Access tab. Made by [`AccessTab`] only (more
/// fields may come):
///
/// ```compile_fail
/// use module_settings::settings::GrantRow;
/// use module_settings::{AccessLevel, GroupId, Scope};
/// let row = GrantRow {
///     scope: Scope::Common,
///     group: GroupId::EVERYONE,
///     name: None,
///     active: true,
///     level: AccessLevel::R,
///     label: None,
///     accepted: true,
/// };
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GrantRow {
    /// Common, or one site.
    pub scope: Scope,
    /// The user group.
    pub group: GroupId,
    /// The group's name, when the group directory lists it.
    pub name: Option<String>,
    /// Whether the group is switched on. A switched-off group's grant is
    /// kept (and shown) but counts for nothing until it is back on.
    pub active: bool,
    /// The level granted.
    pub level: AccessLevel,
    /// The level's label; `None` when the stored level is one the module
    /// does not accept (a row to repair).
    pub label: Option<Label>,
    /// Whether the module lists the level. `false` marks an invalid row to
    /// repair (M on a module with D, R, W): every check of an ordinary
    /// user denies until it is.
    pub accepted: bool,
}

/// One active group's row of the Access tab as Bitrix draws it: every
/// switched-on group of the directory, by name, with its own level in one
/// scope or none ("default"). Made by [`AccessTab::group_rows`] only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GroupRow {
    /// The user group.
    pub group: GroupId,
    /// Its name.
    pub name: String,
    /// Its own level in the scope asked for; `None`: "default".
    pub level: Option<AccessLevel>,
    /// The level's label, when set and listed by the module.
    pub label: Option<Label>,
}

/// One module's Access tab: the level list with labels, the
/// default row, per-site defaults, and one row per (scope, group) grant —
/// as rendered from one snapshot, then edited.
///
/// The "Add access right" link of Bitrix's page is
/// [`set_grant`](Self::set_grant) for a group that has no row yet; "set to
/// default" is [`remove_grant`](Self::remove_grant). Every level set is
/// checked against the module's levels
/// ([`AccessError::LevelNotAccepted`]).
///
/// Stored rows that need repair are shown, never hidden: a row with a
/// level the module does not list appears among the grant or default rows
/// with `accepted: false` and no label; a row whose level cannot be read
/// at all (`X`, `w`, NULL, rows of one record that disagree) is listed by
/// [`unreadable_rows`](Self::unreadable_rows) with its row id and stored
/// text. Setting or removing the same record — a grant, "set to default",
/// a default level — replaces every stored row of it; while any such row
/// is left, checks of ordinary users deny. Administrators (with the
/// bypass on) hold W regardless, so they can always apply the tab.
///
/// [`Settings::apply_access_tab`] commits only the rows that were changed
/// here, relative to the rendered revision; rows the admin did not touch,
/// including rows others changed meanwhile, are left alone.
///
/// Group names and activity come from the facade's group directory (the
/// store's `b_group` where it has one): each grant row carries its group's
/// name and whether the group is switched on, and
/// [`group_rows`](Self::group_rows) lists the switched-on groups as
/// Bitrix's page does.
///
/// Serialized for admin pages as `{"module", "revision", "levels",
/// "defaults", "groups", "grants", "unreadable"}` (the current, edited
/// rows; `groups` is [`group_rows`](Self::group_rows) of the common
/// scope; each unreadable row as `{"key", "row_id", "record", "raw",
/// "reason"}`).
///
/// ```
/// use module_settings::settings::{Actor, Settings};
/// use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let settings = Settings::in_memory();
/// let admin = Actor::new([GroupId::ADMINISTRATORS]);
/// let video = ModuleId::from_static("video");
///
/// let mut tab = settings.access_tab(video)?;
/// tab.set_default(Scope::Common, AccessLevel::R)?;
/// tab.set_grant(Scope::Site(SiteId::from_static("s1")), GroupId::from_static(5), AccessLevel::W)?;
/// assert!(tab.set_grant(Scope::Common, GroupId::from_static(6), AccessLevel::M).is_err()); // no M in video
/// assert_eq!(tab.changes().len(), 2);
/// settings.apply_access_tab(&admin, tab)?;
///
/// let tab = settings.access_tab(video)?;
/// assert_eq!(tab.revision().get(), 1);
/// assert_eq!(tab.default_row().label.unwrap().en, "view all module data");
/// assert_eq!(tab.grant_rows()[0].group, GroupId::from_static(5));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AccessTab {
    module: ModuleId,
    levels: ModuleLevels,
    base: Arc<ModuleState>,
    /// The base's records with the admin's edits applied: the tab's rows
    /// are its defaults and grants, and what applying the tab writes is
    /// how they differ from the base's.
    edited: ModuleRecords,
    /// The site's groups when the tab was rendered: names and activity.
    groups: GroupDirectory,
}

impl AccessTab {
    fn render(
        module: ModuleId,
        levels: ModuleLevels,
        base: Arc<ModuleState>,
        groups: GroupDirectory,
    ) -> Self {
        AccessTab {
            module,
            levels,
            edited: base.records.clone(),
            base,
            groups,
        }
    }

    /// The name of `group`, if the group directory lists it.
    pub fn group_name(&self, group: GroupId) -> Option<&str> {
        self.groups.get(group).map(Group::name)
    }

    /// Bitrix's view of the tab in `scope`: one row per **switched-on**
    /// group of the group directory, in its order (sort order, then id),
    /// with the group's own level there or none. Empty when the facade
    /// has no group directory. Groups this list leaves out — switched off,
    /// or unknown to the directory — keep their rows in
    /// [`grant_rows`](Self::grant_rows), and applying the tab never
    /// removes a row that was not edited.
    pub fn group_rows(&self, scope: Scope) -> Vec<GroupRow> {
        self.groups
            .iter()
            .filter(|group| self.groups.is_active(group.id()))
            .map(|group| {
                let level = self.edited.grant(scope, group.id());
                GroupRow {
                    group: group.id(),
                    name: group.name().to_owned(),
                    level,
                    label: level.and_then(|l| self.label(l)),
                }
            })
            .collect()
    }

    /// The module.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// The revision the tab was rendered at.
    pub fn revision(&self) -> Revision {
        self.base.revision
    }

    /// The levels the module accepts, lowest first, with labels: the
    /// choices of every drop-down.
    pub fn levels(&self) -> &'static [LevelInfo] {
        self.levels.entries()
    }

    fn label(&self, level: AccessLevel) -> Option<Label> {
        self.levels.label(level).copied()
    }

    fn default_row_of(&self, scope: Scope, level: Option<AccessLevel>) -> DefaultRow {
        DefaultRow {
            scope,
            level,
            label: level.and_then(|l| self.label(l)),
            accepted: level.is_none_or(|l| self.levels.accepts(l)),
        }
    }

    /// The "Default" row: the common default level.
    pub fn default_row(&self) -> DefaultRow {
        self.default_row_of(Scope::Common, self.edited.default_level(Scope::Common))
    }

    /// The sites' own default rows, by site.
    pub fn site_default_rows(&self) -> Vec<DefaultRow> {
        self.edited
            .defaults()
            .filter(|(scope, _)| *scope != Scope::Common)
            .map(|(scope, level)| self.default_row_of(scope, Some(level)))
            .collect()
    }

    /// One row per grant, by scope (common first), then group.
    pub fn grant_rows(&self) -> Vec<GrantRow> {
        self.edited
            .grants()
            .map(|(scope, group, level)| GrantRow {
                scope,
                group,
                name: self.group_name(group).map(str::to_owned),
                active: self.groups.is_active(group),
                level,
                label: self.label(level),
                accepted: self.levels.accepts(level),
            })
            .collect()
    }

    /// The stored rows whose level cannot be read, by record, then row
    /// id: each with its record (a default or a group's grant, and the
    /// scope), where it is stored (table and row id), its stored text (at
    /// most 64 characters; `None` for NULL) and why it cannot be read.
    /// A record listed here has no default or grant row. Setting or
    /// removing the record takes its rows off this list, and applying the
    /// tab replaces them in the store.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use module_settings::settings::{Actor, Settings};
    /// use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
    /// let settings = Settings::in_memory();
    /// let tab = settings.access_tab(ModuleId::from_static("video"))?;
    /// assert!(tab.unreadable_rows().is_empty()); // the memory store never holds bad rows
    /// # Ok(()) }
    /// ```
    pub fn unreadable_rows(&self) -> Vec<UnreadableRight> {
        self.edited.unreadable().cloned().collect()
    }

    /// Sets `group`'s level in `scope` (adding the row if it is new).
    /// Returns the level it replaces.
    ///
    /// # Errors
    ///
    /// [`AccessError::LevelNotAccepted`]; the tab is unchanged then.
    pub fn set_grant(
        &mut self,
        scope: Scope,
        group: GroupId,
        level: AccessLevel,
    ) -> Result<Option<AccessLevel>, AccessError> {
        let level = accepted_level(self.module, self.levels, level)?;
        let old = self.edited.grant(scope, group);
        self.edited.apply(&Change::SetGrant {
            scope,
            group,
            level,
        });
        Ok(old)
    }

    /// Removes `group`'s row in `scope` — "set to default". Returns the
    /// removed level (`None` when there was no readable one: an unreadable
    /// row of that record is removed too).
    pub fn remove_grant(&mut self, scope: Scope, group: GroupId) -> Option<AccessLevel> {
        let old = self.edited.grant(scope, group);
        self.edited.apply(&Change::RemoveGrant { scope, group });
        old
    }

    /// Sets the default level of `scope` (the common "Default" row, or a
    /// site's own). Returns the level it replaces.
    ///
    /// # Errors
    ///
    /// [`AccessError::LevelNotAccepted`]; the tab is unchanged then.
    pub fn set_default(
        &mut self,
        scope: Scope,
        level: AccessLevel,
    ) -> Result<Option<AccessLevel>, AccessError> {
        let level = accepted_level(self.module, self.levels, level)?;
        let old = self.edited.default_level(scope);
        self.edited.apply(&Change::SetDefault { scope, level });
        Ok(old)
    }

    /// Unsets the default level of `scope`. Returns the removed level
    /// (`None` when there was no readable one: an unreadable row of that
    /// record is removed too).
    pub fn remove_default(&mut self, scope: Scope) -> Option<AccessLevel> {
        let old = self.edited.default_level(scope);
        self.edited.apply(&Change::RemoveDefault { scope });
        old
    }

    /// What applying the tab would change, relative to the rendered
    /// revision: defaults first, then grants.
    pub fn changes(&self) -> Vec<Change> {
        self.base.records.changes_to(&self.edited)
    }

    /// Whether anything was edited.
    pub fn is_changed(&self) -> bool {
        !self.changes().is_empty()
    }
}

impl fmt::Debug for AccessTab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTab")
            .field("module", &self.module)
            .field("revision", &self.base.revision)
            .field("defaults", &self.edited.defaults().collect::<Vec<_>>())
            .field("grants", &self.edited.grants().collect::<Vec<_>>())
            .field("unreadable", &self.edited.unreadable().collect::<Vec<_>>())
            .finish()
    }
}

impl Serialize for AccessTab {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut defaults = vec![self.default_row()];
        defaults.extend(self.site_default_rows());
        let mut out = s.serialize_struct("AccessTab", 7)?;
        out.serialize_field("module", &self.module)?;
        out.serialize_field("revision", &self.base.revision)?;
        out.serialize_field("levels", &self.levels)?;
        out.serialize_field("defaults", &defaults)?;
        out.serialize_field("groups", &self.group_rows(Scope::Common))?;
        out.serialize_field("grants", &self.grant_rows())?;
        out.serialize_field("unreadable", &self.unreadable_rows())?;
        out.end()
    }
}

impl<S: Store> Settings<S> {
    /// The Access tab of rights module `module`, rendered from its current
    /// snapshot (within the staleness bound).
    ///
    /// # Errors
    ///
    /// [`SettingsError::UnknownModule`] if `module` is not a registered
    /// rights module; [`SettingsError::Store`] if a refresh failed.
    pub fn access_tab(&self, module: ModuleId) -> Result<AccessTab, SettingsError> {
        let entry = self.registry.rights(module)?;
        let base = self.snapshot(entry)?;
        let Some(levels) = entry.spec.levels else {
            return Err(SettingsError::UnknownModule {
                module,
                role: "as a rights module",
            });
        };
        Ok(AccessTab::render(module, levels, base, self.groups()))
    }

    /// Applies an edited Access tab: `actor` needs **W** on the module in
    /// every scope the edits touch (the common scope when there are none);
    /// then only the changed rows are committed, merged with others'
    /// changes to other rows. Returns the new revision, or the
    /// current one when nothing was edited (no event then).
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`], [`SettingsError::Conflict`] (someone
    /// else changed the same row), [`SettingsError::Store`];
    /// [`SettingsError::ForeignSnapshot`] for a tab taken from another
    /// `Settings` instance.
    pub fn apply_access_tab(
        &self,
        actor: &Actor,
        tab: AccessTab,
    ) -> Result<Revision, SettingsError> {
        let entry = self.registry.rights(tab.module)?;
        let changes = tab.changes();
        let mut scopes: Vec<Scope> = changes.iter().map(Change::scope).collect();
        scopes.sort_unstable();
        scopes.dedup();
        if scopes.is_empty() {
            scopes.push(Scope::Common);
        }
        let auth = self.authorize(actor, tab.module, scopes, Need::rights())?;
        let write = Write {
            kind: WriteKind::AccessTab,
            entry,
            base: tab.base,
            intent: Intent::Records(changes),
        };
        self.commit_write(auth, write)
    }
}
