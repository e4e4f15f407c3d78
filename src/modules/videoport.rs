//! [`VideoPort`]: the VideoPort tab of the video-conferencing module's
//! settings, stored under `videoport` and guarded by the rights of `video`.

use std::num::NonZeroU16;

use url::{Host, Url};

use super::window_flags::{Windows, WINDOW_OPTIONS};
use crate::access::ModuleLevels;
use crate::options::ModuleOptions;
use crate::secret::Secret;

/// The connection to the company's VideoPort video server and what a
/// conference shows.
///
/// | field | option | kind | default |
/// |---|---|---|---|
/// | [`server_host`](Self::server_host) | `ServerHost` | host | unset |
/// | [`server_port`](Self::server_port) | `ServerPort` | 1–65535 | unset |
/// | [`secret_code`](Self::secret_code) | `SecretCode` | secret, ≤ 255 chars | unset |
/// | [`windows`](Self::windows) | `window_main` … `window_self_camera` | six checkboxes | see [`Windows`] |
/// | [`allow_invite`](Self::allow_invite) | `window_show_invite` | checkbox | on |
///
/// `Debug` is safe to log: the secret word shows as `Secret("******")`.
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::options::{ModuleOptions, RawOptions};
/// use module_settings::OptionName;
///
/// let mut raw = RawOptions::new();
/// raw.insert(OptionName::from_static("ServerHost"), "video.example.com".into());
/// raw.insert(OptionName::from_static("ServerPort"), "8000".into());
/// let video = VideoPort::decode(&raw)?;
/// assert!(video.is_ready());
/// assert_eq!(video.server_url().unwrap().as_str(), "https://video.example.com:8000/");
/// # Ok::<(), module_settings::options::ValidationErrors>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, ModuleOptions)]
#[module(
    id = "videoport",
    guard = "video",
    title(ru = "ВидеоПорт", en = "VideoPort"),
    levels = ModuleLevels::VIDEO
)]
pub struct VideoPort {
    /// The video server's address: a domain, IPv4 or IPv6 address.
    #[option(
        name = "ServerHost",
        label(ru = "Адрес сервера", en = "Server address"),
        help(
            ru = "Указывается адрес вашего корпоративного видеосервера.",
            en = "The address of your corporate video server."
        )
    )]
    pub server_host: Option<Host>,
    /// The video server's port.
    #[option(
        name = "ServerPort",
        label(ru = "Порт сервера", en = "Server port"),
        help(
            ru = "Указывается порт вашего корпоративного видеосервера.",
            en = "The port of your corporate video server."
        )
    )]
    pub server_port: Option<NonZeroU16>,
    /// The key for guest connections set in VideoPort VCS Manager.
    #[option(
        name = "SecretCode",
        label(ru = "Секретное слово", en = "Secret word"),
        help(
            ru = "Указывается ключ, заданный в VideoPort VCS Manager'е на закладке \
                  Приложения в поле Ключ для гостевых соединений.",
            en = "The key set in VideoPort VCS Manager, tab Applications, field \
                  Key for guest connections."
        ),
        max_chars = 255
    )]
    pub secret_code: Option<Secret>,
    /// Which windows a conference shows.
    #[option(flags = WINDOW_OPTIONS)]
    pub windows: Windows,
    /// Whether users may invite others to a conference.
    #[option(
        name = "window_show_invite",
        label(ru = "Позволять приглашать пользователей", en = "Allow inviting users"),
        help(
            ru = "При отмеченной опции можно будет приглашать пользователей для участия в конференции.",
            en = "When checked, users can be invited to take part in a conference."
        ),
        default = true
    )]
    pub allow_invite: bool,
}

impl VideoPort {
    /// Whether a server address is set: the module can start conferences.
    pub fn is_ready(&self) -> bool {
        self.server_host.is_some()
    }

    /// The server's URL from host and port: scheme `https` (guest links
    /// carry the secret word, so never plain `http`), an IPv6 host in
    /// brackets, the port when set and not 443, and the path `/`.
    /// `None` when no host is set.
    pub fn server_url(&self) -> Option<Url> {
        let host = self.server_host.as_ref()?;
        let text = match self.server_port {
            Some(port) => format!("https://{host}:{port}/"),
            None => format!("https://{host}/"),
        };
        // A host that passed `Host::parse` always makes a valid URL; `ok()`
        // only guards against a hand-built `Host::Domain` holding junk.
        Url::parse(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::ModuleSchema;
    use std::net::Ipv6Addr;

    #[test]
    fn options_table_matches_section_3() {
        let names: Vec<&str> = VideoPort::OPTIONS
            .iter()
            .map(|s| s.name().as_str())
            .collect();
        assert_eq!(
            names,
            [
                "ServerHost",
                "ServerPort",
                "SecretCode",
                "window_main",
                "window_chat",
                "window_members",
                "window_settings",
                "window_info",
                "window_self_camera",
                "window_show_invite",
            ]
        );
        ModuleSchema::of::<VideoPort>().self_check().unwrap();
        assert_eq!(
            VideoPort::default().encode(),
            ModuleSchema::of::<VideoPort>().defaults()
        );
    }

    #[test]
    fn server_url_brackets_ipv6_and_drops_443() {
        let mut v = VideoPort {
            server_host: Some(Host::Ipv6(Ipv6Addr::LOCALHOST)),
            server_port: NonZeroU16::new(8000),
            ..VideoPort::default()
        };
        assert_eq!(v.server_url().unwrap().as_str(), "https://[::1]:8000/");
        v.server_port = NonZeroU16::new(443);
        assert_eq!(v.server_url().unwrap().as_str(), "https://[::1]/");
        v.server_host = None;
        assert!(v.server_url().is_none());
        assert!(!v.is_ready());
    }
}
