//! The value of `set … -`, read from standard input only as far as a value
//! the option accepts can reach: a 20 MB input for a 255-character secret
//! is refused after about a kilobyte, not after all of it was read.

use std::io::Read;

use crate::cli::failure::Failure;

/// How much is read for an option whose kind sets no length limit.
pub const UNLIMITED_BYTES: usize = 1 << 20;

/// What standard input held.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    /// All of it, without one trailing newline (`\n` or `\r\n`).
    Whole(String),
    /// It went on past what was read: the start of it, in whole
    /// characters, already longer than the option allows.
    Cut(String),
}

/// Reads a value of at most `max_chars` characters (`None`: no limit, and
/// then [`UNLIMITED_BYTES`]) from `input`, stopping one character's worth
/// past the limit.
pub fn read_value(input: impl Read, max_chars: Option<usize>) -> Result<Input, Failure> {
    // A character is at most 4 bytes, and a newline (`\r\n`) is dropped:
    // a longer input has more characters than the limit.
    let limit = max_chars.map_or(UNLIMITED_BYTES, |chars| {
        chars.saturating_add(1).saturating_mul(4).saturating_add(2)
    });
    let mut bytes = Vec::new();
    input
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| {
            Failure::input(format!(
                "could not read the value from standard input: {err}"
            ))
        })?;
    if bytes.len() > limit {
        // The last character may have been cut in two.
        let whole = match std::str::from_utf8(&bytes) {
            Ok(text) => text.len(),
            Err(err) if err.error_len().is_none() => err.valid_up_to(),
            Err(_) => return Err(not_utf8()),
        };
        bytes.truncate(whole);
        return String::from_utf8(bytes)
            .map(Input::Cut)
            .map_err(|_| not_utf8());
    }
    let mut text = String::from_utf8(bytes).map_err(|_| not_utf8())?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(Input::Whole(text))
}

fn not_utf8() -> Failure {
    Failure::input("the value on standard input is not UTF-8 text")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn a_value_within_the_limit_is_read_whole_without_its_newline() {
        for (input, value) in [
            ("key\n", "key"),
            ("key\r\n", "key"),
            ("key", "key"),
            ("", ""),
        ] {
            let read = read_value(Cursor::new(input), Some(3)).unwrap();
            assert_eq!(read, Input::Whole(value.to_owned()), "{input:?}");
        }
        let widest = "я".repeat(3);
        let read = read_value(Cursor::new(format!("{widest}\r\n")), Some(3)).unwrap();
        assert_eq!(read, Input::Whole(widest));
        // Only one newline is the terminator; others are the value's.
        let read = read_value(Cursor::new("a\n\n"), Some(3)).unwrap();
        assert_eq!(read, Input::Whole("a\n".to_owned()));
    }

    #[test]
    fn reading_stops_one_character_past_the_limit() {
        let mut huge = Cursor::new(vec![b'k'; 20 << 20]);
        let read = read_value(&mut huge, Some(255)).unwrap();
        let Input::Cut(start) = read else {
            panic!("{read:?}")
        };
        assert!(start.chars().count() > 255);
        assert!(huge.position() <= 2048, "read {} bytes", huge.position());

        // 15 bytes read, the last one half of a character: the start
        // ends before it.
        let mut wide = Cursor::new("я".repeat(1000).into_bytes());
        let Input::Cut(start) = read_value(&mut wide, Some(2)).unwrap() else {
            panic!("cut")
        };
        assert_eq!(wide.position(), 15);
        assert_eq!(start, "я".repeat(7));

        let mut unlimited = Cursor::new(vec![b'1'; 2 * UNLIMITED_BYTES]);
        assert!(matches!(
            read_value(&mut unlimited, None),
            Ok(Input::Cut(_))
        ));
        assert_eq!(unlimited.position(), UNLIMITED_BYTES as u64 + 1);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        for input in [&b"k\xff"[..], &[b'k'; 9].map(|_| 0xff)[..]] {
            let err = read_value(Cursor::new(input), Some(1)).unwrap_err();
            assert_eq!(
                err.line(),
                "error: the value on standard input is not UTF-8 text"
            );
        }
    }
}
