//! ARCHITECTURE rules 17–20 and 23, one test (or more) per rule, through the
//! public API only.

use std::num::NonZeroU16;

use module_settings::modules::{B24Connector, ConnectMode, ConnectionError, VideoPort, Windows};
use module_settings::options::{
    apply_patch, plan_save, plan_save_raw, reset_patch, FieldProblem, ModuleOptions, ModuleSchema,
    OptionsPatch, RawOptions, ScopeLayers, Source,
};
use module_settings::{OptionName, Secret};

const PLAINTEXT: &str = "pl41nt3xt-s3cr3t";

fn raw(pairs: &[(&str, &str)]) -> RawOptions {
    pairs
        .iter()
        .map(|(k, v)| (OptionName::new(k).unwrap(), (*v).to_owned()))
        .collect()
}

fn video_defaults() -> RawOptions {
    ModuleSchema::of::<VideoPort>().defaults()
}

// ---- rule 17: site value, else common value, else default ----

#[test]
fn rule_17_site_value_wins_over_common_over_default() {
    let defaults = video_defaults();
    let common = raw(&[("ServerHost", "common.example.com"), ("ServerPort", "8000")]);
    let site = raw(&[("ServerHost", "site.example.com")]);

    let merged = ScopeLayers::site(&defaults, &common, &site).effective();
    assert_eq!(merged.value("ServerHost"), Some("site.example.com"));
    assert_eq!(merged.source("ServerHost"), Some(Source::Site));
    assert_eq!(merged.value("ServerPort"), Some("8000"));
    assert_eq!(merged.source("ServerPort"), Some(Source::Common));
    assert_eq!(merged.value("window_main"), Some("Y"));
    assert_eq!(merged.source("window_main"), Some(Source::Default));

    // The common scope does not see the site's value.
    let common_view = ScopeLayers::common(&defaults, &common).effective();
    assert_eq!(common_view.value("ServerHost"), Some("common.example.com"));

    let video: VideoPort = ScopeLayers::site(&defaults, &common, &site)
        .decode()
        .unwrap();
    assert_eq!(video.server_host.unwrap().to_string(), "site.example.com");
    assert_eq!(video.server_port, NonZeroU16::new(8000));
}

/// The layers are borrowed immutably, so the compiler already sees to it
/// that a read cannot change them. What it cannot see: that a read is
/// repeatable, that a site with no records reads as inherited without
/// getting any, and that saving back what was read — the admin page opened
/// and saved unchanged — writes nothing in that scope.
#[test]
fn rule_17_reads_never_write() {
    let defaults = video_defaults();
    // The common scope as a save through this crate leaves it: only what
    // differs from the defaults (a host and a secret).
    let mut common = RawOptions::new();
    let saved = plan_save(
        &ScopeLayers::common(&defaults, &common),
        &video_with_secret(),
    );
    apply_patch(&mut common, &saved.unwrap());
    assert_eq!(common.len(), 2);
    let site = RawOptions::new();
    let layers = ScopeLayers::site(&defaults, &common, &site);

    // Repeatable: the same effective records, sources and value twice.
    let first = layers.effective();
    assert_eq!(layers.effective(), first);
    let read: VideoPort = layers.decode().unwrap();
    assert_eq!(layers.decode::<VideoPort>().unwrap(), read);
    assert_eq!(read, video_with_secret());

    // A site with no records reads as inherited, with no value of its own.
    assert!(first.iter().all(|(_, _, source)| source != Source::Site));
    assert_eq!(first.source("ServerHost"), Some(Source::Common));
    assert_eq!(first.source("window_main"), Some(Source::Default));

    // Saving back what was read, raw or typed, writes nothing in the site.
    assert_eq!(layers.save_patch(first.raw()), OptionsPatch::new());
    assert_eq!(plan_save(&layers, &read).unwrap(), OptionsPatch::new());
    let schema = ModuleSchema::of::<VideoPort>();
    assert_eq!(
        plan_save_raw(&schema, &layers, first.raw()).unwrap(),
        OptionsPatch::new()
    );
    // The same holds in the common scope over the defaults.
    let common_layers = ScopeLayers::common(&defaults, &common);
    assert_eq!(
        plan_save(&common_layers, &read).unwrap(),
        OptionsPatch::new()
    );
}

