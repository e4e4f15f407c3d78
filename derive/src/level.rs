//! Access levels: a letter (`view = R`) and a module's list
//! (`levels(D(…), R(…), W(…))` or `levels = PATH`).

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Ident, Path};

use crate::label::Label;

/// One of Bitrix's letters, lowest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Letter {
    D,
    M,
    R,
    W,
}

impl Letter {
    fn from_ident(ident: &Ident) -> Option<Letter> {
        Some(match ident.to_string().as_str() {
            "D" => Letter::D,
            "M" => Letter::M,
            "R" => Letter::R,
            "W" => Letter::W,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Letter::D => "D",
            Letter::M => "M",
            Letter::R => "R",
            Letter::W => "W",
        }
    }
}

/// A level as written, with where.
#[derive(Clone, Copy)]
pub(crate) struct Level {
    pub(crate) letter: Letter,
    pub(crate) span: Span,
}

impl Level {
    /// `D`, `M`, `R` or `W`.
    pub(crate) fn parse(input: ParseStream) -> syn::Result<Level> {
        let ident: Ident = input.parse()?;
        Level::from_ident(&ident)
    }

    fn from_ident(ident: &Ident) -> syn::Result<Level> {
        match Letter::from_ident(ident) {
            Some(letter) => Ok(Level {
                letter,
                span: ident.span(),
            }),
            None => Err(syn::Error::new(
                ident.span(),
                format!("unknown access level `{ident}`; expected D, M, R or W"),
            )),
        }
    }

    /// `AccessLevel::X` under `private`, spanned where the level is written.
    pub(crate) fn tokens(self, private: &TokenStream) -> TokenStream {
        let letter = Ident::new(self.letter.as_str(), self.span);
        quote_spanned!(self.span=> #private::AccessLevel::#letter)
    }
}

/// The levels a module accepts.
pub(crate) enum Levels {
    /// Written out, lowest first, each with its label.
    Listed(Vec<(Level, Label)>),
    /// A `ModuleLevels` constant.
    Path(Path),
}

impl Levels {
    /// `levels = PATH` or `levels(D(ru = …, en = …), …)`, checked: D is
    /// there, and the letters are ascending, each once.
    pub(crate) fn parse(meta: &ParseNestedMeta) -> syn::Result<Levels> {
        if meta.input.peek(syn::Token![=]) {
            return Ok(Levels::Path(meta.value()?.parse()?));
        }
        let mut listed: Vec<(Level, Label)> = Vec::new();
        meta.parse_nested_meta(|entry| {
            let Some(ident) = entry.path.get_ident() else {
                return Err(entry.error("expected an access level: D, M, R or W"));
            };
            let level = Level::from_ident(ident)?;
            if let Some((last, _)) = listed.last() {
                if last.letter >= level.letter {
                    return Err(syn::Error::new(
                        level.span,
                        "levels are listed lowest first (D, M, R, W), each once",
                    ));
                }
            }
            listed.push((level, Label::parse(&entry)?));
            Ok(())
        })?;
        if listed
            .first()
            .is_none_or(|(level, _)| level.letter != Letter::D)
        {
            return Err(meta.error("every module accepts level D; list it first"));
        }
        Ok(Levels::Listed(listed))
    }

    /// The letters, when they are written out: `None` for a path, whose
    /// levels the macro cannot see.
    pub(crate) fn letters(&self) -> Option<Vec<Letter>> {
        match self {
            Levels::Listed(listed) => Some(listed.iter().map(|(l, _)| l.letter).collect()),
            Levels::Path(_) => None,
        }
    }

    /// Checks that the module accepts `level`: at once for written-out
    /// levels; for a path, the returned item fails to compile, at the
    /// level, if the constant's list lacks it.
    pub(crate) fn check(
        &self,
        level: Level,
        private: &TokenStream,
        what: &str,
    ) -> syn::Result<Option<TokenStream>> {
        match self {
            Levels::Listed(_) => {
                let letters = self.letters().unwrap_or_default();
                if letters.contains(&level.letter) {
                    Ok(None)
                } else {
                    let list: Vec<&str> = letters.iter().map(|l| l.as_str()).collect();
                    Err(syn::Error::new(
                        level.span,
                        format!(
                            "`{what} = {}`: the module's levels are {}; \
                             expected one of them",
                            level.letter.as_str(),
                            list.join(", ")
                        ),
                    ))
                }
            }
            Levels::Path(path) => {
                let access = level.tokens(private);
                let message = format!(
                    "`{what} = {}`: the module's levels do not include {}",
                    level.letter.as_str(),
                    level.letter.as_str()
                );
                Ok(Some(quote_spanned! {level.span=>
                    const _: () = ::core::assert!(#path.accepts(#access), #message);
                }))
            }
        }
    }

    /// The `ModuleLevels` value.
    pub(crate) fn tokens(&self, private: &TokenStream) -> TokenStream {
        match self {
            Levels::Path(path) => quote::quote!(#path),
            Levels::Listed(listed) => {
                let entries = listed.iter().map(|(level, label)| {
                    let level = level.tokens(private);
                    let label = label.tokens(private);
                    quote::quote!(#private::LevelInfo::new(#level, #label))
                });
                quote::quote!(#private::ModuleLevels::new(&[#(#entries),*]))
            }
        }
    }
}
