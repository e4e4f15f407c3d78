//! The facade by module id (`schema`, `levels`, `show`, `save_raw`,
//! `set_option`, `roles`): what an admin command line or web page uses.
//! Writes need W on the guard, refuse bad values with every problem at
//! once, never leak a secret, and emit exactly one event per commit.

mod facade_common;

use std::sync::mpsc::Receiver;
use std::sync::Arc;

use facade_common::*;
use module_settings::access::AccessLevels;
use module_settings::modules::VideoPort;
use module_settings::options::{RawOptions, ShownValue, Source};
use module_settings::settings::{
    EffectiveOption, MemoryAuditSink, RecordDiff, Settings, SettingsError, SettingsEvent,
};
use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, MemoryStore, Scope, Store};

const SECRET: &str = "Tr0ub4dor&3-guest-key";
const S1_SCOPE: Scope = Scope::Site(S1);

/// Video: default R, group 10 W, group 11 W in s1 only.
fn setup() -> (
    Settings<MemoryStore>,
    Arc<MemoryAuditSink>,
    Receiver<Arc<SettingsEvent>>,
) {
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(MemoryStore::new())
        .audit(audit.clone())
        .build()
        .unwrap();
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_default(Scope::Common, AccessLevel::R).unwrap();
    tab.set_grant(Scope::Common, g(10), AccessLevel::W).unwrap();
    tab.set_grant(S1_SCOPE, g(11), AccessLevel::W).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    let events = settings.subscribe();
    (settings, audit, events)
}

fn set(
    settings: &Settings<MemoryStore>,
    actor: &module_settings::settings::Actor,
    scope: Scope,
    name: &str,
    value: &str,
) -> Result<Revision, SettingsError> {
    let based_on = settings.revision(VIDEOPORT)?;
    settings.set_option(actor, VIDEOPORT, scope, name, value, based_on)
}

fn raw(pairs: &[(&'static str, &str)]) -> RawOptions {
    pairs
        .iter()
        .map(|(k, v)| (name(k), (*v).to_owned()))
        .collect()
}

fn shown<'a>(options: &'a [EffectiveOption], option: &str) -> &'a EffectiveOption {
    options
        .iter()
        .find(|o| o.name == option)
        .unwrap_or_else(|| panic!("{option} is shown"))
}

#[track_caller]
fn count(events: &Receiver<Arc<SettingsEvent>>) -> usize {
    events.try_iter().count()
}

#[test]
fn schema_and_levels_answer_by_module_role() {
    let settings = Settings::in_memory();
    let schema = settings.schema(VIDEOPORT).unwrap();
    assert_eq!(schema.guard(), VIDEO);
    assert_eq!(schema.options().len(), 10);
    assert_eq!(settings.schema(B24).unwrap().module(), B24);
    assert!(matches!(
        settings.schema(VIDEO),
        Err(SettingsError::UnknownModule { .. })
    ));
    assert_eq!(
        settings.levels(VIDEO).unwrap().accepted().to_string(),
        "D, R, W"
    );
    assert_eq!(
        settings.levels(B24).unwrap().accepted().to_string(),
        "D, M, R, W"
    );
    assert!(matches!(
        settings.levels(VIDEOPORT),
        Err(SettingsError::UnknownModule { .. })
    ));
    let unknown = module_settings::ModuleId::from_static("statistic");
    let err = settings.schema(unknown).unwrap_err();
    assert_eq!(
        err.to_string(),
        "module statistic is not registered as an options module; register it on the settings builder"
    );
}

