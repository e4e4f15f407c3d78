//! The path of `module-settings`' hidden `__private` module, as the crate
//! using the derive names the dependency.

use proc_macro2::{Span, TokenStream};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::quote;
use syn::Ident;

/// `::module_settings::__private`, or `::{renamed}::__private` when the
/// using crate renamed the dependency in its `Cargo.toml`.
///
/// Inside `module-settings` itself — its modules, examples and doctests —
/// the name is `module_settings`: the crate declares
/// `extern crate self as module_settings`, and its examples and doctests
/// see it as a dependency. When the manifest cannot be read (a crate that
/// reaches `module-settings` only through a re-export), the plain name is
/// the best guess.
pub(crate) fn private() -> TokenStream {
    let name = match crate_name("module-settings") {
        Ok(FoundCrate::Name(name)) => name,
        Ok(FoundCrate::Itself) | Err(_) => "module_settings".to_owned(),
    };
    let ident = Ident::new(&name, Span::call_site());
    quote!(::#ident::__private)
}
