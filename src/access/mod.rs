//! Access rights: levels, each module's Access tab, and the resolver that
//! answers "what may this user do here, and why".
//!
//! - [`AccessLevel`] (D < M < R < W) and the set [`AccessLevels`];
//!   [`ModuleLevels`]: the levels a module accepts, with labels.
//! - [`ModuleRights`]: one module's Access tab — a default level, per-site
//!   defaults and grants per (scope, group).
//! - [`CompiledRights`]: the rights compiled for checks that take time
//!   proportional to the user's groups and allocate nothing, with
//!   Bitrix's `GetUserRight` semantics; [`ResolveOptions`] are its switches
//!   and [`ScopeQuery`] says which scopes a check looks at.
//! - [`Decision`] and [`Reason`]: a level and why; [`DecisionResultExt`]
//!   makes checks on a failed load deny (fail closed).
//!
//! # Resolution rules
//!
//! For a user's groups and a [`ScopeQuery`]:
//!
//! 0. groups that the [`GroupDirectory`](crate::groups::GroupDirectory) the
//!    rights were compiled with marks inactive
//!    ([`ModuleRights::compile_with`]) count as if the user were not in
//!    them: no grant, no bypass, no default role of their own — a user
//!    left with no group at all is a user without groups;
//! 1. group 2, [`GroupId::EVERYONE`](crate::GroupId::EVERYONE), counts as
//!    one of the user's groups whether the list names it or not (every
//!    user is in it, and it is always active;
//!    [`ResolveOptions::implicit_everyone`] turns this off);
//! 2. with the administrator bypass on (the default), a member of an
//!    administrator group (group 1 by default) gets **W**;
//! 3. else, if any of the groups has a grant the query counts, the
//!    **highest** such grant — the default is not applied per group;
//! 4. else the query's default (the site's, else the common one, else D),
//!    or D when [`ResolveOptions::use_default`] is off.
//!
//! Group order and duplicates never change the answer; ties are explained
//! by the lowest group id; a check whose rights could not be loaded denies.
//!
//! # Examples
//!
//! Rights → compiled → explained:
//!
//! ```
//! use module_settings::access::{ModuleLevels, ModuleRights, Reason, ResolveOptions};
//! use module_settings::{AccessLevel, GroupId, ModuleId, Scope, SiteId};
//! # fn main() -> Result<(), module_settings::access::AccessError> {
//! let s1 = SiteId::from_static("s1");
//! let editors = GroupId::from_static(5);
//!
//! let mut rights = ModuleRights::new(ModuleId::from_static("video"), ModuleLevels::VIDEO);
//! rights.set_default(Scope::Common, AccessLevel::R)?;
//! rights.grant(Scope::Site(s1), editors, AccessLevel::W)?;
//! let compiled = rights.compile(ResolveOptions::new());
//!
//! let editor = [GroupId::EVERYONE, editors];
//! let decision = compiled.explain(&editor, s1);
//! assert_eq!(decision.level(), AccessLevel::W);
//! assert_eq!(decision.reason(), Reason::Grant { group: editors, scope: Scope::Site(s1) });
//! assert_eq!(decision.to_string(), "W: grant of group 5 in site s1");
//!
//! // The same editor on the common scope only has the default.
//! assert_eq!(compiled.explain(&editor, Scope::Common).to_string(), "R: default of the common scope");
//! // Saving the settings needs W.
//! assert!(compiled.require(&editor, Scope::Common, AccessLevel::W).is_err());
//! # Ok(()) }
//! ```

mod catalog;
mod cell;
mod check;
mod decision;
mod error;
mod index;
mod layout;
mod level;
mod options;
mod query;
mod resolve;
mod rights;
mod table;

pub use catalog::{LevelInfo, ModuleLevels};
pub use check::DecisionResultExt;
pub use decision::{Decision, Reason};
pub use error::AccessError;
pub use index::CompiledRights;
pub use level::{AccessLevel, AccessLevels};
pub use options::ResolveOptions;
pub use query::ScopeQuery;
pub(crate) use rights::accepted_level;
pub use rights::{Grant, ModuleRights};