#[test]
fn show_gives_every_option_with_its_source_and_masks_secrets() {
    let (settings, _, _) = setup();
    set(&settings, &admin(), Scope::Common, "ServerPort", "8000").unwrap();
    set(&settings, &admin(), S1_SCOPE, "ServerPort", "9000").unwrap();
    set(&settings, &admin(), Scope::Common, "SecretCode", SECRET).unwrap();

    let common = settings.show(&admin(), VIDEOPORT, Scope::Common).unwrap();
    let names: Vec<&str> = common.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names[..3], ["ServerHost", "ServerPort", "SecretCode"]);
    assert_eq!(common.len(), 10);
    assert_eq!(
        shown(&common, "ServerPort").value,
        ShownValue::Integer(8000)
    );
    assert_eq!(shown(&common, "ServerPort").source, Source::Common);
    assert_eq!(shown(&common, "ServerHost").value, ShownValue::Unset);
    assert_eq!(shown(&common, "ServerHost").source, Source::Default);
    assert_eq!(shown(&common, "window_main").value, ShownValue::Bool(true));
    assert_eq!(shown(&common, "ServerPort").label.en, "Server port");

    let s1 = settings.show(&admin(), VIDEOPORT, S1_SCOPE).unwrap();
    assert_eq!(shown(&s1, "ServerPort").value, ShownValue::Integer(9000));
    assert_eq!(shown(&s1, "ServerPort").source, Source::Site);
    let secret = shown(&s1, "SecretCode");
    assert_eq!(secret.value, ShownValue::Secret { set: true });
    assert_eq!(secret.source, Source::Common);

    let json = serde_json::to_string(&s1).unwrap();
    assert!(json.contains(r#"{"name":"ServerPort","label":{"ru":"Порт сервера","en":"Server port"},"value":9000,"source":"site"}"#), "{json}");
    assert!(
        json.contains(r#""value":{"set":true},"source":"common""#),
        "{json}"
    );
    assert!(!json.contains(SECRET) && !format!("{s1:?}").contains(SECRET));
}

#[test]
fn show_of_broken_stored_values_names_every_bad_field_masked() {
    let (settings, _, _) = setup();
    let long_secret = format!("{SECRET}{}", "x".repeat(300));
    let changes = [
        Change::SetOption {
            scope: S1_SCOPE,
            name: name("ServerPort"),
            value: "70000".into(),
        },
        Change::SetOption {
            scope: S1_SCOPE,
            name: name("SecretCode"),
            value: long_secret,
        },
    ];
    let store = settings.store();
    let revision = store.revision(&VIDEOPORT).unwrap();
    store.commit(&VIDEOPORT, revision, &changes).unwrap();
    settings.reload(VIDEOPORT).unwrap();

    assert!(settings.show(&admin(), VIDEOPORT, Scope::Common).is_ok());
    let err = settings.show(&admin(), VIDEOPORT, S1_SCOPE).unwrap_err();
    let SettingsError::StoredOptions { errors, scope, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*scope, S1_SCOPE);
    assert_eq!(errors.len(), 2);
    let text = err.to_string();
    assert!(
        text.contains("\"70000\" is not allowed") && text.contains("******"),
        "{text}"
    );
    assert!(!text.contains(SECRET) && !format!("{err:?}").contains(SECRET));
}

#[test]
fn writes_need_w_on_the_guard_in_that_scope_and_change_nothing_when_denied() {
    let (settings, audit, events) = setup();
    let before = everything(settings.store());
    let records = audit.records().len();
    // Group 12 holds the default R; group 11 holds W in s1 only.
    for (actor, scope, held) in [
        (member(12), Scope::Common, AccessLevel::R),
        (member(12), S1_SCOPE, AccessLevel::R),
        (member(11), Scope::Common, AccessLevel::R),
    ] {
        let err = set(&settings, &actor, scope, "ServerPort", "8000").unwrap_err();
        assert!(err.is_denied(), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("access denied to module video: needs W, holds {held}")
        );
        // Denied comes before values: a bad value is not even looked at.
        // A name is usage, judged first (the schema is public anyway).
        let err = set(&settings, &actor, scope, "NoSuchOption", "x").unwrap_err();
        assert!(
            matches!(err, SettingsError::UnknownOption { .. }),
            "{err:?}"
        );
        let err = set(&settings, &actor, scope, "ServerPort", "70000").unwrap_err();
        assert!(err.is_denied(), "{err:?}");
        let form = raw(&[("ServerPort", "70000")]);
        let err = settings
            .save_raw(&actor, VIDEOPORT, scope, &form, Revision::ZERO)
            .unwrap_err();
        assert!(err.is_denied(), "{err:?}");
        let err = settings
            .reset_option(&actor, VIDEOPORT, scope, "ServerPort", Revision::ZERO)
            .unwrap_err();
        assert!(err.is_denied(), "{err:?}");
    }
    assert_eq!(everything(settings.store()), before, "nothing was written");
    assert_eq!(count(&events), 0);
    assert_eq!(audit.records().len(), records, "no audit record");

    // W in s1 is enough for s1; W in common for both.
    set(&settings, &member(11), S1_SCOPE, "ServerPort", "9000").unwrap();
    set(&settings, &member(10), Scope::Common, "ServerPort", "8000").unwrap();
    assert_eq!(count(&events), 2);
    let video = settings.options::<VideoPort>(S1_SCOPE).unwrap();
    assert_eq!(video.server_port.map(|p| p.get()), Some(9000));
}

#[test]
fn invalid_values_are_refused_with_every_problem_and_nothing_written() {
    let (settings, audit, events) = setup();
    let before = everything(settings.store());
    let records = audit.records().len();
    let revision = settings.revision(VIDEOPORT).unwrap();
    let form = raw(&[
        ("ServerPort", "70000"),
        ("window_chat", "yes"),
        ("ServerHost", "not a host"),
        ("secretcode", SECRET), // a mistyped secret: named, never quoted
    ]);
    let err = settings
        .save_raw(&admin(), VIDEOPORT, Scope::Common, &form, revision)
        .unwrap_err();
    // Unknown names are a mistake of usage: reported first, on their own.
    let SettingsError::Invalid(errors) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors.has("secretcode"), "{err}");
    assert!(!err.to_string().contains(SECRET) && !format!("{err:?}").contains(SECRET));
    let form: RawOptions = form
        .into_iter()
        .filter(|(name, _)| name != "secretcode")
        .collect();
    let err = settings
        .save_raw(&admin(), VIDEOPORT, Scope::Common, &form, revision)
        .unwrap_err();
    let SettingsError::Invalid(errors) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(errors.len(), 3, "{err}");
    for option in ["ServerPort", "window_chat", "ServerHost"] {
        assert!(errors.has(option), "{option} in {err}");
    }

    // One field: the same check; an unknown name is its own error.
    let err = set(&settings, &admin(), Scope::Common, "ServerPort", "0").unwrap_err();
    assert_eq!(
        err.to_string(),
        "videoport option ServerPort: \"0\" is not allowed; expected a whole number from 1 to \
         65535, or empty for unset"
    );
    let err = set(&settings, &admin(), Scope::Common, "NoSuchOption", "1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "module videoport has no option \"NoSuchOption\""
    );

    assert_eq!(everything(settings.store()), before, "nothing was written");
    assert_eq!(count(&events), 0);
    assert_eq!(audit.records().len(), records, "no audit record");
}

#[test]
fn the_modules_rules_across_options_hold_after_the_write() {
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(MemoryStore::new())
        .register::<OneSide>()
        .audit(audit.clone())
        .build()
        .unwrap();
    let events = settings.subscribe();
    let module = <OneSide as module_settings::ModuleOptions>::MODULE;
    let based_on = settings.revision(module).unwrap();
    let before = everything(settings.store());

    // `left` and `right` are never both set: each field is fine alone, the
    // pair is refused as a whole and nothing is written.
    let err = settings
        .save_raw(
            &admin(),
            module,
            Scope::Common,
            &raw(&[("left", "a"), ("right", "b")]),
            based_on,
        )
        .unwrap_err();
    let SettingsError::Invalid(errors) = &err else {
        panic!("{err:?}");
    };
    assert!(errors.has("right"), "{err}");
    assert_eq!(everything(settings.store()), before);
    assert_eq!(count(&events), 0);

    // One side alone is fine; then the other side alone breaks the rule
    // against what is stored.
    settings
        .set_option(&admin(), module, Scope::Common, "left", "a", based_on)
        .unwrap();
    assert_eq!(count(&events), 1);
    let based_on = settings.revision(module).unwrap();
    let err = settings
        .set_option(&admin(), module, Scope::Common, "right", "b", based_on)
        .unwrap_err();
    assert!(matches!(err, SettingsError::Invalid(_)), "{err:?}");
    assert_eq!(count(&events), 0);
}

#[test]
fn the_bitrix24_connection_is_not_written_by_option() {
    let (settings, _, events) = setup();
    let before = everything(settings.store());
    let based_on = settings.revision(B24).unwrap();
    let err = settings
        .set_option(
            &admin(),
            B24,
            Scope::Common,
            "portal_url",
            "https://example.bitrix24.ru",
            based_on,
        )
        .unwrap_err();
    assert!(
        matches!(err, SettingsError::OperationOnly { .. }),
        "{err:?}"
    );
    let form = raw(&[
        ("portal_url", "https://example.bitrix24.ru"),
        ("connect_mode", "existing"),
        ("connected_at", "1700000000"),
    ]);
    let err = settings
        .save_raw(&admin(), B24, Scope::Common, &form, based_on)
        .unwrap_err();
    assert!(
        matches!(err, SettingsError::OperationOnly { .. }),
        "{err:?}"
    );
    assert_eq!(everything(settings.store()), before);
    assert_eq!(count(&events), 0);
}

#[test]
fn a_secret_never_reaches_events_audit_records_or_errors() {
    let (settings, audit, events) = setup();
    set(&settings, &admin(), Scope::Common, "SecretCode", SECRET).unwrap();
    let event = events.try_iter().next().expect("one event");
    assert!(matches!(event.changes(), [RecordDiff::Secret { .. }]));
    let text = format!(
        "{event:?} {} {:?}",
        serde_json::to_string(&*event).unwrap(),
        audit.records()
    );
    assert!(!text.contains(SECRET), "{text}");
    assert_eq!(
        audit.texts().last().map(String::as_str),
        Some("videoport: option SecretCode changed")
    );
    // A secret that is too long is refused without being quoted.
    let long = format!("{SECRET}{}", "x".repeat(300));
    let err = set(&settings, &admin(), Scope::Common, "SecretCode", &long).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("******") && !text.contains(SECRET), "{text}");
    // The stored secret is the one set, readable through the typed read.
    let video = settings.options::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(video.secret_code.as_ref().map(|s| s.expose()), Some(SECRET));
}

