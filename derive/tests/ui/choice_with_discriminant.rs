use module_settings_derive::OptionChoice;

#[derive(OptionChoice)]
enum Mode {
    Push,
    Pull = 7,
}

fn main() {}
