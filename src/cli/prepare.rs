//! Checks a parsed [`Command`] against the registered modules before the
//! database is opened: module names resolved to the module each command
//! works on, levels the module accepts, option names. A mistake of usage
//! then never creates or touches a database.

use crate::access::AccessError;
use crate::options::RawOptions;
use crate::settings::Settings;
use crate::{AccessLevel, ModuleId, OptionName, Store};

use crate::cli::command::{Command, Text};
use crate::cli::failure::Failure;
use crate::cli::stdin::{self, Input};

/// `command` with every module name resolved and every name and level
/// checked; `set -` has read its value from standard input. Values and the
/// portal address are judged later, after access, by the facade.
pub fn prepare<S: Store>(catalog: &Settings<S>, mut command: Command) -> Result<Command, Failure> {
    match &mut command {
        Command::Show { module, .. } | Command::Schema { module, .. } => {
            *module = options_module(catalog, *module)?;
        }
        Command::Set {
            module,
            name,
            value,
            ..
        } => {
            *module = options_module(catalog, *module)?;
            if *value == Text::Stdin {
                let read = value_read(catalog, *module, name, std::io::stdin().lock())?;
                *value = Text::Given(read);
            }
            // Usage only: whether the value is allowed is judged after
            // access, by the facade, so that a reader learns nothing about
            // valid values by probing.
            check_name(catalog, *module, name)?;
        }
        Command::Reset { module, name, .. } => {
            *module = options_module(catalog, *module)?;
            check_name(catalog, *module, name)?;
        }
        Command::Rights { module, .. }
        | Command::Revoke { module, .. }
        | Command::Check { module, .. }
        | Command::Roles { module, .. } => *module = rights_module(catalog, *module)?,
        Command::Grant { module, level, .. } => {
            *module = rights_module(catalog, *module)?;
            accepts(catalog, *module, *level)?;
        }
        Command::Default { module, level, .. } => {
            *module = rights_module(catalog, *module)?;
            if let Some(level) = level {
                accepts(catalog, *module, *level)?;
            }
        }
        // The address is judged after access, by the facade; the log names
        // any module, registered here or not.
        Command::ConnectB24 { .. }
        | Command::Help
        | Command::HelpFor(_)
        | Command::Modules { .. }
        | Command::DisconnectB24 { .. }
        | Command::Audit { .. } => {}
    }
    Ok(command)
}

