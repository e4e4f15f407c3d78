//! The JSON form of one module's file, and reading it back strictly: every
//! entry that is not exactly what [`encode`] writes is reported as
//! [`StoreError::Corrupt`], never skipped.
//!
//! ```json
//! {
//!   "format": 1,
//!   "module": "video",
//!   "revision": 3,
//!   "options": { "common": { "ServerHost": "video.example.com" }, "s1": { "ServerPort": "8080" } },
//!   "defaults": { "common": "R" },
//!   "grants": { "common": { "5": "W" }, "s1": { "6": "R" } }
//! }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::MapAccess;
use serde::Serialize;
use serde_json::Value;

use super::error::FileError;
use super::strict::{self, Checked, Entries, Key, Part, Read, Refusal};
use crate::access::AccessLevel;
use crate::ids::{GroupId, ModuleId, OptionName, Scope};
use crate::store::{Change, ModuleRecords, Revision, Snapshot, StoreError};

/// The version of the layout above; a file with another one is refused.
const FORMAT: u64 = 1;

const TOP_KEYS: &str = "format, module, revision, options, defaults and grants";

/// The file as written: fields in reading order, maps sorted.
#[derive(Serialize)]
struct Document<'a> {
    format: u64,
    module: &'a ModuleId,
    revision: Revision,
    options: BTreeMap<Scope, BTreeMap<&'a str, &'a str>>,
    defaults: BTreeMap<Scope, AccessLevel>,
    grants: BTreeMap<Scope, BTreeMap<GroupId, AccessLevel>>,
}

