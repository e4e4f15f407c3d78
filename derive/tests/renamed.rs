//! The generated code finds `module-settings` under the name the using
//! crate gives it: this crate's tests depend on it as `settings` (without
//! its `derive` feature, so that a workspace build does not turn the
//! feature on for every other test).

use module_settings_derive::{ModuleOptions, OptionChoice};
use settings::options::{ModuleOptions as _, ModuleSchema};

#[derive(Debug, Clone, Copy, PartialEq, OptionChoice)]
enum Theme {
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, ModuleOptions)]
#[module(
    id = "renamed",
    title(ru = "Переименовано", en = "Renamed"),
    levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes"))
)]
struct Renamed {
    #[option(label(ru = "Тема", en = "Theme"), default = Theme::Dark)]
    theme: Theme,
    #[option(label(ru = "Порт", en = "Port"), range(1..=65535), default = 8080)]
    port: u16,
}

#[test]
fn a_renamed_dependency_still_derives() {
    ModuleSchema::of::<Renamed>().self_check().unwrap();
    let value = Renamed::default();
    assert_eq!((value.theme, value.port), (Theme::Dark, 8080));
    assert_eq!(Renamed::THEME.default_value(), "dark");
    assert_eq!(Renamed::decode(&value.encode()), Ok(value));
}
