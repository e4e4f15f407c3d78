//! A module whose options have every kind of field level, for the
//! field-level tests: `crm`, guarded by its own rights module `crmaccess`
//! (levels D, M, R, W), and actors holding each level.
#![allow(dead_code)] // each test file uses a different part

use module_settings::access::ModuleLevels;
use module_settings::options::{
    Decoder, Encoder, ModuleOptions, OptionKind, OptionSpec, RawOptions, ValidationErrors,
};
use module_settings::settings::{Actor, Settings};
use module_settings::{AccessLevel, GroupId, Label, ModuleId, Secret, Store};

use crate::facade_common::{grant, member};

pub const CRM: ModuleId = ModuleId::from_static("crm");
pub const CRM_ACCESS: ModuleId = ModuleId::from_static("crmaccess");

/// View R, edit W: the defaults.
pub const API_URL: OptionSpec = OptionSpec::new(
    "api_url",
    OptionKind::Url,
    Label::new("Адрес API", "API address"),
);
/// A secret: view W, edit W.
pub const TOKEN: OptionSpec = OptionSpec::new(
    "token",
    OptionKind::Secret { max_chars: 64 },
    Label::new("Токен", "Token"),
);
/// A secret R holders may replace but not see: view W, edit R.
pub const WEBHOOK_KEY: OptionSpec = OptionSpec::new(
    "webhook_key",
    OptionKind::Secret { max_chars: 64 },
    Label::new("Ключ вебхука", "Webhook key"),
)
.with_edit(AccessLevel::R);
/// View R, edit R.
pub const TIMEOUT: OptionSpec = OptionSpec::new(
    "timeout",
    OptionKind::Integer {
        min: 1,
        max: 300,
        optional: false,
    },
    Label::new("Таймаут", "Timeout"),
)
.with_default("30")
.with_edit(AccessLevel::R);
/// The flag M holders switch: view M, edit M.
pub const SYNC: OptionSpec = OptionSpec::new(
    "sync",
    OptionKind::Bool,
    Label::new("Синхронизация", "Sync"),
)
.with_default("N")
.with_view(AccessLevel::M)
.with_edit(AccessLevel::M);
/// Everyone sees it: view D, edit W.
pub const MOTD: OptionSpec = OptionSpec::new(
    "motd",
    OptionKind::Text { max_chars: 100 },
    Label::new("Сообщение дня", "Message of the day"),
)
.with_view(AccessLevel::D);
/// Written by operations only: view R, edit W.
pub const STATE: OptionSpec = OptionSpec::new(
    "state",
    OptionKind::Text { max_chars: 20 },
    Label::new("Состояние", "State"),
)
.operation_only();

/// The options in page order, by name.
pub const PAGE: [&str; 7] = [
    "api_url",
    "token",
    "webhook_key",
    "timeout",
    "sync",
    "motd",
    "state",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Crm {
    pub api_url: Option<url::Url>,
    pub token: Option<Secret>,
    pub webhook_key: Option<Secret>,
    pub timeout: u16,
    pub sync: bool,
    pub motd: String,
    pub state: String,
}

impl Default for Crm {
    fn default() -> Self {
        Crm {
            api_url: None,
            token: None,
            webhook_key: None,
            timeout: 30,
            sync: false,
            motd: String::new(),
            state: String::new(),
        }
    }
}

impl ModuleOptions for Crm {
    const MODULE: ModuleId = CRM;
    const GUARD: ModuleId = CRM_ACCESS;
    const TITLE: Label = Label::new("CRM", "CRM");
    const LEVELS: ModuleLevels = ModuleLevels::B24_CONNECTOR; // D, M, R, W
    const OPTIONS: &'static [OptionSpec] =
        &[API_URL, TOKEN, WEBHOOK_KEY, TIMEOUT, SYNC, MOTD, STATE];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let value = Crm {
            api_url: d.url(&API_URL),
            token: d.secret(&TOKEN),
            webhook_key: d.secret(&WEBHOOK_KEY),
            timeout: d.integer(&TIMEOUT),
            sync: d.bool(&SYNC),
            motd: d.text(&MOTD),
            state: d.text(&STATE),
        };
        d.finish(value)
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        e.url(&API_URL, self.api_url.as_ref());
        e.secret(&TOKEN, self.token.as_ref());
        e.secret(&WEBHOOK_KEY, self.webhook_key.as_ref());
        e.integer(&TIMEOUT, self.timeout);
        e.bool(&SYNC, self.sync);
        e.text(&MOTD, &self.motd);
        e.text(&STATE, &self.state);
        e.finish()
    }
}

/// Someone in group 2 only: no grant, no default, so D.
pub fn nobody() -> Actor {
    Actor::new([GroupId::EVERYONE])
}

/// Holds M on `crmaccess` (group 3).
pub fn m_holder() -> Actor {
    member(3)
}

/// Holds R on `crmaccess` (group 4).
pub fn r_holder() -> Actor {
    member(4)
}

/// Holds W on `crmaccess` (group 5).
pub fn w_holder() -> Actor {
    member(5)
}

/// A facade over `store` with `Crm` registered and groups 3, 4, 5
/// granted M, R and W on `crmaccess`.
pub fn crm_settings<S: Store>(store: S) -> Settings<S> {
    let settings = Settings::builder(store)
        .register::<Crm>()
        .build()
        .expect("Crm registers");
    grant(&settings, CRM_ACCESS, 3, AccessLevel::M);
    grant(&settings, CRM_ACCESS, 4, AccessLevel::R);
    grant(&settings, CRM_ACCESS, 5, AccessLevel::W);
    settings
}
