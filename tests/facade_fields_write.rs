//! Field levels on every write path: a write that changes an option needs
//! the option's edit level — typed `save`, `save_raw`, `set_option`,
//! `reset_option` and `operate` alike — even below W on the module; a
//! denial names the options and writes nothing; the order of checks is
//! usage → access → value; the Access tab still needs W; and a right
//! lowered while a write is under way stops it on its retry.

mod facade_common;
mod facade_fields;

use std::cell::Cell;
use std::time::SystemTime;

use facade_common::*;
use facade_fields::*;
use module_settings::options::RawOptions;
use module_settings::settings::{Actor, Settings, SettingsError};
use module_settings::store::{Change, Revision};
use module_settings::{AccessLevel, MemoryStore, Scope, Secret, Store};

fn settings() -> Settings<MemoryStore> {
    crm_settings(MemoryStore::new())
}

fn set<S: Store>(
    settings: &Settings<S>,
    actor: &Actor,
    name: &str,
    value: &str,
) -> Result<Revision, SettingsError> {
    let revision = settings.revision(CRM)?;
    settings.set_option(actor, CRM, Scope::Common, name, value, revision)
}

fn raw(pairs: &[(&'static str, &str)]) -> RawOptions {
    pairs
        .iter()
        .map(|(k, v)| (name(k), (*v).to_owned()))
        .collect()
}

/// The stored text of `option` in the common scope of `crm`.
fn stored<S: Store>(settings: &Settings<S>, option: &str) -> Option<String> {
    let snapshot = settings.store().load(&CRM).unwrap();
    snapshot
        .records
        .option(Scope::Common, option)
        .map(str::to_owned)
}

/// `result` is an `OptionsDenied` naming `options`, needing `needed` and
/// holding `held` on `crmaccess`.
#[track_caller]
fn options_denied(
    result: Result<Revision, SettingsError>,
    options: &[&'static str],
    needed: AccessLevel,
    held: AccessLevel,
) {
    match result {
        Err(SettingsError::OptionsDenied {
            module,
            options: named,
            needed: n,
            held: h,
        }) => {
            assert_eq!(module, CRM_ACCESS);
            let expected: Vec<_> = options.iter().map(|o| name(o)).collect();
            assert_eq!(named, expected);
            assert_eq!((n, h), (needed, held));
        }
        other => panic!("expected OptionsDenied of {options:?}, got {other:?}"),
    }
}

/// `result` is the module-level `Denied`, needing `needed`.
#[track_caller]
fn denied(result: Result<Revision, SettingsError>, needed: AccessLevel, held: AccessLevel) {
    match result {
        Err(SettingsError::Denied {
            module,
            needed: n,
            held: h,
        }) => assert_eq!((module, n, h), (CRM_ACCESS, needed, held)),
        other => panic!("expected Denied, got {other:?}"),
    }
}

/// The admin stores a value in every option a form may write.
fn fill<S: Store>(settings: &Settings<S>) {
    let form = raw(&[
        ("api_url", "https://crm.example.com/api"),
        ("token", "t0ken"),
        ("webhook_key", "k3y"),
        ("timeout", "60"),
        ("motd", "hello"),
    ]);
    let revision = settings.revision(CRM).unwrap();
    settings
        .save_raw(&admin(), CRM, Scope::Common, &form, revision)
        .unwrap();
}

#[test]
fn an_m_holder_switches_its_flag_on_every_path() {
    let settings = settings();
    fill(&settings);
    let before = stored(&settings, "timeout");
    let m = m_holder();

    set(&settings, &m, "sync", "Y").unwrap();
    assert_eq!(stored(&settings, "sync").as_deref(), Some("Y"));

    let revision = settings.revision(CRM).unwrap();
    settings
        .save_raw(&m, CRM, Scope::Common, &raw(&[("sync", "N")]), revision)
        .unwrap();
    assert_eq!(stored(&settings, "sync"), None, "N is the default");

    let mut form = settings.edit_for::<Crm>(&m, Scope::Common).unwrap();
    form.value_mut().sync = true;
    settings.save(&m, form).unwrap();
    assert!(settings.options::<Crm>(Scope::Common).unwrap().sync);

    let revision = settings.revision(CRM).unwrap();
    settings
        .reset_option(&m, CRM, Scope::Common, "sync", revision)
        .unwrap();
    assert!(!settings.options::<Crm>(Scope::Common).unwrap().sync);

    settings
        .operate(&m, Scope::Common, "toggle", |crm: &Crm, _| {
            let mut next = crm.clone();
            next.sync = !crm.sync;
            Ok::<_, SettingsError>(next)
        })
        .unwrap();
    assert!(settings.options::<Crm>(Scope::Common).unwrap().sync);

    // Nothing the M holder may not see was written by its forms.
    assert_eq!(stored(&settings, "timeout"), before);
    let crm = settings.options::<Crm>(Scope::Common).unwrap();
    assert_eq!(crm.token.as_ref().map(Secret::expose), Some("t0ken"));
    assert_eq!(
        crm.api_url.as_ref().unwrap().as_str(),
        "https://crm.example.com/api"
    );
}

#[test]
fn a_change_above_the_edit_level_is_denied_naming_it_on_every_path() {
    let settings = settings();
    fill(&settings);
    let events = settings.subscribe();
    let before = everything_of(&settings);
    let m = m_holder();

    let err = set(&settings, &m, "timeout", "90");
    assert_eq!(
        err.as_ref().unwrap_err().to_string(),
        "access denied to option timeout: needs R on module crmaccess, holds M"
    );
    options_denied(err, &["timeout"], AccessLevel::R, AccessLevel::M);

    // Every submitted option counts, listed in page order.
    let form = raw(&[
        ("sync", "Y"),
        ("timeout", "90"),
        ("api_url", "https://x.example/"),
    ]);
    let revision = settings.revision(CRM).unwrap();
    let err = settings.save_raw(&m, CRM, Scope::Common, &form, revision);
    assert_eq!(
        err.as_ref().unwrap_err().to_string(),
        "access denied to options api_url, timeout: needs up to W on module crmaccess, holds M"
    );
    options_denied(err, &["api_url", "timeout"], AccessLevel::W, AccessLevel::M);

    let revision = settings.revision(CRM).unwrap();
    options_denied(
        settings.reset_option(&m, CRM, Scope::Common, "timeout", revision),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );

    // A typed form: the hidden placeholder changed is a change like any other.
    let mut form = settings.edit_for::<Crm>(&m, Scope::Common).unwrap();
    form.value_mut().timeout = 5;
    form.value_mut().sync = true;
    options_denied(
        settings.save(&m, form),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );

    // An operation: its result is judged before anything is written.
    let ran = Cell::new(false);
    let result = settings.operate(&m, Scope::Common, "tune", |crm: &Crm, _: SystemTime| {
        ran.set(true);
        let mut next = crm.clone();
        next.timeout = 5;
        Ok::<_, SettingsError>(next)
    });
    assert!(ran.get(), "M is enough to run an operation of crm");
    options_denied(result, &["timeout"], AccessLevel::R, AccessLevel::M);

    assert_eq!(everything_of(&settings), before, "nothing was written");
    assert_eq!(events.try_iter().count(), 0, "no event for a denied write");

    // The same writes by an R holder go through, but not the W option.
    let r = r_holder();
    set(&settings, &r, "timeout", "90").unwrap();
    let revision = settings.revision(CRM).unwrap();
    let form = raw(&[("timeout", "91"), ("api_url", "https://x.example/")]);
    options_denied(
        settings.save_raw(&r, CRM, Scope::Common, &form, revision),
        &["api_url"],
        AccessLevel::W,
        AccessLevel::R,
    );
    assert_eq!(stored(&settings, "timeout").as_deref(), Some("90"));
    assert_eq!(
        events.try_iter().count(),
        1,
        "one event: the R holder's set"
    );
}

/// Every module's snapshot, `crm` and `crmaccess` included.
fn everything_of<S: Store>(
    settings: &Settings<S>,
) -> Vec<(module_settings::ModuleId, module_settings::store::Snapshot)> {
    [CRM, CRM_ACCESS, VIDEO, VIDEOPORT, B24]
        .into_iter()
        .map(|m| (m, settings.store().load(&m).unwrap()))
        .collect()
}

#[test]
fn a_denied_write_tells_nothing_of_the_stored_value() {
    let settings = settings();
    fill(&settings);
    // The M holder submits exactly what is stored: still denied, so the
    // answer cannot confirm a guess.
    let revision = settings.revision(CRM).unwrap();
    let guess = raw(&[("timeout", "60")]);
    options_denied(
        settings.save_raw(&m_holder(), CRM, Scope::Common, &guess, revision),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );
    options_denied(
        set(&settings, &m_holder(), "token", "t0ken"),
        &["token"],
        AccessLevel::W,
        AccessLevel::M,
    );
}

#[test]
fn checks_run_in_the_order_usage_access_value() {
    let settings = settings();
    let d = nobody();
    let m = m_holder();

    // Usage first, whoever asks: names, operation-only options, sites.
    let err = set(&settings, &d, "no_such_option", "x").unwrap_err();
    assert!(matches!(err, SettingsError::UnknownOption { .. }), "{err}");
    let err = set(&settings, &d, "state", "x").unwrap_err();
    assert!(matches!(err, SettingsError::OperationOnly { .. }), "{err}");
    let revision = settings.revision(CRM).unwrap();
    let err = settings
        .save_raw(&d, CRM, Scope::Common, &raw(&[("nope", "1")]), revision)
        .unwrap_err();
    assert!(
        matches!(&err, SettingsError::Invalid(errors) if errors.has("nope")),
        "{err}"
    );

    // Access before value: an invalid value is never judged for someone
    // who may not write the option.
    denied(
        set(&settings, &d, "sync", "maybe"),
        AccessLevel::M,
        AccessLevel::D,
    );
    denied(
        set(&settings, &d, "timeout", "0"),
        AccessLevel::M,
        AccessLevel::D,
    );
    options_denied(
        set(&settings, &m, "timeout", "0"),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );
    let revision = settings.revision(CRM).unwrap();
    options_denied(
        settings.save_raw(
            &m,
            CRM,
            Scope::Common,
            &raw(&[("sync", "maybe"), ("timeout", "0")]),
            revision,
        ),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );
    let mut form = settings.edit_for::<Crm>(&m, Scope::Common).unwrap();
    form.value_mut().timeout = 0; // out of range, and above M
    options_denied(
        settings.save(&m, form),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );

    // Value last, for those who may write.
    let err = set(&settings, &m, "sync", "maybe").unwrap_err();
    assert!(matches!(err, SettingsError::Invalid(_)), "{err}");
    let err = set(&settings, &r_holder(), "timeout", "0").unwrap_err();
    assert!(matches!(err, SettingsError::Invalid(_)), "{err}");
    assert_eq!(
        settings.store().load(&CRM).unwrap().revision,
        Revision::ZERO
    );
}

#[test]
fn the_access_tab_still_needs_w() {
    let settings = settings();
    for (actor, held) in [
        (nobody(), AccessLevel::D),
        (m_holder(), AccessLevel::M),
        (r_holder(), AccessLevel::R),
    ] {
        let mut tab = settings.access_tab(CRM_ACCESS).unwrap();
        tab.set_grant(Scope::Common, g(9), AccessLevel::M).unwrap();
        denied(settings.apply_access_tab(&actor, tab), AccessLevel::W, held);
    }
    let mut tab = settings.access_tab(CRM_ACCESS).unwrap();
    tab.set_grant(Scope::Common, g(9), AccessLevel::M).unwrap();
    settings.apply_access_tab(&w_holder(), tab).unwrap();
}

#[test]
fn a_write_only_field_is_set_by_those_who_may_not_see_it() {
    let settings = settings();
    fill(&settings);
    let r = r_holder();
    set(&settings, &r, "webhook_key", "n3w").unwrap();
    let crm = settings.options::<Crm>(Scope::Common).unwrap();
    assert_eq!(crm.webhook_key.as_ref().map(Secret::expose), Some("n3w"));

    // Through a typed form: the placeholder (unset) is replaced.
    let mut form = settings.edit_for::<Crm>(&r, Scope::Common).unwrap();
    assert!(form.is_hidden("webhook_key") && form.value().webhook_key.is_none());
    form.value_mut().webhook_key = Some(Secret::new("n3wer"));
    settings.save(&r, form).unwrap();
    let crm = settings.options::<Crm>(Scope::Common).unwrap();
    assert_eq!(crm.webhook_key.as_ref().map(Secret::expose), Some("n3wer"));
    // The token beside it, hidden too and left alone, is untouched.
    assert_eq!(crm.token.as_ref().map(Secret::expose), Some("t0ken"));
}

#[test]
fn a_form_an_actor_saves_writes_none_of_its_placeholders() {
    let settings = settings();
    fill(&settings);
    let m = m_holder();
    let form = settings.edit_for::<Crm>(&m, Scope::Common).unwrap();
    assert_eq!(
        form.hidden().iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        ["api_url", "token", "webhook_key", "timeout", "state"]
    );
    // Placeholders hold defaults, never the stored values.
    assert_eq!(form.value().timeout, 30);
    assert!(form.value().api_url.is_none() && form.value().token.is_none());
    let revision = form.revision();
    // Saved unchanged: nothing to write, and no level above M is needed.
    assert_eq!(settings.save(&m, form).unwrap(), revision);
    assert_eq!(stored(&settings, "timeout").as_deref(), Some("60"));
}

/// Group 4 holds R and sets `timeout` (edit R); just before its commit,
/// another writer lowers group 4 to `lowered` on `crmaccess`. The write's
/// retry checks the field level again and is refused; nothing is written.
fn lowered_before_the_commit(lowered: AccessLevel) -> Result<Revision, SettingsError> {
    let settings = crm_settings(Interpose::default());
    let lower = Change::SetGrant {
        scope: Scope::Common,
        group: g(4),
        level: lowered,
    };
    settings
        .store()
        .before_next_commit(CRM, vec![(CRM_ACCESS, vec![lower])]);
    let result = set(&settings, &r_holder(), "timeout", "90");
    let crm = settings.store().load(&CRM).unwrap();
    assert_eq!(crm.revision, Revision::ZERO, "nothing was written");
    result
}

#[test]
fn a_field_level_lowered_before_the_commit_stops_the_write() {
    // Still above the module's floor (M), below the field's level (R).
    options_denied(
        lowered_before_the_commit(AccessLevel::M),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );
    denied(
        lowered_before_the_commit(AccessLevel::D),
        AccessLevel::M,
        AccessLevel::D,
    );
}

#[test]
fn a_typed_save_is_checked_again_on_its_retry() {
    let settings = crm_settings(Interpose::default());
    let r = r_holder();
    let mut form = settings.edit_for::<Crm>(&r, Scope::Common).unwrap();
    form.value_mut().timeout = 90;
    let lower = Change::SetGrant {
        scope: Scope::Common,
        group: g(4),
        level: AccessLevel::M,
    };
    settings
        .store()
        .before_next_commit(CRM, vec![(CRM_ACCESS, vec![lower])]);
    options_denied(
        settings.save(&r, form),
        &["timeout"],
        AccessLevel::R,
        AccessLevel::M,
    );
    assert_eq!(settings.options::<Crm>(Scope::Common).unwrap().timeout, 30);
}

#[test]
fn a_guard_moved_for_another_reason_only_costs_a_retry() {
    let settings = crm_settings(Interpose::default());
    let other = Change::SetGrant {
        scope: Scope::Common,
        group: g(8),
        level: AccessLevel::R,
    };
    settings
        .store()
        .before_next_commit(CRM, vec![(CRM_ACCESS, vec![other])]);
    set(&settings, &r_holder(), "timeout", "90").unwrap();
    assert_eq!(settings.options::<Crm>(Scope::Common).unwrap().timeout, 90);
}
