//! The server URL, `mysql://user:password@host:port/database`, read into
//! connection settings that never show the password: it is kept as a
//! [`Secret`], and the URL is shown with `******` in its place.

use std::borrow::Cow;
use std::fmt;

use crate::secret::{Secret, MASK};
use crate::store::server_url;

/// The port MySQL and MariaDB listen on unless told otherwise.
const DEFAULT_PORT: u16 = 3306;

/// Where the store connects, and as whom.
#[derive(Clone)]
pub(super) struct ServerUrl {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) user: Option<String>,
    pub(super) password: Option<Secret>,
    pub(super) database: String,
}

/// What is wrong with a URL. No variant holds the URL or the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum UrlError {
    /// Not a URL at all.
    #[error(
        "the server URL cannot be read ({0}); write it as mysql://user:password@host:port/database"
    )]
    Syntax(url::ParseError),
    /// Another scheme than `mysql`.
    #[error("the server URL starts with {0}:// where mysql:// is needed")]
    Scheme(String),
    /// No host.
    #[error("the server URL names no host; write it as mysql://user:password@host:port/database")]
    NoHost,
    /// No database, or a path of several parts.
    #[error(
        "the server URL must name one database as its path (mysql://user:password@host:port/database)"
    )]
    Database,
    /// A part that is not valid UTF-8 once percent-decoded.
    #[error("the {0} in the server URL is not valid UTF-8 once percent-decoded")]
    NotUtf8(&'static str),
    /// A query or fragment the store cannot read as parameters.
    #[error("the server URL has a query or fragment, but the MySQL store takes none")]
    Extra,
    /// Query parameters, which the store does not take.
    #[error(
        "the server URL has a parameter {0:?}, but the MySQL store takes none (it connects \
         without TLS: use it over a trusted network or a tunnel)"
    )]
    Parameter(String),
}

impl ServerUrl {
    /// Reads `text` as a `mysql://` URL.
    pub(super) fn parse(text: &str) -> Result<Self, UrlError> {
        let url = url::Url::parse(text).map_err(UrlError::Syntax)?;
        if url.scheme() != "mysql" {
            return Err(UrlError::Scheme(url.scheme().to_owned()));
        }
        if let Some((name, _)) = url.query_pairs().next() {
            return Err(UrlError::Parameter(name.into_owned()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(UrlError::Extra);
        }
        let host = match url.host() {
            Some(url::Host::Domain(name)) if !name.is_empty() => name.to_owned(),
            Some(url::Host::Ipv4(addr)) => addr.to_string(),
            Some(url::Host::Ipv6(addr)) => addr.to_string(),
            _ => return Err(UrlError::NoHost),
        };
        let mut segments = url.path_segments().ok_or(UrlError::Database)?;
        let database = match (segments.next(), segments.next()) {
            (Some(name), None) if !name.is_empty() => decode(name, "database name")?,
            _ => return Err(UrlError::Database),
        };
        let user = match url.username() {
            "" => None,
            name => Some(decode(name, "user name")?),
        };
        let password = url
            .password()
            .map(|word| decode(word, "password").map(Secret::new))
            .transpose()?;
        Ok(ServerUrl {
            host,
            port: url.port().unwrap_or(DEFAULT_PORT),
            user,
            password,
            database,
        })
    }

    /// `host:port`, for messages.
    pub(super) fn address(&self) -> String {
        server_url::address(&self.host, self.port)
    }

    /// The user name, for messages (`(none)` when the URL names none).
    pub(super) fn user_shown(&self) -> &str {
        self.user.as_deref().unwrap_or("(none)")
    }
}

fn decode(part: &str, what: &'static str) -> Result<String, UrlError> {
    server_url::decoded(part)
        .map(Cow::into_owned)
        .ok_or(UrlError::NotUtf8(what))
}

/// The URL with the password replaced by `******`.
impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mysql://")?;
        if let Some(user) = &self.user {
            f.write_str(user)?;
        }
        if self.password.is_some() {
            write!(f, ":{MASK}")?;
        }
        if self.user.is_some() || self.password.is_some() {
            f.write_str("@")?;
        }
        write!(f, "{}/{}", self.address(), self.database)
    }
}

/// Shown as the URL with the password replaced by `******`.
impl fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_string(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_is_read_and_the_password_decoded() {
        let url = ServerUrl::parse("mysql://ci:p%40ss%3Aw@db.example.com:3307/bitrix").unwrap();
        assert_eq!(url.host, "db.example.com");
        assert_eq!(url.port, 3307);
        assert_eq!(url.user.as_deref(), Some("ci"));
        assert_eq!(url.password.as_ref().map(Secret::expose), Some("p@ss:w"));
        assert_eq!(url.database, "bitrix");
    }

    #[test]
    fn the_port_defaults_and_ipv6_hosts_lose_their_brackets() {
        let url = ServerUrl::parse("mysql://ci@[::1]/bitrix").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 3306));
        assert_eq!(url.address(), "[::1]:3306");
        assert!(url.password.is_none());
    }

    #[test]
    fn the_password_is_never_shown() {
        let url = ServerUrl::parse("mysql://ci:hunter2@127.0.0.1:33069/bitrix").unwrap();
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(
                shown.contains("mysql://ci:******@127.0.0.1:33069/bitrix"),
                "{shown}"
            );
        }
        let anonymous = ServerUrl::parse("mysql://127.0.0.1/bitrix").unwrap();
        assert_eq!(anonymous.to_string(), "mysql://127.0.0.1:3306/bitrix");
    }

    #[test]
    fn bad_urls_say_what_to_fix_without_repeating_the_url() {
        for (text, expected) in [
            ("not a url with hunter2", "cannot be read"),
            ("postgres://ci:hunter2@h/db", "starts with postgres://"),
            ("mysql://ci:hunter2@h", "one database"),
            ("mysql://ci:hunter2@h/", "one database"),
            ("mysql://ci:hunter2@h/a/b", "one database"),
            (
                "mysql://ci:hunter2@h/db?ssl-mode=hunter2",
                "parameter \"ssl-mode\"",
            ),
            ("mysql://ci:hunter2@h/db#hunter2", "takes none"),
            (
                "mysql://ci:%FF@h/db",
                "password in the server URL is not valid UTF-8",
            ),
        ] {
            let err = ServerUrl::parse(text)
                .err()
                .unwrap_or_else(|| panic!("{text}"));
            let shown = err.to_string();
            assert!(shown.contains(expected), "{text}: {shown}");
            assert!(!shown.contains("hunter2"), "{text}: {shown}");
        }
    }
}
