//! `label(ru = "…", en = "…")` and the same shape under `help`, `title`
//! and each level of `levels`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::LitStr;

/// Text in Russian and English.
pub(crate) struct Label {
    pub(crate) ru: LitStr,
    pub(crate) en: LitStr,
}

impl Label {
    /// Parses the parenthesised `ru = "…", en = "…"` after `meta`'s path;
    /// both are required, each once, and nothing else is allowed.
    pub(crate) fn parse(meta: &ParseNestedMeta) -> syn::Result<Label> {
        let what = crate::value::path_text(&meta.path);
        let mut ru = None;
        let mut en = None;
        meta.parse_nested_meta(|inner| {
            let slot = if inner.path.is_ident("ru") {
                &mut ru
            } else if inner.path.is_ident("en") {
                &mut en
            } else {
                return Err(inner.error(format!(
                    "unknown key `{}` in `{what}`; expected `ru` and `en`",
                    crate::value::path_text(&inner.path)
                )));
            };
            if slot.is_some() {
                return Err(inner.error("given twice"));
            }
            *slot = Some(inner.value()?.parse::<LitStr>()?);
            Ok(())
        })?;
        match (ru, en) {
            (Some(ru), Some(en)) => Ok(Label { ru, en }),
            (ru, _) => {
                let missing = if ru.is_none() { "ru" } else { "en" };
                Err(meta.error(format!(
                    "`{what}` needs both `ru` and `en`; `{missing}` is missing"
                )))
            }
        }
    }

    /// `Label::new("…", "…")` under `private`.
    pub(crate) fn tokens(&self, private: &TokenStream) -> TokenStream {
        let Label { ru, en } = self;
        quote!(#private::Label::new(#ru, #en))
    }
}
