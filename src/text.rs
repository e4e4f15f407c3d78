//! Text prepared for error messages: one rule, used by every error that
//! quotes a value it refused, and the masking of URL credentials.

use std::borrow::Cow;

use crate::secret::MASK;

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

/// `text` with anything that may be URL credentials (`user:password@`)
/// replaced by the mask, for quoting an address an error refused.
///
/// Everything between the scheme's `://` (or the start, when the text does
/// not begin with a scheme) and the **last** `@` is masked. That is more than a URL parser calls
/// userinfo when a path or query holds an `@` too, and it has to be: a
/// refused address is by definition one the parser may read differently,
/// and a password may hold `/`, `?` or `#`. An error message that hides a
/// little too much is the safe mistake.
pub(crate) fn without_userinfo(text: &str) -> Cow<'_, str> {
    let start = match text.find("://") {
        Some(i) if is_scheme(&text[..i]) => i + 3,
        _ => 0,
    };
    match text.rfind('@') {
        Some(at) if at >= start => {
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..start]);
            out.push_str(MASK);
            out.push_str(&text[at..]);
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(text),
    }
}

/// A URL scheme: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::{shown, without_userinfo};

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

    #[test]
    fn credentials_are_masked_up_to_the_last_at() {
        let cases = [
            (
                "https://admin:hunter2@a.bitrix24.ru",
                "https://******@a.bitrix24.ru",
            ),
            (
                "https://admin@a.bitrix24.ru/",
                "https://******@a.bitrix24.ru/",
            ),
            ("admin:hunter2@a.bitrix24.ru", "******@a.bitrix24.ru"),
            ("https://u:pa/ss@host", "https://******@host"),
            ("https://u:p@ss@host", "https://******@host"),
            ("https://@host", "https://******@host"),
            ("https://a.bitrix24.ru", "https://a.bitrix24.ru"),
            ("", ""),
            ("mail@//host", "******@//host"),
            ("user:pw@a.b://x", "******@a.b://x"),
            ("//admin:pw@host", "******@host"),
        ];
        for (text, want) in cases {
            assert_eq!(without_userinfo(text), want, "{text}");
        }
    }
}
