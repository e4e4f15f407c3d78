//! [`Need`]: what a write asks of its actor on the guarding module — a
//! floor every write of its kind needs, and the edit level of each option
//! it changes — and the one check of a held level against it.

use crate::access::AccessLevel;
use crate::ids::{ModuleId, OptionName};
use crate::options::ModuleSchema;
use crate::settings::error::SettingsError;
use crate::settings::notify::events::WriteKind;
use crate::settings::write::Write;

/// The stored name of option `name` of `schema`'s module.
///
/// # Errors
///
/// [`SettingsError::UnknownOption`] (with at most 64 characters of
/// `name`) when the module has no such option.
pub(crate) fn option_name(schema: &ModuleSchema, name: &str) -> Result<OptionName, SettingsError> {
    match schema.option(name) {
        Some(spec) => Ok(spec.name().clone()),
        None => Err(SettingsError::UnknownOption {
            module: schema.module(),
            name: name.chars().take(64).collect(),
        }),
    }
}

/// The levels one write needs on its guarding module.
#[derive(Debug, Clone)]
pub(crate) struct Need {
    /// What any write of this kind needs: W for rights, and for options
    /// the lowest edit level among the options the write could change —
    /// an actor who may change none of them is denied at the module.
    floor: AccessLevel,
    /// The options the write changes whose edit level is above `floor`,
    /// in page order.
    options: Vec<(OptionName, AccessLevel)>,
}

impl Need {
    /// A write of a module's rights (its Access tab): W.
    pub(crate) fn rights() -> Self {
        Need {
            floor: AccessLevel::W,
            options: Vec::new(),
        }
    }

