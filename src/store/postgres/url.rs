//! The connection URL: `postgres://user[:password]@host[:port]/database`,
//! parsed here (not by the client) so that every error is our own text and
//! none of them, nor any `Debug`, can show the password.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use postgres::config::SslMode;

use crate::store::server_url;

/// How long a connection attempt may take unless the URL says otherwise.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The application name the server shows for the store's connections,
/// unless the URL gives one.
const DEFAULT_APPLICATION_NAME: &str = "module-settings";

/// The parameters a URL may carry after `?`.
const KNOWN_PARAMETERS: &str = "sslmode, application_name, options, connect_timeout";

/// A parsed URL: the client's configuration (which holds the password) and
/// what may be shown of it.
#[derive(Clone)]
pub(super) struct Target {
    config: postgres::Config,
    endpoint: Endpoint,
}

impl Target {
    /// Parses `url`.
    pub(super) fn parse(url: &str) -> Result<Target, UrlError> {
        let parsed = url::Url::parse(url).map_err(UrlError::Parse)?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(UrlError::Scheme(parsed.scheme().to_owned()));
        }
        let mut config = postgres::Config::new();
        let host = match parsed.host() {
            None => return Err(UrlError::NoHost),
            Some(url::Host::Domain(domain)) => decode(domain, "host")?.into_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
        };
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        // A host that is a path is the directory of the server's Unix
        // socket (`postgres://user@%2Fvar%2Frun%2Fpostgresql/db`).
        if host.starts_with('/') {
            config.host_path(&host);
        } else {
            config.host(&host);
        }
        let port = parsed.port().unwrap_or(5432);
        config.port(port);
        let user = decode(parsed.username(), "user name")?;
        if user.is_empty() {
            return Err(UrlError::NoUser);
        }
        config.user(&user);
        if let Some(password) = parsed.password() {
            let password = percent_decode_str(password).collect::<Vec<u8>>();
            config.password(password);
        }
        let dbname = decode(parsed.path().trim_start_matches('/'), "database name")?;
        if dbname.is_empty() {
            return Err(UrlError::NoDatabase);
        }
        config.dbname(&dbname);
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        config.application_name(DEFAULT_APPLICATION_NAME);
        // This build has no TLS; `prefer` would fall back to plain text
        // anyway, so say so plainly.
        config.ssl_mode(SslMode::Disable);
        for (name, value) in parsed.query_pairs() {
            parameter(&mut config, &name, &value)?;
        }
        let endpoint = Endpoint {
            user: user.into_owned(),
            host,
            port,
            dbname: dbname.into_owned(),
        };
        Ok(Target { config, endpoint })
    }

    /// The client's configuration.
    pub(super) fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// How long a connection attempt may take.
    pub(super) fn connect_timeout(&self) -> Duration {
        self.config
            .get_connect_timeout()
            .copied()
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }

    /// What may be shown of the connection.
    pub(super) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The same connection, shown to the server under another application
    /// name (the listener's connection).
    pub(super) fn named(&self, suffix: &str) -> Target {
        let mut named = self.clone();
        let name = self
            .config
            .get_application_name()
            .unwrap_or(DEFAULT_APPLICATION_NAME);
        named.config.application_name(&format!("{name} {suffix}"));
        named
    }
}

/// Shows the endpoint only: the configuration holds the password.
impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Target").field(&self.endpoint).finish()
    }
}

/// Applies one `?name=value` of the URL.
fn parameter(config: &mut postgres::Config, name: &str, value: &str) -> Result<(), UrlError> {
    match name {
        "sslmode" => match value {
            "disable" | "allow" | "prefer" => Ok(()),
            _ => Err(UrlError::Tls(value.to_owned())),
        },
        "application_name" => {
            config.application_name(value);
            Ok(())
        }
        "options" => {
            config.options(value);
            Ok(())
        }
        "connect_timeout" => {
            let seconds: u64 = value.parse().map_err(|_| UrlError::BadParameter {
                name: "connect_timeout",
                expected: "a whole number of seconds",
            })?;
            // Zero means "wait forever" to libpq; a store never does.
            if seconds == 0 {
                return Err(UrlError::BadParameter {
                    name: "connect_timeout",
                    expected: "a whole number of seconds above zero",
                });
            }
            config.connect_timeout(Duration::from_secs(seconds));
            Ok(())
        }
        other => Err(UrlError::UnknownParameter(other.to_owned())),
    }
}

/// A percent-encoded part of the URL, decoded.
fn decode<'a>(part: &'a str, what: &'static str) -> Result<Cow<'a, str>, UrlError> {
    server_url::decoded(part).ok_or(UrlError::NotUtf8 { part: what })
}

/// Where a store connects, as it may be shown: user, host, port and
/// database — never the password.
///
/// Display: `user@host:port/database`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Endpoint {
    user: String,
    host: String,
    port: u16,
    dbname: String,
}

impl Endpoint {
    /// `host:port`, or the socket directory with the port.
    pub(super) fn address(&self) -> String {
        server_url::address(&self.host, self.port)
    }

