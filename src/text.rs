//! Text prepared for error messages: one rule, used by every error that
//! quotes a value it refused.

/// `value` as an error message quotes it: at most `max_chars` characters,
/// each escaped like in a Rust string literal (quotes, backslashes,
/// control characters), and `…` when something was cut.
///
/// The cut comes first and counts characters of the value, not of the
/// escaped form, so a value of exactly `max_chars` characters is never
/// marked as cut. Escaping keeps a quoted value on one line and unable to
/// close its own quotes; cutting keeps a megabyte of input out of a log.
pub(crate) fn shown(value: &str, max_chars: usize) -> String {
    let mut chars = value.chars();
    let mut out: String = chars
        .by_ref()
        .take(max_chars)
        .flat_map(char::escape_debug)
        .collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn short_values_are_only_escaped() {
        assert_eq!(shown("", 4), "");
        assert_eq!(shown("abcd", 4), "abcd");
        assert_eq!(shown("a\"b\\c\n", 10), r#"a\"b\\c\n"#);
        assert_eq!(shown("видео", 5), "видео");
    }

    #[test]
    fn long_values_are_cut_by_characters_then_marked() {
        assert_eq!(shown("abcde", 4), "abcd…");
        assert_eq!(shown("видеосвязь", 5), "видео…");
        // The cut counts the value's characters, not the escapes.
        assert_eq!(shown("\"\"\"", 2), r#"\"\"…"#);
        assert_eq!(shown("x", 0), "…");
    }
}
