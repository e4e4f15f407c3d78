use settings::OptionChoice;

#[derive(OptionChoice)]
enum Mode {
    Push,
    Pull = 7,
}

fn main() {}