/// Pretty JSON for `module` at `snapshot`, ending with a newline.
pub(super) fn encode(module: &ModuleId, snapshot: &Snapshot) -> Result<Vec<u8>, FileError> {
    let records = &snapshot.records;
    let mut options: BTreeMap<Scope, BTreeMap<&str, &str>> = BTreeMap::new();
    for (scope, name, value) in records.all_options() {
        options
            .entry(scope)
            .or_default()
            .insert(name.as_str(), value);
    }
    let mut grants: BTreeMap<Scope, BTreeMap<GroupId, AccessLevel>> = BTreeMap::new();
    for (scope, group, level) in records.grants() {
        grants.entry(scope).or_default().insert(group, level);
    }
    let document = Document {
        format: FORMAT,
        module,
        revision: snapshot.revision,
        options,
        defaults: records.defaults().collect(),
        grants,
    };
    let mut bytes = serde_json::to_vec_pretty(&document).map_err(|source| FileError::Encode {
        module: *module,
        source,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads a module file back, checking every entry.
pub(super) fn decode(module: &ModuleId, file: &Path, bytes: &[u8]) -> Result<Snapshot, StoreError> {
    let Checked(read) = serde_json::from_slice::<Checked<Layout>>(bytes).map_err(|err| {
        // serde_json's syntax messages give a position, never file content.
        StoreError::corrupt_described(
            Some(*module),
            file.display().to_string(),
            format!("text that is not a module file ({err})"),
            format!("the file holds one JSON object with {TOP_KEYS}"),
        )
    })?;
    read.and_then(|layout| layout.into_snapshot(module))
        .map_err(|refusal| refusal.into_error(module, file))
}

/// The file as read: [`Document`]'s entries, each at most once.
#[derive(Default)]
struct Layout {
    format: Option<u64>,
    module: Option<String>,
    revision: Option<u64>,
    options: Option<Entries<Scope, Entries<OptionName, String>>>,
    defaults: Option<Entries<Scope, AccessLevel>>,
    grants: Option<Entries<Scope, Entries<GroupId, AccessLevel>>>,
}

impl Part for Layout {
    fn from_json(value: Value) -> Read<Self> {
        let holds = format!("the file holds one JSON object with {TOP_KEYS}");
        Err(Refusal::kind_of(&value, holds))
    }

    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Read<Self>, A::Error> {
        let rule = &format!("a module file holds only {TOP_KEYS}, each once");
        let mut layout = Layout::default();
        while let Some(key) = map.next_key::<String>()? {
            let read = match key.as_str() {
                "format" => strict::entry(&mut map, &key, &mut layout.format, rule)?,
                "module" => strict::entry(&mut map, &key, &mut layout.module, rule)?,
                "revision" => strict::entry(&mut map, &key, &mut layout.revision, rule)?,
                "options" => strict::entry(&mut map, &key, &mut layout.options, rule)?,
                "defaults" => strict::entry(&mut map, &key, &mut layout.defaults, rule)?,
                "grants" => strict::entry(&mut map, &key, &mut layout.grants, rule)?,
                _ => return strict::refuse(map, Refusal::text(&key, rule), true),
            };
            if let Err(refusal) = read {
                return strict::refuse(map, refusal, false);
            }
        }
        Ok(Ok(layout))
    }
}

impl Layout {
    fn into_snapshot(self, module: &ModuleId) -> Read<Snapshot> {
        let required =
            |key: &str| Refusal::described("no entry", format!("the entry \"{key}\" is required"));
        let format = self.format.ok_or_else(|| required("format"))?;
        let named = self.module.ok_or_else(|| required("module"))?;
        let revision = Revision::new(self.revision.ok_or_else(|| required("revision"))?);
        if format != FORMAT {
            let rule = format!("this version of module-settings reads format {FORMAT} only");
            return Err(Refusal::text(&format.to_string(), rule).inside("format"));
        }
        if named != module.as_str() {
            let rule = format!("the file of module {module} must name that module");
            return Err(Refusal::text(&named, rule).inside("module"));
        }
        let mut records = ModuleRecords::new();
        for (scope, options) in self.options.unwrap_or_default().0 {
            for (name, value) in options.0 {
                records.apply(&Change::SetOption { scope, name, value });
            }
        }
        for (scope, level) in self.defaults.unwrap_or_default().0 {
            records.apply(&Change::SetDefault { scope, level });
        }
        for (scope, grants) in self.grants.unwrap_or_default().0 {
            for (group, level) in grants.0 {
                records.apply(&Change::SetGrant {
                    scope,
                    group,
                    level,
                });
            }
        }
        Ok(Snapshot::new(revision, records))
    }
}

/// The format and the revision.
impl Part for u64 {
    fn from_json(value: Value) -> Read<Self> {
        match value {
            Value::Number(n) => n.as_u64().ok_or_else(|| {
                Refusal::text(&n.to_string(), "this entry is a whole number from 0")
            }),
            other => Err(Refusal::kind_of(&other, "this entry is a JSON number")),
        }
    }
}

/// A module name or an option value. An option value that is not a string
/// is described, never shown: it may be a secret.
impl Part for String {
    fn from_json(value: Value) -> Read<Self> {
        match value {
            Value::String(text) => Ok(text),
            other => Err(Refusal::kind_of(&other, "this entry is a JSON string")),
        }
    }
}

impl Part for AccessLevel {
    fn from_json(value: Value) -> Read<Self> {
        let text = String::from_json(value)?;
        text.parse()
            .map_err(|_| Refusal::text(&text, "an access level is one of the letters D, M, R, W"))
    }
}

impl Key for Scope {
    const NOUN: &'static str = "scope";
    const SPELLING: &'static str = "a scope is written as `common` or a site id in lower case";
}

impl Key for OptionName {
    const NOUN: &'static str = "option name";
    const SPELLING: &'static str = "an option name is written as declared";
}

impl Key for GroupId {
    const NOUN: &'static str = "group id";
    const SPELLING: &'static str = "a group id is written in plain decimal";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;

    const VIDEO: ModuleId = ModuleId::from_static("video");

    fn decode_str(text: &str) -> Result<Snapshot, StoreError> {
        decode(&VIDEO, Path::new("video.json"), text.as_bytes())
    }

    #[track_caller]
    fn corrupt(text: &str, record: &str, value: &str) -> String {
        match decode_str(text) {
            Err(StoreError::Corrupt {
                module,
                record: r,
                value: v,
                reason,
            }) => {
                assert_eq!(module, Some(VIDEO));
                assert_eq!((r.as_str(), v.as_str()), (record, value), "{reason}");
                reason
            }
            other => panic!("expected Corrupt for {text}, got {other:?}"),
        }
    }

    fn sample() -> Snapshot {
        let s1 = Scope::Site(SiteId::from_static("s1"));
        let mut records = ModuleRecords::new();
        records.apply_all(&[
            Change::SetOption {
                scope: Scope::Common,
                name: OptionName::from_static("ServerHost"),
                value: "video.example.com".into(),
            },
            Change::SetOption {
                scope: s1,
                name: OptionName::from_static("Имя \"x\""),
                value: "значение\n".into(),
            },
            Change::SetDefault {
                scope: Scope::Common,
                level: AccessLevel::R,
            },
            Change::SetGrant {
                scope: s1,
                group: GroupId::from_static(10),
                level: AccessLevel::W,
            },
            Change::SetGrant {
                scope: s1,
                group: GroupId::from_static(9),
                level: AccessLevel::D,
            },
        ]);
        Snapshot::new(Revision::new(3), records)
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let snapshot = sample();
        let bytes = encode(&VIDEO, &snapshot).unwrap();
        assert_eq!(
            decode(&VIDEO, Path::new("video.json"), &bytes).unwrap(),
            snapshot
        );
    }

    #[test]
    fn encoding_is_pretty_and_ordered_for_people() {
        let text = String::from_utf8(encode(&VIDEO, &sample()).unwrap()).unwrap();
        let expected = r#"{
  "format": 1,
  "module": "video",
  "revision": 3,
  "options": {
    "common": {
      "ServerHost": "video.example.com"
    },
    "s1": {
      "Имя \"x\"": "значение\n"
    }
  },
  "defaults": {
    "common": "R"
  },
  "grants": {
    "s1": {
      "9": "D",
      "10": "W"
    }
  }
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn missing_sections_are_empty() {
        let snapshot = decode_str(r#"{"format":1,"module":"video","revision":0}"#).unwrap();
        assert_eq!(snapshot, Snapshot::default());
    }

    #[test]
    fn every_kind_of_damage_is_reported_where_it_is() {
        let head = r#""format":1,"module":"video","revision":2"#;
        corrupt(
            "",
            "video.json",
            "text that is not a module file (EOF while parsing a value at line 1 column 0)",
        );
        corrupt("[]", "video.json", "a JSON array");
        corrupt(
            r#"{"format":2,"module":"video","revision":1}"#,
            "video.json at /format",
            "\"2\"",
        );
        corrupt(
            r#"{"format":1,"module":"audio","revision":1}"#,
            "video.json at /module",
            "\"audio\"",
        );
        corrupt(
            r#"{"format":1,"module":"video","revision":-1}"#,
            "video.json at /revision",
            "\"-1\"",
        );
        corrupt(r#"{"format":1,"module":"video"}"#, "video.json", "no entry");
        corrupt(
            &format!(r#"{{{head},"extra":1}}"#),
            "video.json",
            "\"extra\"",
        );
        corrupt(
            &format!(r#"{{{head},"revision":3}}"#),
            "video.json",
            "\"revision\"",
        );
        corrupt(
            &format!(r#"{{{head},"options":{{"s 1":{{}}}}}}"#),
            "video.json at /options",
            "\"s 1\"",
        );
        corrupt(
            &format!(r#"{{{head},"options":{{"common":{{"":"x"}}}}}}"#),
            "video.json at /options/common",
            "\"\"",
        );
        corrupt(
            &format!(r#"{{{head},"options":{{"common":{{"GROUP_DEFAULT_RIGHT":"R"}}}}}}"#),
            "video.json at /options/common",
            "\"GROUP_DEFAULT_RIGHT\"",
        );
        corrupt(
            &format!(r#"{{{head},"options":{{"common":{{"a":"x","a":"y"}}}}}}"#),
            "video.json at /options/common",
            "\"a\"",
        );
        corrupt(
            &format!(r#"{{{head},"defaults":{{"common":"X"}}}}"#),
            "video.json at /defaults/common",
            "\"X\"",
        );
        corrupt(
            &format!(r#"{{{head},"defaults":{{"common":"r"}}}}"#),
            "video.json at /defaults/common",
            "\"r\"",
        );
        corrupt(
            &format!(r#"{{{head},"grants":{{"common":{{"0":"R"}}}}}}"#),
            "video.json at /grants/common",
            "\"0\"",
        );
        corrupt(
            &format!(r#"{{{head},"grants":{{"common":{{"-5":"R"}}}}}}"#),
            "video.json at /grants/common",
            "\"-5\"",
        );
        corrupt(
            &format!(r#"{{{head},"grants":{{"common":{{"5":"RW"}}}}}}"#),
            "video.json at /grants/common/5",
            "\"RW\"",
        );
        corrupt(
            &format!(r#"{{{head},"grants":{{"common":["5"]}}}}"#),
            "video.json at /grants/common",
            "a JSON array",
        );
        // One group, two spellings: the later entry would silently win.
        corrupt(
            &format!(r#"{{{head},"grants":{{"common":{{"5":"W","05":"D"}}}}}}"#),
            "video.json at /grants/common",
            "\"05\"",
        );
        corrupt(
            &format!(r#"{{{head},"grants":{{"s1":{{"0012":"W"}}}}}}"#),
            "video.json at /grants/s1",
            "\"0012\"",
        );
    }

    #[test]
    fn every_key_is_written_once_in_its_one_spelling() {
        let head = r#""format":1,"module":"video","revision":2"#;
        for (body, record, value) in [
            // A site id in another case is the same site: one of the two
            // entries would silently win.
            (
                r#""options":{"S1":{"a":"x"}}"#,
                "video.json at /options",
                "\"S1\"",
            ),
            (
                r#""defaults":{"s1":"R","S1":"W"}"#,
                "video.json at /defaults",
                "\"S1\"",
            ),
            (
                r#""grants":{"COMMON":{"5":"W"}}"#,
                "video.json at /grants",
                "\"COMMON\"",
            ),
            (
                r#""grants":{"common":{"+5":"W"}}"#,
                "video.json at /grants/common",
                "\"+5\"",
            ),
            (
                r#""options":{"common":{},"common":{}}"#,
                "video.json at /options",
                "\"common\"",
            ),
            (
                r#""defaults":{"s1":"R","s1":"W"}"#,
                "video.json at /defaults",
                "\"s1\"",
            ),
            (
                r#""grants":{"s1":{"5":"W","5":"D"}}"#,
                "video.json at /grants/s1",
                "\"5\"",
            ),
        ] {
            corrupt(&format!("{{{head},{body}}}"), record, value);
        }
        // The module is named as the store writes it, in lower case.
        corrupt(
            r#"{"format":1,"module":"Video","revision":2}"#,
            "video.json at /module",
            "\"Video\"",
        );
    }

    #[test]
    fn every_entry_has_its_one_kind_of_value() {
        for (body, record, value) in [
            (r#""format":null"#, "video.json at /format", "a JSON null"),
            (r#""format":"1""#, "video.json at /format", "a JSON string"),
            (r#""format":1.0"#, "video.json at /format", "\"1.0\""),
            (r#""module":5"#, "video.json at /module", "a JSON number"),
            (
                r#""revision":"2""#,
                "video.json at /revision",
                "a JSON string",
            ),
            (r#""revision":2.5"#, "video.json at /revision", "\"2.5\""),
            (
                r#""options":true"#,
                "video.json at /options",
                "a JSON boolean",
            ),
            (
                r#""options":{"common":"x"}"#,
                "video.json at /options/common",
                "a JSON string",
            ),
            (
                r#""options":{"common":{"a":{"b":"secret"}}}"#,
                "video.json at /options/common/a",
                "a JSON object",
            ),
            (
                r#""options":{"common":{"a":["secret"]}}"#,
                "video.json at /options/common/a",
                "a JSON array",
            ),
            (
                r#""options":{"common":{"a":null}}"#,
                "video.json at /options/common/a",
                "a JSON null",
            ),
            (
                r#""defaults":{"common":5}"#,
                "video.json at /defaults/common",
                "a JSON number",
            ),
            (
                r#""grants":{"common":{"5":{}}}"#,
                "video.json at /grants/common/5",
                "a JSON object",
            ),
        ] {
            corrupt(&with_head(body), record, value);
        }
    }

    /// A file holding `body` and those of format 1, module video and
    /// revision 2 that `body` does not replace: each key once.
    fn with_head(body: &str) -> String {
        let replaced = &body[..body.find(':').unwrap()];
        let mut entries: Vec<String> = [
            ("\"format\"", "1"),
            ("\"module\"", "\"video\""),
            ("\"revision\"", "2"),
        ]
        .into_iter()
        .filter(|(key, _)| *key != replaced)
        .map(|(key, value)| format!("{key}:{value}"))
        .collect();
        entries.push(body.to_owned());
        format!("{{{}}}", entries.join(","))
    }

    #[test]
    fn broken_json_anywhere_is_reported_before_a_refused_entry() {
        // The first entry is refused, but the file is cut short: that is
        // what is reported, for the whole file.
        corrupt(
            r#"{"format":2,"module":"video","revision":2,"options":{"common":{"a":"x"}"#,
            "video.json",
            "text that is not a module file (EOF while parsing an object at line 1 column 71)",
        );
    }

    #[test]
    fn a_bad_option_value_is_described_not_shown() {
        let text = r#"{"format":1,"module":"video","revision":2,"options":{"common":{"SecretCode":12345678}}}"#;
        let reason = corrupt(
            text,
            "video.json at /options/common/SecretCode",
            "a JSON number",
        );
        let shown = decode_str(text).unwrap_err().to_string();
        assert!(!shown.contains("12345678"), "{shown}");
        assert!(reason.contains("a JSON string"), "{reason}");
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn only_corrupt(result: Result<Snapshot, StoreError>) -> Result<(), TestCaseError> {
            match result {
                Ok(_) => Ok(()),
                Err(StoreError::Corrupt { module, .. }) => {
                    prop_assert_eq!(module, Some(VIDEO));
                    Ok(())
                }
                Err(other) => Err(TestCaseError::fail(format!("not Corrupt: {other}"))),
            }
        }

        proptest! {
            #[test]
            fn arbitrary_text_is_read_or_reported(text in any::<String>()) {
                only_corrupt(decode_str(&text))?;
            }

            #[test]
            fn arbitrary_keys_and_levels_are_read_or_reported(
                scope in any::<String>(),
                key in any::<String>(),
                level in any::<String>(),
            ) {
                let head = r#""format":1,"module":"video","revision":1"#;
                let (scope, key, level) = (
                    serde_json::to_string(&scope).unwrap(),
                    serde_json::to_string(&key).unwrap(),
                    serde_json::to_string(&level).unwrap(),
                );
                for body in [
                    format!(r#"{{{head},"options":{{{scope}:{{{key}:{level}}}}}}}"#),
                    format!(r#"{{{head},"defaults":{{{scope}:{level}}}}}"#),
                    format!(r#"{{{head},"grants":{{{scope}:{{{key}:{level}}}}}}}"#),
                    format!(r#"{{{head},{key}:{level}}}"#),
                ] {
                    only_corrupt(decode_str(&body))?;
                }
            }

            #[test]
            fn any_records_round_trip(
                options in prop::collection::vec(("[a-zA-Zа-я_ .]{1,20}", any::<String>(), 0..3usize), 0..8),
                grants in prop::collection::vec((1..=u32::MAX, 0..4u8, 0..3usize), 0..8),
                revision in any::<u64>(),
            ) {
                let scopes = [Scope::Common, Scope::Site(SiteId::from_static("s1")), Scope::Site(SiteId::from_static("x-2"))];
                let mut records = ModuleRecords::new();
                for (name, value, s) in options {
                    if let Ok(name) = OptionName::new(&name) {
                        records.apply(&Change::SetOption { scope: scopes[s], name, value });
                    }
                }
                for (group, rank, s) in grants {
                    records.apply(&Change::SetGrant {
                        scope: scopes[s],
                        group: GroupId::new(group).unwrap(),
                        level: AccessLevel::from_rank(rank).unwrap(),
                    });
                }
                let snapshot = Snapshot::new(Revision::new(revision), records);
                let bytes = encode(&VIDEO, &snapshot).unwrap();
                prop_assert_eq!(decode(&VIDEO, Path::new("video.json"), &bytes).unwrap(), snapshot);
            }
        }
    }
}
