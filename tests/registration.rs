//! Registration safety: `SettingsBuilder::build` runs every registered
//! module's schema check and refuses with every problem at once, each
//! naming its module and option — a default that does not decode, a
//! default the type's `Default` does not encode, a level the guard does not
//! list, a name twice — while the seed modules and good modules register.

use module_settings::access::{LevelInfo, ModuleLevels};
use module_settings::modules::{B24Connector, VideoPort};
use module_settings::options::{
    Decoder, Encoder, FieldProblem, ModuleOptions, ModuleSchema, OptionKind, OptionSpec,
    RawOptions, ValidationErrors,
};
use module_settings::settings::{RegistrationProblem, Settings, SettingsError};
use module_settings::{AccessLevel, Label, MemoryStore, ModuleId};

/// A port that must be set, without a default: `""` does not decode.
const PORT: OptionSpec = OptionSpec::new(
    "port",
    OptionKind::Integer {
        min: 1,
        max: 65535,
        optional: false,
    },
    Label::new("Порт", "Port"),
);
/// A flag without a default: the schema says `""`, `Default` writes `"N"`.
const PAUSED: OptionSpec =
    OptionSpec::new("paused", OptionKind::Bool, Label::new("Пауза", "Paused"));
/// Levels the guard (D, R, W) does not list.
const LIMIT: OptionSpec = OptionSpec::new(
    "limit",
    OptionKind::Text { max_chars: 10 },
    Label::new("Лимит", "Limit"),
)
.with_view(AccessLevel::M)
.with_edit(AccessLevel::M);
/// A default the type's `Default` disagrees with (it says 5).
const RETRIES: OptionSpec = OptionSpec::new(
    "retries",
    OptionKind::Integer {
        min: 0,
        max: 9,
        optional: false,
    },
    Label::new("Повторы", "Retries"),
)
.with_default("3");
/// `limit` again.
const LIMIT_AGAIN: OptionSpec = OptionSpec::new(
    "limit",
    OptionKind::Text { max_chars: 10 },
    Label::new("Лимит", "Limit"),
);

const CLOSED_WRITE: ModuleLevels = ModuleLevels::new(&[
    LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
    LevelInfo::new(AccessLevel::W, Label::new("запись", "write")),
]);

#[derive(Debug)]
struct Broken {
    port: Option<u16>,
    paused: bool,
    limit: String,
    retries: u8,
}

impl Default for Broken {
    fn default() -> Self {
        Broken {
            port: None,
            paused: false,
            limit: String::new(),
            retries: 5,
        }
    }
}

impl ModuleOptions for Broken {
    const MODULE: ModuleId = ModuleId::from_static("broken");
    const TITLE: Label = Label::new("Сломан", "Broken");
    const LEVELS: ModuleLevels = ModuleLevels::VIDEO; // D, R, W
    const OPTIONS: &'static [OptionSpec] = &[PORT, PAUSED, LIMIT, RETRIES, LIMIT_AGAIN];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let value = Broken {
            port: Some(d.integer(&PORT)),
            paused: d.bool(&PAUSED),
            limit: d.text(&LIMIT),
            retries: d.integer(&RETRIES),
        };
        d.finish(value)
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        e.optional_integer(&PORT, self.port);
        e.bool(&PAUSED, self.paused);
        e.text(&LIMIT, &self.limit);
        e.integer(&RETRIES, self.retries);
        e.finish()
    }
}

/// A module without problems whose levels are D and W only: its options'
/// default view level R is accepted although the guard does not list it.
#[derive(Debug, Default)]
struct Fine {
    note: String,
}

const NOTE: OptionSpec = OptionSpec::new(
    "note",
    OptionKind::Text { max_chars: 10 },
    Label::new("Заметка", "Note"),
);

