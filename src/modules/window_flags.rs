//! [`Windows`]: VideoPort's six window switches as one set, each stored as
//! its own `Y`/`N` option.

use crate::label::Label;
use crate::options::{OptionKind, OptionSpec};

bitflags::bitflags! {
    /// Which windows a VideoPort conference shows. Each flag is stored as
    /// its own checkbox option (`window_main`, …); the default is
    /// main, participants, settings and information on, chat and
    /// self-view off.
    ///
    /// Human-readable serde writes `"MAIN | MEMBERS"`.
    ///
    /// ```
    /// use module_settings::modules::Windows;
    /// let shown = Windows::default();
    /// assert!(shown.contains(Windows::MAIN) && !shown.contains(Windows::CHAT));
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    pub struct Windows: u8 {
        /// The main video window (`window_main`).
        const MAIN = 1 << 0;
        /// The chat window (`window_chat`).
        const CHAT = 1 << 1;
        /// The participants window (`window_members`).
        const MEMBERS = 1 << 2;
        /// The settings window (`window_settings`).
        const SETTINGS = 1 << 3;
        /// The information window (`window_info`).
        const INFO = 1 << 4;
        /// The self-view window (`window_self_camera`).
        const SELF_CAMERA = 1 << 5;
    }
}

impl Default for Windows {
    fn default() -> Self {
        Windows::MAIN | Windows::MEMBERS | Windows::SETTINGS | Windows::INFO
    }
}

const fn window(name: &'static str, on: bool, label: Label, help: Label) -> OptionSpec {
    OptionSpec::new(name, OptionKind::Bool, label)
        .with_default(if on { "Y" } else { "N" })
        .with_help(help)
}

/// The `main` window's option.
pub(super) const WINDOW_MAIN: OptionSpec = window(
    "window_main",
    true,
    Label::new(
        "Показывать главное окно видео",
        "Show the main video window",
    ),
    Label::new(
        "При отмеченной опции будет показано главное окно видео.",
        "When checked, the main video window is shown.",
    ),
);

/// The `chat` window's option.
pub(super) const WINDOW_CHAT: OptionSpec = window(
    "window_chat",
    false,
    Label::new("Показывать окно чата", "Show the chat window"),
    Label::new(
        "При отмеченной опции будет показано окно чата.",
        "When checked, the chat window is shown.",
    ),
);

/// The `members` window's option.
pub(super) const WINDOW_MEMBERS: OptionSpec = window(
    "window_members",
    true,
    Label::new(
        "Показывать окно участников конференции",
        "Show the participants window",
    ),
    Label::new(
        "При отмеченной опции будет показано окно участников конференции.",
        "When checked, the conference participants window is shown.",
    ),
);

/// The `settings` window's option.
pub(super) const WINDOW_SETTINGS: OptionSpec = window(
    "window_settings",
    true,
    Label::new("Показывать окно настроек", "Show the settings window"),
    Label::new(
        "При отмеченной опции будет показано окно настроек конференции.",
        "When checked, the conference settings window is shown.",
    ),
);

/// The `info` window's option.
pub(super) const WINDOW_INFO: OptionSpec = window(
    "window_info",
    true,
    Label::new("Показывать окно информации", "Show the information window"),
    Label::new(
        "При отмеченной опции будет показано окно информации конференции.",
        "When checked, the conference information window is shown.",
    ),
);

/// The `self_camera` window's option.
pub(super) const WINDOW_SELF_CAMERA: OptionSpec = window(
    "window_self_camera",
    false,
    Label::new(
        "Показывать окно с изображением себя",
        "Show the self-view window",
    ),
    Label::new(
        "При отмеченной опции будет показано окно с изображением себя.",
        "When checked, the window with your own picture is shown.",
    ),
);

/// Each window flag with the option it is stored in, in page order.
pub const WINDOW_OPTIONS: &[(Windows, OptionSpec)] = &[
    (Windows::MAIN, WINDOW_MAIN),
    (Windows::CHAT, WINDOW_CHAT),
    (Windows::MEMBERS, WINDOW_MEMBERS),
    (Windows::SETTINGS, WINDOW_SETTINGS),
    (Windows::INFO, WINDOW_INFO),
    (Windows::SELF_CAMERA, WINDOW_SELF_CAMERA),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_one_option_with_its_default() {
        let mut all = Windows::empty();
        for (flag, spec) in WINDOW_OPTIONS {
            assert_eq!(flag.bits().count_ones(), 1);
            assert!(!all.intersects(*flag), "{flag:?} listed twice");
            all |= *flag;
            let on = Windows::default().contains(*flag);
            assert_eq!(spec.default_value(), if on { "Y" } else { "N" }, "{flag:?}");
        }
        assert_eq!(all, Windows::all());
    }
}
