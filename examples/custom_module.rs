//! A downstream module defined with the public API only: a small "chat"
//! module with three options and a rule across two of them. It decodes,
//! validates, encodes and prints its schema as JSON.
//!
//! Run with `cargo run --example custom_module`.

use module_settings::access::{LevelInfo, ModuleLevels};
use module_settings::options::{
    Decoder, Encoder, FieldProblem, ModuleOptions, ModuleSchema, OptionKind, OptionSpec,
    RawOptions, ValidationErrors,
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
.with_default("2000")
.with_help(Label::new(
    "От 1 до 10000 символов",
    "From 1 to 10000 characters",
));

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
.with_view(AccessLevel::D); // everyone sees the greeting

/// The chat module's settings.
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
    const TITLE: Label = Label::new("Чат", "Chat");
    const LEVELS: ModuleLevels = ModuleLevels::new(&[
        LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
        LevelInfo::new(AccessLevel::R, Label::new("чтение", "read")),
        LevelInfo::new(AccessLevel::W, Label::new("запись", "write")),
    ]);
    const OPTIONS: &'static [OptionSpec] = &[MAX_MESSAGE_LEN, ALLOW_FILES, WELCOME_TEXT];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let max_message_len = d.integer(&MAX_MESSAGE_LEN);
        let allow_files = d.bool(&ALLOW_FILES);
        let welcome_text = d.text(&WELCOME_TEXT);
        // A rule across fields: the greeting is a message too. Judge it only
        // when the limit itself was readable.
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = ModuleSchema::of::<Chat>();
    schema.self_check()?;

    // Decode what a settings form stored.
    let mut raw = RawOptions::new();
    raw.insert(OptionName::new("max_message_len")?, "500".into());
    raw.insert(OptionName::new("allow_files")?, "N".into());
    raw.insert(OptionName::new("welcome_text")?, "Добро пожаловать!".into());
    let chat = Chat::decode(&raw)?;
    println!("decoded: {chat:?}");

    // Validate a value built in code: both problems at once.
    let bad = Chat {
        max_message_len: 0,
        welcome_text: "x".repeat(201),
        ..chat.clone()
    };
    if let Err(errors) = bad.validate() {
        println!("invalid:\n{errors}");
    }

    // Encode back: the same records.
    assert_eq!(chat.encode(), raw);
    println!("encoded: {:?}", chat.encode());

    // The schema as an admin front end would receive it.
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(())
}
