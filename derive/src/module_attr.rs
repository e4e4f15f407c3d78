//! `#[module(id = "…", guard = "…", title(…), levels(…), validate = path)]`
//! on the struct.

use syn::{DeriveInput, LitStr, Path};

use crate::label::Label;
use crate::level::Levels;
use crate::value::{module_id_problem, path_text, set_once, without_self};

/// The container attribute, parsed.
pub(crate) struct ModuleAttr {
    /// The module the options are stored under.
    pub(crate) id: LitStr,
    /// The module whose rights guard them, when not the same.
    pub(crate) guard: Option<LitStr>,
    /// The settings page's title.
    pub(crate) title: Label,
    /// The guarding module's levels.
    pub(crate) levels: Levels,
    /// `fn(&Self, &mut Decoder<'_>)`, run after every field is read.
    pub(crate) validate: Option<Path>,
}

const KEYS: &str = "id, guard, title, levels, validate";

impl ModuleAttr {
    /// Reads the one `#[module(…)]` of `input`; `id`, `title` and `levels`
    /// are required.
    pub(crate) fn parse(input: &DeriveInput) -> syn::Result<ModuleAttr> {
        let mut attrs = input.attrs.iter().filter(|a| a.path().is_ident("module"));
        let Some(attr) = attrs.next() else {
            return Err(syn::Error::new(
                input.ident.span(),
                "#[derive(ModuleOptions)] needs #[module(id = \"…\", title(ru = \"…\", en = \"…\"), \
                 levels(D(…), …))] on the struct",
            ));
        };
        if let Some(second) = attrs.next() {
            return Err(syn::Error::new_spanned(
                second,
                "only one #[module(…)] is allowed",
            ));
        }
        let mut id: Option<LitStr> = None;
        let mut guard: Option<LitStr> = None;
        let mut title = None;
        let mut levels = None;
        let mut validate = None;
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("id") {
                set_once(&mut id, meta.value()?.parse()?, &meta)
            } else if meta.path.is_ident("guard") {
                set_once(&mut guard, meta.value()?.parse()?, &meta)
            } else if meta.path.is_ident("title") {
                set_once(&mut title, Label::parse(&meta)?, &meta)
            } else if meta.path.is_ident("levels") {
                let parsed = match Levels::parse(&meta)? {
                    Levels::Path(path) => Levels::Path(without_self(&path, &input.ident)),
                    listed => listed,
                };
                set_once(&mut levels, parsed, &meta)
            } else if meta.path.is_ident("validate") {
                set_once(&mut validate, meta.value()?.parse()?, &meta)
            } else {
                Err(meta.error(format!(
                    "unknown module attribute `{}`; expected one of: {KEYS}",
                    path_text(&meta.path)
                )))
            }
        })?;
        for lit in id.iter().chain(&guard) {
            if let Some(problem) = module_id_problem(&lit.value()) {
                return Err(syn::Error::new(lit.span(), problem));
            }
        }
        let missing =
            |key: &str| syn::Error::new_spanned(attr, format!("#[module(…)] needs `{key}`"));
        Ok(ModuleAttr {
            id: id.ok_or_else(|| missing("id = \"…\""))?,
            guard,
            title: title.ok_or_else(|| missing("title(ru = \"…\", en = \"…\")"))?,
            levels: levels.ok_or_else(|| missing("levels(D(…), …)"))?,
            validate,
        })
    }
}
