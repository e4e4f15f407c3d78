//! One decoder and one encoder per option kind, as plain functions
//! over the stored text.
//!
//! Every decoder is total: any string gives a value or a [`FieldProblem`],
//! never a panic. Empty text means *unset* for the kinds that can be unset
//! and `false` for booleans, as on Bitrix's settings pages, which store an
//! empty field as `""`.
//!
//! Decoders are strict about form: no surrounding spaces are trimmed, and
//! numbers are plain decimal digits with an optional leading `-`. Hosts and
//! URLs are normalised the way the `url` crate does (lower-cased, IDNA
//! domains in punycode), so `decode(encode(v)) == v` always holds but
//! `encode(decode(s))` may differ from `s`.
//!
//! # Examples
//!
//! ```
//! use module_settings::options::codec;
//! assert_eq!(codec::decode_bool("Y"), Ok(true));
//! assert_eq!(codec::decode_bool(""), Ok(false));
//! assert!(codec::decode_bool("yes").is_err());
//! assert_eq!(codec::decode_integer("8000", 1, 65535, true), Ok(Some(8000)));
//! let host = codec::decode_host("::1")?.expect("set");
//! assert_eq!(codec::encode_host(&host), "[::1]");
//! # Ok::<(), module_settings::options::FieldProblem>(())
//! ```

use std::net::Ipv6Addr;

use url::{Host, Url};

use super::problem::FieldProblem;
use crate::secret::Secret;

/// The stored form of `true`.
pub const YES: &str = "Y";
/// The stored form of `false`.
pub const NO: &str = "N";

/// `"Y"` is true; `"N"` and `""` are false; anything else is refused.
pub fn decode_bool(text: &str) -> Result<bool, FieldProblem> {
    match text {
        YES => Ok(true),
        NO | "" => Ok(false),
        _ => Err(FieldProblem::NotABool),
    }
}

/// `"Y"` or `"N"`.
pub fn encode_bool(value: bool) -> &'static str {
    if value {
        YES
    } else {
        NO
    }
}

/// A whole number in `min..=max`; `""` is `None` when `optional`, else refused.
pub fn decode_integer(
    text: &str,
    min: i64,
    max: i64,
    optional: bool,
) -> Result<Option<i64>, FieldProblem> {
    let refused = FieldProblem::NotInRange { min, max, optional };
    if text.is_empty() {
        return if optional { Ok(None) } else { Err(refused) };
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    // `i64::from_str` would also take a leading '+'; stored numbers are plain.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused);
    }
    match text.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(refused),
    }
}

/// The decimal digits of `value`, or `""` for unset.
pub fn encode_integer(value: Option<i64>) -> String {
    value.map(|n| n.to_string()).unwrap_or_default()
}

/// The longest domain name DNS allows, in characters, without the final
/// dot of a fully qualified name.
const DOMAIN_MAX_CHARS: usize = 253;

/// The longest label (part between dots) of a domain name DNS allows.
const LABEL_MAX_CHARS: usize = 63;

/// The longest host text [`decode_host`] accepts: a longest domain name
/// with its final dot. Addresses are shorter.
pub(crate) const HOST_MAX_CHARS: usize = DOMAIN_MAX_CHARS + 1;

/// The longest text [`decode_https_origin`] accepts: `https://`, a longest
/// host, `:65535` and `/`.
pub(crate) const ORIGIN_MAX_CHARS: usize = "https://".len() + HOST_MAX_CHARS + ":65535/".len();

