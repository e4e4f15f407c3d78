//! Field levels on reads for an actor: `show` leaves out what the actor
//! may not see (not shown as defaults), `schema_for` says what it may see
//! and change, `edit_for` hides it in a typed form — and, for random
//! rights and actors, exactly the options at or below the level held.

mod facade_common;
mod facade_fields;

use facade_common::*;
use facade_fields::*;
use module_settings::access::ModuleLevels;
use module_settings::options::{
    Decoder, Encoder, ModuleOptions, OptionKind, OptionSpec, RawOptions, ShownValue,
    ValidationErrors,
};
use module_settings::settings::{Actor, Settings, SettingsError};
use module_settings::store::Change;
use module_settings::{AccessLevel, GroupId, Label, MemoryStore, ModuleId, Scope, Store};

fn settings() -> Settings<MemoryStore> {
    crm_settings(MemoryStore::new())
}

/// The names `show` gives `actor` in `scope`.
fn shown<S: Store>(settings: &Settings<S>, actor: &Actor, scope: Scope) -> Vec<String> {
    settings
        .show(actor, CRM, scope)
        .unwrap()
        .into_iter()
        .map(|o| o.name.to_string())
        .collect()
}

fn store_by_hand<S: Store>(settings: &Settings<S>, scope: Scope, option: &'static str, text: &str) {
    let now = settings.store().revision(&CRM).unwrap();
    let change = Change::SetOption {
        scope,
        name: name(option),
        value: text.to_owned(),
    };
    settings.store().commit(&CRM, now, &[change]).unwrap();
    settings.reload(CRM).unwrap();
}

#[test]
fn show_leaves_out_what_an_actor_may_not_see() {
    let settings = settings();
    let revision = settings.revision(CRM).unwrap();
    let form: RawOptions = [("timeout", "60"), ("token", "t0ken"), ("motd", "hi")]
        .into_iter()
        .map(|(k, v)| (name(k), v.to_owned()))
        .collect();
    settings
        .save_raw(&admin(), CRM, Scope::Common, &form, revision)
        .unwrap();

    let every: Vec<String> = PAGE.iter().map(|n| n.to_string()).collect();
    for (actor, expected) in [
        (nobody(), vec!["motd"]),
        (m_holder(), vec!["sync", "motd"]),
        (
            r_holder(),
            vec!["api_url", "timeout", "sync", "motd", "state"],
        ),
    ] {
        assert_eq!(shown(&settings, &actor, Scope::Common), expected, "{actor}");
    }
    assert_eq!(shown(&settings, &w_holder(), Scope::Common), every);
    assert_eq!(shown(&settings, &admin(), Scope::Common), every);

    // What is shown is the stored value, secrets only as set.
    let r = settings.show(&r_holder(), CRM, Scope::Common).unwrap();
    let timeout = r.iter().find(|o| o.name == "timeout").unwrap();
    assert_eq!(timeout.value, ShownValue::Integer(60));
    let w = settings.show(&w_holder(), CRM, Scope::Common).unwrap();
    let token = w.iter().find(|o| o.name == "token").unwrap();
    assert_eq!(token.value, ShownValue::Secret { set: true });
}

#[test]
fn a_grant_in_a_site_shows_more_in_that_site() {
    let settings = settings();
    let mut tab = settings.access_tab(CRM_ACCESS).unwrap();
    tab.set_grant(Scope::Site(S1), g(7), AccessLevel::R)
        .unwrap();
    settings.apply_access_tab(&admin(), tab).unwrap();
    let seven = member(7);
    assert_eq!(shown(&settings, &seven, Scope::Common), ["motd"]);
    assert_eq!(shown(&settings, &seven, Scope::Site(S1)).len(), 5);
    let schema = settings.schema_for(&seven, CRM, Scope::Site(S1)).unwrap();
    assert_eq!(schema.held(), AccessLevel::R);
    assert!(schema.editable("timeout"));
}

