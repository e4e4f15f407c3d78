//! Events and audit records: exactly one event per committed write (none
//! for a denied, failed or no-op write), one audit record per changed
//! record, in Bitrix's text form.

mod facade_common;

use std::num::NonZeroU16;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use facade_common::*;
use module_settings::modules::{ConnectMode, VideoPort, Windows};
use module_settings::settings::{
    AuditRecord, AuditSink, MemoryAuditSink, RecordDiff, Settings, SettingsEvent, WriteKind,
};
use module_settings::store::Revision;
use module_settings::{AccessLevel, MemoryStore, Scope, Secret, Store};

const NOW: u64 = 1_700_000_000;

fn setup() -> (
    Settings<MemoryStore>,
    Arc<MemoryAuditSink>,
    Receiver<Arc<SettingsEvent>>,
) {
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(MemoryStore::new())
        .audit(audit.clone())
        .clock(Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW)))
        .build()
        .unwrap();
    let events = settings.subscribe();
    (settings, audit, events)
}

#[track_caller]
fn one(events: &Receiver<Arc<SettingsEvent>>) -> Arc<SettingsEvent> {
    let all: Vec<_> = events.try_iter().collect();
    assert_eq!(all.len(), 1, "exactly one event: {all:?}");
    all.into_iter().next().unwrap()
}

#[test]
fn an_access_tab_write_is_one_event_and_one_record_per_right() {
    let (settings, audit, events) = setup();
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_default(Scope::Common, AccessLevel::R).unwrap();
    tab.set_grant(Scope::Common, g(5), AccessLevel::W).unwrap();
    tab.set_grant(Scope::Site(S1), g(6), AccessLevel::R)
        .unwrap();
    tab.set_default(Scope::Site(S1), AccessLevel::D).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    let event = one(&events);
    assert_eq!(event.module(), VIDEO);
    assert_eq!(event.kind(), WriteKind::AccessTab);
    assert_eq!(
        (event.previous(), event.revision()),
        (Revision::ZERO, Revision::new(1))
    );
    assert_eq!(event.actor(), &admin());
    assert_eq!(event.at(), UNIX_EPOCH + Duration::from_secs(NOW));
    assert_eq!(event.scopes(), [Scope::Common, Scope::Site(S1)]);
    assert_eq!(event.changes().len(), 4);
    assert_eq!(
        audit.texts(),
        [
            "video: default () => (R)",
            "video/s1: default () => (D)",
            "video: group 5 () => (W)",
            "video/s1: group 6 () => (R)",
        ]
    );

    // Change one, remove one: two more records, one more event.
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(Scope::Common, g(5), AccessLevel::R).unwrap();
    tab.remove_grant(Scope::Site(S1), g(6));
    settings.apply_access_tab(&admin(), tab).unwrap();
    let event = one(&events);
    assert_eq!(
        event.changes(),
        [
            RecordDiff::Grant {
                scope: Scope::Common,
                group: g(5),
                old: Some(AccessLevel::W),
                new: Some(AccessLevel::R)
            },
            RecordDiff::Grant {
                scope: Scope::Site(S1),
                group: g(6),
                old: Some(AccessLevel::R),
                new: None
            },
        ]
    );
    let texts = audit.texts();
    assert_eq!(
        &texts[4..],
        ["video: group 5 (W) => (R)", "video/s1: group 6 (R) => ()"]
    );
    let record = &audit.records()[5];
    assert_eq!(record.actor(), &admin());
    assert_eq!(record.revision(), Revision::new(2));
    assert_eq!(record.at(), UNIX_EPOCH + Duration::from_secs(NOW));
}

#[test]
fn an_options_save_is_one_event_with_old_and_new_values() {
    let (settings, audit, events) = setup();
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8000);
    form.value_mut().windows.insert(Windows::CHAT);
    form.value_mut().secret_code = Some(Secret::new("s3cret"));
    settings.save(&admin(), form).unwrap();
    let event = one(&events);
    assert_eq!(event.module(), VIDEOPORT);
    assert_eq!(
        event.kind(),
        WriteKind::SaveOptions {
            scope: Scope::Common
        }
    );
    assert_eq!(
        audit.texts(),
        [
            "videoport: option SecretCode changed",
            "videoport: option ServerPort () => (\"8000\")",
            "videoport: option window_chat () => (\"Y\")",
        ]
    );

    let mut form = settings.edit::<VideoPort>(Scope::Site(S1)).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8001);
    settings.save(&admin(), form).unwrap();
    let event = one(&events);
    assert_eq!(
        event.kind(),
        WriteKind::SaveOptions {
            scope: Scope::Site(S1)
        }
    );
    assert_eq!(
        audit.texts().last().unwrap(),
        "videoport/s1: option ServerPort () => (\"8001\")"
    );

    // Back to the inherited value: the override is deleted.
    let revision = settings.revision(VIDEOPORT).unwrap();
    settings
        .reset_option(&admin(), VIDEOPORT, Scope::Site(S1), "ServerPort", revision)
        .unwrap();
    let event = one(&events);
    assert_eq!(
        event.kind(),
        WriteKind::ResetOption {
            scope: Scope::Site(S1)
        }
    );
    assert_eq!(
        audit.texts().last().unwrap(),
        "videoport/s1: option ServerPort (\"8001\") => ()"
    );
}

