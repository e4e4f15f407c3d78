use module_settings_derive::OptionChoice;

#[derive(OptionChoice)]
enum Mode {
    Push,
    Pull(u8),
}

fn main() {}
