//! What the database servers' stores read alike in their URLs
//! (`mysql://…`, `postgres://…`): percent-encoded parts, and the server's
//! address as messages show it.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// A percent-encoded part of a URL (a user name, a database name),
/// decoded; `None` when the decoded bytes are not UTF-8.
pub(crate) fn decoded(part: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(part).decode_utf8().ok()
}

/// `host:port` as messages show a server, with an IPv6 address in
/// brackets (`[::1]:5432`) so that its colons do not read as the port's.
pub(crate) fn address(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_decode_to_utf8_or_not_at_all() {
        assert_eq!(decoded("p%40ss%3Aw").as_deref(), Some("p@ss:w"));
        assert_eq!(decoded("plain").as_deref(), Some("plain"));
        assert_eq!(decoded("%FF"), None);
    }

    #[test]
    fn ipv6_hosts_are_bracketed_in_an_address() {
        assert_eq!(address("::1", 3306), "[::1]:3306");
        assert_eq!(address("db.example.com", 5432), "db.example.com:5432");
        assert_eq!(
            address("/var/run/postgresql", 5433),
            "/var/run/postgresql:5433"
        );
    }
}
