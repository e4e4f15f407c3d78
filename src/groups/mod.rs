//! Bitrix's user groups: who they are, and which of them are switched on.
//!
//! - [`Group`]: one row of Bitrix's `b_group` — id, name, whether it is
//!   active, its sort order (`C_SORT`) and its optional string id.
//! - [`GroupDirectory`]: an immutable, cheaply cloned set of groups, found
//!   by id in O(log n) and listed in Bitrix's order (sort, then id).
//! - [`GroupError`]: what can be wrong with a directory's rows.
//!
//! # What a directory changes
//!
//! Compiled with a directory
//! ([`ModuleRights::compile_with`](crate::access::ModuleRights::compile_with),
//! [`SettingsBuilder::groups`](crate::settings::SettingsBuilder::groups)),
//! access checks treat a user's **inactive** groups as if the user were not
//! in them — as Bitrix does, which never counts a switched-off group:
//!
//! - an inactive group's grants count nowhere, in no scope;
//! - it is not "a group without a grant" either, so it brings no default
//!   level to [`roles`](crate::access::CompiledRights::roles);
//! - an inactive administrator group gives no bypass.
//!
//! Two rules keep this safe:
//!
//! - **Groups 1 (administrators) and 2 (everyone) are always active**,
//!   whatever their row says: Bitrix's own admin page cannot switch them
//!   off, and a row that claims otherwise must not lock every administrator
//!   out or drop the grants everyone relies on.
//! - **A group the directory does not list counts as active.** An unknown
//!   group is not a switched-off one: a directory read from a site that has
//!   not listed every group (a partial export, a group created after the
//!   directory was read) must not silently drop that group's grants. Only
//!   a row that says "inactive" switches a group off.
//!
//! This module lives beside [`access`](crate::access) rather than inside
//! it: groups are the site's user directory, which the rights refer to but
//! do not own — a store reads them from `b_group`, an admin page lists them
//! by name — and the resolver only needs to know which are switched off.
//!
//! # Examples
//!
//! ```
//! use module_settings::access::{ModuleLevels, ModuleRights, ResolveOptions};
//! use module_settings::groups::{Group, GroupDirectory};
//! use module_settings::{AccessLevel, GroupId, ModuleId, Scope};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let editors = GroupId::from_static(5);
//! let directory = GroupDirectory::new([
//!     Group::new(GroupId::ADMINISTRATORS, "Administrators").with_sort(1),
//!     Group::new(GroupId::EVERYONE, "Everyone").with_sort(2),
//!     Group::new(editors, "Editors").with_active(false),
//! ])?;
//!
//! let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
//! rights.set_default(Scope::Common, AccessLevel::R)?;
//! rights.grant(Scope::Common, editors, AccessLevel::W)?;
//!
//! let user = [GroupId::EVERYONE, editors];
//! assert_eq!(rights.compile(ResolveOptions::new()).resolve(&user, Scope::Common), AccessLevel::W);
//! // The editors group is switched off: its W no longer counts.
//! let compiled = rights.compile_with(ResolveOptions::new(), &directory);
//! assert_eq!(compiled.explain(&user, Scope::Common).to_string(), "R: default of the common scope");
//! # Ok(()) }
//! ```

mod directory;
mod error;
mod group;

pub use directory::GroupDirectory;
pub use error::GroupError;
pub use group::Group;