#[test]
fn one_event_per_commit_and_none_when_nothing_changes() {
    let (settings, audit, events) = setup();
    let first = set(
        &settings,
        &admin(),
        Scope::Common,
        "ServerHost",
        "VIDEO.example.com",
    )
    .unwrap();
    assert_eq!(count(&events), 1);
    let records = audit.records().len();
    // The same value again, in any spelling: nothing to write.
    let again = set(
        &settings,
        &admin(),
        Scope::Common,
        "ServerHost",
        "video.EXAMPLE.com",
    )
    .unwrap();
    assert_eq!(again, first);
    assert_eq!(count(&events), 0);
    assert_eq!(audit.records().len(), records);
    // A site value equal to the common one stores nothing in the site…
    let same = set(
        &settings,
        &admin(),
        S1_SCOPE,
        "ServerHost",
        "video.example.com",
    )
    .unwrap();
    assert_eq!(same, first);
    // …and a different one is the site's own, until reset to inherited.
    set(
        &settings,
        &admin(),
        S1_SCOPE,
        "ServerHost",
        "s1.example.com",
    )
    .unwrap();
    let event = events.try_iter().next().expect("one event");
    assert_eq!(event.scopes(), [S1_SCOPE]);
    let shown_s1 = settings.show(&admin(), VIDEOPORT, S1_SCOPE).unwrap();
    assert_eq!(shown(&shown_s1, "ServerHost").source, Source::Site);
    let based_on = settings.revision(VIDEOPORT).unwrap();
    settings
        .reset_option(&admin(), VIDEOPORT, S1_SCOPE, "ServerHost", based_on)
        .unwrap();
    let shown_s1 = settings.show(&admin(), VIDEOPORT, S1_SCOPE).unwrap();
    assert_eq!(shown(&shown_s1, "ServerHost").source, Source::Common);
}

