//! Operation-only options, for any module: a module declares options that
//! only its operations write; every generic write of them (a settings
//! form, a raw save, setting or resetting one) is refused naming them, and
//! `Settings::operate` writes them through the one write path — W on the
//! guard, the facade's clock, merges and conflicts, one event, audit.

mod facade_common;

use std::cell::Cell;
use std::error::Error;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use facade_common::*;
use module_settings::access::{LevelInfo, ModuleLevels};
use module_settings::options::{
    Decoder, Encoder, ModuleOptions, OptionKind, OptionSpec, RawOptions, ValidationErrors,
};
use module_settings::settings::{
    MemoryAuditSink, Settings, SettingsError, SettingsEvent, WriteKind,
};
use module_settings::store::{Change, Revision, Snapshot};
use module_settings::{AccessLevel, Label, MemoryStore, ModuleId, Scope, Store};

const NOW: u64 = 1_700_000_000;
const MAILER: ModuleId = ModuleId::from_static("mailer");

/// An ordinary option: any writer with W may set it.
const BATCH_SIZE: OptionSpec = OptionSpec::new(
    "batch_size",
    OptionKind::Integer {
        min: 1,
        max: 1000,
        optional: false,
    },
    Label::new("Писем за раз", "Mails per batch"),
)
.with_default("50");

/// Set by the `send` operation only.
const SENT: OptionSpec = OptionSpec::new(
    "sent",
    OptionKind::Integer {
        min: 0,
        max: i64::MAX,
        optional: false,
    },
    Label::new("Отправлено", "Sent"),
)
.with_default("0")
.operation_only();

/// Set by the `send` operation only, from the facade's clock.
const LAST_SENT_AT: OptionSpec = OptionSpec::new(
    "last_sent_at",
    OptionKind::Integer {
        min: 0,
        max: i64::MAX,
        optional: true,
    },
    Label::new("Последняя отправка", "Last sent at"),
)
.operation_only();

/// A mailing module of a downstream crate: a batch size an admin sets, and
/// a counter and a time that only sending changes.
#[derive(Debug, Clone, PartialEq)]
struct Mailer {
    batch_size: u16,
    sent: u64,
    last_sent_at: Option<u64>,
}

impl Default for Mailer {
    fn default() -> Self {
        Mailer {
            batch_size: 50,
            sent: 0,
            last_sent_at: None,
        }
    }
}

impl ModuleOptions for Mailer {
    const MODULE: ModuleId = MAILER;
    const TITLE: Label = Label::new("Рассылка", "Mailer");
    const LEVELS: ModuleLevels = ModuleLevels::new(&[
        LevelInfo::new(AccessLevel::D, Label::new("закрыт", "closed")),
        LevelInfo::new(AccessLevel::R, Label::new("чтение", "read")),
        LevelInfo::new(AccessLevel::W, Label::new("запись", "write")),
    ]);
    const OPTIONS: &'static [OptionSpec] = &[BATCH_SIZE, SENT, LAST_SENT_AT];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let batch_size = d.integer(&BATCH_SIZE);
        let sent = d.integer(&SENT);
        let last_sent_at = d.optional_integer(&LAST_SENT_AT);
        d.finish(Mailer {
            batch_size,
            sent,
            last_sent_at,
        })
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        e.integer(&BATCH_SIZE, self.batch_size);
        e.integer(&SENT, self.sent);
        e.optional_integer(&LAST_SENT_AT, self.last_sent_at);
        e.finish()
    }
}

/// The `send` operation: one more batch sent, now.
fn send(mailer: &Mailer, now: SystemTime) -> Result<Mailer, Box<dyn Error + Send + Sync>> {
    let at = now.duration_since(UNIX_EPOCH)?.as_secs();
    Ok(Mailer {
        sent: mailer.sent + u64::from(mailer.batch_size),
        last_sent_at: Some(at),
        ..mailer.clone()
    })
}

fn build<S: Store>(
    store: S,
) -> (
    Settings<S>,
    Arc<MemoryAuditSink>,
    Receiver<Arc<SettingsEvent>>,
) {
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(store)
        .register::<Mailer>()
        .audit(audit.clone())
        .clock(Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW)))
        .build()
        .unwrap();
    let events = settings.subscribe();
    (settings, audit, events)
}

fn setup() -> (
    Settings<MemoryStore>,
    Arc<MemoryAuditSink>,
    Receiver<Arc<SettingsEvent>>,
) {
    build(MemoryStore::new())
}

fn stored(settings: &Settings<impl Store>) -> Snapshot {
    settings.store().load(&MAILER).unwrap()
}

