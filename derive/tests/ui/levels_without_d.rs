use module_settings_derive::ModuleOptions;

#[derive(ModuleOptions)]
#[module(id = "demo", title(ru = "Демо", en = "Demo"), levels(R(ru = "чтение", en = "read"), W(ru = "да", en = "yes")))]
struct Demo {
    #[option(label(ru = "Флаг", en = "Flag"))]
    flag: bool,
}

fn main() {}
