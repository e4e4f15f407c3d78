//! [`VideoPort`]: the VideoPort tab of the video-conferencing module's
//! settings, stored under `videoport` and guarded by the rights of `video`.

use std::num::NonZeroU16;

use url::{Host, Url};

use super::window_flags::{
    Windows, WINDOW_CHAT, WINDOW_INFO, WINDOW_MAIN, WINDOW_MEMBERS, WINDOW_OPTIONS,
    WINDOW_SELF_CAMERA, WINDOW_SETTINGS,
};
use crate::access::ModuleLevels;
use crate::ids::ModuleId;
use crate::label::Label;
use crate::options::{
    Decoder, Encoder, ModuleOptions, OptionKind, OptionSpec, RawOptions, ValidationErrors,
};
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoPort {
    /// The video server's address: a domain, IPv4 or IPv6 address.
    pub server_host: Option<Host>,
    /// The video server's port.
    pub server_port: Option<NonZeroU16>,
    /// The key for guest connections set in VideoPort VCS Manager.
    pub secret_code: Option<Secret>,
    /// Which windows a conference shows.
    pub windows: Windows,
    /// Whether users may invite others to a conference.
    pub allow_invite: bool,
}

impl Default for VideoPort {
    fn default() -> Self {
        VideoPort {
            server_host: None,
            server_port: None,
            secret_code: None,
            windows: Windows::default(),
            allow_invite: true,
        }
    }
}

/// Longest secret word accepted, in characters.
const SECRET_MAX_CHARS: usize = 255;

impl VideoPort {
    /// `ServerHost`: the video server's address.
    pub const SERVER_HOST: OptionSpec = OptionSpec::new(
        "ServerHost",
        OptionKind::Host,
        Label::new("Адрес сервера", "Server address"),
    )
    .with_help(Label::new(
        "Указывается адрес вашего корпоративного видеосервера.",
        "The address of your corporate video server.",
    ));

    /// `ServerPort`: the video server's port, 1–65535.
    pub const SERVER_PORT: OptionSpec = OptionSpec::new(
        "ServerPort",
        OptionKind::Integer {
            min: 1,
            max: 65535,
            optional: true,
        },
        Label::new("Порт сервера", "Server port"),
    )
    .with_help(Label::new(
        "Указывается порт вашего корпоративного видеосервера.",
        "The port of your corporate video server.",
    ));

    /// `SecretCode`: the secret word, at most 255 characters.
    pub const SECRET_CODE: OptionSpec = OptionSpec::new(
        "SecretCode",
        OptionKind::Secret {
            max_chars: SECRET_MAX_CHARS,
        },
        Label::new("Секретное слово", "Secret word"),
    )
    .with_help(Label::new(
        "Указывается ключ, заданный в VideoPort VCS Manager'е на закладке \
         Приложения в поле Ключ для гостевых соединений.",
        "The key set in VideoPort VCS Manager, tab Applications, field \
         Key for guest connections.",
    ));

    /// `window_show_invite`: whether users may be invited.
    pub const SHOW_INVITE: OptionSpec = OptionSpec::new(
        "window_show_invite",
        OptionKind::Bool,
        Label::new("Позволять приглашать пользователей", "Allow inviting users"),
    )
    .with_default("Y")
    .with_help(Label::new(
        "При отмеченной опции можно будет приглашать пользователей для участия в конференции.",
        "When checked, users can be invited to take part in a conference.",
    ));

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

impl ModuleOptions for VideoPort {
    const MODULE: ModuleId = ModuleId::from_static("videoport");
    const GUARD: ModuleId = ModuleId::from_static("video");
    const TITLE: Label = Label::new("ВидеоПорт", "VideoPort");
    const LEVELS: ModuleLevels = ModuleLevels::VIDEO;
    const OPTIONS: &'static [OptionSpec] = &[
        VideoPort::SERVER_HOST,
        VideoPort::SERVER_PORT,
        VideoPort::SECRET_CODE,
        WINDOW_MAIN,
        WINDOW_CHAT,
        WINDOW_MEMBERS,
        WINDOW_SETTINGS,
        WINDOW_INFO,
        WINDOW_SELF_CAMERA,
        VideoPort::SHOW_INVITE,
    ];

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let server_host = d.host(&Self::SERVER_HOST);
        // The spec's range starts at 1, so `NonZeroU16::new` never sees 0.
        let server_port = d
            .optional_integer::<u16>(&Self::SERVER_PORT)
            .and_then(NonZeroU16::new);
        let secret_code = d.secret(&Self::SECRET_CODE);
        let windows = d.flags(WINDOW_OPTIONS);
        let allow_invite = d.bool(&Self::SHOW_INVITE);
        d.finish(VideoPort {
            server_host,
            server_port,
            secret_code,
            windows,
            allow_invite,
        })
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        e.host(&Self::SERVER_HOST, self.server_host.as_ref());
        e.optional_integer(&Self::SERVER_PORT, self.server_port);
        e.secret(&Self::SECRET_CODE, self.secret_code.as_ref());
        e.flags(WINDOW_OPTIONS, self.windows);
        e.bool(&Self::SHOW_INVITE, self.allow_invite);
        e.finish()
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
