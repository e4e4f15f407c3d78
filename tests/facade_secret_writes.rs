//! A write of a secret reveals nothing about the stored or inherited value:
//! a writer who submits the right guess and one who submits a wrong one get
//! the same answer, leave the same records (as far as a writer can see
//! them), and cause the same events and audit records.

mod facade_common;

use std::sync::Arc;

use facade_common::*;
use module_settings::options::{RawOptions, ShownValue, Source};
use module_settings::settings::{Actor, MemoryAuditSink, Settings, SettingsError};
use module_settings::store::Revision;
use module_settings::{AccessLevel, MemoryStore, Scope, Store};

const RIGHT: &str = "the-right-key";
const WRONG: &str = "a-wrong-guess";
const SITE: Scope = Scope::Site(S1);

/// A site administrator: W on `video` in site s1 only.
fn site_admin() -> Actor {
    member(5)
}

/// The secret word stored in the common scope by the administrator, and
/// group 5 holding W in s1.
fn setup(store: MemoryStore) -> (Settings<MemoryStore>, Arc<MemoryAuditSink>) {
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(store)
        .audit(audit.clone())
        .build()
        .unwrap();
    let mut tab = settings.access_tab(VIDEO).unwrap();
    tab.set_grant(SITE, g(5), AccessLevel::W).unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    set(&settings, &admin(), Scope::Common, "SecretCode", RIGHT).unwrap();
    (settings, audit)
}

fn set<S: Store>(
    settings: &Settings<S>,
    actor: &Actor,
    scope: Scope,
    name: &str,
    value: &str,
) -> Result<Revision, SettingsError> {
    let based_on = settings.revision(VIDEOPORT)?;
    settings.set_option(actor, VIDEOPORT, scope, name, value, based_on)
}

/// Everything the writer of one secret write can observe of it.
#[derive(Debug, PartialEq)]
struct Seen {
    /// How far the revision moved, or the error.
    answer: Result<u64, String>,
    /// The events: their kinds and what they say changed.
    events: Vec<String>,
    /// How many audit records the write left.
    audited: usize,
    /// The secret as `show` presents it in the written scope.
    shown: (ShownValue, Source),
}

fn observe(
    settings: &Settings<MemoryStore>,
    audit: &MemoryAuditSink,
    scope: Scope,
    write: impl FnOnce(Revision) -> Result<Revision, SettingsError>,
) -> Seen {
    let events = settings.subscribe();
    let records = audit.records().len();
    let before = settings.revision(VIDEOPORT).unwrap();
    let answer = write(before)
        .map(|after| after.get() - before.get())
        .map_err(|err| err.to_string());
    let events = events
        .try_iter()
        .map(|e| format!("{:?} {:?}", e.kind(), e.changes()))
        .collect();
    let shown = settings
        .show(&admin(), VIDEOPORT, scope)
        .unwrap()
        .into_iter()
        .find(|o| o.name == "SecretCode")
        .map(|o| (o.value, o.source))
        .unwrap();
    Seen {
        answer,
        events,
        audited: audit.records().len() - records,
        shown,
    }
}

/// Runs the same write with the right guess and with a wrong one, each on
/// a fresh setup made by `prepare`, and checks that the writer saw the same
/// of both; returns what it saw.
#[track_caller]
fn same_for_both_guesses(
    scope: Scope,
    prepare: impl Fn(&Settings<MemoryStore>),
    write: impl Fn(&Settings<MemoryStore>, &str, Revision) -> Result<Revision, SettingsError>,
) -> Seen {
    let [right, wrong] = [RIGHT, WRONG].map(|guess| {
        let (settings, audit) = setup(MemoryStore::new());
        prepare(&settings);
        observe(&settings, &audit, scope, |based_on| {
            write(&settings, guess, based_on)
        })
    });
    assert_eq!(
        right, wrong,
        "the right guess is told apart from a wrong one"
    );
    right
}

/// The attack as reported: a site administrator "sets" the site's secret
/// to a guess of the common one.
#[test]
fn a_site_write_does_not_confirm_a_guess_of_the_inherited_secret() {
    let seen = same_for_both_guesses(
        SITE,
        |_| {},
        |settings, guess, based_on| {
            settings.set_option(
                &site_admin(),
                VIDEOPORT,
                SITE,
                "SecretCode",
                guess,
                based_on,
            )
        },
    );
    assert_eq!(seen.answer, Ok(1), "a secret write is always committed");
    assert_eq!(seen.events.len(), 1);
    assert_eq!(seen.audited, 1);
    // The site now holds its own copy, whatever the guess was.
    assert_eq!(seen.shown, (ShownValue::Secret { set: true }, Source::Site));
}

#[test]
fn a_write_does_not_confirm_a_guess_of_the_scope_s_own_secret() {
    // In the common scope, where the secret is stored.
    let seen = same_for_both_guesses(
        Scope::Common,
        |_| {},
        |settings, guess, based_on| {
            settings.set_option(
                &admin(),
                VIDEOPORT,
                Scope::Common,
                "SecretCode",
                guess,
                based_on,
            )
        },
    );
    assert_eq!(seen.answer, Ok(1));
    assert_eq!(
        seen.shown,
        (ShownValue::Secret { set: true }, Source::Common)
    );
    // In a site that holds its own copy.
    let own_copy = |settings: &Settings<MemoryStore>| {
        set(settings, &site_admin(), SITE, "SecretCode", RIGHT).unwrap();
    };
    let seen = same_for_both_guesses(SITE, own_copy, |settings, guess, based_on| {
        settings.set_option(
            &site_admin(),
            VIDEOPORT,
            SITE,
            "SecretCode",
            guess,
            based_on,
        )
    });
    assert_eq!(seen.answer, Ok(1));
    assert_eq!(seen.shown, (ShownValue::Secret { set: true }, Source::Site));
}

#[test]
fn a_form_with_other_fields_does_not_confirm_a_guess_either() {
    let seen = same_for_both_guesses(
        SITE,
        |_| {},
        |settings, guess, based_on| {
            let form = RawOptions::from([
                (name("SecretCode"), guess.to_owned()),
                (name("ServerPort"), "8443".to_owned()),
            ]);
            settings.save_raw(&site_admin(), VIDEOPORT, SITE, &form, based_on)
        },
    );
    assert_eq!(seen.answer, Ok(1));
    assert_eq!(seen.events.len(), 1);
    assert_eq!(seen.audited, 2, "the secret and the port");
}

/// Another writer changed the secret since the page was loaded: whether
/// the guess matches the new value or not, the write is a conflict — it
/// is not merged as "already has that value".
#[test]
fn a_write_racing_another_does_not_confirm_the_other_s_value() {
    const NEW: &str = "the-new-key";
    let [right, wrong] = [NEW, WRONG].map(|guess| {
        let store = MemoryStore::new();
        let (attacker, _) = setup(store.clone());
        let based_on = attacker.revision(VIDEOPORT).unwrap();
        // The administrator, through another facade on the same store,
        // changes the common secret to the value the attacker will guess.
        let other = Settings::builder(store).build().unwrap();
        assert!(set(&other, &admin(), Scope::Common, "SecretCode", NEW).unwrap() > based_on);
        attacker
            .set_option(
                &site_admin(),
                VIDEOPORT,
                SITE,
                "SecretCode",
                guess,
                based_on,
            )
            .map_err(|err| err.is_conflict())
    });
    assert_eq!(
        right, wrong,
        "the right guess is told apart from a wrong one"
    );
    assert_eq!(right, Err(true), "a conflict");
}
