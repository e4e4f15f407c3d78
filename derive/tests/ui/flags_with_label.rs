use settings::modules::Windows;
use module_settings_derive::ModuleOptions;

#[derive(ModuleOptions)]
#[module(id = "demo", title(ru = "Демо", en = "Demo"), levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes")))]
struct Demo {
    #[option(flags = settings::modules::WINDOW_OPTIONS, label(ru = "Окна", en = "Windows"))]
    windows: Windows,
}

fn main() {}
