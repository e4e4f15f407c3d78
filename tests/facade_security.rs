//! Rules 23 and 24 through the facade: every write path is refused for
//! actors below W, changing nothing and naming the levels; the VideoPort
//! secret word never reaches events, audit records, errors or `Debug`.

mod facade_common;

use std::num::NonZeroU16;
use std::sync::Arc;

use facade_common::*;
use module_settings::modules::{B24Connector, ConnectMode, VideoPort};
use module_settings::settings::{Actor, MemoryAuditSink, Settings, SettingsError};
use module_settings::store::Change;
use module_settings::{AccessLevel, MemoryStore, ModuleId, Scope, Secret, Store};

const SECRET: &str = "Tr0ub4dor&3-guest-key";

/// Video: default R, group 10 D, group 11 R. b24connector: group 12 M,
/// group 13 R, group 14 W. Plus a connected portal, so disconnect has
/// something to refuse.
fn setup() -> (Settings<MemoryStore>, Arc<MemoryAuditSink>) {
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(MemoryStore::new())
        .audit(audit.clone())
        .build()
        .unwrap();
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_default(Scope::Common, AccessLevel::R).unwrap();
    tab.set_grant(Scope::Common, g(10), AccessLevel::D).unwrap();
    tab.set_grant(Scope::Common, g(11), AccessLevel::R).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    grant(&settings, B24, 12, AccessLevel::M);
    grant(&settings, B24, 13, AccessLevel::R);
    grant(&settings, B24, 14, AccessLevel::W);
    settings
        .connect_b24(&admin(), "https://example.bitrix24.ru", ConnectMode::New)
        .unwrap();
    (settings, audit)
}

#[track_caller]
fn denied(
    result: Result<impl std::fmt::Debug, SettingsError>,
    module: ModuleId,
    held: AccessLevel,
) {
    match result {
        Err(SettingsError::Denied {
            module: m,
            needed,
            held: h,
        }) => {
            assert_eq!((m, needed, h), (module, AccessLevel::W, held));
        }
        other => panic!("expected a denial, got {other:?}"),
    }
}

/// Runs `attempt` and checks it was denied with `held`, and that the store,
/// the events and the audit trail did not move.
#[track_caller]
fn refused<T: std::fmt::Debug>(
    settings: &Settings<MemoryStore>,
    audit: &MemoryAuditSink,
    module: ModuleId,
    held: AccessLevel,
    attempt: impl FnOnce() -> Result<T, SettingsError>,
) {
    let before = everything(settings.store());
    let events = settings.subscribe();
    let records = audit.records().len();
    let result = attempt();
    if let Err(err) = &result {
        let text = err.to_string();
        assert!(
            text.contains(&format!("needs W, holds {held}")),
            "the error names both levels: {text}"
        );
    }
    denied(result, module, held);
    assert_eq!(everything(settings.store()), before, "nothing was written");
    assert!(events.try_recv().is_err(), "no event for a denied write");
    assert_eq!(audit.records().len(), records, "no audit record");
}

#[test]
fn options_writes_need_w_on_the_guard() {
    let (settings, audit) = setup();
    for (actor, held) in [(member(10), AccessLevel::D), (member(11), AccessLevel::R)] {
        // Save in the common scope and in a site.
        for scope in [Scope::Common, Scope::Site(S1)] {
            refused(&settings, &audit, VIDEO, held, || {
                let mut form = settings.edit::<VideoPort>(scope)?;
                form.value_mut().server_port = NonZeroU16::new(8000);
                settings.save(&actor, form)
            });
        }
        // Even an unchanged form is refused: the check comes first.
        refused(&settings, &audit, VIDEO, held, || {
            settings.save(&actor, settings.edit::<VideoPort>(Scope::Common)?)
        });
        // Even invalid values: the denial beats the validation.
        refused(&settings, &audit, VIDEO, held, || {
            let mut form = settings.edit::<VideoPort>(Scope::Common)?;
            form.value_mut().secret_code = Some(Secret::new("x".repeat(300)));
            settings.save(&actor, form)
        });
        refused(&settings, &audit, VIDEO, held, || {
            let revision = settings.revision(VIDEOPORT)?;
            settings.reset_option(&actor, VIDEOPORT, Scope::Common, "ServerHost", revision)
        });
    }
}

