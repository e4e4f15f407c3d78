//! What the code `#[derive(ModuleOptions)]` and `#[derive(OptionChoice)]`
//! write refers to, under one path that survives renaming the dependency.
//! Not a public API: it changes with the macros, which are pinned to this
//! crate's exact version.

pub use crate::access::{AccessLevel, LevelInfo, ModuleLevels};
pub use crate::ids::ModuleId;
pub use crate::label::Label;
pub use crate::options::{
    Decoder, Encoder, ModuleOptions, OptionChoice, OptionField, OptionKind, OptionSpec,
    OptionalField, RawOptions, ValidationErrors,
};

/// Fills the places of an option list before [`put`] sets them.
const PLACEHOLDER: OptionSpec =
    OptionSpec::new("placeholder", OptionKind::Bool, Label::new("", ""));

/// A list of `N` placeholder options, to be overwritten by [`put`] and
/// [`put_flags`] in `const` context.
pub const fn blank<const N: usize>() -> [OptionSpec; N] {
    [PLACEHOLDER; N]
}

/// `specs` with `spec` at `at`. `const` code cannot drop the placeholder
/// it replaces; it owns nothing, so it is forgotten.
pub const fn put<const N: usize>(
    mut specs: [OptionSpec; N],
    at: usize,
    spec: OptionSpec,
) -> [OptionSpec; N] {
    std::mem::forget(std::mem::replace(&mut specs[at], spec));
    specs
}

/// `specs` with the options of a flags table from `at` on.
pub const fn put_flags<F, const N: usize>(
    mut specs: [OptionSpec; N],
    at: usize,
    table: &[(F, OptionSpec)],
) -> [OptionSpec; N] {
    let mut i = 0;
    while i < table.len() {
        specs = put(specs, at + i, table[i].1.static_copy());
        i += 1;
    }
    specs
}

/// Reads a `bitflags` field: one checkbox option per flag of `table`.
pub fn read_flags<F: bitflags::Flags + Copy>(d: &mut Decoder<'_>, table: &[(F, OptionSpec)]) -> F {
    d.flags(table)
}

/// Writes a `bitflags` field: one checkbox option per flag of `table`.
pub fn write_flags<F: bitflags::Flags + Copy>(
    e: &mut Encoder,
    table: &[(F, OptionSpec)],
    value: F,
) {
    e.flags(table, value);
}

/// The kind of a choice option over `C`'s variants.
pub const fn choice_kind<C: OptionChoice>(optional: bool) -> OptionKind {
    OptionKind::Choice {
        allowed: C::CHOICES,
        optional,
    }
}

/// Reads a choice; `None` when unset or refused (recorded in `d`).
pub fn read_choice<C: OptionChoice>(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<C> {
    d.choice(spec).and_then(C::from_stored)
}

/// Reads a required choice; `empty` when refused (recorded in `d`).
pub fn read_required_choice<C: OptionChoice>(
    d: &mut Decoder<'_>,
    spec: &OptionSpec,
    empty: C,
) -> C {
    read_choice(d, spec).unwrap_or(empty)
}

/// Writes a choice, `None` as `""`.
pub fn write_choice<C: OptionChoice>(e: &mut Encoder, spec: &OptionSpec, value: Option<&C>) {
    e.choice(spec, value.map(C::to_stored));
}

/// The value `read` builds from every option's default: a derived
/// `Default`. A default its kind refuses (a string literal for a host, which
/// the derive cannot check) leaves the field with its natural empty value
/// here, and [`ModuleSchema::self_check`](crate::options::ModuleSchema::self_check)
/// reports it.
pub fn from_defaults<T>(module: ModuleId, read: impl FnOnce(&mut Decoder<'_>) -> T) -> T {
    let raw = RawOptions::new();
    let mut d = Decoder::new(module, &raw);
    read(&mut d)
}

/// `spec` with `text` as its default, unless `text` is empty: a secret
/// takes no default at all, and `""` is every other spec's already.
pub const fn with_default(spec: OptionSpec, text: &'static str) -> OptionSpec {
    if text.is_empty() {
        spec
    } else {
        spec.with_default(text)
    }
}
