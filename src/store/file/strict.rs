//! Strict reading with serde. JSON that is valid but not allowed is
//! *refused*: the part returns a [`Refusal`] as a value instead of serde's
//! error, which holds only text, so what was found, why it is refused and
//! the path to it reach [`StoreError::Corrupt`] apart. Broken JSON stays
//! serde's error, and wins: after a refusal, the rest is still parsed.

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::str::FromStr;

use serde::de::{Deserialize, Deserializer, IgnoredAny};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::ids::{IdError, ModuleId};
use crate::store::error::quoted;
use crate::store::StoreError;

/// A part as read: its value, or why it was refused.
pub(super) type Read<T> = Result<T, Refusal>;

/// What was found, why it is refused, and the keys leading to it.
#[derive(Debug)]
pub(super) struct Refusal {
    /// Innermost first.
    path: Vec<String>,
    found: String,
    reason: String,
}

impl Refusal {
    /// Refuses stored `text`: shown quoted, escaped and cut.
    pub(super) fn text(text: &str, reason: impl Into<String>) -> Self {
        Refusal::described(quoted(text), reason)
    }

    /// Refuses what is described, not shown (`a JSON number`, `no entry`).
    pub(super) fn described(found: impl Into<String>, reason: impl Into<String>) -> Self {
        let (found, reason) = (found.into(), reason.into());
        Refusal {
            path: Vec::new(),
            found,
            reason,
        }
    }

    /// Refuses `value` by its kind alone (an option's value may be a
    /// secret), for `reason`: what is allowed.
    pub(super) fn kind_of(value: &Value, reason: impl Into<String>) -> Self {
        let kind = match value {
            Value::Null => "a JSON null",
            Value::Bool(_) => "a JSON boolean",
            Value::Number(_) => "a JSON number",
            Value::String(_) => "a JSON string",
            Value::Array(_) => "a JSON array",
            Value::Object(_) => "a JSON object",
        };
        Refusal::described(kind, reason)
    }

    fn id(err: &IdError) -> Self {
        let rule = format!("{}; {}", err.problem(), err.kind().rule());
        Refusal::text(err.value(), rule)
    }

    /// The refusal as seen from the object holding it under `key`.
    pub(super) fn inside(mut self, key: &str) -> Self {
        self.path.push(key.to_owned());
        self
    }

    /// The error for `file`, at `"{file}"` or `"{file} at /grants/common"`.
    pub(super) fn into_error(self, module: &ModuleId, file: &Path) -> StoreError {
        let mut record = file.display().to_string();
        if !self.path.is_empty() {
            record.push_str(" at ");
        }
        for key in self.path.iter().rev() {
            record.push('/');
            record.push_str(key);
        }
        StoreError::corrupt_described(Some(*module), record, self.found, self.reason)
    }
}

/// A part of the file, read strictly from any JSON value.
pub(super) trait Part: Sized {
    /// Reads a value that is not an object. Only its kind is kept of an
    /// array (and of an object, by default): no part is either.
    fn from_json(value: Value) -> Read<Self>;

    /// Reads an object; by default refused like any other kind of value.
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Read<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::from_json(Value::Object(Map::new())))
    }
}

/// Any part, as a `Deserialize` type.
pub(super) struct Checked<T>(pub(super) Read<T>);

impl<'de, T: Part> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PartVisitor(PhantomData)).map(Checked)
    }
}

struct PartVisitor<T>(PhantomData<T>);

/// `visit_*` methods for JSON values that `Value::from` takes.
macro_rules! visit_values {
    ($($visit:ident($ty:ty)),*) => {$(
        fn $visit<E>(self, v: $ty) -> Result<Read<T>, E> {
            Ok(T::from_json(Value::from(v)))
        }
    )*};
}

impl<'de, T: Part> Visitor<'de> for PartVisitor<T> {
    type Value = Read<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read<T>, A::Error> {
        T::from_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read<T>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(T::from_json(Value::Array(Vec::new())))
    }

    fn visit_unit<E>(self) -> Result<Read<T>, E> {
        Ok(T::from_json(Value::Null))
    }

    visit_values!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64)
    );
    visit_values!(visit_str(&str), visit_string(String));
}

/// Reads the value of the key just read into `slot`, which must be empty:
/// a key there twice is refused like an unknown one, by `rule`.
pub(super) fn entry<'de, A: MapAccess<'de>, T: Part>(
    map: &mut A,
    key: &str,
    slot: &mut Option<T>,
    rule: &str,
) -> Result<Read<()>, A::Error> {
    if slot.is_some() {
        map.next_value::<IgnoredAny>()?;
        return Ok(Err(Refusal::text(key, rule)));
    }
    let value = map.next_value::<Checked<T>>()?.0;
    Ok(value
        .map(|value| *slot = Some(value))
        .map_err(|r| r.inside(key)))
}

/// The key of [`Entries`]: an identifier, spelled as its `Display`.
pub(super) trait Key: FromStr<Err = IdError> + fmt::Display {
    /// What one key is (`scope`).
    const NOUN: &'static str;
    /// How a key is spelled, to refuse another spelling.
    const SPELLING: &'static str;
}

/// A JSON object with unique keys, each spelled as `K` writes itself:
/// serde_json keeps the last of two equal keys, and two spellings of one
/// (`"5"`, `"05"`) would both parse — either way, the later would silently
/// win. Both are refused here.
pub(super) struct Entries<K, V>(pub(super) Vec<(K, V)>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<K: Key, V: Part> Part for Entries<K, V> {
    fn from_json(value: Value) -> Read<Self> {
        let holds = format!("this entry is a JSON object with one entry per {}", K::NOUN);
        Err(Refusal::kind_of(&value, holds))
    }

    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Read<Self>, A::Error> {
        let (mut seen, mut entries) = (BTreeSet::new(), Vec::new());
        while let Some(text) = map.next_key::<String>()? {
            let key = match key::<K>(&seen, &text) {
                Ok(key) => key,
                Err(refusal) => return refuse(map, refusal, true),
            };
            match map.next_value::<Checked<V>>()?.0 {
                Ok(value) => entries.push((key, value)),
                Err(refusal) => return refuse(map, refusal.inside(&text), false),
            }
            seen.insert(text);
        }
        Ok(Ok(Entries(entries)))
    }
}

fn key<K: Key>(seen: &BTreeSet<String>, text: &str) -> Read<K> {
    if seen.contains(text) {
        return Err(Refusal::text(text, "each key may appear once in an object"));
    }
    let key: K = text.parse().map_err(|err| Refusal::id(&err))?;
    match key.to_string() {
        written if written == text => Ok(key),
        written => Err(Refusal::text(
            text,
            format!(
                "{} (here \"{written}\"), so that each has exactly one entry",
                K::SPELLING
            ),
        )),
    }
}

/// Reads the rest of `map` (first the value of the last key, if
/// `value_pending`) so broken JSON after a refusal is still found.
pub(super) fn refuse<'de, A: MapAccess<'de>, T>(
    mut map: A,
    refusal: Refusal,
    value_pending: bool,
) -> Result<Read<T>, A::Error> {
    if value_pending {
        map.next_value::<IgnoredAny>()?;
    }
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(Err(refusal))
}
