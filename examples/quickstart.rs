//! Quick start: the `Settings` facade over the in-memory store.
//!
//! An administrator configures VideoPort and the video module's Access tab
//! (default R, editors W, a site grant); then a few users are checked, with
//! the reason for each answer; a user without W tries to save and is
//! refused; and the audit trail shows what happened.
//!
//! Run: `cargo run --example quickstart`

use std::num::NonZeroU16;
use std::sync::Arc;

use module_settings::modules::{VideoPort, Windows};
use module_settings::settings::{Actor, MemoryAuditSink, Settings};
use module_settings::{AccessLevel, GroupId, MemoryStore, ModuleId, Scope, Secret, SiteId, UserId};

const VIDEO: ModuleId = ModuleId::from_static("video");
const EDITORS: GroupId = GroupId::from_static(5);
const GUESTS: GroupId = GroupId::from_static(6);
const S1_MODERATORS: GroupId = GroupId::from_static(7);
const S1: SiteId = SiteId::from_static("s1");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let audit = Arc::new(MemoryAuditSink::new());
    let settings = Settings::builder(MemoryStore::new())
        .audit(audit.clone())
        .build()?;
    let admin = Actor::new([GroupId::ADMINISTRATORS, GroupId::EVERYONE])
        .with_user_id(UserId::from_static(1))
        .with_name("admin");

    // 1. The VideoPort tab, as the administrator.
    let mut form = settings.edit::<VideoPort>(Scope::Common)?;
    let video_port = form.value_mut();
    video_port.server_host = Some(url::Host::parse("video.example.com")?);
    video_port.server_port = NonZeroU16::new(8443);
    video_port.secret_code = Some(Secret::new("guest-key-42"));
    video_port.windows.insert(Windows::CHAT);
    settings.save(&admin, form)?;

    let video_port = settings.options::<VideoPort>(Scope::Common)?;
    println!("VideoPort: server {}", display(video_port.server_url()));
    println!(
        "  (Debug never shows the secret: {:?})\n",
        video_port.secret_code
    );

    // 2. The Access tab of the video module.
    let mut tab = settings.access_tab(VIDEO)?;
    tab.set_default(Scope::Common, AccessLevel::R)?;
    tab.set_grant(Scope::Common, EDITORS, AccessLevel::W)?;
    tab.set_grant(Scope::Common, GUESTS, AccessLevel::D)?;
    tab.set_grant(Scope::Site(S1), S1_MODERATORS, AccessLevel::W)?;
    // The video module has no level M: the tab refuses it.
    if let Err(err) = tab.set_grant(Scope::Common, GroupId::from_static(8), AccessLevel::M) {
        println!("refused on the Access tab: {err}");
    }
    settings.apply_access_tab(&admin, tab)?;

    let tab = settings.access_tab(VIDEO)?;
    println!(
        "\nAccess tab of module {VIDEO} (revision {}):",
        tab.revision()
    );
    let default = tab.default_row();
    println!(
        "  Default: {} ({})",
        display(default.level),
        default.label.map_or("", |l| l.en)
    );
    for row in tab.grant_rows() {
        let label = row.label.map_or("?", |l| l.en);
        println!(
            "  group {} in {}: {} ({label})",
            row.group, row.scope, row.level
        );
    }

    // 3. Who may do what, and why.
    let users: [(&str, Vec<GroupId>); 5] = [
        ("administrator", vec![GroupId::ADMINISTRATORS]),
        ("editor", vec![GroupId::EVERYONE, EDITORS]),
        ("staff, no grant", vec![GroupId::EVERYONE]),
        // The default is not applied per group: group 2 has no grant,
        // group 6 has D — so the user gets D, not the default R.
        ("guest (D grant)", vec![GroupId::EVERYONE, GUESTS]),
        ("moderator of s1", vec![GroupId::EVERYONE, S1_MODERATORS]),
    ];
    println!("\nWho may do what:");
    for (who, groups) in &users {
        for scope in [Scope::Common, Scope::Site(S1)] {
            let decision = settings.check(VIDEO, groups, scope)?;
            let place = scope.to_string();
            println!("  {who:<16} in {place:<6} → {decision}");
        }
    }

    // 4. A user who may only read tries to save: refused, nothing changes.
    let reader = Actor::new([GroupId::EVERYONE]).with_user_id(UserId::from_static(42));
    let mut form = settings.edit::<VideoPort>(Scope::Common)?;
    form.value_mut().server_port = NonZeroU16::new(80);
    if let Err(err) = settings.save(&reader, form) {
        println!("\nuser 42 saving VideoPort: {err}");
    }
    // The moderator of s1 may save s1's settings, not the common ones.
    let moderator =
        Actor::new([GroupId::EVERYONE, S1_MODERATORS]).with_user_id(UserId::from_static(7));
    let mut form = settings.edit::<VideoPort>(Scope::Site(S1))?;
    form.value_mut().server_port = NonZeroU16::new(9443);
    settings.save(&moderator, form)?;
    let s1_port = settings.options::<VideoPort>(Scope::Site(S1))?.server_port;
    println!("user 7 saved s1's port: {}", display(s1_port));

    // 5. The audit trail: one line per changed option or right.
    println!("\nAudit trail:");
    for record in audit.records() {
        println!("  [{}] {}", record.actor(), record.text());
    }
    Ok(())
}

/// An optional value, or "-".
fn display<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
