use module_settings_derive::ModuleOptions;

#[derive(ModuleOptions)]
#[module(id = "demo module", title(ru = "Демо", en = "Demo"), levels(D(ru = "нет", en = "no"), W(ru = "да", en = "yes")))]
struct Demo {
    #[option(name = "GROUP_DEFAULT_RIGHT", label(ru = "Флаг", en = "Flag"))]
    flag: bool,
}

fn main() {}
