//! Quick start: the video module's Access tab, in memory.
//!
//! Builds the rights (default R, a few grants, one site grant), compiles
//! them once, and asks what a few users may do — and why.
//!
//! Run: `cargo run --example quickstart`

use module_settings::{
    AccessLevel, GroupId, ModuleId, ModuleLevels, ModuleRights, ResolveOptions, Scope, SiteId,
};

const EDITORS: GroupId = GroupId::from_const(5);
const GUESTS: GroupId = GroupId::from_const(6);
const S1_MODERATORS: GroupId = GroupId::from_const(7);
const STAFF: GroupId = GroupId::from_const(8);
const S1: SiteId = SiteId::from_static("s1");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The Access tab of the video-conferencing module.
    let video = ModuleId::from_static("video");
    let mut rights = ModuleRights::new(video, ModuleLevels::VIDEO);
    rights.set_default(Scope::Common, AccessLevel::R)?;
    rights.grant(Scope::Common, EDITORS, AccessLevel::W)?;
    rights.grant(Scope::Common, GUESTS, AccessLevel::D)?;
    rights.grant(Scope::Site(S1), S1_MODERATORS, AccessLevel::W)?;

    // The video module has no level M: the Access tab refuses it.
    if let Err(err) = rights.grant(Scope::Common, STAFF, AccessLevel::M) {
        println!("refused: {err}\n");
    }

    println!("Access tab of module {video}:");
    for (scope, level) in rights.defaults() {
        println!("  default in {scope}: {level} ({})", label(&rights, level));
    }
    for grant in rights.grants() {
        println!(
            "  group {} in {}: {} ({})",
            grant.group,
            grant.scope,
            grant.level,
            label(&rights, grant.level)
        );
    }

    // Compile once; every check after this is a few table lookups.
    let compiled = rights.compile(ResolveOptions::new());

    let users: [(&str, Vec<GroupId>); 5] = [
        (
            "administrator",
            vec![GroupId::ADMINISTRATORS, GroupId::EVERYONE],
        ),
        ("editor", vec![GroupId::EVERYONE, EDITORS]),
        ("staff member, no grant", vec![GroupId::EVERYONE, STAFF]),
        // Rule 10: the default is not applied per group. Group 2 has no
        // grant, group 6 has D — so the user gets D, not the default R.
        ("guest (rule 10)", vec![GroupId::EVERYONE, GUESTS]),
        ("moderator of s1", vec![GroupId::EVERYONE, S1_MODERATORS]),
    ];

    println!("\nWho may do what:");
    for (who, groups) in &users {
        for scope in [Scope::Common, Scope::Site(S1)] {
            let decision = compiled.explain(groups, scope);
            let save = if decision.can(AccessLevel::W) {
                "may save settings"
            } else {
                "may not save settings"
            };
            // `Scope` does not pad itself: format it first.
            let place = scope.to_string();
            println!("  {who:<24} in {place:<6} → {decision}; {save}");
        }
    }

    // Checks that guard an action say what was needed and what was held.
    let guest = [GUESTS];
    if let Err(err) = compiled.require(&guest, Scope::Common, AccessLevel::R) {
        println!("\nguest opening the module: {err}");
    }
    Ok(())
}

/// The English label of a level in this module.
fn label(rights: &ModuleRights, level: AccessLevel) -> &'static str {
    rights.levels().label(level).map_or("?", |l| l.en)
}