#[test]
fn bitrix24_connects_and_disconnects_with_the_facade_clock() {
    let (settings, audit, events) = setup();
    settings
        .connect_b24(
            &admin(),
            "https://Example.Bitrix24.ru/",
            ConnectMode::Existing,
        )
        .unwrap();
    let event = one(&events);
    assert_eq!(
        event.kind(),
        WriteKind::Operation {
            name: "connect_b24",
            scope: Scope::Common
        }
    );
    assert_eq!(
        audit.texts(),
        [
            "b24connector: option connect_mode () => (\"existing\")",
            format!("b24connector: option connected_at () => (\"{NOW}\")").as_str(),
            "b24connector: option portal_url () => (\"https://example.bitrix24.ru\")",
        ]
    );
    let b24 = settings
        .options::<module_settings::modules::B24Connector>(Scope::Common)
        .unwrap();
    assert_eq!(
        b24.connected_at(),
        Some(UNIX_EPOCH + Duration::from_secs(NOW))
    );
    settings.disconnect_b24(&admin()).unwrap();
    assert_eq!(
        one(&events).kind(),
        WriteKind::Operation {
            name: "disconnect_b24",
            scope: Scope::Common
        }
    );
    assert_eq!(audit.records().len(), 6);
}

#[test]
fn no_event_for_denied_failed_or_empty_writes() {
    let (settings, audit, events) = setup();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    settings.on_change(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let nobody = member(9);

    // Denied.
    let form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    assert!(settings.save(&nobody, form).is_err());
    assert!(settings.disconnect_b24(&nobody).is_err());
    // Failed: invalid values, a bad portal, nothing to disconnect.
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().secret_code = Some(Secret::new("x".repeat(256)));
    assert!(settings.save(&admin(), form).is_err());
    assert!(settings
        .connect_b24(&admin(), "http://plain.example", ConnectMode::New)
        .is_err());
    assert!(settings.disconnect_b24(&admin()).is_err());
    // No-ops: an untouched form and tab, a value equal to what is
    // inherited, a reset of nothing.
    let form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    assert_eq!(settings.save(&admin(), form).unwrap(), Revision::ZERO);
    let tab = settings.access_tab(VIDEO).unwrap();
    assert!(!tab.is_changed());
    assert_eq!(
        settings.apply_access_tab(&admin(), tab).unwrap(),
        Revision::ZERO
    );
    let mut form = settings.edit::<VideoPort>(Scope::Site(S1)).unwrap();
    form.value_mut().allow_invite = true; // the default already
    settings.save(&admin(), form).unwrap();
    settings
        .reset_option(
            &admin(),
            VIDEOPORT,
            Scope::Common,
            "ServerHost",
            Revision::ZERO,
        )
        .unwrap();
    // A tab edited back to what it was.
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(Scope::Common, g(5), AccessLevel::R).unwrap();
    tab.remove_grant(Scope::Common, g(5));
    assert!(tab.changes().is_empty());
    settings.apply_access_tab(&admin(), tab).unwrap();

    assert_eq!(events.try_iter().count(), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert!(audit.records().is_empty());
    assert_eq!(settings.store().modules_written(), 0);

    // One real write: one event, one callback.
    grant(&settings, VIDEO, 5, AccessLevel::R);
    assert_eq!(events.try_iter().count(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn dropped_receivers_are_forgotten_and_conflicts_emit_nothing() {
    let (settings, _audit, events) = setup();
    let dropped = settings.subscribe();
    drop(dropped);
    let mut mine = settings.access_tab(VIDEO).unwrap();
    let mut theirs = settings.access_tab(VIDEO).unwrap();
    mine.set_grant(Scope::Common, g(5), AccessLevel::W).unwrap();
    theirs
        .set_grant(Scope::Common, g(5), AccessLevel::R)
        .unwrap();
    settings.apply_access_tab(&admin(), theirs).unwrap();
    assert!(settings.apply_access_tab(&admin(), mine).is_err());
    assert_eq!(events.try_iter().count(), 1);
}

#[test]
fn a_merged_write_reports_only_its_own_changes() {
    let (settings, audit, events) = setup();
    let mut mine = settings.edit::<VideoPort>(Scope::Common).unwrap();
    let mut theirs = settings.edit::<VideoPort>(Scope::Common).unwrap();
    theirs.value_mut().server_port = NonZeroU16::new(1);
    mine.value_mut().allow_invite = false;
    settings.save(&admin(), theirs).unwrap();
    settings.save(&admin(), mine).unwrap();
    let all: Vec<_> = events.try_iter().collect();
    assert_eq!(all.len(), 2);
    // Based on revision 1 after the rebase, not on the form's 0.
    assert_eq!(
        (all[1].previous(), all[1].revision()),
        (Revision::new(1), Revision::new(2))
    );
    assert_eq!(all[1].changes().len(), 1);
    assert_eq!(
        audit.texts().last().unwrap(),
        "videoport: option window_show_invite () => (\"N\")"
    );
}

#[test]
fn events_serialize_for_logs() {
    let (settings, _audit, events) = setup();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let json = serde_json::to_string(&*one(&events)).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"module":"video","kind":{{"kind":"access_tab"}},"previous":0,"revision":1,"actor":{{"groups":[1,2],"user_id":1,"name":"admin"}},"at":{NOW},"changes":[{{"kind":"grant","scope":"common","group":5,"old":null,"new":"W"}}]}}"#
        )
    );
}

/// How many modules the store holds: a check that nothing was written.
trait Written {
    fn modules_written(&self) -> usize;
}

impl Written for MemoryStore {
    fn modules_written(&self) -> usize {
        module_settings::Store::modules(self).unwrap().len()
    }
}

#[test]
fn an_untouched_form_over_bitrix_spellings_writes_nothing() {
    // Bitrix leaves flags as "" and hosts as typed; the facade reads them
    // fine, and saving the untouched form must not "normalize" them.
    let (settings, audit, events) = setup();
    module_settings::Store::commit(
        settings.store(),
        &VIDEOPORT,
        Revision::ZERO,
        &[
            module_settings::store::Change::SetOption {
                scope: Scope::Common,
                name: name("ServerHost"),
                value: "Video.Example.COM".into(),
            },
            module_settings::store::Change::SetOption {
                scope: Scope::Common,
                name: name("window_main"),
                value: String::new(),
            },
        ],
    )
    .unwrap();
    settings.reload(VIDEOPORT).unwrap();
    let form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    assert!(!form.value().windows.contains(Windows::MAIN));
    assert_eq!(settings.save(&admin(), form).unwrap(), Revision::new(1));
    assert_eq!(events.try_iter().count(), 0);
    assert!(audit.records().is_empty());
    // Changing one field writes that field only.
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().allow_invite = false;
    settings.save(&admin(), form).unwrap();
    assert_eq!(one(&events).changes().len(), 1);
}

#[test]
fn a_module_with_options_guarded_elsewhere_can_have_its_own_tab() {
    use module_settings::access::ModuleLevels;
    // `videoport` is guarded by `video`; registering `videoport` as a
    // rights module too gives it an Access tab of its own.
    let settings = Settings::builder(MemoryStore::new())
        .register_rights(VIDEOPORT, ModuleLevels::VIDEO)
        .build()
        .unwrap();
    let events = settings.subscribe();
    let mut tab = settings.access_tab(VIDEOPORT).unwrap();
    tab.set_grant(Scope::Common, g(5), AccessLevel::R).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    assert_eq!(one(&events).module(), VIDEOPORT);
    // The options still answer to `video`.
    grant(&settings, VIDEOPORT, 6, AccessLevel::W);
    let form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    assert!(settings.save(&member(6), form).unwrap_err().is_denied());
}

/// A callback or an audit sink that panics does not turn a committed
/// write into a panic: the writer gets `Ok(revision)`, and every other
/// callback and audit record is still delivered.
#[test]
fn a_panicking_callback_or_sink_does_not_break_a_committed_write() {
    /// Panics on its first record, keeps the rest.
    #[derive(Default)]
    struct Exploding(std::sync::Mutex<Vec<String>>, AtomicUsize);
    impl AuditSink for Exploding {
        fn record(&self, record: AuditRecord) {
            if self.1.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("the audit database is gone");
            }
            self.0.lock().unwrap().push(record.text().to_owned());
        }
    }
    let audit = Arc::new(Exploding::default());
    let settings = Settings::builder(MemoryStore::new())
        .audit(audit.clone())
        .build()
        .unwrap();
    settings.on_change(|_| panic!("a subscriber's bug"));
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    settings.on_change(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let events = settings.subscribe();
    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_port = NonZeroU16::new(8000);
    form.value_mut().server_host = Some(url::Host::parse("video.example.com").unwrap());
    let saved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.save(&admin(), form)
    }));
    assert!(
        matches!(saved, Ok(Ok(r)) if r == Revision::new(1)),
        "{saved:?}"
    );
    assert_eq!(
        settings.store().revision(&VIDEOPORT).unwrap(),
        Revision::new(1)
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the second callback ran");
    assert_eq!(events.try_recv().unwrap().changes().len(), 2);
    assert_eq!(
        audit.1.load(Ordering::SeqCst),
        2,
        "both records were offered"
    );
    assert_eq!(audit.0.lock().unwrap().len(), 1, "the second one was kept");
}

/// Serialized audit records carry their time, in seconds since the epoch.
#[test]
fn serialized_audit_records_carry_their_time() {
    let audit = Arc::new(MemoryAuditSink::new());
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let settings = Settings::builder(MemoryStore::new())
        .audit(audit.clone())
        .clock(Arc::new(move || at))
        .build()
        .unwrap();
    grant(&settings, VIDEO, 5, AccessLevel::R);
    let json = serde_json::to_value(&audit.records()[0]).unwrap();
    assert_eq!(json["at"], 1_700_000_000, "{json}");
    assert_eq!(json["text"], "video: group 5 () => (R)", "{json}");
}
