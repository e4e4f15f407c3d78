//! `#[derive(ModuleOptions)]` on a module with every kind: the specs it
//! writes, its defaults, its validator, and — as properties — that every
//! valid value round-trips through its stored form, that arbitrary stored
//! records never panic and give at most one error per option.

use std::net::Ipv4Addr;
use std::num::NonZeroU16;

use module_settings::access::{LevelInfo, ModuleLevels};
use module_settings::modules::{Windows, WINDOW_OPTIONS};
use module_settings::options::{
    Decoder, FieldProblem, ModuleSchema, OptionChoice, OptionKind, OptionSpec, RawOptions,
};
use module_settings::settings::{Actor, Settings};
use module_settings::{
    AccessLevel, GroupId, Label, MemoryStore, ModuleOptions, OptionName, Scope, Secret,
};
use proptest::prelude::*;
use url::{Host, Url};

#[derive(Debug, Clone, Copy, PartialEq, Eq, OptionChoice)]
enum Mode {
    Push,
    #[choice(value = "pull-only")]
    Pull,
    TwoWay,
}

/// One field of every kind the derive knows, and a rule across two.
#[derive(Debug, Clone, PartialEq, ModuleOptions)]
#[module(
    id = "every_kind",
    guard = "every_guard",
    title(ru = "Все виды", en = "Every kind"),
    levels(
        D(ru = "закрыт", en = "closed"),
        M(ru = "флаги", en = "flags"),
        R(ru = "чтение", en = "read"),
        W(ru = "запись", en = "write")
    ),
    validate = Self::limit_needs_flag
)]
struct EveryKind {
    #[option(name = "Flag", label(ru = "Флаг", en = "Flag"), default = true, edit = M)]
    flag: bool,
    #[option(label(ru = "Малое", en = "Small"), range(-5..=5), default = -2)]
    small: i8,
    #[option(label(ru = "Счёт", en = "Count"), range(10..=20))]
    count: u32,
    #[option(label(ru = "Большое", en = "Big"))]
    big: u64,
    #[option(label(ru = "Предел", en = "Limit"), view = M)]
    limit: Option<i64>,
    #[option(label(ru = "Порт", en = "Port"), default = 443)]
    port: Option<NonZeroU16>,
    #[option(
        label(ru = "Текст", en = "Text"),
        help(ru = "до 20 символов", en = "up to 20 characters"),
        max_chars = 20,
        default = "привет"
    )]
    text: String,
    #[option(label(ru = "Хост", en = "Host"), default = "video.example.com")]
    host: Option<Host>,
    #[option(label(ru = "Адрес", en = "URL"))]
    url: Option<Url>,
    #[option(label(ru = "API", en = "API"), https_url)]
    api: Option<Url>,
    #[option(label(ru = "Источник", en = "Origin"), https_origin, operation_only)]
    origin: Option<Url>,
    #[option(label(ru = "Ключ", en = "Key"), max_chars = 16)]
    key: Option<Secret>,
    #[option(label(ru = "Режим", en = "Mode"), default = Mode::Pull)]
    mode: Mode,
    #[option(label(ru = "Запасной режим", en = "Fallback mode"))]
    fallback: Option<Mode>,
    #[option(flags = WINDOW_OPTIONS)]
    windows: Windows,
}

impl EveryKind {
    /// A limit is only meaningful with the flag on.
    fn limit_needs_flag(&self, d: &mut Decoder<'_>) {
        if !self.flag && !d.has_error(&Self::FLAG) && self.limit.is_some() {
            let other = Self::FLAG.name().clone();
            d.reject(&Self::LIMIT, FieldProblem::EmptyBecause { other });
        }
    }
}

