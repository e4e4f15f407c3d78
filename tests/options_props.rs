//! Property tests: every kind and both seed modules round-trip, no decoder
//! panics on any string, validation reports one error per bad field, and
//! the scope-merging laws hold.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU16;

use module_settings::modules::{B24Connector, ConnectMode, Portal, VideoPort, Windows};
use module_settings::options::{
    apply_patch, codec, plan_save, reset_patch, ModuleOptions, ModuleSchema, OptionKind,
    RawOptions, ScopeLayers, Source,
};
use module_settings::{OptionName, Secret};
use proptest::prelude::*;
use url::{Host, Url};

// ---------- strategies ----------

fn domain() -> impl Strategy<Value = Host> {
    "[a-z][a-z0-9]{0,10}(\\.[a-z][a-z0-9]{0,8}){0,3}"
        .prop_filter_map("a valid domain", |d| Host::parse(&d).ok())
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        domain(),
        any::<[u8; 4]>().prop_map(|o| Host::Ipv4(Ipv4Addr::from(o))),
        any::<[u16; 8]>().prop_map(|s| Host::Ipv6(Ipv6Addr::from(s))),
    ]
}

fn port() -> impl Strategy<Value = NonZeroU16> {
    (1u16..=u16::MAX).prop_filter_map("non-zero", NonZeroU16::new)
}

fn secret() -> impl Strategy<Value = Secret> {
    "(?s).{1,255}".prop_map(Secret::new)
}

fn videoport() -> impl Strategy<Value = VideoPort> {
    (
        proptest::option::of(host()),
        proptest::option::of(port()),
        proptest::option::of(secret()),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(
            |(server_host, server_port, secret_code, bits, allow_invite)| VideoPort {
                server_host,
                server_port,
                secret_code,
                windows: Windows::from_bits_truncate(bits),
                allow_invite,
            },
        )
}

fn portal() -> impl Strategy<Value = Portal> {
    (host(), proptest::option::of(port())).prop_filter_map("a portal", |(host, port)| {
        let text = match port {
            Some(port) => format!("https://{host}:{port}"),
            None => format!("https://{host}"),
        };
        Portal::parse(&text).ok()
    })
}

fn b24() -> impl Strategy<Value = B24Connector> {
    proptest::option::of((portal(), any::<bool>(), 0..=i64::MAX as u64)).prop_map(|state| {
        let mut b24 = B24Connector::default();
        if let Some((portal, new, at)) = state {
            let mode = if new {
                ConnectMode::New
            } else {
                ConnectMode::Existing
            };
            b24.connect(portal, mode, at).unwrap();
        }
        b24
    })
}

/// Raw records over a few names and values, so layers overlap and values
/// collide often.
fn layer() -> impl Strategy<Value = RawOptions> {
    proptest::collection::btree_map(
        prop_oneof![Just("a"), Just("b"), Just("c"), Just("d")]
            .prop_map(|n| OptionName::new(n).unwrap()),
        prop_oneof![
            Just(String::new()),
            Just("1".to_owned()),
            Just("2".to_owned())
        ],
        0..4,
    )
    .prop_map(RawOptions::from_iter)
}

/// Arbitrary records: the module's own names or any, with any text.
///
/// Any name is made valid rather than filtered for: 1–20 characters
/// without control characters (what `OptionName` takes), the reserved
/// name excepted.
fn any_records(names: &'static [&'static str]) -> impl Strategy<Value = RawOptions> {
    proptest::collection::btree_map(
        prop_oneof![
            proptest::sample::select(names).prop_map(str::to_owned),
            "[^\\p{Cc}]{1,20}",
        ]
        .prop_map(|n| {
            OptionName::new(&n).unwrap_or_else(|err| {
                assert!(
                    n.eq_ignore_ascii_case("GROUP_DEFAULT_RIGHT"),
                    "{n:?}: {err}"
                );
                OptionName::from_static("reserved")
            })
        }),
        prop_oneof!["(?s).{0,40}", any::<String>()],
        0..12,
    )
    .prop_map(RawOptions::from_iter)
}

const VIDEO_NAMES: &[&str] = &[
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
];

const B24_NAMES: &[&str] = &["portal_url", "connect_mode", "connected_at"];