/// A host: a domain, an IPv4 address, or an IPv6 address with or without
/// brackets (`::1` and `[::1]` are the same host). `""` is `None`.
///
/// Bare IPv6 is accepted because that is how people type it into the form;
/// [`encode_host`] always writes the bracketed form, which is what a URL
/// needs. Schemes, ports, paths and spaces are refused.
///
/// A domain keeps to the limits of DNS: at most 253 characters (a final
/// dot, as in `example.com.`, is allowed and not counted) in its ASCII
/// form — an international name counts as its punycode (`xn--…`) — and
/// labels of 1 to 63 letters, digits, hyphens or underscores that neither
/// start nor end with a hyphen. Text longer than a domain can be is
/// refused before it is parsed.
pub fn decode_host(text: &str) -> Result<Option<Host>, FieldProblem> {
    if text.is_empty() {
        return Ok(None);
    }
    if longer_than(text, HOST_MAX_CHARS) {
        return Err(FieldProblem::DomainTooLong {
            max: DOMAIN_MAX_CHARS,
        });
    }
    if !text.starts_with('[') {
        if let Ok(ip) = text.parse::<Ipv6Addr>() {
            return Ok(Some(Host::Ipv6(ip)));
        }
    }
    let host = Host::parse(text).map_err(|reason| FieldProblem::NotAHost { reason })?;
    if let Host::Domain(name) = &host {
        check_domain(name)?;
    }
    Ok(Some(host))
}

/// The limits of DNS on `name`, a domain as the URL parser leaves it (in
/// ASCII, international labels in punycode).
fn check_domain(name: &str) -> Result<(), FieldProblem> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.len() > DOMAIN_MAX_CHARS {
        return Err(FieldProblem::DomainTooLong {
            max: DOMAIN_MAX_CHARS,
        });
    }
    let label_ok = |label: &str| {
        (1..=LABEL_MAX_CHARS).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if name.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(FieldProblem::BadDomainLabel)
    }
}

/// The host as text; IPv6 in brackets.
pub fn encode_host(host: &Host) -> String {
    host.to_string()
}

/// An absolute URL; `""` is `None`.
pub fn decode_url(text: &str) -> Result<Option<Url>, FieldProblem> {
    if text.is_empty() {
        return Ok(None);
    }
    Url::parse(text)
        .map(Some)
        .map_err(|reason| FieldProblem::NotAUrl { reason })
}

/// The URL as text.
pub fn encode_url(url: &Url) -> String {
    url.as_str().to_owned()
}

/// An `https` origin such as `https://example.bitrix24.ru` (a trailing `/`
/// is allowed); `""` is `None`. The result's path is `/`.
///
/// Refused, each with its own problem: other schemes, a user name or
/// password, any other path, a query (even an empty `?`), a fragment,
/// port 0, and a domain outside the limits of DNS (as for
/// [`decode_host`]). Text longer than an origin can be (269 characters) is
/// refused before it is parsed.
pub fn decode_https_origin(text: &str) -> Result<Option<Url>, FieldProblem> {
    if longer_than(text, ORIGIN_MAX_CHARS) {
        return Err(FieldProblem::TooLong {
            max: ORIGIN_MAX_CHARS,
        });
    }
    let Some(url) = decode_url(text)? else {
        return Ok(None);
    };
    if url.scheme() != "https" {
        Err(FieldProblem::NotHttps)
    } else if !url.username().is_empty() || url.password().is_some() {
        Err(FieldProblem::HasCredentials)
    } else if url.path() != "/" {
        Err(FieldProblem::HasPath)
    } else if url.query().is_some() {
        Err(FieldProblem::HasQuery)
    } else if url.fragment().is_some() {
        Err(FieldProblem::HasFragment)
    } else if url.port() == Some(0) {
        Err(FieldProblem::ZeroPort)
    } else {
        if let Some(Host::Domain(name)) = url.host() {
            check_domain(name)?;
        }
        Ok(Some(url))
    }
}

/// The origin without a trailing slash: `https://example.bitrix24.ru`, with
/// the port only when it is not 443.
pub fn encode_https_origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The longest text [`decode_https_url`] accepts: the length of URL that
/// browsers, servers and proxies commonly take.
pub(crate) const URL_MAX_CHARS: usize = 2048;