#[test]
fn raw_writes_merge_or_conflict_like_forms() {
    let store = MemoryStore::new();
    let ours = Settings::new(store.clone());
    let theirs = Settings::new(store.clone());
    let base = ours.revision(VIDEOPORT).unwrap();
    let their_base = theirs.revision(VIDEOPORT).unwrap();
    theirs
        .set_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "ServerPort",
            "8000",
            their_base,
        )
        .unwrap();

    // Another option, based on the old revision: merged.
    let merged = ours
        .set_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "ServerHost",
            "a.example",
            base,
        )
        .unwrap();
    assert_eq!(merged, Revision::new(2));
    // The same option, based on the old revision: a conflict naming it.
    let err = ours
        .set_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "ServerPort",
            "9000",
            base,
        )
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert!(
        err.to_string().contains("option ServerPort in common"),
        "{err}"
    );
    // A revision the facade never saw: outdated, not guessed.
    let err = ours
        .set_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "ServerPort",
            "9000",
            Revision::new(99),
        )
        .unwrap_err();
    assert!(matches!(err, SettingsError::Outdated { .. }), "{err:?}");
    let records = store.load(&VIDEOPORT).unwrap().records;
    assert_eq!(records.option(Scope::Common, "ServerPort"), Some("8000"));
}

