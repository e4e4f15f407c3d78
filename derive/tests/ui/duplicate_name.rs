use module_settings_derive::ModuleOptions;

#[derive(ModuleOptions)]
#[module(id = "demo", title(ru = "Демо", en = "Demo"), levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes")))]
struct Demo {
    #[option(name = "Port", label(ru = "Порт", en = "Port"))]
    port: u16,
    #[option(name = "Port", label(ru = "Порт", en = "Port"))]
    other_port: u16,
}

fn main() {}