#[test]
fn rule_17_reset_to_inherited_deletes_in_that_scope_only() {
    let defaults = video_defaults();
    let mut common = raw(&[("ServerPort", "8000")]);
    let mut site = raw(&[("ServerPort", "9000")]);
    let port = OptionName::from_static("ServerPort");

    apply_patch(&mut site, &reset_patch(port.clone()));
    assert!(site.is_empty());
    assert_eq!(common, raw(&[("ServerPort", "8000")]));
    let merged = ScopeLayers::site(&defaults, &common, &site).effective();
    assert_eq!(
        (merged.value("ServerPort"), merged.source("ServerPort")),
        (Some("8000"), Some(Source::Common))
    );

    apply_patch(&mut common, &reset_patch(port));
    let merged = ScopeLayers::site(&defaults, &common, &site).effective();
    assert_eq!(
        (merged.value("ServerPort"), merged.source("ServerPort")),
        (Some(""), Some(Source::Default))
    );
}

#[test]
fn rule_17_a_scope_stores_only_what_differs_from_what_it_inherits() {
    let defaults = video_defaults();
    let common = raw(&[("ServerHost", "video.example.com")]);
    let site = raw(&[("ServerHost", "other.example.com"), ("window_chat", "Y")]);
    let layers = ScopeLayers::site(&defaults, &common, &site);

    // The site now wants the common host and the default chat window, plus a port.
    let mut wanted: VideoPort = ScopeLayers::common(&defaults, &common).decode().unwrap();
    wanted.server_port = NonZeroU16::new(8443);
    let patch = plan_save(&layers, &wanted).unwrap();
    assert_eq!(
        patch,
        OptionsPatch::from([
            (OptionName::from_static("ServerHost"), None),
            (
                OptionName::from_static("ServerPort"),
                Some("8443".to_owned())
            ),
            (OptionName::from_static("window_chat"), None),
        ])
    );
    let mut stored = site.clone();
    apply_patch(&mut stored, &patch);
    assert_eq!(stored, raw(&[("ServerPort", "8443")]));
    let again: VideoPort = ScopeLayers::site(&defaults, &common, &stored)
        .decode()
        .unwrap();
    assert_eq!(again, wanted);
}

// ---- rule 18: booleans are Y/N, "" is false, anything else names module, option, value ----

#[test]
fn rule_18_booleans_are_y_n_and_empty_is_false() {
    let on = VideoPort::decode(&raw(&[("window_chat", "Y"), ("window_main", "N")])).unwrap();
    assert!(on.windows.contains(Windows::CHAT) && !on.windows.contains(Windows::MAIN));
    let empty =
        VideoPort::decode(&raw(&[("window_main", ""), ("window_show_invite", "")])).unwrap();
    assert!(!empty.windows.contains(Windows::MAIN));
    assert!(!empty.allow_invite);
    assert_eq!(VideoPort::default().encode()["window_chat"], "N");
    assert_eq!(VideoPort::default().encode()["window_main"], "Y");

    let err = VideoPort::decode(&raw(&[("window_chat", "true")])).unwrap_err();
    let text = err.to_string();
    for part in ["videoport", "window_chat", "\"true\"", "\"Y\"", "\"N\""] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    assert_eq!(
        err.iter().next().unwrap().problem(),
        &FieldProblem::NotABool
    );
}

// ---- rule 19: every bad field at once, with name, (masked) value and what is allowed ----

