//! Typed module settings and Bitrix-style access rights.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod ids;
mod label;

pub use access::{AccessError, AccessLevel, AccessLevels, LevelInfo, ModuleLevels};
pub use access::{
    CompiledRights, Decision, DecisionResultExt, Grant, ModuleRights, Reason, ResolveOptions,
    ScopeQuery,
};
pub use ids::{GroupId, IdError, ModuleId, OptionName, Scope, SiteId};
pub use label::Label;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
