//! [`ModuleLevels`]: the levels a module accepts, with their labels.

use serde::Serialize;

use super::level::{AccessLevel, AccessLevels};
use crate::label::Label;

/// One level a module accepts and what it means there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelInfo {
    /// The level.
    pub level: AccessLevel,
    /// What the level allows in this module.
    pub label: Label,
}

impl LevelInfo {
    /// A level with its label.
    pub const fn new(level: AccessLevel, label: Label) -> Self {
        LevelInfo { level, label }
    }
}

/// The levels one module accepts, lowest first, each with a label — the
/// choices of the Access tab's drop-downs.
///
/// Every list holds [`AccessLevel::D`], because "no access" is where an unset
/// default resolves to.
///
/// ```
/// use module_settings::access::ModuleLevels;
/// use module_settings::AccessLevel;
/// let video = ModuleLevels::VIDEO;
/// assert!(video.accepts(AccessLevel::R) && !video.accepts(AccessLevel::M));
/// assert_eq!(video.label(AccessLevel::W).unwrap().en, "write");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleLevels {
    entries: &'static [LevelInfo],
    accepted: AccessLevels,
}

impl ModuleLevels {
    /// The video-conferencing module (`video`): D, R, W.
    pub const VIDEO: ModuleLevels = ModuleLevels::new(&[
        LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
        LevelInfo::new(
            AccessLevel::R,
            Label::new("просмотр всех данных модуля", "view all module data"),
        ),
        LevelInfo::new(AccessLevel::W, Label::new("запись", "write")),
    ]);

    /// The Bitrix24 integration module (`b24connector`): D, M, R, W, with the
    /// labels its help page gives.
    pub const B24_CONNECTOR: ModuleLevels = ModuleLevels::new(&[
        LevelInfo::new(AccessLevel::D, Label::new("доступ закрыт", "access closed")),
        LevelInfo::new(
            AccessLevel::M,
            Label::new(
                "просмотр статистики без финансовых показателей",
                "view statistics without financial figures",
            ),
        ),
        LevelInfo::new(
            AccessLevel::R,
            Label::new("просмотр всей статистики", "view all statistics"),
        ),
        LevelInfo::new(
            AccessLevel::W,
            Label::new(
                "полный административный доступ",
                "full administrative access",
            ),
        ),
    ]);

    /// A module's level list.
    ///
    /// # Panics
    ///
    /// If the list is not strictly ascending or lacks D (in a `const` item
    /// that is a compile error).
    pub const fn new(entries: &'static [LevelInfo]) -> Self {
        let mut accepted = AccessLevels::empty();
        let mut i = 0;
        while i < entries.len() {
            if i > 0 && entries[i - 1].level.rank() >= entries[i].level.rank() {
                panic!("module levels must be listed lowest first, each once");
            }
            accepted = accepted.with(entries[i].level);
            i += 1;
        }
        if !accepted.has(AccessLevel::D) {
            panic!("every module accepts level D");
        }
        ModuleLevels { entries, accepted }
    }

    /// The accepted levels as a set.
    pub const fn accepted(&self) -> AccessLevels {
        self.accepted
    }

    /// Whether the module accepts `level`.
    pub const fn accepts(&self, level: AccessLevel) -> bool {
        self.accepted.has(level)
    }

    /// The label of `level`, if the module accepts it.
    pub fn label(&self, level: AccessLevel) -> Option<&'static Label> {
        let entries: &'static [LevelInfo] = self.entries;
        entries.iter().find(|e| e.level == level).map(|e| &e.label)
    }

    /// The levels with their labels, lowest first.
    pub fn entries(&self) -> &'static [LevelInfo] {
        self.entries
    }
}

impl Serialize for ModuleLevels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(s)
    }
}
