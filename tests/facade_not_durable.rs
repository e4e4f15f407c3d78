//! A commit the store made but could not confirm on disk
//! (`StoreError::NotDurable`) is a committed write for the facade: the
//! cache shows it, one event is sent, and the caller still gets the error.

use std::io;

use module_settings::modules::VideoPort;
use module_settings::settings::{Actor, Settings, SettingsError};
use module_settings::store::Precondition;
use module_settings::store::{Change, Revision, Snapshot};
use module_settings::{GroupId, MemoryStore, ModuleId, Scope, Store, StoreError};

/// Commits through to memory, then reports the flush as unconfirmed.
#[derive(Debug, Default)]
struct UnconfirmedDisk(MemoryStore);

impl Store for UnconfirmedDisk {
    fn load(&self, module: &ModuleId) -> Result<Snapshot, StoreError> {
        self.0.load(module)
    }
    fn revision(&self, module: &ModuleId) -> Result<Revision, StoreError> {
        self.0.revision(module)
    }
    fn commit_guarded(
        &self,
        module: &ModuleId,
        expected: Revision,
        changes: &[Change],
        preconditions: &[Precondition],
    ) -> Result<Revision, StoreError> {
        let revision = self
            .0
            .commit_guarded(module, expected, changes, preconditions)?;
        Err(StoreError::NotDurable {
            module: *module,
            revision,
            source: std::sync::Arc::new(io::Error::other("flush failed")),
        })
    }
    fn modules(&self) -> Result<Vec<ModuleId>, StoreError> {
        self.0.modules()
    }
}

#[test]
fn a_commit_not_confirmed_on_disk_is_still_seen_announced_and_reported() {
    let settings = Settings::new(UnconfirmedDisk::default());
    let events = settings.subscribe();
    let admin = Actor::new([GroupId::ADMINISTRATORS]);

    let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
    form.value_mut().server_host = Some(url::Host::parse("video.example.com").unwrap());
    let err = settings.save(&admin, form).unwrap_err();

    match &err {
        SettingsError::Store(store) => {
            assert!(matches!(**store, StoreError::NotDurable { .. }), "{store}")
        }
        other => panic!("expected the store's NotDurable, got {other}"),
    }
    // The write happened: the cache shows it at once, and exactly one event
    // tells subscribers.
    let video = settings.options::<VideoPort>(Scope::Common).unwrap();
    assert!(video.is_ready());
    assert_eq!(events.try_iter().count(), 1);
    assert_eq!(
        settings
            .store()
            .0
            .load(&<VideoPort as module_settings::ModuleOptions>::MODULE)
            .unwrap()
            .revision,
        Revision::new(1)
    );
}