impl ModuleOptions for Fine {
    const MODULE: ModuleId = ModuleId::from_static("fine");
    const TITLE: Label = Label::new("Хорошо", "Fine");
    const LEVELS: ModuleLevels = CLOSED_WRITE;
    const OPTIONS: &'static [OptionSpec] = &[NOTE];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let note = d.text(&NOTE);
        d.finish(Fine { note })
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        e.text(&NOTE, &self.note);
        e.finish()
    }
}

fn problems() -> Vec<RegistrationProblem> {
    let err = Settings::builder(MemoryStore::new())
        .register::<Fine>()
        .register::<Broken>()
        .build()
        .unwrap_err();
    let SettingsError::Registration { problems } = err else {
        panic!("expected a registration error, got {err:?}");
    };
    problems
}

#[test]
fn the_seed_modules_and_a_good_module_register() {
    assert_eq!(ModuleSchema::of::<VideoPort>().problems(), []);
    assert_eq!(ModuleSchema::of::<B24Connector>().problems(), []);
    let settings = Settings::builder(MemoryStore::new())
        .register::<Fine>()
        .build()
        .unwrap();
    assert_eq!(settings.modules().count(), 4);
}

#[test]
fn build_refuses_a_bad_module_with_every_problem() {
    let problems = problems();
    let found: Vec<(&str, Option<&str>, &FieldProblem)> = problems
        .iter()
        .map(|p| {
            (
                p.module.as_str(),
                p.option.as_ref().map(|o| o.as_str()),
                p.problem.as_ref().expect("a problem of an option"),
            )
        })
        .collect();
    let kinds: Vec<(Option<&str>, &str)> = found
        .iter()
        .map(|(module, option, problem)| {
            assert_eq!(*module, "broken");
            let kind = match problem {
                FieldProblem::NotInRange { .. } => "default does not decode",
                FieldProblem::DefaultDisagrees { .. } => "Default disagrees",
                FieldProblem::DuplicateOption => "twice",
                FieldProblem::LevelNotListed { which, .. } => which,
                other => panic!("unexpected {other:?}"),
            };
            (*option, kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("port"), "default does not decode"),
            (Some("paused"), "Default disagrees"),
            (Some("retries"), "Default disagrees"),
            (Some("limit"), "twice"),
            (Some("limit"), "view"),
            (Some("limit"), "edit"),
        ]
    );
}

#[test]
fn each_problem_says_what_to_do() {
    let text = SettingsError::Registration {
        problems: problems(),
    }
    .to_string();
    let lines: Vec<&str> = text.split("; module ").collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert_eq!(
        lines[0],
        "module broken cannot be registered: option port: \"\" is not allowed; expected a whole \
         number from 1 to 65535"
    );
    assert_eq!(
        lines[1],
        "broken cannot be registered: option paused: \"\" is not allowed; expected \"N\", the \
         text the module's Default value encodes it as"
    );
    assert_eq!(
        lines[2],
        "broken cannot be registered: option retries: \"3\" is not allowed; expected \"5\", the \
         text the module's Default value encodes it as"
    );
    assert_eq!(
        lines[4],
        "broken cannot be registered: option limit: its view level M is not a level of the \
         guarding module; expected one of: D, R, W"
    );
}

#[test]
fn contradictions_and_schema_problems_come_together() {
    let err = Settings::builder(MemoryStore::new())
        .register_rights(ModuleId::from_static("video"), ModuleLevels::B24_CONNECTOR)
        .register::<Broken>()
        .build()
        .unwrap_err();
    let SettingsError::Registration { problems } = err else {
        panic!("{err:?}");
    };
    // The seed VideoPort meets the other levels of `video`, then Broken's six.
    assert_eq!(problems.len(), 7);
    assert_eq!(problems[0].module, ModuleId::from_static("video"));
    assert_eq!(problems[0].option, None);
    let json = serde_json::to_value(&problems[1]).unwrap();
    assert_eq!(json["module"], "broken");
    assert_eq!(json["option"], "port");
    assert_eq!(json["problem"]["problem"], "not_in_range");
}
