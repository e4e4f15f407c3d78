//! Small values inside the attributes: a path as text, a level letter, an
//! integer with its sign, a `default = …`, and setting a key only once.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{LitBool, LitInt, LitStr, Path, Token};

/// A path as written, for messages: `label`, `Self::check`.
pub(crate) fn path_text(path: &Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

/// Stores `value` in `slot`, refusing a key given twice.
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    meta: &ParseNestedMeta,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format!("`{}` is given twice", path_text(&meta.path))));
    }
    *slot = Some(value);
    Ok(())
}

/// A whole number with its sign, as written.
#[derive(Clone, Copy)]
pub(crate) struct Int {
    pub(crate) value: i128,
    pub(crate) span: Span,
}

impl Int {
    /// `123` or `-123`.
    pub(crate) fn parse(input: ParseStream) -> syn::Result<Int> {
        let negative = input.peek(Token![-]);
        if negative {
            input.parse::<Token![-]>()?;
        }
        let lit: LitInt = input.parse()?;
        let value: i128 = lit.base10_parse()?;
        Ok(Int {
            value: if negative { -value } else { value },
            span: lit.span(),
        })
    }
}

/// What `default = …` says.
pub(crate) enum DefaultValue {
    /// `30`, `-5`.
    Int(Int),
    /// `true`, `false`.
    Bool(LitBool),
    /// `"text"`: the value of a `String`, or the stored text of any other
    /// type.
    Str(LitStr),
    /// `SyncMode::Push`: a variant of a choice enum (or a constant of one).
    Path(Path),
}

impl DefaultValue {
    /// One of the four forms.
    pub(crate) fn parse(input: ParseStream) -> syn::Result<DefaultValue> {
        if input.peek(LitBool) {
            Ok(DefaultValue::Bool(input.parse()?))
        } else if input.peek(LitStr) {
            Ok(DefaultValue::Str(input.parse()?))
        } else if input.peek(LitInt) || input.peek(Token![-]) {
            Ok(DefaultValue::Int(Int::parse(input)?))
        } else if input.peek(syn::Ident) || input.peek(Token![Self]) || input.peek(Token![::]) {
            Ok(DefaultValue::Path(input.parse()?))
        } else {
            Err(input.error(
                "expected a default: a number, true or false, a string literal, \
                 or a path to a choice variant",
            ))
        }
    }

    /// Where the default is written.
    pub(crate) fn span(&self) -> Span {
        match self {
            DefaultValue::Int(int) => int.span,
            DefaultValue::Bool(lit) => lit.span,
            DefaultValue::Str(lit) => lit.span(),
            DefaultValue::Path(path) => path
                .segments
                .last()
                .map_or_else(Span::call_site, |s| s.ident.span()),
        }
    }
}

/// `path` with a leading `Self` replaced by `ty`: for paths used outside
/// the impl, where `Self` means nothing (`levels = Self::LEVELS`).
pub(crate) fn without_self(path: &Path, ty: &syn::Ident) -> Path {
    let mut path = path.clone();
    if let Some(first) = path.segments.first_mut() {
        if first.ident == "Self" {
            first.ident = syn::Ident::new(&ty.to_string(), first.ident.span());
        }
    }
    path
}

/// Why `id` is not a module id (1–50 ASCII letters, digits, `.` or `_`),
/// checked here to point at it; `ModuleId::from_static` checks again when
/// the constant is evaluated.
pub(crate) fn module_id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() || id.len() > 50 {
        Some("a module id has 1 to 50 characters")
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
    {
        Some("a module id has only ASCII letters, digits, `.` and `_`")
    } else {
        None
    }
}

/// Why `name` is not an option name (1–100 characters, no control
/// characters, not `GROUP_DEFAULT_RIGHT`), checked here to point at it;
/// `OptionName::from_static` checks again when the constant is evaluated.
pub(crate) fn option_name_problem(name: &str) -> Option<&'static str> {
    let chars = name.chars().count();
    if chars == 0 || chars > 100 {
        Some("an option name has 1 to 100 characters")
    } else if name.chars().any(char::is_control) {
        Some("an option name has no control characters")
    } else if name.eq_ignore_ascii_case("GROUP_DEFAULT_RIGHT") {
        Some("GROUP_DEFAULT_RIGHT is where the Access tab keeps its default level, not an option")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_checked_as_the_main_crate_does() {
        assert_eq!(module_id_problem("b24connector"), None);
        assert_eq!(module_id_problem("main.ext_2"), None);
        assert!(module_id_problem("").is_some());
        assert!(module_id_problem(&"m".repeat(51)).is_some());
        assert!(module_id_problem("video conf").is_some());
        assert!(module_id_problem("видео").is_some());
        assert_eq!(option_name_problem("ServerHost"), None);
        assert_eq!(option_name_problem(&"я".repeat(100)), None);
        assert!(option_name_problem(&"я".repeat(101)).is_some());
        assert!(option_name_problem("").is_some());
        assert!(option_name_problem("a\u{85}b").is_some());
        assert!(option_name_problem("group_default_right").is_some());
    }

    #[test]
    fn self_is_replaced_only_at_the_start() {
        let ty: syn::Ident = syn::parse_quote!(Crm);
        let path: Path = syn::parse_quote!(Self::LEVELS);
        assert_eq!(path_text(&without_self(&path, &ty)), "Crm::LEVELS");
        let path: Path = syn::parse_quote!(levels::Self_);
        assert_eq!(path_text(&without_self(&path, &ty)), "levels::Self_");
    }
}
