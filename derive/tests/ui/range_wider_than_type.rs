use module_settings_derive::ModuleOptions;

#[derive(ModuleOptions)]
#[module(id = "demo", title(ru = "Демо", en = "Demo"), levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes")))]
struct Demo {
    #[option(label(ru = "Порт", en = "Port"), range(1..=70000))]
    port: u16,
}

fn main() {}