#[test]
fn access_tab_writes_need_w_on_the_module() {
    let (settings, audit) = setup();
    for (actor, held) in [(member(10), AccessLevel::D), (member(11), AccessLevel::R)] {
        refused(&settings, &audit, VIDEO, held, || {
            let mut tab = settings.access_tab(VIDEO)?;
            // Trying to raise themselves is the obvious attack.
            tab.set_grant(Scope::Common, g(11), AccessLevel::W)?;
            settings.apply_access_tab(&actor, tab)
        });
        refused(&settings, &audit, VIDEO, held, || {
            let tab = settings.access_tab(VIDEO)?;
            settings.apply_access_tab(&actor, tab)
        });
    }
    for (group, held) in [(12, AccessLevel::M), (13, AccessLevel::R)] {
        refused(&settings, &audit, B24, held, || {
            let mut tab = settings.access_tab(B24)?;
            tab.set_default(Scope::Site(S1), AccessLevel::W)?;
            settings.apply_access_tab(&member(group), tab)
        });
    }
}

#[test]
fn bitrix24_needs_w_on_b24connector() {
    let (settings, audit) = setup();
    for (group, held) in [
        (10, AccessLevel::D),
        (12, AccessLevel::M),
        (13, AccessLevel::R),
    ] {
        let actor = member(group);
        refused(&settings, &audit, B24, held, || {
            settings.disconnect_b24(&actor)
        });
        refused(&settings, &audit, B24, held, || {
            // A bad address is not even looked at before the check.
            settings.connect_b24(&actor, "not a url", ConnectMode::Existing)
        });
    }
    // W on video is no W on b24connector.
    grant(&settings, VIDEO, 15, AccessLevel::W);
    refused(&settings, &audit, B24, AccessLevel::D, || {
        settings.disconnect_b24(&member(15))
    });
    // Group 14 holds W and may.
    settings.disconnect_b24(&member(14)).unwrap();
    assert!(!settings
        .options::<B24Connector>(Scope::Common)
        .unwrap()
        .is_connected());
}

