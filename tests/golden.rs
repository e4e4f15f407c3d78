//! Golden data: the strings Bitrix's own settings pages store decode to the
//! expected structs and encode back to the same strings
//! (`tests/data/*_golden.json`).

use std::collections::BTreeMap;
use std::num::NonZeroU16;

use module_settings::modules::{B24Connector, ConnectMode, Connection, VideoPort, Windows};
use module_settings::options::{ModuleOptions, RawOptions};
use module_settings::OptionName;
use serde_json::Value as Json;

fn load(file: &str) -> Json {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn raw(json: &Json) -> RawOptions {
    json.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (OptionName::new(k).unwrap(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn cases<'a>(golden: &'a Json, key: &str) -> &'a Vec<Json> {
    golden[key].as_array().unwrap()
}

fn expected_videoport(json: &Json) -> VideoPort {
    let windows = json["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| Windows::from_name(w.as_str().unwrap()).unwrap())
        .fold(Windows::empty(), |all, w| all | w);
    VideoPort {
        server_host: json["server_host"]
            .as_str()
            .map(|h| url::Host::parse(h).unwrap()),
        server_port: json["server_port"]
            .as_u64()
            .map(|p| NonZeroU16::new(u16::try_from(p).unwrap()).unwrap()),
        secret_code: json["secret_code"]
            .as_str()
            .map(module_settings::Secret::new),
        windows,
        allow_invite: json["allow_invite"].as_bool().unwrap(),
    }
}

fn expected_b24(json: &Json) -> B24Connector {
    let mut b24 = B24Connector::default();
    if !json.is_null() {
        let mode = match json["mode"].as_str().unwrap() {
            "new" => ConnectMode::New,
            _ => ConnectMode::Existing,
        };
        let portal = json["portal"].as_str().unwrap().parse().unwrap();
        b24.connect(portal, mode, json["at"].as_u64().unwrap())
            .unwrap();
    }
    b24
}

/// Decodes every valid case, compares, and checks the written-back form.
#[track_caller]
fn check_valid<T: ModuleOptions + PartialEq + std::fmt::Debug>(
    file: &str,
    expected: impl Fn(&Json) -> T,
) {
    let golden = load(file);
    assert_eq!(golden["module"], T::MODULE.as_str());
    let all = cases(&golden, "cases");
    assert!(!all.is_empty());
    for case in all {
        let name = case["name"].as_str().unwrap();
        let stored = raw(&case["stored"]);
        let decoded = T::decode(&stored).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded, expected(&case["expect"]), "{name}");
        let written = match case.get("encodes_to") {
            Some(canonical) => raw(canonical),
            None => stored.clone(),
        };
        assert_eq!(decoded.encode(), written, "{name}");
        assert_eq!(T::decode(&written).unwrap(), decoded, "{name}");
    }
}

/// Every invalid case reports exactly the listed options with the listed
/// (masked) values.
#[track_caller]
fn check_invalid<T: ModuleOptions + std::fmt::Debug>(file: &str) {
    let golden = load(file);
    for case in cases(&golden, "invalid") {
        let name = case["name"].as_str().unwrap();
        let errors = T::decode(&raw(&case["stored"])).unwrap_err();
        let got: BTreeMap<&str, &str> = errors
            .iter()
            .map(|e| (e.option().as_str(), e.value().unwrap_or_default()))
            .collect();
        let want: BTreeMap<&str, &str> = case["errors"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn videoport_golden_values_decode_and_encode_back() {
    check_valid::<VideoPort>("videoport_golden.json", expected_videoport);
}

#[test]
fn videoport_golden_errors() {
    check_invalid::<VideoPort>("videoport_golden.json");
}

#[test]
fn b24connector_golden_values_decode_and_encode_back() {
    check_valid::<B24Connector>("b24connector_golden.json", expected_b24);
}

#[test]
fn b24connector_golden_errors() {
    check_invalid::<B24Connector>("b24connector_golden.json");
}

#[test]
fn golden_connected_case_is_connected() {
    let golden = load("b24connector_golden.json");
    let case = &cases(&golden, "cases")[2];
    let b24 = B24Connector::decode(&raw(&case["stored"])).unwrap();
    assert!(matches!(
        b24.connection(),
        Connection::Connected {
            mode: ConnectMode::Existing,
            at: 1_700_000_000,
            ..
        }
    ));
}