/// The options of `EveryKind` before the flags, written by hand.
fn expected_specs() -> Vec<OptionSpec> {
    let label = Label::new;
    let int = |min, max, optional| OptionKind::Integer { min, max, optional };
    vec![
        OptionSpec::new("Flag", OptionKind::Bool, label("Флаг", "Flag"))
            .with_default("Y")
            .with_edit(AccessLevel::M),
        OptionSpec::new("small", int(-5, 5, false), label("Малое", "Small")).with_default("-2"),
        OptionSpec::new("count", int(10, 20, false), label("Счёт", "Count")).with_default("10"),
        OptionSpec::new("big", int(0, i64::MAX, false), label("Большое", "Big")).with_default("0"),
        OptionSpec::new(
            "limit",
            int(i64::MIN, i64::MAX, true),
            label("Предел", "Limit"),
        )
        .with_view(AccessLevel::M),
        OptionSpec::new("port", int(1, 65535, true), label("Порт", "Port")).with_default("443"),
        OptionSpec::new(
            "text",
            OptionKind::Text { max_chars: 20 },
            label("Текст", "Text"),
        )
        .with_default("привет")
        .with_help(label("до 20 символов", "up to 20 characters")),
        OptionSpec::new("host", OptionKind::Host, label("Хост", "Host"))
            .with_default("video.example.com"),
        OptionSpec::new("url", OptionKind::Url, label("Адрес", "URL")),
        OptionSpec::new("api", OptionKind::HttpsUrl, label("API", "API")),
        OptionSpec::new(
            "origin",
            OptionKind::HttpsOrigin,
            label("Источник", "Origin"),
        )
        .operation_only(),
        OptionSpec::new(
            "key",
            OptionKind::Secret { max_chars: 16 },
            label("Ключ", "Key"),
        ),
        OptionSpec::new(
            "mode",
            OptionKind::Choice {
                allowed: &["push", "pull-only", "two_way"],
                optional: false,
            },
            label("Режим", "Mode"),
        )
        .with_default("pull-only"),
        OptionSpec::new(
            "fallback",
            OptionKind::Choice {
                allowed: &["push", "pull-only", "two_way"],
                optional: true,
            },
            label("Запасной режим", "Fallback mode"),
        ),
    ]
}

#[test]
fn the_specs_are_what_a_hand_written_module_declares() {
    let mut expected = expected_specs();
    expected.extend(WINDOW_OPTIONS.iter().map(|(_, spec)| spec.clone()));
    assert_eq!(EveryKind::OPTIONS, expected.as_slice());
    assert_eq!(EveryKind::MODULE.as_str(), "every_kind");
    assert_eq!(EveryKind::GUARD.as_str(), "every_guard");
    assert_eq!(EveryKind::TITLE, Label::new("Все виды", "Every kind"));
    let levels: Vec<AccessLevel> = EveryKind::LEVELS
        .entries()
        .iter()
        .map(|e| e.level)
        .collect();
    assert_eq!(levels, AccessLevel::ALL);
    assert_eq!(
        EveryKind::LEVELS.entries()[1],
        LevelInfo::new(AccessLevel::M, Label::new("флаги", "flags"))
    );
    // A secret needs W to be seen when its attribute names no view level.
    assert_eq!(EveryKind::KEY.view(), AccessLevel::W);
    ModuleSchema::of::<EveryKind>().self_check().unwrap();
}

#[test]
fn default_is_every_options_default_and_encodes_to_the_schemas() {
    let value = EveryKind::default();
    assert_eq!(
        value,
        EveryKind {
            flag: true,
            small: -2,
            count: 10,
            big: 0,
            limit: None,
            port: NonZeroU16::new(443),
            text: "привет".to_owned(),
            host: Some(Host::Domain("video.example.com".to_owned())),
            url: None,
            api: None,
            origin: None,
            key: None,
            mode: Mode::Pull,
            fallback: None,
            windows: Windows::default(),
        }
    );
    assert_eq!(value.encode(), ModuleSchema::of::<EveryKind>().defaults());
    assert_eq!(EveryKind::decode(&RawOptions::new()), Ok(value));
}

