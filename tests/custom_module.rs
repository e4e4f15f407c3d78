//! A module defined outside the crate, with the public API only: it
//! decodes, validates, encodes, saves through scopes and exports its schema
//! like the crate's own modules.

use module_settings::access::{LevelInfo, ModuleLevels};
use module_settings::options::{
    apply_patch, plan_save, Decoder, Encoder, FieldProblem, ModuleOptions, ModuleSchema,
    OptionKind, OptionSpec, RawOptions, ScopeLayers, ShownValue, Source,
};
use module_settings::{AccessLevel, Label, ModuleId, OptionName};

const MAX_MESSAGE_LEN: OptionSpec = OptionSpec::new(
    "max_message_len",
    OptionKind::Integer {
        min: 1,
        max: 10_000,
        optional: false,
    },
    Label::new("Максимальная длина сообщения", "Longest message"),
)
.with_default("2000");

const ALLOW_FILES: OptionSpec = OptionSpec::new(
    "allow_files",
    OptionKind::Bool,
    Label::new("Разрешить файлы", "Allow files"),
)
.with_default("Y");

const WELCOME_TEXT: OptionSpec = OptionSpec::new(
    "welcome_text",
    OptionKind::Text { max_chars: 200 },
    Label::new("Приветствие", "Welcome text"),
)
.with_view(AccessLevel::D);

#[derive(Debug, Clone, PartialEq)]
struct Chat {
    max_message_len: u16,
    allow_files: bool,
    welcome_text: String,
}

impl Default for Chat {
    fn default() -> Self {
        Chat {
            max_message_len: 2000,
            allow_files: true,
            welcome_text: String::new(),
        }
    }
}

impl ModuleOptions for Chat {
    const MODULE: ModuleId = ModuleId::from_static("chat");
    const GUARD: ModuleId = ModuleId::from_static("im");
    const TITLE: Label = Label::new("Чат", "Chat");
    const LEVELS: ModuleLevels = ModuleLevels::new(&[
        LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
        LevelInfo::new(AccessLevel::W, Label::new("запись", "write")),
    ]);
    const OPTIONS: &'static [OptionSpec] = &[MAX_MESSAGE_LEN, ALLOW_FILES, WELCOME_TEXT];

    fn decode(raw: &RawOptions) -> Result<Self, module_settings::options::ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let max_message_len = d.integer(&MAX_MESSAGE_LEN);
        let allow_files = d.bool(&ALLOW_FILES);
        let welcome_text = d.text(&WELCOME_TEXT);
        if !d.has_error(&MAX_MESSAGE_LEN)
            && welcome_text.chars().count() > usize::from(max_message_len)
        {
            let expected = format!("at most max_message_len ({max_message_len}) characters");
            d.reject(&WELCOME_TEXT, FieldProblem::Custom { expected });
        }
        d.finish(Chat {
            max_message_len,
            allow_files,
            welcome_text,
        })
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        e.integer(&MAX_MESSAGE_LEN, self.max_message_len);
        e.bool(&ALLOW_FILES, self.allow_files);
        e.text(&WELCOME_TEXT, &self.welcome_text);
        e.finish()
    }
}

fn raw(pairs: &[(&str, &str)]) -> RawOptions {
    pairs
        .iter()
        .map(|(k, v)| (OptionName::new(k).unwrap(), (*v).to_owned()))
        .collect()
}

#[test]
fn decodes_encodes_and_validates() {
    let schema = ModuleSchema::of::<Chat>();
    schema.self_check().unwrap();
    assert_eq!(Chat::default().encode(), schema.defaults());
    assert_eq!(Chat::decode(&RawOptions::new()).unwrap(), Chat::default());

    let stored = raw(&[
        ("max_message_len", "500"),
        ("allow_files", "N"),
        ("welcome_text", "Привет"),
    ]);
    let chat = Chat::decode(&stored).unwrap();
    assert_eq!(chat.max_message_len, 500);
    assert!(!chat.allow_files);
    assert_eq!(chat.encode(), stored);
    assert!(chat.validate().is_ok());
}