/// An absolute `https` URL whose path, query and fragment are kept, such
/// as an API's base address `https://crm.example.com/rest/v1/`; `""` is
/// `None`.
///
/// Refused, each with its own problem: other schemes (plain `http`
/// included), a user name or password (they would be a secret kept in a
/// field that is shown; an error quotes such a URL with them masked),
/// port 0, a domain outside the limits of DNS (as for [`decode_host`]),
/// and text longer than 2048 characters, refused before it is parsed.
pub fn decode_https_url(text: &str) -> Result<Option<Url>, FieldProblem> {
    if longer_than(text, URL_MAX_CHARS) {
        return Err(FieldProblem::TooLong { max: URL_MAX_CHARS });
    }
    let Some(url) = decode_url(text)? else {
        return Ok(None);
    };
    if url.scheme() != "https" {
        Err(FieldProblem::NotHttpsUrl)
    } else if !url.username().is_empty() || url.password().is_some() {
        Err(FieldProblem::UrlHasCredentials)
    } else if url.port() == Some(0) {
        Err(FieldProblem::UrlZeroPort)
    } else {
        if let Some(Host::Domain(name)) = url.host() {
            check_domain(name)?;
        }
        Ok(Some(url))
    }
}

/// Text of at most `max_chars` characters (not bytes).
pub fn decode_text(text: &str, max_chars: usize) -> Result<String, FieldProblem> {
    check_length(text, max_chars).map(|()| text.to_owned())
}

/// A secret of at most `max_chars` characters; `""` is `None`.
pub fn decode_secret(text: &str, max_chars: usize) -> Result<Option<Secret>, FieldProblem> {
    if text.is_empty() {
        return Ok(None);
    }
    check_length(text, max_chars).map(|()| Some(Secret::new(text)))
}

/// One of `allowed`, exactly; `""` is `None` when `optional`, else refused.
pub fn decode_choice(
    text: &str,
    allowed: &'static [&'static str],
    optional: bool,
) -> Result<Option<&'static str>, FieldProblem> {
    if text.is_empty() && optional {
        return Ok(None);
    }
    allowed
        .iter()
        .copied()
        .find(|choice| *choice == text)
        .map(Some)
        .ok_or(FieldProblem::NotAChoice { allowed })
}

fn check_length(text: &str, max_chars: usize) -> Result<(), FieldProblem> {
    if longer_than(text, max_chars) {
        Err(FieldProblem::TooLong { max: max_chars })
    } else {
        Ok(())
    }
}

