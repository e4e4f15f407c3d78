use settings::OptionChoice;

#[derive(OptionChoice)]
enum Mode {
    Push,
    Pull(u8),
}

fn main() {}
