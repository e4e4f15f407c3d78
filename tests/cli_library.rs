//! The admin command line as a library: an application registers its own
//! module (declared with the derive) and every command works on it — the
//! module a hard-coded command line answered "unknown module crm" for.

#![cfg(all(feature = "cli", feature = "derive"))]

use module_settings::cli::Cli;
use module_settings::{ModuleOptions, OptionChoice, Secret};

#[derive(Debug, Clone, Copy, PartialEq, OptionChoice)]
enum SyncMode {
    Push,
    Pull,
}

#[derive(Debug, Clone, PartialEq, ModuleOptions)]
#[module(
    id = "crm",
    title(ru = "CRM", en = "CRM"),
    levels(
        D(ru = "закрыт", en = "closed"),
        M(ru = "флаги", en = "flags"),
        R(ru = "чтение", en = "read"),
        W(ru = "запись", en = "write")
    )
)]
struct Crm {
    #[option(name = "ApiUrl", label(ru = "Адрес API", en = "API URL"), https_url)]
    api_url: Option<url::Url>,
    #[option(label(ru = "Токен", en = "Token"), max_chars = 255)]
    token: Option<Secret>,
    #[option(label(ru = "Таймаут", en = "Timeout"), range(1..=300), default = 30)]
    timeout_secs: u16,
    #[option(label(ru = "Синхронизация", en = "Sync"), edit = M)]
    sync_enabled: bool,
    #[option(label(ru = "Режим", en = "Mode"), default = SyncMode::Push)]
    mode: SyncMode,
}

#[test]
fn every_command_works_on_a_module_the_application_registers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    let db = db.to_str().unwrap();
    let cli = Cli::new().register::<Crm>();
    let run = |args: &[&str]| {
        let mut all = vec!["--db", db];
        all.extend_from_slice(args);
        cli.run_args(all)
    };

    let (code, out, _) = run(&["modules"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("crm\n  options: \"CRM / CRM\", 5 of them"),
        "{out}"
    );
    let (code, out, err) = run(&["grant", "crm", "5", "M", "--as", "1"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");

    // An M holder may toggle the flag the module lets M edit, and nothing
    // else.
    let (code, _, err) = run(&["set", "crm", "sync_enabled", "Y", "--as", "5"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let (code, _, err) = run(&["set", "crm", "timeout_secs", "45", "--as", "5"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("timeout_secs"), "{err}");
    let (code, _, err) = run(&[
        "set",
        "crm",
        "ApiUrl",
        "http://crm.example.com/api",
        "--as",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");

    let (code, out, _) = run(&["show", "crm", "--json"]);
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["options"][3]["name"], "sync_enabled");
    assert_eq!(shown["options"][3]["value"], true);
    let (code, out, _) = run(&["audit", "crm"]);
    assert_eq!(code, 0);
    assert!(out.contains("crm: sync_enabled () => (\"Y\")"), "{out}");
}
