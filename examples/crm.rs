//! A five-option "crm" module declared once with `#[derive(ModuleOptions)]`:
//! saved through the facade, read back, a refused value, and its schema.
//!
//! Run with `cargo run --example crm --features derive`.

use module_settings::options::{Decoder, FieldProblem};
use module_settings::settings::{Actor, Settings};
use module_settings::{GroupId, MemoryStore, ModuleOptions, OptionChoice, Scope, Secret};

#[derive(Debug, Clone, Copy, PartialEq, OptionChoice)]
enum SyncMode {
    Push,
    Pull,
}

#[derive(Debug, Clone, PartialEq, ModuleOptions)]
#[module(id = "crm", title(ru = "CRM", en = "CRM"), validate = Self::check,
         levels(D(ru = "закрыт", en = "closed"), R(ru = "чтение", en = "read"),
                W(ru = "запись", en = "write")))]
struct Crm {
    #[option(name = "ApiUrl", label(ru = "Адрес API", en = "API URL"), https_url)]
    api_url: Option<url::Url>,
    #[option(label(ru = "Токен", en = "Token"), max_chars = 255)]
    token: Option<Secret>,
    #[option(label(ru = "Таймаут", en = "Timeout"), help(ru = "секунды", en = "seconds"),
             range(1..=300), default = 30)]
    timeout_secs: u16,
    #[option(label(ru = "Синхронизация", en = "Sync"), edit = R)]
    sync_enabled: bool,
    #[option(label(ru = "Режим", en = "Mode"), default = SyncMode::Push)]
    mode: SyncMode,
}

impl Crm {
    fn check(&self, d: &mut Decoder<'_>) {
        // Syncing needs an address to sync with.
        if self.sync_enabled && self.api_url.is_none() && !d.has_error(&Self::API_URL) {
            let other = Self::SYNC_ENABLED.name().clone();
            d.reject(&Self::API_URL, FieldProblem::RequiredBecause { other });
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::builder(MemoryStore::new())
        .register::<Crm>()
        .build()?;
    let admin = Actor::new([GroupId::ADMINISTRATORS]);
    println!("defaults: {:?}", *settings.options::<Crm>(Scope::Common)?);

    let mut form = settings.edit::<Crm>(Scope::Common)?;
    let crm = form.value_mut();
    crm.api_url = Some("https://crm.example.com/rest/v1/".parse()?);
    crm.token = Some(Secret::new("s3cr3t-t0ken"));
    crm.sync_enabled = true;
    crm.mode = SyncMode::Pull;
    settings.save(&admin, form)?;
    let crm = settings.options::<Crm>(Scope::Common)?;
    let url = crm.api_url.as_ref().map(url::Url::as_str);
    // The token shows as `Secret("******")`.
    println!("read back: {url:?} {:?} {:?}", crm.token, crm.mode);

    let mut form = settings.edit::<Crm>(Scope::Common)?;
    form.value_mut().api_url = Some("http://crm.example.com/rest/v1/".parse()?);
    form.value_mut().timeout_secs = 0;
    if let Err(refused) = settings.save(&admin, form) {
        println!("refused: {refused}");
    }

    println!("{}", serde_json::to_string_pretty(&Crm::schema())?);
    Ok(())
}
