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
