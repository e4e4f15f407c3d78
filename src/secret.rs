//! [`Secret`]: a value that must never be shown, logged or serialized by
//! accident, and the opt-in serde helpers for callers who mean it.
//!
//! # Examples
//!
//! ```
//! use module_settings::secret::Secret;
//!
//! let word = Secret::new("guest-key-42");
//! assert_eq!(format!("{word:?}"), "Secret(\"******\")");
//! assert_eq!(word.expose(), "guest-key-42"); // the one way to read it
//! assert_eq!(word, Secret::new("guest-key-42")); // compared in constant time
//! ```

use std::fmt;
use std::hint::black_box;

/// The text shown wherever a secret would otherwise appear.
pub const MASK: &str = "******";

/// A secret string, such as VideoPort's secret word.
///
/// - `Debug` prints `Secret("******")`, whatever the value;
/// - there is no `Display` and no plain `Serialize`/`Deserialize`: reading
///   the value takes an explicit [`Secret::expose`], serializing it takes
///   `#[serde(with = "module_settings::secret::exposed")]`;
/// - `==` compares every byte without an early exit, so the time taken does
///   not say where two secrets of equal length differ (their lengths can
///   still be told apart);
/// - the bytes, including spare capacity, are overwritten with zeros when the
///   value is dropped, so a freed secret does not linger on the heap.
///
/// Copies made *outside* this type (the `String` a caller passed in before
/// it moved here, or raw records holding the stored form) are not covered.
///
/// ```
/// use module_settings::secret::Secret;
/// let a = Secret::new(String::from("s3cret"));
/// assert!(!format!("{a:?}").contains("s3cret"));
/// assert_eq!(a.expose(), "s3cret");
/// assert_eq!(a.char_count(), 6);
/// ```
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value. The string is moved in, not copied.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plain value. Call it only where the secret is really needed (to
    /// talk to the server, or to store it).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of characters (not bytes) in the secret.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Secret").field(&MASK).finish()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Secret {}

/// Compares two byte strings without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimiser from turning the fold into an early exit.
    black_box(diff) == 0
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        // Filling up to the capacity also clears bytes left over from a
        // longer value the buffer once held; it never reallocates.
        let capacity = bytes.capacity();
        bytes.clear();
        bytes.resize(capacity, 0);
        // Without this the compiler may drop the writes to memory about to be freed.
        black_box(&mut bytes);
    }
}

/// Serde helpers that write and read a [`Secret`] as a plain string — for
/// callers who really mean to put the secret into serialized output.
///
/// ```
/// use module_settings::secret::Secret;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Credentials {
///     #[serde(with = "module_settings::secret::exposed")]
///     key: Secret,
/// }
///
/// let json = serde_json::to_string(&Credentials { key: Secret::new("k") })?;
/// assert_eq!(json, r#"{"key":"k"}"#);
/// let back: Credentials = serde_json::from_str(&json)?;
/// assert_eq!(back.key.expose(), "k");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub mod exposed {
    use super::Secret;

    /// Writes the secret's plain value.
    pub fn serialize<S: serde::Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose())
    }

    /// Reads a plain string into a secret.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        <String as serde::Deserialize>::deserialize(d).map(Secret::new)
    }
}

/// Like [`exposed`], for an `Option<Secret>` (`None` is written as `null`).
///
/// ```
/// use module_settings::secret::Secret;
///
/// #[derive(serde::Serialize)]
/// struct Form {
///     #[serde(with = "module_settings::secret::exposed_option")]
///     key: Option<Secret>,
/// }
/// assert_eq!(serde_json::to_string(&Form { key: None })?, r#"{"key":null}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub mod exposed_option {
    use super::Secret;

    /// Writes the secret's plain value, or none.
    pub fn serialize<S: serde::Serializer>(
        secret: &Option<Secret>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match secret {
            Some(secret) => s.serialize_some(secret.expose()),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional plain string into a secret.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        <Option<String> as serde::Deserialize>::deserialize(d).map(|v| v.map(Secret::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_looks_at_every_byte() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"xbc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(\"******\")");
        assert_eq!(format!("{s:#?}").matches("hunter2").count(), 0);
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(\"******\"))");
    }

    #[test]
    fn clone_and_default() {
        let s = Secret::new("x");
        assert_eq!(s.clone(), s);
        assert!(Secret::default().is_empty());
        assert_eq!(Secret::new("пароль").char_count(), 6);
    }
}
