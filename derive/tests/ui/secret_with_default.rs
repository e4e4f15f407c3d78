use module_settings_derive::ModuleOptions;
use settings::Secret;

#[derive(ModuleOptions)]
#[module(id = "demo", title(ru = "Демо", en = "Demo"), levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes")))]
struct Demo {
    #[option(label(ru = "Ключ", en = "Key"), default = "hunter2")]
    key: Option<Secret>,
}

fn main() {}
