//! A downstream "chat" module declared with `#[derive(ModuleOptions)]`:
//! three options and a rule across two of them. It decodes, validates,
//! encodes and prints its schema as JSON.
//!
//! Run with `cargo run --example custom_module --features derive`.

use module_settings::options::{Decoder, FieldProblem, ModuleSchema, RawOptions};
use module_settings::{ModuleOptions, OptionName};

#[derive(Debug, Clone, PartialEq, ModuleOptions)]
#[module(id = "chat", title(ru = "Чат", en = "Chat"), validate = Self::greeting_fits,
         levels(D(ru = "закрыт", en = "closed"), R(ru = "чтение", en = "read"),
                W(ru = "запись", en = "write")))]
struct Chat {
    #[option(label(ru = "Максимальная длина сообщения", en = "Longest message"),
             help(ru = "От 1 до 10000 символов", en = "From 1 to 10000 characters"),
             range(1..=10_000), default = 2000)]
    max_message_len: u16,
    #[option(label(ru = "Разрешить файлы", en = "Allow files"), default = true)]
    allow_files: bool,
    #[option(label(ru = "Приветствие", en = "Welcome text"), max_chars = 200, view = D)]
    welcome_text: String, // everyone sees the greeting
}

impl Chat {
    /// The greeting is a message too. Judged only when the limit was readable.
    fn greeting_fits(&self, d: &mut Decoder<'_>) {
        let max = usize::from(self.max_message_len);
        if !d.has_error(&Self::MAX_MESSAGE_LEN) && self.welcome_text.chars().count() > max {
            let expected = format!("at most max_message_len ({max}) characters");
            d.reject(&Self::WELCOME_TEXT, FieldProblem::Custom { expected });
        }
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