#[test]
fn rule_19_every_bad_field_is_reported_at_once() {
    let bad = raw(&[
        ("ServerHost", "http://x"),
        ("ServerPort", "0"),
        ("SecretCode", &"s".repeat(256)),
        ("window_main", "1"),
        ("window_info", "on"),
        ("window_show_invite", "Y"),
    ]);
    let errors = VideoPort::decode(&bad).unwrap_err();
    let names: Vec<&str> = errors.iter().map(|e| e.option().as_str()).collect();
    assert_eq!(
        names,
        [
            "ServerHost",
            "ServerPort",
            "SecretCode",
            "window_main",
            "window_info"
        ]
    );
    assert_eq!(errors.to_string().lines().count(), 5);
    let port = errors.field("ServerPort").unwrap();
    assert_eq!(port.value(), Some("0"));
    assert_eq!(
        port.to_string(),
        "videoport option ServerPort: \"0\" is not allowed; expected a whole number from 1 to 65535, or empty for unset"
    );
    assert_eq!(errors.field("SecretCode").unwrap().value(), Some("******"));
    assert!(errors
        .field("SecretCode")
        .unwrap()
        .to_string()
        .ends_with("expected at most 255 characters"));
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(errors);
    assert!(boxed.to_string().contains("window_info"));
}

#[test]
fn rule_19_validate_reports_every_problem_of_a_built_value() {
    let built = VideoPort {
        server_host: Some(url::Host::Domain("not a host".into())),
        secret_code: Some(Secret::new("k".repeat(300))),
        ..VideoPort::default()
    };
    let errors = built.validate().unwrap_err();
    let names: Vec<&str> = errors.iter().map(|e| e.option().as_str()).collect();
    assert_eq!(names, ["ServerHost", "SecretCode"]);
    assert!(VideoPort::default().validate().is_ok());
}

// ---- rule 20: all changed fields or none ----

#[test]
fn rule_20_a_save_is_one_patch_with_every_change_or_nothing() {
    let defaults = video_defaults();
    let common = RawOptions::new();
    let layers = ScopeLayers::common(&defaults, &common);

    let good = VideoPort {
        server_host: Some(url::Host::parse("video.example.com").unwrap()),
        server_port: NonZeroU16::new(8000),
        windows: Windows::empty(),
        ..VideoPort::default()
    };
    let patch = plan_save(&layers, &good).unwrap();
    let changed: Vec<&str> = patch.keys().map(OptionName::as_str).collect();
    assert_eq!(
        changed,
        [
            "ServerHost",
            "ServerPort",
            "window_info",
            "window_main",
            "window_members",
            "window_settings"
        ]
    );

    let mut bad = good.clone();
    bad.secret_code = Some(Secret::new("x".repeat(256)));
    let errors = plan_save(&layers, &bad).unwrap_err();
    assert_eq!(errors.len(), 1);

    // A submitted form: one bad field means no patch for the good ones either.
    let schema = ModuleSchema::of::<VideoPort>();
    let form = raw(&[("ServerHost", "video.example.com"), ("ServerPort", "99999")]);
    let errors = plan_save_raw(&schema, &layers, &form).unwrap_err();
    assert_eq!(errors.len(), 1);
    let form = raw(&[("ServerHost", "video.example.com"), ("NoSuchOption", "1")]);
    let errors = plan_save_raw(&schema, &layers, &form).unwrap_err();
    let unknown = errors.iter().next().unwrap();
    assert!(matches!(
        unknown.problem(),
        FieldProblem::UnknownOption { .. }
    ));
    assert_eq!(
        unknown.to_string(),
        "videoport option NoSuchOption: the module has no option of this name; expected one \
         of: ServerHost, ServerPort, SecretCode, window_main, window_chat, window_members, \
         window_settings, window_info, window_self_camera, window_show_invite"
    );
    let form = raw(&[("ServerHost", "video.example.com"), ("ServerPort", "8000")]);
    assert_eq!(plan_save_raw(&schema, &layers, &form).unwrap().len(), 2);
}

