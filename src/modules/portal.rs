//! [`Portal`]: the address of a Bitrix24 portal, an `https` origin.

use std::fmt;
use std::str::FromStr;

use url::Url;

use super::connection_error::ConnectionError;
use crate::options::{
    codec, Decoder, Encoder, FieldProblem, OptionKind, OptionSpec, OptionalField,
};

/// A Bitrix24 portal's address: an absolute `https` URL reduced to its
/// origin — scheme, host and port, no credentials, path, query or fragment
/// (a single trailing `/` is accepted). The port, if given, is 1–65535,
/// and a domain keeps to the limits of DNS (at most 253 characters, labels
/// of 1–63 characters that neither start nor end with a hyphen).
///
/// Display writes the origin without a trailing slash, as it is stored.
///
/// ```
/// use module_settings::modules::Portal;
/// let portal: Portal = "https://Example.Bitrix24.ru/".parse()?;
/// assert_eq!(portal.to_string(), "https://example.bitrix24.ru");
/// assert!("http://example.bitrix24.ru".parse::<Portal>().is_err());
/// assert!("https://example.bitrix24.ru/crm".parse::<Portal>().is_err());
/// assert!("https://example.bitrix24.ru:0".parse::<Portal>().is_err());
/// let err = "https://admin:hunter2@example.bitrix24.ru".parse::<Portal>().unwrap_err();
/// assert!(err.to_string().starts_with("bitrix24 portal address \"https://******@example.bitrix24.ru\""));
/// # Ok::<(), module_settings::modules::ConnectionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Portal(Url);

impl Portal {
    /// Checks a portal address; each kind of refusal has its own
    /// [`FieldProblem`]. The error quotes the address with anything that
    /// may be credentials masked (`https://******@example.bitrix24.ru`).
    pub fn parse(text: &str) -> Result<Portal, ConnectionError> {
        let refused = |problem| ConnectionError::BadPortal {
            value: crate::text::shown(&crate::text::without_userinfo(text), 64),
            problem,
        };
        match codec::decode_https_origin(text) {
            Ok(Some(url)) => Ok(Portal(url)),
            Ok(None) => Err(refused(FieldProblem::Required)),
            Err(problem) => Err(refused(problem)),
        }
    }

    /// The portal as a URL (path `/`).
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for Portal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&codec::encode_https_origin(&self.0))
    }
}

impl FromStr for Portal {
    type Err = ConnectionError;
    fn from_str(text: &str) -> Result<Self, ConnectionError> {
        Portal::parse(text)
    }
}

impl TryFrom<&str> for Portal {
    type Error = ConnectionError;
    fn try_from(text: &str) -> Result<Self, ConnectionError> {
        Portal::parse(text)
    }
}

/// An option holding a portal is an [`OptionKind::HttpsOrigin`]; unset
/// (`""`) is no portal.
impl OptionalField for Portal {
    const KIND: OptionKind = OptionKind::HttpsOrigin;

    /// Under any other kind than an https origin (a hand-built spec), the
    /// URL read is checked as a portal too, and refused if it is not one.
    fn read(d: &mut Decoder<'_>, spec: &OptionSpec) -> Option<Self> {
        let url = d.url(spec)?;
        if spec.kind() == OptionKind::HttpsOrigin {
            return Some(Portal(url));
        }
        match codec::decode_https_origin(url.as_str()) {
            Ok(origin) => origin.map(Portal),
            Err(problem) => {
                d.reject(spec, problem);
                None
            }
        }
    }

    fn write(value: Option<&Self>, e: &mut Encoder, spec: &OptionSpec) {
        e.url(spec, value.map(Portal::url));
    }
}