    /// A write that changes options `names` of `schema`'s module —
    /// `operation` when it is an [operation](crate::settings::Settings::operate),
    /// the one write that may change operation-only options.
    ///
    /// # Errors
    ///
    /// The mistakes of usage, found before any access is judged:
    /// [`SettingsError::UnknownOption`] for the first name the schema does
    /// not list; [`SettingsError::OperationOnly`] naming every
    /// operation-only option of `names`, unless `operation`.
    pub(crate) fn options<'n>(
        schema: &ModuleSchema,
        names: impl IntoIterator<Item = &'n OptionName>,
        operation: bool,
    ) -> Result<Self, SettingsError> {
        let module = schema.module();
        let mut named: Vec<&OptionName> = Vec::new();
        for name in names {
            option_name(schema, name.as_str())?;
            named.push(name);
        }
        if !operation {
            let only: Vec<OptionName> = schema
                .options()
                .iter()
                .filter(|spec| spec.is_operation_only() && named.contains(&spec.name()))
                .map(|spec| spec.name().clone())
                .collect();
            if !only.is_empty() {
                return Err(SettingsError::OperationOnly {
                    module,
                    options: only,
                });
            }
        }
        let floor = schema
            .options()
            .iter()
            .filter(|spec| operation || !spec.is_operation_only())
            .map(|spec| spec.edit())
            .min()
            .unwrap_or(AccessLevel::W);
        // Page order, each option once: what a denial lists.
        let options = schema
            .options()
            .iter()
            .filter(|spec| spec.edit() > floor && named.contains(&spec.name()))
            .map(|spec| (spec.name().clone(), spec.edit()))
            .collect();
        Ok(Need { floor, options })
    }

    /// What `write` needs, from what it actually changes: the same
    /// function the entry points use before they look at values, so no
    /// write path can commit more than was checked.
    pub(crate) fn of(write: &Write<'_>) -> Result<Self, SettingsError> {
        let operation = matches!(write.kind, WriteKind::Operation { .. });
        let mut need = match write.entry.spec.options.as_ref() {
            Some(codec) => Need::options(codec.schema(), write.intent.options(), operation)?,
            None => Need::rights(),
        };
        if write.intent.writes_rights() {
            need.floor = AccessLevel::W;
            let floor = need.floor;
            need.options.retain(|(_, level)| *level > floor);
        }
        Ok(need)
    }

    /// Adds what `other` needs; whether that asks for anything this did
    /// not (so a held level checked against this must be checked again).
    pub(crate) fn absorb(&mut self, other: Need) -> bool {
        let mut more = false;
        if other.floor > self.floor {
            self.floor = other.floor;
            more = true;
        }
        for (name, level) in other.options {
            if level > self.floor && !self.options.iter().any(|(n, _)| *n == name) {
                self.options.push((name, level));
                more = true;
            }
        }
        let floor = self.floor;
        self.options.retain(|(_, level)| *level > floor);
        more
    }

    /// Whether `held` on `guard` is enough.
    ///
    /// # Errors
    ///
    /// [`SettingsError::Denied`] when `held` is below the floor (the
    /// module-level denial, as for any write); else
    /// [`SettingsError::OptionsDenied`] naming every option whose edit
    /// level is above `held`.
    pub(crate) fn check(&self, guard: ModuleId, held: AccessLevel) -> Result<(), SettingsError> {
        if held < self.floor {
            return Err(SettingsError::Denied {
                module: guard,
                needed: self.floor,
                held,
            });
        }
        let denied: Vec<&(OptionName, AccessLevel)> = self
            .options
            .iter()
            .filter(|(_, level)| held < *level)
            .collect();
        match denied.iter().map(|(_, level)| *level).max() {
            None => Ok(()),
            Some(needed) => Err(SettingsError::OptionsDenied {
                module: guard,
                options: denied.into_iter().map(|(name, _)| name.clone()).collect(),
                needed,
                held,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::ModuleLevels;
    use crate::label::Label;
    use crate::options::{OptionKind, OptionSpec};

    const FLAG: OptionSpec = OptionSpec::new("flag", OptionKind::Bool, Label::new("ф", "f"))
        .with_default("N")
        .with_view(AccessLevel::M)
        .with_edit(AccessLevel::M);
    const LIMIT: OptionSpec = OptionSpec::new(
        "limit",
        OptionKind::Integer {
            min: 1,
            max: 9,
            optional: true,
        },
        Label::new("л", "l"),
    )
    .with_edit(AccessLevel::R);
    const TOKEN: OptionSpec = OptionSpec::new(
        "token",
        OptionKind::Secret { max_chars: 9 },
        Label::new("т", "t"),
    );
    const STATE: OptionSpec = OptionSpec::new(
        "state",
        OptionKind::Text { max_chars: 9 },
        Label::new("с", "s"),
    )
    .with_edit(AccessLevel::D)
    .operation_only();
    const OPTIONS: &[OptionSpec] = &[FLAG, LIMIT, TOKEN, STATE];

    fn schema() -> ModuleSchema {
        let id = ModuleId::from_static("crm");
        ModuleSchema::new(
            id,
            id,
            Label::new("", ""),
            OPTIONS,
            ModuleLevels::B24_CONNECTOR,
        )
    }

    fn names(names: &[&'static str]) -> Vec<OptionName> {
        names.iter().map(|n| OptionName::from_static(n)).collect()
    }

    #[test]
    fn the_floor_is_the_lowest_edit_level_a_write_could_use() {
        let form = Need::options(&schema(), &names(&[]), false).unwrap();
        assert_eq!(form.floor, AccessLevel::M);
        // An operation may change the operation-only state, editable at D.
        let operation = Need::options(&schema(), &names(&[]), true).unwrap();
        assert_eq!(operation.floor, AccessLevel::D);
        let rights = Need::rights();
        assert_eq!(rights.floor, AccessLevel::W);
    }

    #[test]
    fn a_denial_names_every_option_above_the_held_level_in_page_order() {
        let crm = ModuleId::from_static("crm");
        let need = Need::options(&schema(), &names(&["token", "flag", "limit"]), false).unwrap();
        assert!(need.check(crm, AccessLevel::W).is_ok());
        let err = need.check(crm, AccessLevel::M).unwrap_err();
        assert_eq!(
            err.to_string(),
            "access denied to options limit, token: needs up to W on module crm, holds M"
        );
        let err = need.check(crm, AccessLevel::D).unwrap_err();
        assert_eq!(
            err.to_string(),
            "access denied to module crm: needs M, holds D"
        );
        let only_flag = Need::options(&schema(), &names(&["flag"]), false).unwrap();
        assert!(only_flag.check(crm, AccessLevel::M).is_ok());
    }

    #[test]
    fn usage_mistakes_come_before_any_level() {
        let err = Need::options(&schema(), &names(&["nope"]), false).unwrap_err();
        assert!(matches!(err, SettingsError::UnknownOption { .. }), "{err}");
        let err = Need::options(&schema(), &names(&["state", "flag"]), false).unwrap_err();
        assert!(matches!(err, SettingsError::OperationOnly { .. }), "{err}");
        assert!(Need::options(&schema(), &names(&["state"]), true).is_ok());
    }

    #[test]
    fn absorbing_says_whether_more_is_needed() {
        let mut need = Need::options(&schema(), &names(&[]), false).unwrap();
        let same = Need::options(&schema(), &names(&["flag"]), false).unwrap();
        assert!(!need.absorb(same));
        let more = Need::options(&schema(), &names(&["limit"]), false).unwrap();
        assert!(need.absorb(more));
        assert!(need
            .check(ModuleId::from_static("crm"), AccessLevel::M)
            .is_err());
        assert!(need.absorb(Need::rights()));
        assert_eq!((need.floor, need.options.len()), (AccessLevel::W, 0));
    }
}