#[test]
fn schema_for_says_what_each_actor_may_see_and_change() {
    let settings = settings();
    for (actor, held, viewable, editable) in [
        (nobody(), AccessLevel::D, vec!["motd"], vec![]),
        (
            m_holder(),
            AccessLevel::M,
            vec!["sync", "motd"],
            vec!["sync"],
        ),
        (
            r_holder(),
            AccessLevel::R,
            vec!["api_url", "timeout", "sync", "motd", "state"],
            vec!["webhook_key", "timeout", "sync"],
        ),
        (
            w_holder(),
            AccessLevel::W,
            PAGE.to_vec(),
            // Operation-only options are never editable on a form.
            PAGE[..6].to_vec(),
        ),
    ] {
        let schema = settings.schema_for(&actor, CRM, Scope::Common).unwrap();
        assert_eq!(schema.held(), held);
        let names = |keep: fn(&module_settings::settings::OptionAccess) -> bool| {
            schema
                .options()
                .iter()
                .filter(|o| keep(o))
                .map(|o| o.spec().name().as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(|o| o.viewable()), viewable, "{actor}");
        assert_eq!(names(|o| o.editable()), editable, "{actor}");
        assert!(!schema.viewable("no_such_option") && !schema.editable("no_such_option"));
    }
    let schema = settings
        .schema_for(&m_holder(), CRM, Scope::Common)
        .unwrap();
    let json = serde_json::to_value(&schema).unwrap();
    assert_eq!(json["module"], "crm");
    assert_eq!(json["guard"], "crmaccess");
    assert_eq!(json["scope"], "common");
    assert_eq!(json["held"], "M");
    let sync = &json["options"][4];
    assert_eq!(sync["name"], "sync");
    assert_eq!((&sync["view"], &sync["edit"]), (&"M".into(), &"M".into()));
    assert_eq!(
        (&sync["viewable"], &sync["editable"]),
        (&true.into(), &true.into())
    );
    assert_eq!(json["options"][0]["viewable"], false);
    // Reads of an unknown module or site are refused as for writes.
    assert!(matches!(
        settings.schema_for(&admin(), CRM_ACCESS, Scope::Common),
        Err(SettingsError::UnknownModule { .. })
    ));
}

#[test]
fn edit_for_hides_what_an_actor_may_not_see() {
    let settings = settings();
    let revision = settings.revision(CRM).unwrap();
    settings
        .set_option(&admin(), CRM, Scope::Common, "timeout", "60", revision)
        .unwrap();
    for (actor, hidden) in [
        (
            nobody(),
            vec![
                "api_url",
                "token",
                "webhook_key",
                "timeout",
                "sync",
                "state",
            ],
        ),
        (
            m_holder(),
            vec!["api_url", "token", "webhook_key", "timeout", "state"],
        ),
        (r_holder(), vec!["token", "webhook_key"]),
        (w_holder(), vec![]),
        (admin(), vec![]),
    ] {
        let form = settings.edit_for::<Crm>(&actor, Scope::Common).unwrap();
        let names: Vec<&str> = form.hidden().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, hidden, "{actor}");
        let expected = if hidden.contains(&"timeout") { 30 } else { 60 };
        assert_eq!(form.value().timeout, expected, "{actor}");
        assert!(format!("{form:?}").contains("hidden"));
    }
    // The application's own form hides nothing.
    let form = settings.edit::<Crm>(Scope::Common).unwrap();
    assert!(form.hidden().is_empty());
    assert_eq!(form.value().timeout, 60);
}