#[test]
fn rule_20_a_raw_save_keeps_the_rules_across_options() {
    // B24Connector: portal, mode and time are all set or all empty. Each
    // field of these forms is fine alone; the records after the save are not.
    let schema = ModuleSchema::of::<B24Connector>();
    let defaults = schema.defaults();
    let empty = RawOptions::new();
    let layers = ScopeLayers::common(&defaults, &empty);
    let portal_only = raw(&[("portal_url", "https://a.bitrix24.ru")]);
    schema.check_submitted(&portal_only).unwrap();
    let errors = plan_save_raw(&schema, &layers, &portal_only).unwrap_err();
    let bad: Vec<&str> = errors.iter().map(|e| e.option().as_str()).collect();
    assert_eq!(bad, ["connect_mode", "connected_at"]);
    assert!(matches!(
        errors.field("connect_mode").unwrap().problem(),
        FieldProblem::RequiredBecause { .. }
    ));

    // All three at once is a whole connection.
    let all = raw(&[
        ("portal_url", "https://a.bitrix24.ru"),
        ("connect_mode", "new"),
        ("connected_at", "1700000000"),
    ]);
    let patch = plan_save_raw(&schema, &layers, &all).unwrap();
    assert_eq!(patch.len(), 3);

    // What the scope already stores counts: with a connection stored,
    // changing the portal alone is whole, and emptying it alone is not.
    let mut stored = RawOptions::new();
    apply_patch(&mut stored, &patch);
    let layers = ScopeLayers::common(&defaults, &stored);
    let moved = raw(&[("portal_url", "https://b.bitrix24.ru")]);
    assert_eq!(plan_save_raw(&schema, &layers, &moved).unwrap().len(), 1);
    let emptied = raw(&[("portal_url", "")]);
    let errors = plan_save_raw(&schema, &layers, &emptied).unwrap_err();
    assert!(
        errors.has("connect_mode") && errors.has("connected_at"),
        "{errors}"
    );
}

// ---- rule 23: the secret word never leaks ----

fn video_with_secret() -> VideoPort {
    VideoPort {
        server_host: Some(url::Host::parse("video.example.com").unwrap()),
        secret_code: Some(Secret::new(PLAINTEXT)),
        ..VideoPort::default()
    }
}

#[track_caller]
fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(PLAINTEXT), "{what} leaks the secret: {text}");
}

#[test]
fn rule_23_secret_is_not_in_debug_of_the_module() {
    let video = video_with_secret();
    assert_hidden("Debug", &format!("{video:?}"));
    assert_hidden("pretty Debug", &format!("{video:#?}"));
    assert!(format!("{video:?}").contains("******"));
    assert_eq!(video.secret_code.as_ref().unwrap().expose(), PLAINTEXT);
}