#[test]
fn the_validator_runs_after_every_field_and_every_problem_is_reported() {
    let mut raw = RawOptions::new();
    for (name, text) in [
        ("Flag", "N"),
        ("limit", "5"),
        ("small", "9"),
        ("key", "k".repeat(17).as_str()),
    ] {
        raw.insert(OptionName::new(name).unwrap(), text.to_owned());
    }
    let errors = EveryKind::decode(&raw).unwrap_err();
    let bad: Vec<&str> = errors.iter().map(|e| e.option().as_str()).collect();
    // Fields in declaration order, then the rule across fields.
    assert_eq!(bad, ["small", "key", "limit"]);
    assert!(matches!(
        errors.field("limit").unwrap().problem(),
        FieldProblem::EmptyBecause { .. }
    ));
    assert_eq!(errors.field("key").unwrap().value(), Some("******"));
    // The rule holds for a value built in code too.
    let built = EveryKind {
        flag: false,
        limit: Some(1),
        ..EveryKind::default()
    };
    assert!(built.validate().unwrap_err().has("limit"));
}

#[test]
fn an_https_url_keeps_its_path_and_refuses_http() {
    let mut value = EveryKind {
        api: Some(Url::parse("https://crm.example.com/rest/v1/?x=1").unwrap()),
        ..EveryKind::default()
    };
    let stored = value.encode();
    assert_eq!(stored["api"], "https://crm.example.com/rest/v1/?x=1");
    assert_eq!(EveryKind::decode(&stored), Ok(value.clone()));
    value.api = Some(Url::parse("http://crm.example.com/rest/v1/").unwrap());
    let errors = value.validate().unwrap_err();
    assert_eq!(
        errors.field("api").unwrap().problem(),
        &FieldProblem::NotHttpsUrl
    );
    value.api = Some(Url::parse("https://user:hunter2@crm.example.com/").unwrap());
    let errors = value.validate().unwrap_err();
    let error = errors.field("api").unwrap();
    assert_eq!(error.problem(), &FieldProblem::UrlHasCredentials);
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[test]
fn a_derived_module_works_through_the_facade() {
    let settings = Settings::builder(MemoryStore::new())
        .register::<EveryKind>()
        .build()
        .unwrap();
    let admin = Actor::new([GroupId::ADMINISTRATORS]);
    let mut form = settings.edit::<EveryKind>(Scope::Common).unwrap();
    form.value_mut().mode = Mode::TwoWay;
    form.value_mut().key = Some(Secret::new("k"));
    settings.save(&admin, form).unwrap();
    let read = settings.options::<EveryKind>(Scope::Common).unwrap();
    assert_eq!(read.mode, Mode::TwoWay);
    assert_eq!(read.key, Some(Secret::new("k")));
}

// ---------- properties ----------

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Push), Just(Mode::Pull), Just(Mode::TwoWay)]
}

fn domain() -> impl Strategy<Value = Host> {
    "[a-z][a-z0-9]{0,10}(\\.[a-z][a-z0-9]{0,8}){0,3}"
        .prop_filter_map("a valid domain", |d| Host::parse(&d).ok())
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        domain(),
        any::<[u8; 4]>().prop_map(|o| Host::Ipv4(Ipv4Addr::from(o))),
    ]
}

fn https_url() -> impl Strategy<Value = Url> {
    (
        domain(),
        "(/[a-z0-9]{1,8}){0,3}/?",
        proptest::option::of("[a-z]=[0-9]{1,4}"),
    )
        .prop_map(|(host, path, query)| {
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            Url::parse(&format!("https://{host}{path}{query}")).unwrap()
        })
}

fn origin() -> impl Strategy<Value = Url> {
    (domain(), proptest::option::of(1u16..=u16::MAX)).prop_map(|(host, port)| {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        Url::parse(&format!("https://{host}{port}")).unwrap()
    })
}

