//! [`Label`]: text shown to an administrator, in Russian and English.

use serde::Serialize;

/// A piece of text for an admin page in the two languages of the Bitrix
/// help pages this crate models.
///
/// ```
/// use module_settings::Label;
/// const CLOSED: Label = Label::new("закрыт", "closed");
/// assert_eq!(CLOSED.en, "closed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Label {
    /// Russian text.
    pub ru: &'static str,
    /// English text.
    pub en: &'static str,
}

impl Label {
    /// A label from its Russian and English texts.
    pub const fn new(ru: &'static str, en: &'static str) -> Self {
        Label { ru, en }
    }
}
