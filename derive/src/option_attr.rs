//! `#[option(…)]` on a field.

use proc_macro2::Span;
use syn::{Field, LitInt, LitStr, Path, Token};

use crate::label::Label;
use crate::level::Level;
use crate::value::{path_text, set_once, DefaultValue, Int};

/// `range(a..=b)` as written.
#[derive(Clone, Copy)]
pub(crate) struct Range {
    pub(crate) min: Int,
    pub(crate) max: Int,
    pub(crate) span: Span,
}

/// `max_chars = n` as written.
#[derive(Clone, Copy)]
pub(crate) struct MaxChars {
    pub(crate) value: usize,
    pub(crate) span: Span,
}

/// The field attribute, parsed; what applies to which type is checked in
/// [`crate::kind`].
pub(crate) struct OptionAttr {
    pub(crate) name: Option<LitStr>,
    pub(crate) label: Option<Label>,
    pub(crate) help: Option<Label>,
    pub(crate) default: Option<DefaultValue>,
    pub(crate) range: Option<Range>,
    pub(crate) max_chars: Option<MaxChars>,
    /// `https_url`, where written.
    pub(crate) https_url: Option<Span>,
    /// `https_origin`, where written.
    pub(crate) https_origin: Option<Span>,
    pub(crate) view: Option<Level>,
    pub(crate) edit: Option<Level>,
    /// `operation_only`, where written.
    pub(crate) operation_only: Option<Span>,
    /// `flags = TABLE`.
    pub(crate) flags: Option<Path>,
    /// The whole attribute, for errors about what it lacks.
    pub(crate) span: Span,
    /// Every key as written, with where.
    pub(crate) keys: Vec<(String, Span)>,
}

const KEYS: &str = "name, label, help, default, range, max_chars, https_url, https_origin, \
                    view, edit, operation_only, flags";

impl OptionAttr {
    /// Reads the one `#[option(…)]` of `field`; every field needs one.
    pub(crate) fn parse(field: &Field) -> syn::Result<OptionAttr> {
        let mut attrs = field.attrs.iter().filter(|a| a.path().is_ident("option"));
        let Some(attr) = attrs.next() else {
            let span = field
                .ident
                .as_ref()
                .map_or_else(|| syn::spanned::Spanned::span(&field.ty), syn::Ident::span);
            return Err(syn::Error::new(
                span,
                "every field needs #[option(label(ru = \"…\", en = \"…\"), …)], \
                 or #[option(flags = TABLE)] for a bitflags set",
            ));
        };
        if let Some(second) = attrs.next() {
            return Err(syn::Error::new_spanned(
                second,
                "only one #[option(…)] is allowed",
            ));
        }
        let mut out = OptionAttr {
            name: None,
            label: None,
            help: None,
            default: None,
            range: None,
            max_chars: None,
            https_url: None,
            https_origin: None,
            view: None,
            edit: None,
            operation_only: None,
            flags: None,
            span: syn::spanned::Spanned::span(attr),
            keys: Vec::new(),
        };
        attr.parse_nested_meta(|meta| {
            let key = path_text(&meta.path);
            let here = syn::spanned::Spanned::span(&meta.path);
            out.keys.push((key.clone(), here));
            match key.as_str() {
                "name" => set_once(&mut out.name, meta.value()?.parse()?, &meta),
                "label" => set_once(&mut out.label, Label::parse(&meta)?, &meta),
                "help" => set_once(&mut out.help, Label::parse(&meta)?, &meta),
                "default" => set_once(&mut out.default, DefaultValue::parse(meta.value()?)?, &meta),
                "range" => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let min = Int::parse(&content)?;
                    if content.peek(Token![..]) && !content.peek(Token![..=]) {
                        return Err(content.error("expected an inclusive range such as `1..=300`"));
                    }
                    content.parse::<Token![..=]>()?;
                    let max = Int::parse(&content)?;
                    if !content.is_empty() {
                        return Err(content.error("expected only `min..=max`"));
                    }
                    let range = Range {
                        min,
                        max,
                        span: here,
                    };
                    set_once(&mut out.range, range, &meta)
                }
                "max_chars" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    let value = MaxChars {
                        value: lit.base10_parse()?,
                        span: lit.span(),
                    };
                    if value.value == 0 {
                        return Err(syn::Error::new(value.span, "max_chars is at least 1"));
                    }
                    set_once(&mut out.max_chars, value, &meta)
                }
                "https_url" => set_once(&mut out.https_url, here, &meta),
                "https_origin" => set_once(&mut out.https_origin, here, &meta),
                "view" => set_once(&mut out.view, Level::parse(meta.value()?)?, &meta),
                "edit" => set_once(&mut out.edit, Level::parse(meta.value()?)?, &meta),
                "operation_only" => set_once(&mut out.operation_only, here, &meta),
                "flags" => set_once(&mut out.flags, meta.value()?.parse()?, &meta),
                _ => Err(meta.error(format!(
                    "unknown option attribute `{key}`; expected one of: {KEYS}"
                ))),
            }
        })?;
        Ok(out)
    }
}
