//! The built-in modules are declared with `#[derive(ModuleOptions)]`; their
//! specs are exactly those they had when written by hand, so admin pages,
//! stored records and the golden Bitrix strings see no change.

use module_settings::access::ModuleLevels;
use module_settings::modules::{B24Connector, VideoPort, WINDOW_OPTIONS};
use module_settings::options::{ModuleOptions, ModuleSchema, OptionKind, OptionSpec};
use module_settings::{AccessLevel, Label};

#[test]
fn videoport_specs_are_the_hand_written_ones() {
    let mut expected = vec![
        OptionSpec::new(
            "ServerHost",
            OptionKind::Host,
            Label::new("Адрес сервера", "Server address"),
        )
        .with_help(Label::new(
            "Указывается адрес вашего корпоративного видеосервера.",
            "The address of your corporate video server.",
        )),
        OptionSpec::new(
            "ServerPort",
            OptionKind::Integer {
                min: 1,
                max: 65535,
                optional: true,
            },
            Label::new("Порт сервера", "Server port"),
        )
        .with_help(Label::new(
            "Указывается порт вашего корпоративного видеосервера.",
            "The port of your corporate video server.",
        )),
        OptionSpec::new(
            "SecretCode",
            OptionKind::Secret { max_chars: 255 },
            Label::new("Секретное слово", "Secret word"),
        )
        .with_help(Label::new(
            "Указывается ключ, заданный в VideoPort VCS Manager'е на закладке \
             Приложения в поле Ключ для гостевых соединений.",
            "The key set in VideoPort VCS Manager, tab Applications, field \
             Key for guest connections.",
        )),
    ];
    expected.extend(WINDOW_OPTIONS.iter().map(|(_, spec)| spec.clone()));
    expected.push(
        OptionSpec::new(
            "window_show_invite",
            OptionKind::Bool,
            Label::new("Позволять приглашать пользователей", "Allow inviting users"),
        )
        .with_default("Y")
        .with_help(Label::new(
            "При отмеченной опции можно будет приглашать пользователей для участия в конференции.",
            "When checked, users can be invited to take part in a conference.",
        )),
    );
    assert_eq!(VideoPort::OPTIONS, expected.as_slice());
    assert_eq!(VideoPort::MODULE.as_str(), "videoport");
    assert_eq!(VideoPort::GUARD.as_str(), "video");
    assert_eq!(VideoPort::TITLE, Label::new("ВидеоПорт", "VideoPort"));
    assert_eq!(VideoPort::LEVELS, ModuleLevels::VIDEO);
    assert_eq!(VideoPort::SECRET_CODE.view(), AccessLevel::W);
    assert_eq!(
        VideoPort::ALLOW_INVITE.name().as_str(),
        "window_show_invite"
    );
}

#[test]
fn b24connector_specs_are_the_hand_written_ones() {
    let expected = [
        OptionSpec::new(
            "portal_url",
            OptionKind::HttpsOrigin,
            Label::new("Портал Битрикс24", "Bitrix24 portal"),
        )
        .with_help(Label::new(
            "Адрес подключённого портала; пусто, если портал не подключён.",
            "The connected portal's address; empty when no portal is connected.",
        ))
        .operation_only(),
        OptionSpec::new(
            "connect_mode",
            OptionKind::Choice {
                allowed: &["new", "existing"],
                optional: true,
            },
            Label::new("Способ подключения", "How it was connected"),
        )
        .with_help(Label::new(
            "new — создан новый портал, existing — подключён существующий.",
            "new: a new portal was created; existing: an existing portal was connected.",
        ))
        .operation_only(),
        OptionSpec::new(
            "connected_at",
            OptionKind::Integer {
                min: 0,
                max: i64::MAX,
                optional: true,
            },
            Label::new("Время подключения", "Connected at"),
        )
        .with_help(Label::new(
            "Секунды с 1 января 1970 года (UTC).",
            "Seconds since 1 January 1970 (UTC).",
        ))
        .operation_only(),
    ];
    assert_eq!(B24Connector::OPTIONS, expected.as_slice());
    assert_eq!(B24Connector::MODULE.as_str(), "b24connector");
    assert_eq!(B24Connector::GUARD, B24Connector::MODULE);
    assert_eq!(
        B24Connector::TITLE,
        Label::new("Интеграция с Битрикс24", "Bitrix24 integration")
    );
    assert_eq!(B24Connector::LEVELS, ModuleLevels::B24_CONNECTOR);
}

#[test]
fn derived_defaults_are_the_schemas() {
    for (encoded, schema) in [
        (
            VideoPort::default().encode(),
            ModuleSchema::of::<VideoPort>(),
        ),
        (
            B24Connector::default().encode(),
            ModuleSchema::of::<B24Connector>(),
        ),
    ] {
        schema.self_check().unwrap();
        assert_eq!(encoded, schema.defaults(), "{}", schema.module());
    }
}
