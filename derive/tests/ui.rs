//! Every mistake the derives refuse is a compile error pointing at the
//! mistake: one case per error under `tests/ui/`, with the compiler's
//! expected output beside it.

#[test]
fn mistakes_are_compile_errors_with_a_span() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