#[test]
fn rule_23_secret_is_not_in_schema_or_shown_values() {
    let video = video_with_secret();
    let schema = ModuleSchema::of::<VideoPort>();
    assert_hidden("schema", &serde_json::to_string(&schema).unwrap());
    let shown = schema.show(&video.encode()).unwrap();
    let json = serde_json::to_string(&shown).unwrap();
    assert_hidden("shown values", &json);
    assert!(
        json.contains(r#"{"name":"SecretCode","value":{"set":true}}"#),
        "{json}"
    );
    assert_hidden("shown Debug", &format!("{shown:?}"));
}

#[test]
fn rule_23_secret_is_not_in_validation_errors() {
    let long = format!("{PLAINTEXT}{}", "x".repeat(300));
    let errors = VideoPort::decode(&raw(&[("SecretCode", &long)])).unwrap_err();
    assert_hidden("Display", &errors.to_string());
    assert_hidden("Debug", &format!("{errors:?}"));
    let mut built = video_with_secret();
    built.secret_code = Some(Secret::new(long));
    built.server_port = None;
    let errors = built.validate().unwrap_err();
    assert_hidden("validate", &format!("{errors} {errors:?}"));
}

#[test]
fn rule_23_a_secret_under_a_mistyped_name_is_not_echoed() {
    // "secretcode" is not an option of the module (names keep their case),
    // but what was typed into it is the secret word all the same.
    let schema = ModuleSchema::of::<VideoPort>();
    let form = raw(&[("secretcode", PLAINTEXT), ("ServerPort", "8000")]);
    let errors = schema.check_submitted(&form).unwrap_err();
    assert_hidden("check_submitted", &format!("{errors} {errors:?}"));
    let error = errors.field("secretcode").unwrap();
    assert_eq!(error.value(), None);
    assert!(
        errors
            .to_string()
            .starts_with("videoport option secretcode: "),
        "{errors}"
    );
    let defaults = video_defaults();
    let common = RawOptions::new();
    let layers = ScopeLayers::common(&defaults, &common);
    let errors = plan_save_raw(&schema, &layers, &form).unwrap_err();
    assert_hidden("plan_save_raw", &format!("{errors} {errors:?}"));
}

#[test]
fn rule_23_secret_is_masked_in_redacted_records_and_patches() {
    let video = video_with_secret();
    let schema = ModuleSchema::of::<VideoPort>();
    let redacted = schema.redacted(&video.encode());
    assert_hidden("redacted records", &format!("{redacted:?}"));
    assert_eq!(redacted["SecretCode"], "******");
    assert_eq!(redacted["ServerHost"], "video.example.com");
    let defaults = video_defaults();
    let common = RawOptions::new();
    let patch = plan_save(&ScopeLayers::common(&defaults, &common), &video).unwrap();
    let shown = schema.redacted_patch(&patch);
    assert_hidden("redacted patch", &format!("{shown:?}"));
    assert_eq!(shown["SecretCode"].as_deref(), Some("******"));
}

#[test]
fn rule_23_serializing_a_secret_needs_an_explicit_opt_in() {
    #[derive(serde::Serialize)]
    struct Export {
        #[serde(with = "module_settings::secret::exposed_option")]
        secret: Option<Secret>,
    }
    let export = Export {
        secret: video_with_secret().secret_code,
    };
    let json = serde_json::to_string(&export).unwrap();
    assert_eq!(json, format!(r#"{{"secret":"{PLAINTEXT}"}}"#));
}

#[test]
fn rule_23_secret_is_not_in_debug_of_the_options_helpers() {
    use module_settings::options::{Decoder, Encoder};
    let stored = video_with_secret().encode();
    let defaults = video_defaults();
    let layers = ScopeLayers::common(&defaults, &stored);
    assert_hidden("ScopeLayers", &format!("{layers:?}"));
    assert_hidden("Merged", &format!("{:?}", layers.effective()));
    let decoder = Decoder::new(VideoPort::MODULE, &stored);
    assert_hidden("Decoder", &format!("{decoder:?}"));
    let mut encoder = Encoder::new();
    encoder.secret(&VideoPort::SECRET_CODE, Some(&Secret::new(PLAINTEXT)));
    assert_hidden("Encoder", &format!("{encoder:?}"));
}

#[test]
fn rule_23_secret_is_not_in_debug_of_raw_records_or_patches() {
    let stored = video_with_secret().encode();
    assert_hidden("RawOptions", &format!("{stored:?}"));
    assert_hidden("RawOptions pretty", &format!("{stored:#?}"));
    assert!(format!("{stored:?}").contains(r#"OptionName("SecretCode"): "…""#));
    let defaults = video_defaults();
    let common = RawOptions::new();
    let patch = plan_save(
        &ScopeLayers::common(&defaults, &common),
        &video_with_secret(),
    )
    .unwrap();
    assert_eq!(patch["SecretCode"].as_deref(), Some(PLAINTEXT));
    assert_hidden("OptionsPatch", &format!("{patch:?}"));
    assert!(format!("{patch:?}").contains(r#"OptionName("SecretCode"): Some("…")"#));
}

// ---- shape of the schema export ----

#[test]
fn schema_serializes_for_a_web_front_end() {
    let json = serde_json::to_value(ModuleSchema::of::<VideoPort>()).unwrap();
    assert_eq!(json["module"], "videoport");
    assert_eq!(json["guard"], "video");
    assert_eq!(json["title"]["en"], "VideoPort");
    let options = json["options"].as_array().unwrap();
    assert_eq!(options.len(), 10);
    assert_eq!(
        options[1],
        serde_json::json!({
            "name": "ServerPort",
            "kind": {"type": "integer", "min": 1, "max": 65535, "optional": true},
            "default": "",
            "label": {"ru": "Порт сервера", "en": "Server port"},
            "help": {
                "ru": "Указывается порт вашего корпоративного видеосервера.",
                "en": "The port of your corporate video server."
            },
            "view": "R",
            "edit": "W",
            "operation_only": false,
        })
    );
    assert_eq!(options[2]["kind"]["type"], "secret");
    assert_eq!(options[2]["view"], "W");
    assert_eq!(options[3]["default"], "Y");
    assert_eq!(
        json["access_levels"],
        serde_json::json!([
            {"level": "D", "label": {"ru": "закрыт", "en": "closed"}},
            {"level": "R", "label": {"ru": "просмотр всех данных модуля", "en": "view all module data"}},
            {"level": "W", "label": {"ru": "запись", "en": "write"}},
        ])
    );

    let b24 = serde_json::to_value(ModuleSchema::of::<B24Connector>()).unwrap();
    assert_eq!(b24["guard"], "b24connector");
    assert_eq!(b24["access_levels"].as_array().unwrap().len(), 4);
    assert_eq!(
        b24["options"][1]["kind"],
        serde_json::json!({"type": "choice", "allowed": ["new", "existing"], "optional": true})
    );
    // The connection is written by connect and disconnect only: an admin
    // page shows it read-only.
    for option in b24["options"].as_array().unwrap() {
        assert_eq!(option["operation_only"], true, "{option}");
    }
}

#[test]
fn b24_connect_is_stored_and_read_back() {
    let mut b24 = B24Connector::default();
    b24.connect(
        "https://example.bitrix24.ru/".parse().unwrap(),
        ConnectMode::New,
        1_700_000_000,
    )
    .unwrap();
    let stored = b24.encode();
    assert_eq!(
        stored,
        raw(&[
            ("portal_url", "https://example.bitrix24.ru"),
            ("connect_mode", "new"),
            ("connected_at", "1700000000"),
        ])
    );
    assert_eq!(B24Connector::decode(&stored).unwrap(), b24);
    // A time the store cannot hold is refused, not stored unreadable.
    let mut later = B24Connector::default();
    let refused = later.connect(
        "https://example.bitrix24.ru".parse().unwrap(),
        ConnectMode::New,
        u64::MAX,
    );
    assert!(
        matches!(refused, Err(ConnectionError::TimeOutOfRange { .. })),
        "{refused:?}"
    );
    assert!(!later.is_connected());
    let portal = b24.disconnect().unwrap();
    assert_eq!(portal.url().as_str(), "https://example.bitrix24.ru/");
    assert_eq!(B24Connector::decode(&b24.encode()).unwrap(), b24);
}

#[test]
fn portal_credentials_are_never_echoed() {
    use module_settings::modules::Portal;
    let address = "https://admin:hunter2@a.bitrix24.ru";
    let err = address.parse::<Portal>().unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
    assert!(
        err.to_string().contains("https://******@a.bitrix24.ru"),
        "{err}"
    );

    let errors = B24Connector::decode(&raw(&[("portal_url", address)])).unwrap_err();
    assert!(
        !format!("{errors} {errors:?}").contains("hunter2"),
        "{errors}"
    );
    assert_eq!(
        errors.field("portal_url").unwrap().value(),
        Some("https://******@a.bitrix24.ru")
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    use module_settings::modules::*;
    use module_settings::options::*;
    assert_send_sync::<Secret>();
    assert_send_sync::<VideoPort>();
    assert_send_sync::<Windows>();
    assert_send_sync::<B24Connector>();
    assert_send_sync::<Connection>();
    assert_send_sync::<ConnectMode>();
    assert_send_sync::<Portal>();
    assert_send_sync::<ConnectionError>();
    assert_send_sync::<ModuleSchema>();
    assert_send_sync::<OptionSpec>();
    assert_send_sync::<OptionKind>();
    assert_send_sync::<Decoder<'static>>();
    assert_send_sync::<Encoder>();
    assert_send_sync::<Value>();
    assert_send_sync::<ShownValue>();
    assert_send_sync::<ShownOption>();
    assert_send_sync::<FieldProblem>();
    assert_send_sync::<FieldError>();
    assert_send_sync::<ValidationErrors>();
    assert_send_sync::<ScopeLayers<'static>>();
    assert_send_sync::<Merged>();
    assert_send_sync::<Source>();
    assert_send_sync::<RawOptions>();
    assert_send_sync::<OptionsPatch>();
}

// ---- bounded input: hosts keep to DNS, portals to real ports ----

#[test]
fn a_host_outside_dns_limits_is_refused_with_a_bounded_error() {
    let schema = ModuleSchema::of::<VideoPort>();
    let huge = "x".repeat(10 << 20);
    let errors = schema
        .check_submitted(&raw(&[("ServerHost", &huge)]))
        .unwrap_err();
    let text = errors.to_string();
    assert!(
        text.len() < 300,
        "the error is bounded: {} bytes",
        text.len()
    );
    assert_eq!(
        text,
        format!(
            "videoport option ServerHost: \"{}…\" is not allowed; expected a domain name of at \
             most 253 characters, an IPv4 address or an IPv6 address",
            "x".repeat(64)
        )
    );
    let label = "y".repeat(300);
    for bad in ["--weird", "weird-.example", label.as_str()] {
        let errors = VideoPort::decode(&raw(&[("ServerHost", bad)])).unwrap_err();
        let field = errors.field("ServerHost").expect("the host is named");
        assert!(
            matches!(
                field.problem(),
                FieldProblem::BadDomainLabel | FieldProblem::DomainTooLong { .. }
            ),
            "{bad}: {field}"
        );
    }
    let errors = VideoPort::decode(&raw(&[("ServerHost", "--weird")])).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "videoport option ServerHost: \"--weird\" is not allowed; expected a domain name whose \
         dot-separated labels have 1 to 63 letters, digits, hyphens or underscores and neither \
         start nor end with a hyphen, an IPv4 address or an IPv6 address"
    );
}

#[test]
fn a_portal_on_port_0_or_with_a_bad_label_is_refused() {
    use module_settings::modules::Portal;
    let err = "https://a.bitrix24.ru:0".parse::<Portal>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "bitrix24 portal address \"https://a.bitrix24.ru:0\" is not allowed; the port is 0; \
         expected an https origin such as https://example.bitrix24.ru, with a port from 1 to \
         65535 if one is given"
    );
    let err = "https://--weird.bitrix24.ru".parse::<Portal>().unwrap_err();
    assert!(
        matches!(
            err,
            ConnectionError::BadPortal {
                problem: FieldProblem::BadDomainLabel,
                ..
            }
        ),
        "{err}"
    );
    let errors = B24Connector::decode(&raw(&[
        ("portal_url", "https://a.bitrix24.ru:0"),
        ("connect_mode", "new"),
    ]))
    .unwrap_err();
    assert_eq!(
        errors.field("portal_url").map(|e| e.problem()),
        Some(&FieldProblem::ZeroPort)
    );
    assert!("https://a.bitrix24.ru:1".parse::<Portal>().is_ok());
}
