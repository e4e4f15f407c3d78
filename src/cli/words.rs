//! [`Words`]: the command line split into arguments and flags, before any
//! meaning. Flags may come anywhere, as `--flag value` or `--flag=value`;
//! `--` ends the flags (for a value that starts with `--`); `-h` is
//! `--help`.

use std::ffi::OsString;

use crate::cli::failure::Failure;
use crate::cli::values::shown;

/// Every flag: its name and whether it takes a value.
const FLAGS: &[(&str, bool)] = &[
    ("db", true),
    ("site", true),
    ("as", true),
    ("groups", true),
    ("as-user", true),
    ("user", true),
    ("since", true),
    ("scopes", true),
    ("mode", true),
    ("json", false),
    ("no-admin-bypass", false),
    ("no-default", false),
    ("help", false),
];

/// The command line split into arguments and flags, before any meaning.
#[derive(Debug, Default)]
pub struct Words {
    /// The arguments, in order (the command name first).
    pub args: Vec<String>,
    /// Each flag given, with its value if it takes one.
    pub flags: Vec<(&'static str, Option<String>)>,
}

impl Words {
    /// Splits the arguments after the program name.
    pub fn split(raw: impl IntoIterator<Item = OsString>) -> Result<Words, Failure> {
        let mut words = Words::default();
        let mut raw = raw.into_iter().enumerate();
        let mut flags_done = false;
        while let Some((i, word)) = raw.next() {
            let word = word
                .into_string()
                .map_err(|_| Failure::input(format!("argument {} is not valid UTF-8", i + 1)))?;
            if flags_done || !word.starts_with('-') || word == "-" {
                words.args.push(word);
                continue;
            }
            if word == "--" {
                flags_done = true;
                continue;
            }
            if word == "-h" {
                words.flags.push(("help", None));
                continue;
            }
            let Some(body) = word.strip_prefix("--") else {
                return Err(Failure::usage(format!("unknown option {}", shown(&word))));
            };
            let (name, inline) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (body, None),
            };
            let Some(&(name, takes_value)) = FLAGS.iter().find(|(f, _)| *f == name) else {
                return Err(Failure::usage(format!(
                    "unknown option {}",
                    shown(&format!("--{name}"))
                )));
            };
            let value = match (takes_value, inline) {
                (true, Some(value)) => Some(value),
                (true, None) => match raw.next() {
                    Some((_, value)) => Some(value.into_string().map_err(|_| {
                        Failure::input(format!("the value of --{name} is not valid UTF-8"))
                    })?),
                    None => return Err(Failure::usage(format!("--{name} needs a value"))),
                },
                (false, Some(_)) => return Err(Failure::usage(format!("--{name} takes no value"))),
                (false, None) => None,
            };
            if words.flags.iter().any(|(f, _)| *f == name) {
                return Err(Failure::usage(format!("--{name} is given twice")));
            }
            words.flags.push((name, value));
        }
        Ok(words)
    }

    /// Whether `flag` was given.
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|(f, _)| *f == flag)
    }

    /// The value of `flag`, if given.
    pub fn value(&self, flag: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(f, _)| *f == flag)
            .and_then(|(_, v)| v.as_deref())
    }
}
