//! A parsed JSON document that keeps every object entry, so that a key
//! written twice is seen (and reported) instead of silently dropped.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value. Objects keep their entries in file order, duplicates
/// included.
#[derive(Debug, PartialEq)]
pub(super) enum Node {
    Null,
    Bool,
    Number(serde_json::Number),
    String(String),
    Array,
    Object(Vec<(String, Node)>),
}

impl Node {
    /// The kind of value, for error messages that must not show the value
    /// itself (an option value may be a secret).
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "a JSON null",
            Node::Bool => "a JSON boolean",
            Node::Number(_) => "a JSON number",
            Node::String(_) => "a JSON string",
            Node::Array => "a JSON array",
            Node::Object(_) => "a JSON object",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Bool)
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node, E> {
        // JSON has no NaN or infinity, so this always succeeds for parsed input.
        Ok(serde_json::Number::from_f64(n).map_or(Node::Null, Node::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        // Arrays never belong in a module file; their items are parsed (the
        // syntax must still be valid) and dropped.
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Node::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            entries.push((key, value));
        }
        Ok(Node::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_kept() {
        let node: Node = serde_json::from_str(r#"{"a": 1, "a": "x", "b": [1, {"c": 2}]}"#).unwrap();
        let Node::Object(entries) = node else {
            panic!("not an object")
        };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "a", "b"]);
        assert_eq!(entries[1].1, Node::String("x".into()));
        assert_eq!(entries[2].1, Node::Array);
    }
}