#[test]
fn a_revoked_right_stops_writes_at_once() {
    // Even with an hour of staleness, writes check the guard's current
    // revision.
    let store = MemoryStore::new();
    let settings = Settings::builder(store.clone())
        .staleness(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    grant(&settings, VIDEO, 20, AccessLevel::W);
    let editor = member(20);
    let form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    // Another facade on the same store revokes the grant.
    let other = Settings::new(store);
    let mut tab = other.access_tab(VIDEO).unwrap();
    tab.remove_grant(Scope::Common, g(20));
    other.apply_access_tab(&admin(), tab).unwrap();
    denied(settings.save(&editor, form), VIDEO, AccessLevel::D);
}

/// Every string a caller can get out of the facade after the secret was
/// set, changed, reset and fought over.
#[test]
fn the_secret_word_never_leaks() {
    let (settings, audit) = setup();
    let events = settings.subscribe();
    let mut seen: Vec<String> = Vec::new();
    let mut keep = |text: String| seen.push(text);

    // Set it, in common and in a site.
    for (scope, word) in [
        (Scope::Common, SECRET.to_owned()),
        (Scope::Site(S1), format!("{SECRET}-s1")),
    ] {
        let mut form = settings.edit::<VideoPort>(scope).unwrap();
        form.value_mut().secret_code = Some(Secret::new(word));
        form.value_mut().server_host = Some(url::Host::parse("video.example.com").unwrap());
        keep(format!("{form:?}"));
        settings.save(&admin(), form).unwrap();
    }
    // Read it back: the value is there, but only through `expose`.
    let video = settings.options::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(video.secret_code.as_ref().unwrap().expose(), SECRET);
    keep(format!("{video:?}"));

    // An invalid secret (too long), containing the secret word.
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().secret_code = Some(Secret::new(format!("{SECRET}{}", "x".repeat(300))));
    let err = settings.save(&admin(), form).unwrap_err();
    assert!(matches!(err, SettingsError::Invalid(_)));
    keep(format!("{err} {err:?}"));

    // A conflict over the secret.
    let first = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut second = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut first = first;
    first.value_mut().secret_code = Some(Secret::new(format!("{SECRET}-1")));
    second.value_mut().secret_code = Some(Secret::new(format!("{SECRET}-2")));
    settings.save(&admin(), first).unwrap();
    let err = settings.save(&admin(), second).unwrap_err();
    assert!(err.is_conflict(), "{err}");
    keep(format!("{err} {err:?}"));

    // Stored garbage next to the secret, then reading it.
    let revision = settings.store().revision(&VIDEOPORT).unwrap();
    settings
        .store()
        .commit(
            &VIDEOPORT,
            revision,
            &[module_settings::store::Change::SetOption {
                scope: Scope::Site(S2),
                name: name("SecretCode"),
                value: format!("{SECRET}{}", "y".repeat(300)),
            }],
        )
        .unwrap();
    settings.reload(VIDEOPORT).unwrap();
    let err = settings.options::<VideoPort>(Scope::Site(S2)).unwrap_err();
    keep(format!("{err} {err:?}"));

    // Reset it to inherited.
    let revision = settings.revision(VIDEOPORT).unwrap();
    settings
        .reset_option(&admin(), VIDEOPORT, Scope::Site(S1), "SecretCode", revision)
        .unwrap();

    keep(format!("{settings:?}"));
    keep(format!("{:?}", settings.health(VIDEOPORT).unwrap()));
    keep(format!("{:?}", settings.access_tab(VIDEO).unwrap()));
    let mut secret_events = 0;
    for event in events.try_iter() {
        keep(format!("{event:?}"));
        keep(serde_json::to_string(&*event).unwrap());
        for change in event.changes() {
            keep(change.to_string());
            if change.to_string().contains("SecretCode") {
                secret_events += 1;
            }
        }
    }
    let records = audit.records();
    for record in &records {
        keep(format!("{record} {record:?}"));
        keep(serde_json::to_string(record).unwrap());
    }
    assert!(secret_events >= 3, "the secret's changes are reported");
    assert!(records
        .iter()
        .any(|r| r.text() == "videoport: option SecretCode changed"));
    assert!(records
        .iter()
        .any(|r| r.text() == "videoport/s1: option SecretCode changed"));

    for text in &seen {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
    }
    assert!(seen.len() > 20);
}

#[test]
fn actors_hold_no_secrets_and_check_groups_only() {
    // A name is shown, and only the groups decide.
    let named_admin = Actor::new([g(30)]).with_name("root");
    let (settings, _) = setup();
    denied(settings.disconnect_b24(&named_admin), B24, AccessLevel::D);
}

/// A tab or form rendered by one facade and applied through another is
/// refused: its base records come from another store, so neither the
/// commit nor the cached state built from them would be true here.
#[test]
fn a_tab_or_form_from_another_facade_is_refused() {
    let f1 = Settings::in_memory();
    let f2 = Settings::builder(MemoryStore::new())
        .staleness(std::time::Duration::ZERO) // ask the store on every read
        .build()
        .unwrap();
    grant(&f1, VIDEO, 5, AccessLevel::W); // f1's store, rev 1: group 5 W
    grant(&f2, VIDEO, 7, AccessLevel::R); // f2's store, rev 1: group 7 R
    let before = everything(f2.store());

    let mut tab = f1.access_tab(VIDEO).unwrap();
    tab.set_grant(Scope::Common, g(8), AccessLevel::R).unwrap();
    let err = f2.apply_access_tab(&admin(), tab).unwrap_err();
    assert!(
        matches!(err, SettingsError::ForeignSnapshot { module } if module == VIDEO),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("another settings instance"),
        "{err}"
    );

    let mut form = f1.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8000);
    let err = f2.save(&admin(), form).unwrap_err();
    assert!(
        matches!(err, SettingsError::ForeignSnapshot { .. }),
        "{err:?}"
    );

    assert_eq!(everything(f2.store()), before, "nothing was written");
    assert!(
        !f2.can(VIDEO, &[g(5)], Scope::Common, AccessLevel::W),
        "f2 grants W from a grant that exists only in f1's store"
    );
    assert!(f2.can(VIDEO, &[g(7)], Scope::Common, AccessLevel::R));
    // A tab from f2 itself still applies.
    grant(&f2, VIDEO, 8, AccessLevel::R);
    assert!(f2.can(VIDEO, &[g(8)], Scope::Common, AccessLevel::R));
}

fn revoke(group: u32) -> Vec<Change> {
    vec![Change::RemoveGrant {
        scope: Scope::Common,
        group: g(group),
    }]
}