/// The options module `name` stands for: itself, or the one options
/// module a rights module guards (`video` → `videoport`).
pub fn options_module<S: Store>(
    catalog: &Settings<S>,
    name: ModuleId,
) -> Result<ModuleId, Failure> {
    if catalog.schema(name).is_ok() {
        return Ok(name);
    }
    if catalog.levels(name).is_err() {
        return Err(unknown(catalog, name));
    }
    let guarded: Vec<ModuleId> = catalog
        .modules()
        .filter(|m| catalog.schema(*m).is_ok_and(|s| s.guard() == name))
        .collect();
    match guarded[..] {
        [one] => Ok(one),
        [] => Err(Failure::input(format!(
            "module {name} has an access tab but no options; name an options module: {}",
            list(catalog, |m| catalog.schema(m).is_ok())
        ))),
        _ => Err(Failure::input(format!(
            "module {name} guards the options of several modules ({}); name one of them",
            guarded
                .iter()
                .map(ModuleId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The rights module `name` stands for: itself, or the module that guards
/// an options module (`videoport` → `video`).
pub fn rights_module<S: Store>(catalog: &Settings<S>, name: ModuleId) -> Result<ModuleId, Failure> {
    if catalog.levels(name).is_ok() {
        return Ok(name);
    }
    catalog
        .schema(name)
        .map(|schema| schema.guard())
        .map_err(|_| unknown(catalog, name))
}

fn unknown<S: Store>(catalog: &Settings<S>, name: ModuleId) -> Failure {
    Failure::input(format!(
        "unknown module {name}; the modules are {} (the modules command lists them)",
        list(catalog, |_| true)
    ))
}

/// The registered modules that `keep` keeps, comma-separated.
fn list<S: Store>(catalog: &Settings<S>, keep: impl Fn(ModuleId) -> bool) -> String {
    catalog
        .modules()
        .filter(|m| keep(*m))
        .map(|m| m.as_str().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

fn accepts<S: Store>(
    catalog: &Settings<S>,
    module: ModuleId,
    level: AccessLevel,
) -> Result<(), Failure> {
    let levels = catalog.levels(module).map_err(Failure::from)?;
    if levels.accepts(level) {
        Ok(())
    } else {
        Err(Failure::input(AccessError::LevelNotAccepted {
            module,
            level,
            allowed: levels.accepted(),
        }))
    }
}

fn check_name<S: Store>(
    catalog: &Settings<S>,
    module: ModuleId,
    name: &str,
) -> Result<(), Failure> {
    let schema = catalog.schema(module).map_err(Failure::from)?;
    if schema.option(name).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = schema.options().iter().map(|o| o.name().as_str()).collect();
    Err(Failure::input(format!(
        "module {module} has no option {}; its options are {}",
        crate::cli::values::shown(name),
        known.join(", ")
    )))
}

/// The value against its option's kind, as the facade will check it again
/// (rules across options need the stored values: the facade checks those).
fn check_value<S: Store>(
    catalog: &Settings<S>,
    module: ModuleId,
    name: &str,
    value: &str,
) -> Result<(), Failure> {
    check_name(catalog, module, name)?;
    let schema = catalog.schema(module).map_err(Failure::from)?;
    let option = OptionName::new(name).map_err(Failure::input)?;
    let submitted = RawOptions::from([(option, value.to_owned())]);
    schema.check_submitted(&submitted).map_err(Failure::input)
}

/// The value of `set … -` for option `name`: `input` (standard input)
/// without one trailing newline, read no further than the option's kind
/// allows. Input that goes on past that is refused as the value would be.
fn value_read<S: Store>(
    catalog: &Settings<S>,
    module: ModuleId,
    name: &str,
    input: impl std::io::Read,
) -> Result<String, Failure> {
    check_name(catalog, module, name)?;
    let schema = catalog.schema(module).map_err(Failure::from)?;
    let kind = schema.option(name).map(|o| o.kind());
    let max_chars = kind.and_then(|k| k.max_chars());
    match stdin::read_value(input, max_chars)? {
        // An empty input is a mistake (a redirect from /dev/null, a closed
        // pipe), never a way to clear a value: reset does that.
        Input::Whole(text) if text.is_empty() => Err(Failure::input(format!(
            "{module} option {name}: standard input is empty; nothing was set (to remove \
             the value, use reset)"
        ))),
        Input::Whole(text)
            if kind.is_some_and(|k| k.is_secret()) && text.contains(['\n', '\r']) =>
        {
            Err(Failure::input(format!(
                "{module} option {name}: a secret is one line, and standard input holds {} \
                 lines; nothing was set",
                text.lines().count().max(2)
            )))
        }
        Input::Whole(text) => Ok(text),
        Input::Cut(start) => {
            // The start alone is longer than the kind allows, so its check
            // fails with the error the whole value would get. (A kind with
            // no limit could accept the whole and refuse its start.)
            if max_chars.is_some() {
                check_value(catalog, module, name, &start)?;
            }
            Err(Failure::input(format!(
                "{module} option {name}: standard input holds more than {} bytes; \
                 expected a value of at most that many bytes",
                stdin::UNLIMITED_BYTES
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::command::Who;
    use crate::cli::failure::BAD_INPUT;
    use crate::GroupId;

    const VIDEO: ModuleId = ModuleId::from_static("video");
    const VIDEOPORT: ModuleId = ModuleId::from_static("videoport");
    const B24: ModuleId = ModuleId::from_static("b24connector");

    #[test]
    fn module_names_resolve_to_the_module_each_command_needs() {
        let catalog = Settings::in_memory();
        assert_eq!(options_module(&catalog, VIDEOPORT), Ok(VIDEOPORT));
        assert_eq!(options_module(&catalog, VIDEO), Ok(VIDEOPORT));
        assert_eq!(options_module(&catalog, B24), Ok(B24));
        assert_eq!(rights_module(&catalog, VIDEO), Ok(VIDEO));
        assert_eq!(rights_module(&catalog, VIDEOPORT), Ok(VIDEO));
        assert_eq!(rights_module(&catalog, B24), Ok(B24));
        let err = rights_module(&catalog, ModuleId::from_static("main")).unwrap_err();
        assert_eq!(err.code(), BAD_INPUT);
        assert_eq!(
            err.line(),
            "error: unknown module main; the modules are videoport, video, b24connector \
             (the modules command lists them)"
        );
    }

    #[test]
    fn names_and_levels_are_checked_before_the_database_is_opened() {
        let catalog = Settings::in_memory();
        let grant = |level| Command::Grant {
            module: VIDEOPORT,
            group: GroupId::from_static(5),
            level,
            scope: crate::Scope::Common,
            actor: Who::Groups(vec![GroupId::ADMINISTRATORS]),
        };
        let err = prepare(&catalog, grant(AccessLevel::M)).unwrap_err();
        assert_eq!(
            err.line(),
            "error: module video does not accept access level M: allowed are D, R, W"
        );
        assert!(matches!(
            prepare(&catalog, grant(AccessLevel::W)),
            Ok(Command::Grant { module: VIDEO, .. })
        ));
        let set = |name: &str, value: &str| Command::Set {
            module: VIDEO,
            name: name.into(),
            value: Text::Given(value.into()),
            scope: crate::Scope::Common,
            actor: Who::Groups(vec![GroupId::ADMINISTRATORS]),
        };
        // Values are not judged here: access comes first, in the facade.
        assert!(prepare(&catalog, set("ServerPort", "70000")).is_ok());
        let err = prepare(&catalog, set("Port", "1")).unwrap_err();
        assert!(err
            .line()
            .contains("has no option \"Port\"; its options are ServerHost, ServerPort"));
        assert!(prepare(&catalog, set("ServerPort", "8000")).is_ok());
    }
    #[test]
    fn a_value_from_standard_input_is_read_only_as_far_as_it_can_be_accepted() {
        let catalog = Settings::in_memory();
        let mut huge = std::io::Cursor::new(vec![b'k'; 20 << 20]);
        let err = value_read(&catalog, VIDEOPORT, "SecretCode", &mut huge).unwrap_err();
        assert_eq!(
            err.line(),
            "error: videoport option SecretCode: \"******\" is not allowed; expected at most \
             255 characters"
        );
        assert!(huge.position() < 2048, "read {} bytes", huge.position());
        // A number may have leading zeros, so its kind sets no limit.
        let mut zeros = std::io::Cursor::new(vec![b'0'; 2 << 20]);
        let err = value_read(&catalog, VIDEOPORT, "ServerPort", &mut zeros).unwrap_err();
        assert_eq!(
            err.line(),
            "error: videoport option ServerPort: standard input holds more than 1048576 bytes; \
             expected a value of at most that many bytes"
        );
        let err = value_read(&catalog, VIDEOPORT, "Port", std::io::empty()).unwrap_err();
        assert!(
            err.line().contains("has no option \"Port\""),
            "{}",
            err.line()
        );
        let host = value_read(&catalog, VIDEOPORT, "ServerHost", &b"a.example\n"[..]);
        assert_eq!(host, Ok("a.example".to_owned()));
    }
}
