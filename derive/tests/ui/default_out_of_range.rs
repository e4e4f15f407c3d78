use module_settings_derive::ModuleOptions;

#[derive(ModuleOptions)]
#[module(id = "demo", title(ru = "Демо", en = "Demo"), levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes")))]
struct Demo {
    #[option(label(ru = "Таймаут", en = "Timeout"), range(1..=300), default = 500)]
    timeout_secs: u16,
}

fn main() {}