/// A write that meets someone else's commit is re-planned on the newer
/// revision — and the actor's right is checked again there: an editor
/// whose W was revoked between the first check and the commit gets
/// nothing in.
#[test]
fn a_retry_checks_the_right_again_on_the_access_tab() {
    let store = Arc::new(Interpose::default());
    let settings = Settings::new(Arc::clone(&store));
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let editor = member(5);
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(Scope::Common, g(6), AccessLevel::W).unwrap();
    // The admin revokes group 5 just after the editor's check passed.
    store.before_next_commit(VIDEO, vec![(VIDEO, revoke(5))]);
    let result = settings.apply_access_tab(&editor, tab);
    denied(result, VIDEO, AccessLevel::D);
    let stored = store.load(&VIDEO).unwrap().records;
    assert_eq!(
        stored.grant(Scope::Common, g(5)),
        None,
        "the revocation landed"
    );
    assert_eq!(
        stored.grant(Scope::Common, g(6)),
        None,
        "the editor's edit did not"
    );
}

#[test]
fn a_retry_checks_the_right_again_on_the_guarding_module() {
    let store = Arc::new(Interpose::default());
    let settings = Settings::new(Arc::clone(&store));
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let editor = member(5);
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8000);
    // Someone sets another option (so the save must be retried) and the
    // admin revokes group 5 on `video`, the module guarding `videoport`.
    let other = Change::SetOption {
        scope: Scope::Common,
        name: name("ServerHost"),
        value: "video.example.com".into(),
    };
    store.before_next_commit(
        VIDEOPORT,
        vec![(VIDEOPORT, vec![other]), (VIDEO, revoke(5))],
    );
    denied(settings.save(&editor, form), VIDEO, AccessLevel::D);
    let stored = store.load(&VIDEOPORT).unwrap().records;
    assert_eq!(stored.option(Scope::Common, "ServerPort"), None);
    assert_eq!(
        stored.option(Scope::Common, "ServerHost"),
        Some("video.example.com")
    );

    // Without the revocation the same retry goes through.
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8000);
    let other = Change::SetOption {
        scope: Scope::Common,
        name: name("window_chat"),
        value: "Y".into(),
    };
    store.before_next_commit(VIDEOPORT, vec![(VIDEOPORT, vec![other])]);
    settings.save(&editor, form).unwrap();
    let stored = store.load(&VIDEOPORT).unwrap().records;
    assert_eq!(stored.option(Scope::Common, "ServerPort"), Some("8000"));
}

/// The Bitrix24 connection is written only by `connect_b24` and
/// `disconnect_b24` (W in the common scope, a checked portal, the
/// facade's clock). A user with W on b24connector in one site only is
/// refused there, and cannot "connect" through a settings form or a reset
/// instead — in that site or anywhere else; nor can an administrator.
#[test]
fn the_bitrix24_connection_is_written_only_by_connect_and_disconnect() {
    use module_settings::modules::Portal;
    let settings = Settings::in_memory();
    let s1 = Scope::Site(S1);
    let mut tab = settings.access_tab(B24).unwrap();
    tab.set_grant(s1, g(5), AccessLevel::W).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    let site_admin = member(5);
    denied(
        settings.connect_b24(&site_admin, "https://a.bitrix24.ru", ConnectMode::New),
        B24,
        AccessLevel::D,
    );
    let before = everything(settings.store());

    for (actor, scope) in [(&site_admin, s1), (&admin(), s1), (&admin(), Scope::Common)] {
        let mut form = settings.edit::<B24Connector>(scope).unwrap();
        let evil = Portal::parse("https://evil.bitrix24.ru").unwrap();
        form.value_mut()
            .connect(evil, ConnectMode::Existing, 1)
            .unwrap();
        let err = settings.save(actor, form).unwrap_err();
        assert!(
            matches!(&err, SettingsError::OperationOnly { module, options }
                if *module == B24 && options == &[name("portal_url"), name("connect_mode"), name("connected_at")]),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with(
                "options portal_url, connect_mode, connected_at of module b24connector are \
                 written only by an operation of the module"
            ),
            "{err}"
        );
    }
    let revision = settings.revision(B24).unwrap();
    let err = settings
        .reset_option(&admin(), B24, s1, "portal_url", revision)
        .unwrap_err();
    assert!(
        matches!(err, SettingsError::OperationOnly { .. }),
        "{err:?}"
    );
    assert_eq!(everything(settings.store()), before, "nothing was written");
    assert!(!settings.options::<B24Connector>(s1).unwrap().is_connected());

    // The operation itself works, in the common scope, seen from s1 too.
    settings
        .connect_b24(&admin(), "https://a.bitrix24.ru", ConnectMode::New)
        .unwrap();
    assert!(settings.options::<B24Connector>(s1).unwrap().is_connected());
    let stored = settings.store().load(&B24).unwrap().records;
    assert_eq!(stored.options(s1).count(), 0, "nothing in the site's scope");
}