/// Whether `text` has more than `max_chars` characters, counting at most
/// that many.
fn longer_than(text: &str, max_chars: usize) -> bool {
    // Bytes bound characters from above, so most values skip the count.
    text.len() > max_chars && text.chars().nth(max_chars).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn booleans_are_y_and_n() {
        assert_eq!(decode_bool("Y"), Ok(true));
        assert_eq!(decode_bool("N"), Ok(false));
        assert_eq!(decode_bool(""), Ok(false));
        for bad in ["y", "n", "1", "0", "true", " Y", "Y ", "YES"] {
            assert_eq!(decode_bool(bad), Err(FieldProblem::NotABool), "{bad}");
        }
        assert_eq!(encode_bool(true), "Y");
        assert_eq!(encode_bool(false), "N");
    }

    #[test]
    fn integers_are_plain_decimal_in_range() {
        assert_eq!(decode_integer("1", 1, 65535, true), Ok(Some(1)));
        assert_eq!(decode_integer("65535", 1, 65535, true), Ok(Some(65535)));
        assert_eq!(decode_integer("", 1, 65535, true), Ok(None));
        assert_eq!(decode_integer("-5", -10, 10, false), Ok(Some(-5)));
        for bad in [
            "0",
            "65536",
            "70000",
            "+80",
            " 80",
            "80 ",
            "8e3",
            "-",
            "0x50",
            "99999999999999999999",
        ] {
            assert!(decode_integer(bad, 1, 65535, true).is_err(), "{bad}");
        }
        assert!(decode_integer("", 1, 10, false).is_err());
        assert_eq!(encode_integer(Some(8000)), "8000");
        assert_eq!(encode_integer(None), "");
    }

    #[test]
    fn hosts_are_domains_or_addresses() {
        assert_eq!(
            decode_host("Video.Example.COM"),
            Ok(Some(Host::Domain("video.example.com".into())))
        );
        assert_eq!(
            decode_host("10.0.0.7"),
            Ok(Some(Host::Ipv4(Ipv4Addr::new(10, 0, 0, 7))))
        );
        assert_eq!(
            decode_host("[::1]"),
            Ok(Some(Host::Ipv6(Ipv6Addr::LOCALHOST)))
        );
        assert_eq!(
            decode_host("::1"),
            Ok(Some(Host::Ipv6(Ipv6Addr::LOCALHOST)))
        );
        assert_eq!(decode_host(""), Ok(None));
        for bad in [
            "video.example.com:8000",
            "https://video.example.com",
            "video example",
            "a/b",
            "[::1",
            "999.1.1.1",
            " x",
        ] {
            assert!(
                matches!(decode_host(bad), Err(FieldProblem::NotAHost { .. })),
                "{bad}"
            );
        }
        assert_eq!(encode_host(&Host::Ipv6(Ipv6Addr::LOCALHOST)), "[::1]");
    }

    #[test]
    fn origins_refuse_everything_but_scheme_host_and_port() {
        let ok = decode_https_origin("https://Example.Bitrix24.ru/").unwrap();
        assert_eq!(
            ok.as_ref().map(Url::as_str),
            Some("https://example.bitrix24.ru/")
        );
        let no_slash = decode_https_origin("https://example.bitrix24.ru").unwrap();
        assert_eq!(no_slash, ok);
        assert_eq!(
            encode_https_origin(&no_slash.unwrap()),
            "https://example.bitrix24.ru"
        );
        let port = decode_https_origin("https://b24.local:8443")
            .unwrap()
            .unwrap();
        assert_eq!(encode_https_origin(&port), "https://b24.local:8443");
        let cases = [
            ("http://example.bitrix24.ru", FieldProblem::NotHttps),
            ("ftp://example.bitrix24.ru", FieldProblem::NotHttps),
            (
                "https://user@example.bitrix24.ru",
                FieldProblem::HasCredentials,
            ),
            (
                "https://u:p@example.bitrix24.ru",
                FieldProblem::HasCredentials,
            ),
            ("https://example.bitrix24.ru/crm/", FieldProblem::HasPath),
            ("https://example.bitrix24.ru/?a=1", FieldProblem::HasQuery),
            ("https://example.bitrix24.ru?", FieldProblem::HasQuery),
            ("https://example.bitrix24.ru#top", FieldProblem::HasFragment),
        ];
        for (text, problem) in cases {
            assert_eq!(decode_https_origin(text), Err(problem), "{text}");
        }
        assert!(matches!(
            decode_https_origin("example.bitrix24.ru"),
            Err(FieldProblem::NotAUrl { .. })
        ));
        assert_eq!(decode_https_origin(""), Ok(None));
    }

    #[test]
    fn domains_keep_to_dns_limits() {
        let label = "a".repeat(63);
        let longest = [label.as_str(), &label, &label, &"b".repeat(61)].join(".");
        assert_eq!(longest.len(), 253);
        assert!(decode_host(&longest).is_ok());
        assert!(decode_host(&format!("{longest}.")).is_ok(), "a final dot");
        let too_long = FieldProblem::DomainTooLong { max: 253 };
        assert_eq!(decode_host(&format!("a{longest}")), Err(too_long.clone()));
        assert_eq!(decode_host(&"x".repeat(300)), Err(too_long.clone()));
        assert_eq!(decode_host(&"x".repeat(10 << 20)), Err(too_long.clone()));
        // Counted in ASCII: 80 characters, but each `я.` is `xn--41a.`.
        let short_in_unicode = format!("{}рф", "я.".repeat(40));
        assert!(short_in_unicode.chars().count() < 100);
        assert_eq!(decode_host(&short_in_unicode), Err(too_long));
        for bad in [
            "--weird",
            "weird-",
            "a.-b.example",
            "a.b-.example",
            "a..b",
            ".a",
            ".",
            "a*b.example",
            "a;b",
            &format!("{}.example", "c".repeat(64)),
        ] {
            assert_eq!(decode_host(bad), Err(FieldProblem::BadDomainLabel), "{bad}");
        }
        for good in [
            "a",
            "a-b.example",
            "a--b.example",
            "x1.example.",
            "_sip.example.com",
            "xn--e1afmkfd.xn--p1ai",
            "пример.рф",
            &format!("{label}.example"),
        ] {
            assert!(decode_host(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn origins_keep_to_dns_limits_and_a_real_port() {
        assert_eq!(
            decode_https_origin("https://a.bitrix24.ru:0"),
            Err(FieldProblem::ZeroPort)
        );
        assert_eq!(
            decode_https_origin("https://--weird.bitrix24.ru"),
            Err(FieldProblem::BadDomainLabel)
        );
        assert_eq!(
            decode_https_origin(&format!("https://{}.bitrix24.ru", "a".repeat(64))),
            Err(FieldProblem::BadDomainLabel)
        );
        assert_eq!(
            decode_https_origin(&format!("https://{}", "a.".repeat(5 << 20))),
            Err(FieldProblem::TooLong { max: 269 })
        );
        let label = "a".repeat(63);
        let longest = [label.as_str(), &label, &label, &"b".repeat(61)].join(".");
        let origin = format!("https://{longest}.:65535/");
        assert_eq!(origin.chars().count(), 269);
        assert!(decode_https_origin(&origin).is_ok());
        assert!(decode_https_origin("https://a.bitrix24.ru:1").is_ok());
        assert!(decode_https_origin("https://[::1]:8443").is_ok());
    }

    #[test]
    fn https_urls_keep_path_and_query_and_refuse_the_rest() {
        let url = decode_https_url("https://CRM.Example.com/rest/v1/?lang=en#top")
            .unwrap()
            .unwrap();
        assert_eq!(
            encode_url(&url),
            "https://crm.example.com/rest/v1/?lang=en#top"
        );
        assert_eq!(url.path(), "/rest/v1/");
        let bare = decode_https_url("https://crm.example.com")
            .unwrap()
            .unwrap();
        assert_eq!(encode_url(&bare), "https://crm.example.com/");
        let port = decode_https_url("https://[::1]:8443/api").unwrap().unwrap();
        assert_eq!(encode_url(&port), "https://[::1]:8443/api");
        assert_eq!(decode_https_url(""), Ok(None));
        let cases = [
            ("http://crm.example.com/api", FieldProblem::NotHttpsUrl),
            ("ftp://crm.example.com/api", FieldProblem::NotHttpsUrl),
            (
                "https://u@crm.example.com/api",
                FieldProblem::UrlHasCredentials,
            ),
            (
                "https://u:p@crm.example.com/",
                FieldProblem::UrlHasCredentials,
            ),
            (
                "https://:p@crm.example.com/",
                FieldProblem::UrlHasCredentials,
            ),
            ("https://crm.example.com:0/api", FieldProblem::UrlZeroPort),
            ("https://--weird.example.com/", FieldProblem::BadDomainLabel),
        ];
        for (text, problem) in cases {
            assert_eq!(decode_https_url(text), Err(problem), "{text}");
        }
        assert!(matches!(
            decode_https_url("crm.example.com/api"),
            Err(FieldProblem::NotAUrl { .. })
        ));
        let longest = format!("https://a.example/{}", "p".repeat(2048 - 18));
        assert_eq!(longest.chars().count(), 2048);
        assert!(decode_https_url(&longest).is_ok());
        assert_eq!(
            decode_https_url(&format!("{longest}p")),
            Err(FieldProblem::TooLong { max: 2048 })
        );
    }

    #[test]
    fn text_and_secrets_count_characters() {
        assert_eq!(decode_text(&"я".repeat(3), 3), Ok("яяя".to_owned()));
        assert_eq!(
            decode_text(&"я".repeat(4), 3),
            Err(FieldProblem::TooLong { max: 3 })
        );
        assert_eq!(decode_secret("", 255), Ok(None));
        assert_eq!(
            decode_secret(&"x".repeat(256), 255),
            Err(FieldProblem::TooLong { max: 255 })
        );
        assert_eq!(
            decode_secret("k", 255)
                .unwrap()
                .map(|s| s.expose().to_owned()),
            Some("k".to_owned())
        );
    }

    #[test]
    fn choices_are_exact() {
        const MODES: &[&str] = &["new", "existing"];
        assert_eq!(decode_choice("new", MODES, true), Ok(Some("new")));
        assert_eq!(decode_choice("", MODES, true), Ok(None));
        assert!(decode_choice("", MODES, false).is_err());
        assert!(decode_choice("New", MODES, true).is_err());
    }
}