#[test]
fn a_bad_stored_value_is_reported_only_to_those_who_may_see_it() {
    let settings = settings();
    store_by_hand(&settings, Scope::Common, "api_url", "not a url at all");

    // The M holder does not see api_url: its show is whole.
    assert_eq!(
        shown(&settings, &m_holder(), Scope::Common),
        ["sync", "motd"]
    );
    // The R holder sees it, and its problem with the value.
    let err = settings.show(&r_holder(), CRM, Scope::Common).unwrap_err();
    assert!(err.to_string().contains("not a url at all"), "{err}");

    // A typed form needs the whole scope: refused, without the value for
    // the M holder, with it for the R holder.
    let err = settings
        .edit_for::<Crm>(&m_holder(), Scope::Common)
        .unwrap_err();
    let SettingsError::StoredOptions { errors, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(errors.field("api_url").unwrap().value(), None);
    assert!(!err.to_string().contains("not a url"), "{err}");
    let err = settings
        .edit_for::<Crm>(&r_holder(), Scope::Common)
        .unwrap_err();
    assert!(err.to_string().contains("not a url at all"), "{err}");
}

/// Every (view, edit) pair of levels: option `v{view}e{edit}`, a flag.
macro_rules! grid {
    ($($name:literal $view:ident $edit:ident),* $(,)?) => {
        const GRID: &[OptionSpec] = &[$(
            OptionSpec::new($name, OptionKind::Bool, Label::new($name, $name))
                .with_default("N")
                .with_view(AccessLevel::$view)
                .with_edit(AccessLevel::$edit),
        )*];
    };
}

grid!(
    "vDeD" D D, "vDeM" D M, "vDeR" D R, "vDeW" D W,
    "vMeD" M D, "vMeM" M M, "vMeR" M R, "vMeW" M W,
    "vReD" R D, "vReM" R M, "vReR" R R, "vReW" R W,
    "vWeD" W D, "vWeM" W M, "vWeR" W R, "vWeW" W W,
);

const GRID_MODULE: ModuleId = ModuleId::from_static("grid");

/// Sixteen flags, one per (view, edit) pair; guarded by itself.
#[derive(Debug, Clone, Default, PartialEq)]
struct Grid([bool; 16]);

impl ModuleOptions for Grid {
    const MODULE: ModuleId = GRID_MODULE;
    const TITLE: Label = Label::new("Сетка", "Grid");
    const LEVELS: ModuleLevels = ModuleLevels::B24_CONNECTOR;
    const OPTIONS: &'static [OptionSpec] = GRID;

    fn decode(raw: &RawOptions) -> Result<Self, ValidationErrors> {
        let mut d = Decoder::new(Self::MODULE, raw);
        let mut flags = [false; 16];
        for (flag, spec) in flags.iter_mut().zip(GRID) {
            *flag = d.bool(spec);
        }
        d.finish(Grid(flags))
    }

    fn encode(&self) -> RawOptions {
        let mut e = Encoder::new();
        for (flag, spec) in self.0.iter().zip(GRID) {
            e.bool(spec, *flag);
        }
        e.finish()
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn level() -> impl Strategy<Value = AccessLevel> {
        prop::sample::select(AccessLevel::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// For random rights and actors: `show` lists exactly the options
        /// whose view level the actor holds, `schema_for` agrees, and a
        /// write of any option — valid text or not — is refused for access
        /// exactly when the actor holds less than its edit level.
        #[test]
        fn reads_and_writes_follow_the_level_held(
            default in proptest::option::of(level()),
            grant in proptest::option::of(level()),
            site_grant in proptest::option::of(level()),
            in_group in any::<bool>(),
            administrator in any::<bool>(),
            on_site in any::<bool>(),
            option in 0..16usize,
            text in prop::sample::select(vec!["Y", "N", "", "maybe"]),
        ) {
            let settings = Settings::builder(MemoryStore::new())
                .register::<Grid>()
                .build()
                .unwrap();
            let mut tab = settings.access_tab(GRID_MODULE).unwrap();
            if let Some(level) = default {
                tab.set_default(Scope::Common, level).unwrap();
            }
            if let Some(level) = grant {
                tab.set_grant(Scope::Common, g(5), level).unwrap();
            }
            if let Some(level) = site_grant {
                tab.set_grant(Scope::Site(S1), g(5), level).unwrap();
            }
            settings.apply_access_tab(&admin(), tab).unwrap();

            let mut groups = vec![GroupId::EVERYONE];
            if in_group { groups.push(g(5)); }
            if administrator { groups.push(GroupId::ADMINISTRATORS); }
            let actor = Actor::new(groups);
            let scope = if on_site { Scope::Site(S1) } else { Scope::Common };
            let held = settings.check(GRID_MODULE, &actor, scope).unwrap().level();

            let shown: Vec<String> = settings
                .show(&actor, GRID_MODULE, scope)
                .unwrap()
                .into_iter()
                .map(|o| o.name.to_string())
                .collect();
            let viewable: Vec<String> = GRID
                .iter()
                .filter(|spec| spec.view() <= held)
                .map(|spec| spec.name().to_string())
                .collect();
            prop_assert_eq!(&shown, &viewable);

            let schema = settings.schema_for(&actor, GRID_MODULE, scope).unwrap();
            prop_assert_eq!(schema.held(), held);
            for (access, spec) in schema.options().iter().zip(GRID) {
                prop_assert_eq!(access.viewable(), spec.view() <= held);
                prop_assert_eq!(access.editable(), spec.edit() <= held);
            }
            let form = settings.edit_for::<Grid>(&actor, scope).unwrap();
            prop_assert_eq!(form.hidden().len(), GRID.len() - viewable.len());

            let spec = &GRID[option];
            let revision = settings.revision(GRID_MODULE).unwrap();
            let result = settings.set_option(
                &actor, GRID_MODULE, scope, spec.name().as_str(), text, revision,
            );
            match result {
                Ok(_) => prop_assert!(spec.edit() <= held && text != "maybe"),
                Err(SettingsError::OptionsDenied { options, needed, held: h, .. }) => {
                    prop_assert!(spec.edit() > held);
                    prop_assert_eq!(options, vec![spec.name().clone()]);
                    prop_assert_eq!((needed, h), (spec.edit(), held));
                }
                Err(SettingsError::Invalid(_)) => {
                    prop_assert!(spec.edit() <= held && text == "maybe");
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