#[test]
fn every_problem_is_reported_once() {
    let errors = Chat::decode(&raw(&[
        ("max_message_len", ""),
        ("allow_files", "yes"),
        ("welcome_text", &"x".repeat(201)),
    ]))
    .unwrap_err();
    let names: Vec<&str> = errors.iter().map(|e| e.option().as_str()).collect();
    assert_eq!(names, ["max_message_len", "allow_files", "welcome_text"]);

    // The rule across fields, through validate() on a built value.
    let built = Chat {
        max_message_len: 3,
        welcome_text: "hello".into(),
        ..Chat::default()
    };
    let errors = built.validate().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors.to_string(),
        "chat option welcome_text: \"hello\" is not allowed; expected at most max_message_len (3) characters"
    );
    // A limit out of range is the only error, not a cause of a second one.
    let built = Chat {
        max_message_len: 0,
        welcome_text: "hi".into(),
        ..Chat::default()
    };
    assert_eq!(built.validate().unwrap_err().len(), 1);
}

#[test]
fn saves_per_site_and_reads_back_with_sources() {
    let defaults = ModuleSchema::of::<Chat>().defaults();
    let common = raw(&[("allow_files", "N")]);
    let mut site = RawOptions::new();

    let mut wanted: Chat = ScopeLayers::site(&defaults, &common, &site)
        .decode()
        .unwrap();
    assert!(!wanted.allow_files);
    wanted.welcome_text = "Hi".into();
    let patch = plan_save(&ScopeLayers::site(&defaults, &common, &site), &wanted).unwrap();
    assert_eq!(patch.len(), 1);
    apply_patch(&mut site, &patch);

    let merged = ScopeLayers::site(&defaults, &common, &site).effective();
    assert_eq!(merged.source("welcome_text"), Some(Source::Site));
    assert_eq!(merged.source("allow_files"), Some(Source::Common));
    assert_eq!(merged.source("max_message_len"), Some(Source::Default));
    let shown = ModuleSchema::of::<Chat>().show(merged.raw()).unwrap();
    assert_eq!(shown[0].value, ShownValue::Integer(2000));
    assert_eq!(shown[1].value, ShownValue::Bool(false));
    assert_eq!(shown[2].value, ShownValue::Text("Hi".into()));
}

#[test]
fn schema_exports_as_json() {
    let json = serde_json::to_value(ModuleSchema::of::<Chat>()).unwrap();
    assert_eq!(json["module"], "chat");
    assert_eq!(json["guard"], "im");
    assert_eq!(json["options"][0]["kind"]["max"], 10_000);
    assert_eq!(json["options"][2]["kind"]["max_chars"], 200);
    assert_eq!(json["options"][2]["view"], "D");
    assert_eq!(json["access_levels"][1]["level"], "W");
    assert_eq!(Chat::schema(), ModuleSchema::of::<Chat>());
}

/// Registering modules that contradict each other fails to build, and the
/// error names every contradiction, not only the first.
#[test]
fn every_contradicting_registration_is_reported() {
    use module_settings::settings::{Settings, SettingsError};
    let err = Settings::builder(module_settings::MemoryStore::new())
        .register_rights(Chat::GUARD, ModuleLevels::VIDEO) // not Chat's levels
        .register::<Chat>()
        .register_rights(ModuleId::from_static("video"), ModuleLevels::B24_CONNECTOR)
        .build()
        .unwrap_err();
    let SettingsError::Registration { problems } = &err else {
        panic!("expected a registration error, got {err:?}");
    };
    let modules: Vec<&str> = problems.iter().map(|p| p.module.as_str()).collect();
    assert_eq!(modules, ["im", "video"]);
    assert_eq!(
        err.to_string().matches("cannot be registered").count(),
        2,
        "{err}"
    );
}