    /// The user name.
    pub(super) fn user(&self) -> &str {
        &self.user
    }

    /// The database name.
    pub(super) fn dbname(&self) -> &str {
        &self.dbname
    }

    /// The server and database, without the user: two stores on the same
    /// key share data whoever they log in as.
    pub(super) fn database(&self) -> String {
        format!("{}/{}", self.address(), self.dbname)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}/{}", self.user, self.address(), self.dbname)
    }
}

/// Why a URL cannot be used. No text ever holds the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum UrlError {
    /// Not a URL at all.
    #[error(
        "the database URL cannot be parsed ({0}); write it as \
         postgres://user[:password]@host[:port]/database"
    )]
    Parse(url::ParseError),
    /// Another scheme than `postgres`.
    #[error(
        "the database URL starts with {0}://, but a PostgreSQL URL starts with postgres:// (or \
         postgresql://)"
    )]
    Scheme(String),
    /// No host.
    #[error("the database URL names no host; write it as postgres://user@host[:port]/database")]
    NoHost,
    /// No user.
    #[error("the database URL names no user; write it as postgres://user@host[:port]/database")]
    NoUser,
    /// No database.
    #[error(
        "the database URL names no database; write it as postgres://user@host[:port]/database"
    )]
    NoDatabase,
    /// A part that is not UTF-8 once decoded.
    #[error("the database URL's {part} is not UTF-8 once percent-decoded")]
    NotUtf8 {
        /// Which part (`user name`, `host`, `database name`).
        part: &'static str,
    },
    /// A parameter the store does not know.
    #[error("the database URL has an unknown parameter {0:?}; known: {KNOWN_PARAMETERS}")]
    UnknownParameter(String),
    /// A TLS mode this build cannot honour.
    #[error(
        "the database URL asks for sslmode={0}, but this build connects without TLS; use \
         sslmode=disable over a trusted network or a Unix socket"
    )]
    Tls(String),
    /// A parameter whose value cannot be used.
    #[error("the database URL's {name} must be {expected}")]
    BadParameter {
        /// The parameter.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr%40t-Pa55";

    #[test]
    fn a_full_url_is_read_and_shown_without_its_password() {
        let target = Target::parse(&format!(
            "postgres://bitrix:{SECRET}@db.example.com:6432/sitemanager?application_name=app&options=-c%20search_path%3Dbx"
        ))
        .unwrap();
        let config = target.config();
        assert_eq!(config.get_user(), Some("bitrix"));
        assert_eq!(config.get_password(), Some(&b"s3cr@t-Pa55"[..]));
        assert_eq!(config.get_dbname(), Some("sitemanager"));
        assert_eq!(config.get_ports(), [6432]);
        assert_eq!(config.get_application_name(), Some("app"));
        assert_eq!(config.get_options(), Some("-c search_path=bx"));
        assert_eq!(
            target.endpoint().to_string(),
            "bitrix@db.example.com:6432/sitemanager"
        );
        for shown in [
            format!("{target:?}"),
            format!("{:?}", target.named("listener")),
        ] {
            assert!(!shown.contains("s3cr"), "{shown}");
        }
        assert_eq!(
            target.named("listener").config().get_application_name(),
            Some("app listener")
        );
    }

    #[test]
    fn defaults_ipv6_and_socket_directories() {
        let target = Target::parse("postgresql://me@[::1]/db").unwrap();
        assert_eq!(target.config().get_ports(), [5432]);
        assert_eq!(target.endpoint().to_string(), "me@[::1]:5432/db");
        assert_eq!(target.config().get_password(), None);
        assert_eq!(
            target.config().get_connect_timeout(),
            Some(&DEFAULT_CONNECT_TIMEOUT)
        );
        let socket = Target::parse("postgres://me@%2Fvar%2Frun%2Fpostgresql:5433/db").unwrap();
        assert!(matches!(
            socket.config().get_hosts(),
            [postgres::config::Host::Unix(path)] if path.to_str() == Some("/var/run/postgresql")
        ));
        assert_eq!(socket.endpoint().address(), "/var/run/postgresql:5433");
    }

    #[test]
    fn bad_urls_say_what_to_write_and_never_show_the_password() {
        for (url, expected) in [
            ("not a url", "cannot be parsed"),
            ("mysql://u:hunter2@h/db", "starts with mysql://"),
            ("postgres://u:hunter2@h/", "names no database"),
            ("postgres://:hunter2@h/db", "names no user"),
            ("postgres://u:hunter2@h:99999/db", "invalid port number"),
            (
                "postgres://u:hunter2@h/db?sslmode=require",
                "sslmode=require",
            ),
            (
                "postgres://u:hunter2@h/db?password=x",
                "unknown parameter \"password\"",
            ),
            ("postgres://u:hunter2@h/db?connect_timeout=0", "above zero"),
            (
                "postgres://u:hunter2@h/db?connect_timeout=soon",
                "whole number",
            ),
        ] {
            let err = Target::parse(url).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(expected), "{url}: {shown}");
            assert!(!shown.contains("hunter2"), "{url}: {shown}");
        }
    }
}