fn raw(pairs: &[(&'static str, &str)]) -> RawOptions {
    pairs
        .iter()
        .map(|(k, v)| (name(k), (*v).to_owned()))
        .collect()
}

#[track_caller]
fn operation_only(result: Result<Revision, SettingsError>, options: &[&'static str]) {
    let err = result.unwrap_err();
    let SettingsError::OperationOnly {
        module,
        options: named,
    } = &err
    else {
        panic!("expected OperationOnly, got {err:?}");
    };
    assert_eq!(*module, MAILER);
    let expected: Vec<_> = options.iter().map(|o| name(o)).collect();
    assert_eq!(named, &expected);
    let text = err.to_string();
    for option in options {
        assert!(text.contains(option), "{text} lacks {option}");
    }
    assert!(text.contains("module mailer"), "{text}");
}

#[test]
fn every_generic_write_of_an_operation_only_option_is_refused_naming_it() {
    let (settings, _, events) = setup();
    let s1 = Scope::Site(S1);
    settings
        .operate(&admin(), Scope::Common, "send", send)
        .unwrap();
    events.try_iter().for_each(drop);
    let before = stored(&settings);

    for scope in [Scope::Common, s1] {
        // A typed form that changes one: refused, naming only the
        // operation-only ones among the changes.
        let mut form = settings.edit::<Mailer>(scope).unwrap();
        form.value_mut().sent = 0;
        form.value_mut().batch_size = 10;
        operation_only(settings.save(&admin(), form), &["sent"]);
        let mut form = settings.edit::<Mailer>(scope).unwrap();
        form.value_mut().last_sent_at = None;
        form.value_mut().sent = 1;
        operation_only(settings.save(&admin(), form), &["sent", "last_sent_at"]);

        // Raw text, as a web page posts it: even the value stored now.
        let revision = settings.revision(MAILER).unwrap();
        let form = raw(&[("batch_size", "10"), ("last_sent_at", &NOW.to_string())]);
        operation_only(
            settings.save_raw(&admin(), MAILER, scope, &form, revision),
            &["last_sent_at"],
        );
        operation_only(
            settings.set_option(&admin(), MAILER, scope, "sent", "0", revision),
            &["sent"],
        );
        operation_only(
            settings.reset_option(&admin(), MAILER, scope, "last_sent_at", revision),
            &["last_sent_at"],
        );
    }
    assert_eq!(stored(&settings), before, "nothing was written");
    assert_eq!(events.try_iter().count(), 0, "no event");

    // The module's ordinary options are written as ever, and a form that
    // leaves the operation's options as they are saves.
    let mut form = settings.edit::<Mailer>(s1).unwrap();
    form.value_mut().batch_size = 10;
    settings.save(&admin(), form).unwrap();
    let revision = settings.revision(MAILER).unwrap();
    settings
        .set_option(
            &admin(),
            MAILER,
            Scope::Common,
            "batch_size",
            "20",
            revision,
        )
        .unwrap();
    let mailer = settings.options::<Mailer>(s1).unwrap();
    assert_eq!((mailer.batch_size, mailer.sent), (10, 50));
}

#[test]
fn the_schema_shows_which_options_only_an_operation_writes() {
    let (settings, _, _) = setup();
    let schema = settings.schema(MAILER).unwrap();
    let flags: Vec<bool> = schema
        .options()
        .iter()
        .map(OptionSpec::is_operation_only)
        .collect();
    assert_eq!(flags, [false, true, true]);
    let json = serde_json::to_value(schema).unwrap();
    assert_eq!(json["options"][0]["operation_only"], false);
    assert_eq!(json["options"][1]["operation_only"], true);
}

#[test]
fn operate_needs_w_on_the_guard_in_its_scope_and_runs_nothing_without_it() {
    let (settings, _, events) = setup();
    grant(&settings, MAILER, 5, AccessLevel::R);
    let mut tab = settings.access_tab(MAILER).unwrap();
    tab.set_grant(Scope::Site(S1), g(6), AccessLevel::W)
        .unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    events.try_iter().for_each(drop);
    let before = stored(&settings);

    let ran = Cell::new(false);
    let spy = |mailer: &Mailer, now| {
        ran.set(true);
        send(mailer, now)
    };
    let err = settings
        .operate(&member(5), Scope::Common, "send", spy)
        .unwrap_err();
    assert!(
        matches!(
            err,
            SettingsError::Denied {
                module,
                needed: AccessLevel::W,
                held: AccessLevel::R
            } if module == MAILER
        ),
        "{err:?}"
    );
    // W in s1 only: not in the common scope.
    let err = settings
        .operate(&member(6), Scope::Common, "send", spy)
        .unwrap_err();
    assert!(err.is_denied(), "{err:?}");
    assert!(!ran.get(), "the operation never ran for a denied actor");
    assert_eq!(stored(&settings), before);
    assert_eq!(events.try_iter().count(), 0);

    // W where it operates.
    settings
        .operate(&member(6), Scope::Site(S1), "send", send)
        .unwrap();
    let in_s1 = settings.options::<Mailer>(Scope::Site(S1)).unwrap();
    assert_eq!((in_s1.sent, in_s1.last_sent_at), (50, Some(NOW)));
    let common = settings.options::<Mailer>(Scope::Common).unwrap();
    assert_eq!(*common, Mailer::default(), "the common scope is untouched");
}

#[test]
fn operate_writes_with_the_facade_clock_one_event_and_audit_records() {
    let (settings, audit, events) = setup();
    let revision = settings
        .operate(&admin(), Scope::Common, "send", send)
        .unwrap();
    let event = events.try_recv().unwrap();
    assert_eq!(event.revision(), revision);
    assert_eq!(
        event.kind(),
        WriteKind::Operation {
            name: "send",
            scope: Scope::Common
        }
    );
    assert_eq!(event.actor(), &admin());
    assert_eq!(
        audit.texts(),
        [
            format!("mailer: option last_sent_at () => (\"{NOW}\")"),
            "mailer: option sent () => (\"50\")".to_owned(),
        ]
    );
    let json = serde_json::to_value(&*event).unwrap();
    assert_eq!(
        json["kind"],
        serde_json::json!({"kind": "operation", "name": "send", "scope": "common"})
    );

    // Each run judges what is stored now: the counter goes on.
    settings
        .operate(&admin(), Scope::Common, "send", send)
        .unwrap();
    assert_eq!(settings.options::<Mailer>(Scope::Common).unwrap().sent, 100);
    assert_eq!(events.try_iter().count(), 1);
    assert_eq!(audit.records().len(), 3, "last_sent_at did not change");
}

#[test]
fn an_operation_that_refuses_or_changes_nothing_writes_nothing() {
    let (settings, _, events) = setup();
    let before = stored(&settings);

    // The operation's own error, handed back as it was.
    #[derive(Debug, thiserror::Error, PartialEq)]
    #[error("the mailer is paused")]
    struct Paused;
    let err = settings
        .operate(&admin(), Scope::Common, "send", |_: &Mailer, _| {
            Err::<Mailer, _>(Box::new(Paused) as Box<dyn Error + Send + Sync>)
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "the mailer is paused");
    let SettingsError::Operation(inner) = &err else {
        panic!("expected Operation, got {err:?}");
    };
    assert_eq!(inner.downcast_ref::<Paused>(), Some(&Paused));

    // A value the module's rules refuse.
    let err = settings
        .operate(&admin(), Scope::Common, "send", |m: &Mailer, _| {
            Ok::<_, SettingsError>(Mailer {
                batch_size: 0,
                ..m.clone()
            })
        })
        .unwrap_err();
    assert!(matches!(err, SettingsError::Invalid(_)), "{err:?}");

    // Nothing to change: the current revision, no event.
    let revision = settings
        .operate(&admin(), Scope::Common, "noop", |m: &Mailer, _| {
            Ok::<_, SettingsError>(m.clone())
        })
        .unwrap();
    assert_eq!(revision, before.revision);
    assert_eq!(stored(&settings), before);
    assert_eq!(events.try_iter().count(), 0);
}

#[test]
fn operate_merges_with_others_writes_and_conflicts_on_the_same_option() {
    let (settings, _, _) = build(Interpose::default());
    settings
        .operate(&admin(), Scope::Common, "send", send)
        .unwrap();

    // Someone sets the batch size between the read and the commit: the
    // operation's changes merge with it.
    let batch = Change::SetOption {
        scope: Scope::Common,
        name: name("batch_size"),
        value: "7".into(),
    };
    settings
        .store()
        .before_next_commit(MAILER, vec![(MAILER, vec![batch])]);
    settings
        .operate(&admin(), Scope::Common, "send", send)
        .unwrap();
    let mailer = settings.options::<Mailer>(Scope::Common).unwrap();
    assert_eq!((mailer.batch_size, mailer.sent), (7, 100));

    // Someone else's run of the operation moved the counter meanwhile: the
    // same option, a conflict — never a lost update.
    let other = Change::SetOption {
        scope: Scope::Common,
        name: name("sent"),
        value: "1000".into(),
    };
    settings
        .store()
        .before_next_commit(MAILER, vec![(MAILER, vec![other])]);
    let err = settings
        .operate(&admin(), Scope::Common, "send", send)
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(
        settings.options::<Mailer>(Scope::Common).unwrap().sent,
        1000
    );
}