#[test]
fn roles_are_the_set_of_levels_and_fail_closed() {
    let (settings, _, _) = setup();
    let levels = |groups: &[u32], scope: Scope| {
        let groups: Vec<_> = groups.iter().map(|&id| g(id)).collect();
        settings.roles(VIDEO, &groups, scope).unwrap()
    };
    // Group 2 has no grant: the default R; group 10 adds W.
    assert_eq!(levels(&[2], Scope::Common), AccessLevels::R);
    assert_eq!(
        levels(&[2, 10], Scope::Common),
        AccessLevels::R | AccessLevels::W
    );
    // Group 11's W is in s1 only.
    assert_eq!(levels(&[11], Scope::Common), AccessLevels::R);
    assert_eq!(levels(&[11], S1_SCOPE), AccessLevels::R | AccessLevels::W);
    // Administrators add W.
    assert_eq!(
        levels(&[1], Scope::Common),
        AccessLevels::R | AccessLevels::W
    );
    // Order and repeats never matter (rule 16).
    assert_eq!(
        levels(&[10, 2, 10], Scope::Common),
        levels(&[2, 10], Scope::Common)
    );

    assert!(matches!(
        settings.roles(VIDEOPORT, &[g(2)], Scope::Common),
        Err(SettingsError::UnknownModule { .. })
    ));
    // A level the module does not accept, written behind the facade's back.
    let store = settings.store();
    let revision = store.revision(&VIDEO).unwrap();
    let bad = Change::SetGrant {
        scope: Scope::Common,
        group: g(12),
        level: AccessLevel::M,
    };
    store.commit(&VIDEO, revision, &[bad]).unwrap();
    settings.reload(VIDEO).unwrap();
    assert!(matches!(
        settings.roles(VIDEO, &[g(2)], Scope::Common),
        Err(SettingsError::StoredRights { .. })
    ));
}

#[test]
fn admin_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<EffectiveOption>();
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any text for any option (or any name at all) gives a revision or
        /// a typed error, never a panic; a refused secret is never quoted;
        /// whatever was accepted reads back through the typed decode.
        #[test]
        fn arbitrary_text_is_a_value_or_a_typed_error(
            option in prop::sample::select(vec![
                "ServerHost", "ServerPort", "SecretCode", "window_main", "window_show_invite",
                "NoSuchOption",
            ]),
            text in ".{0,300}",
            other_name in "\\PC{0,80}",
        ) {
            let settings = Settings::in_memory();
            let secret = format!("SECRET-{text}");
            let value = if option == "SecretCode" { secret.as_str() } else { text.as_str() };
            match set(&settings, &admin(), Scope::Common, option, value) {
                Ok(_) => {
                    prop_assert!(settings.options::<VideoPort>(Scope::Common).is_ok());
                }
                Err(SettingsError::Invalid(errors)) => {
                    prop_assert!(errors.has(option));
                    let shown = format!("{errors} {errors:?}");
                    prop_assert!(!shown.contains("SECRET-"), "{}", shown);
                }
                Err(SettingsError::UnknownOption { .. }) => prop_assert_eq!(option, "NoSuchOption"),
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
            let based_on = settings.revision(VIDEOPORT).unwrap();
            let result = settings.set_option(&admin(), VIDEOPORT, Scope::Common, &other_name, "Y", based_on);
            let expected_ok = ["window_main", "window_chat", "window_members", "window_settings",
                "window_info", "window_self_camera", "window_show_invite"].contains(&other_name.as_str());
            prop_assert_eq!(result.is_ok(), expected_ok, "{:?}", result);
        }
    }
}
