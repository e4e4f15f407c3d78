//! What a server error means, in words of our own, for the errors whose
//! code says more than "it failed": a key or a column width refused a row,
//! a character set cannot hold a value, the server is read-only. Only
//! `Display` reaches a person in many reports (the CLI prints nothing
//! else), so the cause belongs in the text; the server's own message stays
//! in the error's source — without the stored data some messages quote,
//! since an option's value may be a secret.

/// The cause of `err` in words, when its code tells one.
pub(super) fn explain(err: &mysql::Error) -> Option<String> {
    let mysql::Error::MySqlError(server) = err else {
        return None;
    };
    let message = server.message.as_str();
    let column = quoted_after(message, "column ");
    let cause = match (server.code, column) {
        (1062, _) => format!(
            "another row already has the same {}, which a unique key forbids (a \
             case-insensitive collation takes two option names that differ only in case, or \
             in accents, for the same)",
            quoted_after(message, "for key ").map_or("key".to_owned(), |key| format!("key {key}"))
        ),
        (1406, Some(column)) => format!(
            "a value is longer than column {column} holds (Bitrix's own tables hold site ids of \
             2 characters and option names of 100)"
        ),
        (1264, Some(column)) => format!(
            "a number is out of the range of column {column} (Bitrix's own GROUP_ID and \
             USER_ID hold ids up to 2147483647)"
        ),
        (1366 | 1300, _) => "the column's character set cannot hold a character of the value; \
                             convert the table to utf8mb4"
            .to_owned(),
        (1364 | 1048, Some(column)) => format!(
            "column {column} is NOT NULL without a default, and the store does not write it; \
             give the column a default"
        ),
        (1644, _) => "a trigger on the table refused the change".to_owned(),
        (1142 | 1143, _) => format!("the user lacks a privilege: {message}"),
        (1290 | 1792 | 1836, _) => "the server or the transaction is read-only".to_owned(),
        (1153, _) => "a value is larger than the server's max_allowed_packet".to_owned(),
        (1146, _) => format!("a table is missing: {message}"),
        _ => return None,
    };
    Some(cause)
}

/// `err` with the server's message removed where it may quote stored data
/// (an incorrect string value quotes the value's bytes).
pub(super) fn without_quoted_data(err: mysql::Error) -> mysql::Error {
    match err {
        mysql::Error::MySqlError(mut server)
            if matches!(server.code, 1292 | 1300 | 1366 | 1367) =>
        {
            server.message =
                "(the server's message is left out: it quotes the stored value)".into();
            mysql::Error::MySqlError(server)
        }
        other => other,
    }
}

/// The name quoted right after `marker` in a server message: MySQL quotes
/// with `'`, MariaDB with `` ` ``.
fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '`')?;
    let inner = &rest[1..];
    let end = inner.find(quote)?;
    Some(inner[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16, message: &str) -> mysql::Error {
        mysql::Error::MySqlError(mysql::MySqlError {
            state: "HY000".into(),
            message: message.into(),
            code,
        })
    }

    #[test]
    fn a_too_long_value_names_its_column_in_either_quoting() {
        for message in [
            "Data too long for column 'SITE_ID' at row 1",
            "Data too long for column `SITE_ID` at row 1",
        ] {
            let cause = explain(&server(1406, message)).unwrap();
            assert!(
                cause.starts_with("a value is longer than column SITE_ID holds"),
                "{cause}"
            );
        }
    }

    #[test]
    fn a_duplicate_names_the_key_not_the_row() {
        let cause = explain(&server(1062, "Duplicate entry 'video-a' for key 'PRIMARY'")).unwrap();
        assert!(cause.contains("same key PRIMARY"), "{cause}");
        assert!(!cause.contains("video-a"), "{cause}");
    }

    #[test]
    fn a_message_quoting_the_value_is_left_out() {
        let err = server(
            1366,
            "Incorrect string value: '\\xF0\\x9F\\x8E\\xA5' for column 'VALUE'",
        );
        let cleaned = without_quoted_data(err).to_string();
        assert!(!cleaned.contains("xF0"), "{cleaned}");
        assert!(cleaned.contains("1366"), "{cleaned}");
    }

    #[test]
    fn other_errors_have_no_cause_of_their_own() {
        assert_eq!(explain(&server(1054, "Unknown column")), None);
        let io = mysql::Error::IoError(std::io::Error::other("x"));
        assert_eq!(explain(&io), None);
    }
}