fn url() -> impl Strategy<Value = Url> {
    prop_oneof![
        https_url(),
        (domain(), "[a-z0-9/]{0,12}")
            .prop_map(|(host, path)| { Url::parse(&format!("ftp://{host}/{path}")).unwrap() }),
    ]
}

/// Every valid value: each field within its limits, and the rule kept.
fn every_kind() -> impl Strategy<Value = EveryKind> {
    let numbers = (
        any::<bool>(),
        -5i8..=5,
        10u32..=20,
        0..=u64::try_from(i64::MAX).unwrap(),
        proptest::option::of(any::<i64>()),
        proptest::option::of((1u16..=u16::MAX).prop_filter_map("non-zero", NonZeroU16::new)),
    );
    let texts = (
        "\\PC{0,20}",
        proptest::option::of(host()),
        proptest::option::of(url()),
        proptest::option::of(https_url()),
        proptest::option::of(origin()),
        proptest::option::of("(?s).{1,16}".prop_map(Secret::new)),
    );
    let rest = (mode(), proptest::option::of(mode()), any::<u8>());
    (numbers, texts, rest).prop_map(
        |(
            (flag, small, count, big, limit, port),
            (text, host, url, api, origin, key),
            (mode, fallback, bits),
        )| EveryKind {
            flag,
            small,
            count,
            big,
            limit: limit.filter(|_| flag),
            port,
            text,
            host,
            url,
            api,
            origin,
            key,
            mode,
            fallback,
            windows: Windows::from_bits_truncate(bits),
        },
    )
}

proptest! {
    #[test]
    fn every_valid_value_round_trips(value in every_kind()) {
        let stored = value.encode();
        prop_assert_eq!(stored.len(), EveryKind::OPTIONS.len());
        prop_assert_eq!(EveryKind::decode(&stored), Ok(value.clone()));
        prop_assert!(value.validate().is_ok());
        // What is stored is canonical: encoding what was read gives it back.
        prop_assert_eq!(EveryKind::decode(&stored).unwrap().encode(), stored);
    }

    #[test]
    fn arbitrary_records_never_panic_and_give_one_error_per_option(
        records in proptest::collection::btree_map(
            proptest::sample::select(
                EveryKind::OPTIONS.iter().map(|s| s.name().as_str()).collect::<Vec<_>>()
            ),
            "(?s).{0,12}",
            0..8,
        )
    ) {
        let raw: RawOptions = records
            .into_iter()
            .map(|(name, text)| (OptionName::new(name).unwrap(), text))
            .collect();
        if let Err(errors) = EveryKind::decode(&raw) {
            let names: Vec<&str> = errors.iter().map(|e| e.option().as_str()).collect();
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(unique.len(), names.len(), "one error per option: {:?}", names);
        }
    }
}

/// The derive's flags table and `ModuleLevels` constants come from paths;
/// the levels a path names are checked too (see the compile-fail doctests
/// of `module_settings::options`).
#[derive(Debug, Clone, PartialEq, ModuleOptions)]
#[module(id = "by_path", title(ru = "Пути", en = "Paths"), levels = ModuleLevels::VIDEO)]
struct ByPath {
    #[option(label(ru = "Флаг", en = "Flag"), view = D, edit = R)]
    flag: bool,
    #[option(flags = module_settings::modules::WINDOW_OPTIONS)]
    windows: Windows,
}

#[test]
fn levels_and_tables_by_path() {
    assert_eq!(ByPath::LEVELS, ModuleLevels::VIDEO);
    assert_eq!(ByPath::OPTIONS.len(), 1 + WINDOW_OPTIONS.len());
    assert_eq!(ByPath::FLAG.view(), AccessLevel::D);
    assert_eq!(ByPath::FLAG.edit(), AccessLevel::R);
    assert_eq!(ByPath::default().windows, Windows::default());
}