// ---------- round trips of every kind ----------

proptest! {
    #[test]
    fn bool_round_trips(b in any::<bool>()) {
        prop_assert_eq!(codec::decode_bool(codec::encode_bool(b)), Ok(b));
    }

    #[test]
    fn integer_round_trips((min, max, n) in (any::<i64>(), any::<i64>())
        .prop_map(|(a, b)| (a.min(b), a.max(b)))
        .prop_flat_map(|(min, max)| (Just(min), Just(max), min..=max)),
        optional in any::<bool>())
    {
        let text = codec::encode_integer(Some(n));
        prop_assert_eq!(codec::decode_integer(&text, min, max, optional), Ok(Some(n)));
        prop_assert_eq!(codec::decode_integer(&codec::encode_integer(None), min, max, true), Ok(None));
    }

    #[test]
    fn host_round_trips(h in host()) {
        prop_assert_eq!(codec::decode_host(&codec::encode_host(&h)), Ok(Some(h)));
    }

    #[test]
    fn url_round_trips(h in host(), path in "(/[a-z0-9]{1,5}){0,3}", query in proptest::option::of("[a-z]=[0-9]")) {
        let text = format!("http://{h}{path}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
        let url = Url::parse(&text).unwrap();
        prop_assert_eq!(codec::decode_url(&codec::encode_url(&url)), Ok(Some(url)));
    }

    #[test]
    fn https_origin_round_trips(p in portal()) {
        let text = codec::encode_https_origin(p.url());
        prop_assert_eq!(codec::decode_https_origin(&text), Ok(Some(p.url().clone())));
        prop_assert_eq!(p.to_string().parse::<Portal>().unwrap(), p);
    }

    #[test]
    fn text_round_trips(text in "(?s).{0,50}") {
        prop_assert_eq!(codec::decode_text(&text, 50), Ok(text.clone()));
    }

    #[test]
    fn secret_round_trips(s in secret()) {
        let back = codec::decode_secret(s.expose(), 255).unwrap();
        prop_assert_eq!(back, Some(s));
    }

    #[test]
    fn choice_round_trips(i in 0usize..3) {
        const ALLOWED: &[&str] = &["a", "b", "c"];
        prop_assert_eq!(codec::decode_choice(ALLOWED[i], ALLOWED, false), Ok(Some(ALLOWED[i])));
    }

    #[test]
    fn videoport_round_trips(v in videoport()) {
        prop_assert!(v.validate().is_ok());
        let raw = v.encode();
        prop_assert_eq!(raw.len(), VideoPort::OPTIONS.len());
        prop_assert_eq!(VideoPort::decode(&raw), Ok(v));
    }

    #[test]
    fn b24connector_round_trips(b in b24()) {
        prop_assert!(b.validate().is_ok());
        prop_assert_eq!(B24Connector::decode(&b.encode()), Ok(b));
    }
}

// ---------- decoders are total ----------

proptest! {
    #[test]
    fn no_codec_decoder_panics_on_any_string(text in prop_oneof!["(?s).{0,64}", any::<String>()]) {
        let _ = codec::decode_bool(&text);
        let _ = codec::decode_integer(&text, i64::MIN, i64::MAX, true);
        let _ = codec::decode_integer(&text, 1, 65535, false);
        let _ = codec::decode_host(&text);
        let _ = codec::decode_url(&text);
        let _ = codec::decode_https_origin(&text);
        let _ = codec::decode_text(&text, 10);
        let _ = codec::decode_secret(&text, 10);
        let _ = codec::decode_choice(&text, &["a"], true);
        let _ = Portal::parse(&text);
        for kind in [
            OptionKind::Bool,
            OptionKind::Host,
            OptionKind::Url,
            OptionKind::HttpsOrigin,
            OptionKind::Text { max_chars: 3 },
            OptionKind::Secret { max_chars: 3 },
        ] {
            let _ = kind.decode(&text);
        }
    }

    #[test]
    fn host_like_strings_never_panic(text in "[\\[\\]:.0-9a-fA-F%xn-]{0,40}") {
        let _ = codec::decode_host(&text);
        let _ = codec::decode_https_origin(&format!("https://{text}"));
    }

    #[test]
    fn module_decoders_never_panic_and_report_each_field_once(
        video in any_records(VIDEO_NAMES),
        b24 in any_records(B24_NAMES),
    ) {
        for (result, schema) in [
            (VideoPort::decode(&video).err(), ModuleSchema::of::<VideoPort>()),
            (B24Connector::decode(&b24).err(), ModuleSchema::of::<B24Connector>()),
        ] {
            if let Some(errors) = result {
                let names: BTreeSet<&str> = errors.iter().map(|e| e.option().as_str()).collect();
                prop_assert_eq!(names.len(), errors.len());
                for name in names {
                    prop_assert!(schema.option(name).is_some());
                }
            }
        }
        let _ = ModuleSchema::of::<VideoPort>().show(&video);
        let _ = ModuleSchema::of::<VideoPort>().check_submitted(&video);
    }
}

// ---------- bounded input ----------

proptest! {
    /// Any text with more characters than a kind's `max_chars` is refused,
    /// so a front end (or a reader of standard input) may stop there.
    #[test]
    fn text_longer_than_max_chars_is_refused(text in "(?s).{0,40}", front in any::<bool>()) {
        for kind in [
            OptionKind::Bool,
            OptionKind::Host,
            OptionKind::HttpsOrigin,
            OptionKind::Text { max_chars: 3 },
            OptionKind::Secret { max_chars: 255 },
            OptionKind::Choice { allowed: &["new", "existing"], optional: true },
        ] {
            let max = kind.max_chars().expect("a limit");
            let padding = "a".repeat(max + 1);
            let longer = if front { format!("{padding}{text}") } else { format!("{text}{padding}") };
            prop_assert!(kind.decode(&longer).is_err(), "{:?} took {} characters", kind, longer.chars().count());
        }
    }

    /// Whatever the text, a domain that decodes keeps to the limits of DNS.
    #[test]
    fn decoded_domains_keep_to_dns_limits(
        text in "[a-zA-Z0-9я_*.-]{1,300}|([a-z0-9-]{0,70}\\.){1,6}[a-z]{0,5}\\.?"
    ) {
        for host in [
            codec::decode_host(&text).ok().flatten(),
            codec::decode_https_origin(&format!("https://{text}"))
                .ok()
                .flatten()
                .and_then(|url| url.host().map(|h| h.to_owned())),
        ]
        .into_iter()
        .flatten()
        {
            if let Host::Domain(name) = host {
                let name = name.strip_suffix('.').unwrap_or(&name);
                prop_assert!(name.len() <= 253, "{}", name);
                for label in name.split('.') {
                    prop_assert!((1..=63).contains(&label.len()), "{}", name);
                    prop_assert!(!label.starts_with('-') && !label.ends_with('-'), "{}", name);
                }
            }
        }
    }
}

// ---------- one error per bad field, however many ----------

fn field_value(name: &'static str) -> impl Strategy<Value = (&'static str, String, bool)> {
    let (good, bad): (&[&str], &[&str]) = match name {
        "ServerHost" => (
            &["", "video.example.com", "::1", "10.1.2.3"],
            &["http://x", "a b", "x:80", "[::1"],
        ),
        "ServerPort" => (
            &["", "1", "8000", "65535"],
            &["0", "65536", "abc", "-1", " 1", "+2"],
        ),
        "SecretCode" => (&["", "k", "ключ"], &["too long"]),
        _ => (&["Y", "N", ""], &["y", "1", "yes", "true", " Y", "n"]),
    };
    let long_secret = "x".repeat(256);
    prop_oneof![
        proptest::sample::select(good).prop_map(move |v| (name, v.to_owned(), false)),
        proptest::sample::select(bad).prop_map(move |v| {
            let v = if name == "SecretCode" {
                long_secret.clone()
            } else {
                v.to_owned()
            };
            (name, v, true)
        }),
    ]
}

proptest! {
    #[test]
    fn validation_reports_exactly_one_error_per_bad_field(
        fields in VIDEO_NAMES.iter().map(|n| field_value(n)).collect::<Vec<_>>()
    ) {
        let raw: RawOptions = fields
            .iter()
            .map(|(n, v, _)| (OptionName::new(n).unwrap(), v.clone()))
            .collect();
        let bad: Vec<&str> = fields.iter().filter(|f| f.2).map(|f| f.0).collect();
        match VideoPort::decode(&raw) {
            Ok(_) => prop_assert!(bad.is_empty()),
            Err(errors) => {
                let reported: Vec<&str> = errors.iter().map(|e| e.option().as_str()).collect();
                prop_assert_eq!(reported, bad.clone());
                prop_assert_eq!(errors.to_string().lines().count(), bad.len());
                let checked = ModuleSchema::of::<VideoPort>().check(&raw).unwrap_err();
                prop_assert_eq!(checked.len(), bad.len());
            }
        }
    }
}

// ---------- scope merging laws ----------

proptest! {
    #[test]
    fn site_value_wins_then_common_then_default(d in layer(), c in layer(), s in layer()) {
        let merged = ScopeLayers::site(&d, &c, &s).effective();
        let names: BTreeSet<&OptionName> = d.keys().chain(c.keys()).chain(s.keys()).collect();
        prop_assert_eq!(merged.iter().count(), names.len());
        for name in names {
            let (want, source) = if let Some(v) = s.get(name) {
                (v, Source::Site)
            } else if let Some(v) = c.get(name) {
                (v, Source::Common)
            } else {
                (&d[name], Source::Default)
            };
            prop_assert_eq!(merged.value(name.as_str()), Some(want.as_str()));
            prop_assert_eq!(merged.source(name.as_str()), Some(source));
        }
    }

    #[test]
    fn reset_restores_inheritance(d in layer(), c in layer(), mut s in layer(), i in 0usize..4) {
        let name = OptionName::new(["a", "b", "c", "d"][i]).unwrap();
        apply_patch(&mut s, &reset_patch(name.clone()));
        let site = ScopeLayers::site(&d, &c, &s).effective();
        let common = ScopeLayers::common(&d, &c).effective();
        prop_assert_eq!(site.value(name.as_str()), common.value(name.as_str()));
        prop_assert_ne!(site.source(name.as_str()), Some(Source::Site));
    }

    #[test]
    fn minimal_patch_gives_back_the_saved_values(
        d in layer(), c in layer(), s in layer(), new in layer(), in_site in any::<bool>()
    ) {
        let layers = if in_site { ScopeLayers::site(&d, &c, &s) } else { ScopeLayers::common(&d, &c) };
        let before = layers.stored().clone();
        let inherited = layers.inherited();
        let patch = layers.save_patch(&new);
        // No no-op entries.
        for (name, change) in &patch {
            match change {
                Some(v) => prop_assert_ne!(before.get(name), Some(v)),
                None => prop_assert!(before.contains_key(name)),
            }
        }
        let mut after = before.clone();
        apply_patch(&mut after, &patch);
        let again = if in_site { ScopeLayers::site(&d, &c, &after) } else { ScopeLayers::common(&d, &after) };
        let merged = again.effective();
        for (name, value) in &new {
            prop_assert_eq!(merged.value(name.as_str()), Some(value.as_str()));
            // Stored only when it differs from what the scope inherits.
            if let Some(stored) = after.get(name) {
                prop_assert_ne!(inherited.get(name), Some(stored));
            }
        }
        // Options not saved are untouched.
        for (name, value) in &before {
            if !new.contains_key(name) {
                prop_assert_eq!(after.get(name), Some(value));
            }
        }
        prop_assert!(again.save_patch(&new).is_empty());
    }

    #[test]
    fn typed_save_in_a_site_reads_back(common in videoport(), wanted in videoport(), keep_common in any::<bool>()) {
        let defaults = ModuleSchema::of::<VideoPort>().defaults();
        let common = if keep_common { common.encode() } else { RawOptions::new() };
        let site = RawOptions::new();
        let patch = plan_save(&ScopeLayers::site(&defaults, &common, &site), &wanted).unwrap();
        let mut site = site;
        apply_patch(&mut site, &patch);
        let back: VideoPort = ScopeLayers::site(&defaults, &common, &site).decode().unwrap();
        prop_assert_eq!(back, wanted);
    }
}
