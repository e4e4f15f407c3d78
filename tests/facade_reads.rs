//! `with_options` reads what `options` returns, in place, and fails the
//! same way.

mod facade_common;

use std::num::NonZeroU16;

use facade_common::*;
use module_settings::modules::VideoPort;
use module_settings::settings::{Settings, SettingsError};
use module_settings::store::Change;
use module_settings::{OptionName, Scope, Store};

#[test]
fn with_options_sees_what_options_returns_in_every_scope() {
    let settings = Settings::in_memory();
    for (scope, port) in [(Scope::Common, 8000), (Scope::Site(S1), 8443)] {
        let mut form = settings.edit::<VideoPort>(scope).unwrap();
        form.value_mut().server_port = NonZeroU16::new(port);
        settings.save(&admin(), form).unwrap();
    }
    for scope in [Scope::Common, Scope::Site(S1), Scope::Site(S2)] {
        let owned = settings.options::<VideoPort>(scope).unwrap();
        let read = settings
            .with_options(scope, |video: &VideoPort| video.clone())
            .unwrap();
        assert_eq!(*owned, read, "{scope}");
    }
    assert_eq!(
        settings
            .with_options(Scope::Site(S2), |video: &VideoPort| video.server_port)
            .unwrap(),
        NonZeroU16::new(8000),
        "a site without values inherits"
    );
}

#[test]
fn with_options_fails_like_options_on_bad_stored_values() {
    let settings = Settings::in_memory();
    settings
        .store()
        .commit(
            &VIDEOPORT,
            module_settings::store::Revision::ZERO,
            &[Change::SetOption {
                scope: Scope::Common,
                name: OptionName::from_static("ServerPort"),
                value: "not a port".into(),
            }],
        )
        .unwrap();
    settings.reload(VIDEOPORT).unwrap();
    let owned = settings.options::<VideoPort>(Scope::Common).unwrap_err();
    let read = settings
        .with_options(Scope::Common, |_: &VideoPort| ())
        .unwrap_err();
    assert!(
        matches!(read, SettingsError::StoredOptions { .. }),
        "{read}"
    );
    assert_eq!(owned.to_string(), read.to_string());
}

/// Checks take the user's groups as a slice or as the `Actor` a write
/// takes, with the same answers.
#[test]
fn checks_take_an_actor_as_writes_do() {
    use module_settings::AccessLevel;
    let settings = Settings::in_memory();
    grant(&settings, VIDEO, 5, AccessLevel::W);
    let editor = member(5);
    for scope in [Scope::Common, Scope::Site(S1)] {
        assert_eq!(
            settings.check(VIDEO, &editor, scope).unwrap(),
            settings.check(VIDEO, editor.groups(), scope).unwrap()
        );
        assert!(settings.can(VIDEO, &editor, scope, AccessLevel::W));
        assert!(settings
            .require(VIDEO, &editor, scope, AccessLevel::W)
            .is_ok());
        assert_eq!(
            settings.roles(VIDEO, &editor, scope).unwrap(),
            settings.roles(VIDEO, editor.groups(), scope).unwrap()
        );
    }
    assert!(!settings.can(VIDEO, &member(6), Scope::Common, AccessLevel::W));
}
