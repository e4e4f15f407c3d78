//! The registry: which modules the facade knows, as options modules (a
//! [`ModuleOptions`] type, erased), as rights modules (a level list), or
//! both, each with its cache.

pub(crate) mod module_index;

use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::sync::Arc;

use crate::access::ModuleLevels;
use crate::ids::ModuleId;
use crate::options::{ModuleOptions, ModuleSchema, RawOptions, ValidationErrors};
use crate::settings::cache::ModuleCache;
use crate::settings::error::{RegistrationProblem, SettingsError};
use crate::settings::registry::module_index::ModuleIndex;

/// A decoded options value of some registered type.
pub(crate) type AnyOptions = Arc<dyn Any + Send + Sync>;

/// What the facade needs from an options type, without the type.
trait ErasedOptions: Send + Sync {
    fn decode(&self, raw: &RawOptions) -> Result<AnyOptions, ValidationErrors>;
}

struct Typed<T>(PhantomData<fn() -> T>);

impl<T: ModuleOptions> ErasedOptions for Typed<T> {
    fn decode(&self, raw: &RawOptions) -> Result<AnyOptions, ValidationErrors> {
        let value: AnyOptions = Arc::new(T::decode(raw)?);
        Ok(value)
    }
}

/// One registered options type: its schema, its defaults as raw records
/// (the bottom layer of every scope), and its decoder.
pub(crate) struct OptionsCodec {
    type_id: TypeId,
    type_name: &'static str,
    schema: ModuleSchema,
    defaults: RawOptions,
    erased: Box<dyn ErasedOptions>,
}

impl OptionsCodec {
    pub(crate) fn of<T: ModuleOptions>() -> Self {
        let schema = ModuleSchema::of::<T>();
        OptionsCodec {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
            defaults: schema.defaults(),
            schema,
            erased: Box::new(Typed::<T>(PhantomData)),
        }
    }

    pub(crate) fn schema(&self) -> &ModuleSchema {
        &self.schema
    }

    pub(crate) fn defaults(&self) -> &RawOptions {
        &self.defaults
    }

    pub(crate) fn decode(&self, raw: &RawOptions) -> Result<AnyOptions, ValidationErrors> {
        self.erased.decode(raw)
    }

    /// Whether option `name` holds a secret (unknown names count as
    /// secrets: what the schema does not describe is never shown).
    pub(crate) fn is_secret(&self, name: &str) -> bool {
        self.schema
            .option(name)
            .is_none_or(|spec| spec.kind().is_secret())
    }
}

/// What one module is registered as, before the facade is built.
pub(crate) struct ModuleSpec {
    pub(crate) id: ModuleId,
    pub(crate) levels: Option<ModuleLevels>,
    pub(crate) options: Option<OptionsCodec>,
}

/// A registered module with its cache.
pub(crate) struct Entry {
    pub(crate) spec: ModuleSpec,
    pub(crate) cache: ModuleCache,
}

impl Entry {
    pub(crate) fn id(&self) -> ModuleId {
        self.spec.id
    }

    /// The options codec, for an entry found as an options module.
    pub(crate) fn codec(&self) -> Result<&OptionsCodec, SettingsError> {
        self.spec
            .options
            .as_ref()
            .ok_or(SettingsError::UnknownModule {
                module: self.id(),
                role: "as an options module",
            })
    }
}

/// The specs collected by the builder; contradictions are kept and
/// reported by `build`.
#[derive(Default)]
pub(crate) struct Specs {
    specs: Vec<ModuleSpec>,
    problems: Vec<RegistrationProblem>,
}

impl Specs {
    fn spec_mut(&mut self, id: ModuleId) -> &mut ModuleSpec {
        let index = match self.specs.iter().position(|s| s.id == id) {
            Some(index) => index,
            None => {
                self.specs.push(ModuleSpec {
                    id,
                    levels: None,
                    options: None,
                });
                self.specs.len() - 1
            }
        };
        &mut self.specs[index]
    }

    /// Registers `T` as the options of `T::MODULE`, and `T::GUARD` as a
    /// rights module with `T::LEVELS`; keeps every problem of `T`'s
    /// schema.
    pub(crate) fn add_options<T: ModuleOptions>(&mut self) {
        let spec = self.spec_mut(T::MODULE);
        match &spec.options {
            Some(codec) if codec.type_id != TypeId::of::<T>() => {
                let reason = format!(
                    "its options are already the type {}, not {}",
                    codec.type_name,
                    std::any::type_name::<T>()
                );
                self.problems
                    .push(RegistrationProblem::module(T::MODULE, reason));
            }
            Some(_) => {}
            None => {
                let codec = OptionsCodec::of::<T>();
                // A schema with problems would fail later, on every read
                // ("the options stored … are invalid" with nothing stored):
                // `build` refuses it now, with every problem.
                let problems = codec.schema().problems();
                spec.options = Some(codec);
                self.problems
                    .extend(problems.into_iter().map(RegistrationProblem::option));
            }
        }
        self.add_rights(T::GUARD, T::LEVELS);
    }

    /// Registers `module` as a rights module accepting `levels`.
    pub(crate) fn add_rights(&mut self, module: ModuleId, levels: ModuleLevels) {
        let spec = self.spec_mut(module);
        match spec.levels {
            Some(known) if known != levels => {
                let reason = format!(
                    "it is already registered with the levels {}, not {}",
                    known.accepted(),
                    levels.accepted()
                );
                self.problems
                    .push(RegistrationProblem::module(module, reason));
            }
            Some(_) => {}
            None => spec.levels = Some(levels),
        }
    }

    /// The specs, or every contradiction found.
    pub(crate) fn finish(self) -> Result<Vec<ModuleSpec>, SettingsError> {
        if self.problems.is_empty() {
            Ok(self.specs)
        } else {
            Err(SettingsError::Registration {
                problems: self.problems,
            })
        }
    }
}

/// The registered modules, in registration order, found by id in O(1).
pub(crate) struct Registry {
    entries: Box<[Entry]>,
    index: ModuleIndex,
}

impl Registry {
    pub(crate) fn new(entries: Vec<Entry>) -> Self {
        let index = ModuleIndex::new(entries.iter().map(|e| &e.spec.id));
        Registry {
            entries: entries.into_boxed_slice(),
            index,
        }
    }

    #[inline]
    pub(crate) fn find(&self, module: ModuleId) -> Option<&Entry> {
        let position = self.index.find(&module, |position| {
            self.entries.get(position).map(|e| &e.spec.id)
        })?;
        self.entries.get(position)
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry of a rights module.
    #[inline]
    pub(crate) fn rights(&self, module: ModuleId) -> Result<&Entry, SettingsError> {
        match self.find(module) {
            Some(entry) if entry.spec.levels.is_some() => Ok(entry),
            _ => Err(SettingsError::UnknownModule {
                module,
                role: "as a rights module",
            }),
        }
    }

    /// The entry of an options module, whatever its type.
    pub(crate) fn options(&self, module: ModuleId) -> Result<&Entry, SettingsError> {
        match self.find(module) {
            Some(entry) if entry.spec.options.is_some() => Ok(entry),
            _ => Err(SettingsError::UnknownModule {
                module,
                role: "as an options module",
            }),
        }
    }

    /// The entry of `T`'s options module, registered with exactly `T`.
    #[inline]
    pub(crate) fn typed<T: ModuleOptions>(&self) -> Result<&Entry, SettingsError> {
        match self.find(T::MODULE) {
            Some(entry)
                if entry
                    .spec
                    .options
                    .as_ref()
                    .is_some_and(|c| c.type_id == TypeId::of::<T>()) =>
            {
                Ok(entry)
            }
            _ => Err(SettingsError::UnknownModule {
                module: T::MODULE,
                role: "as an options module of this type",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::{B24Connector, VideoPort};

    #[test]
    fn seed_modules_register_options_and_guards() {
        let mut specs = Specs::default();
        specs.add_options::<VideoPort>();
        specs.add_options::<B24Connector>();
        specs.add_options::<VideoPort>(); // twice is harmless
        let specs = specs.finish().unwrap();
        let ids: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["videoport", "video", "b24connector"]);
        assert!(specs[0].options.is_some() && specs[0].levels.is_none());
        assert!(specs[1].options.is_none() && specs[1].levels == Some(ModuleLevels::VIDEO));
        assert!(specs[2].options.is_some() && specs[2].levels.is_some());
    }

    #[test]
    fn contradictions_are_reported() {
        let mut specs = Specs::default();
        specs.add_rights(ModuleId::from_static("video"), ModuleLevels::B24_CONNECTOR);
        specs.add_options::<VideoPort>();
        let err = specs.finish().err().unwrap();
        assert_eq!(
            err.to_string(),
            "module video cannot be registered: it is already registered with the levels \
             D, M, R, W, not D, R, W"
        );
    }

    #[test]
    fn every_contradiction_is_reported() {
        let mut specs = Specs::default();
        specs.add_rights(ModuleId::from_static("video"), ModuleLevels::B24_CONNECTOR);
        specs.add_options::<VideoPort>();
        specs.add_rights(ModuleId::from_static("b24connector"), ModuleLevels::VIDEO);
        specs.add_options::<B24Connector>();
        let Some(SettingsError::Registration { problems }) = specs.finish().err() else {
            panic!("expected a registration error");
        };
        let modules: Vec<&str> = problems.iter().map(|p| p.module.as_str()).collect();
        assert_eq!(modules, ["video", "b24connector"]);
        let text = SettingsError::Registration { problems }.to_string();
        assert!(
            text.starts_with("module video cannot be registered: ")
                && text.contains("; module b24connector cannot be registered: "),
            "{text}"
        );
    }

    #[test]
    fn lookups_find_every_module_even_when_keys_collide() {
        for extra in [0usize, 30] {
            let mut specs = Specs::default();
            specs.add_options::<VideoPort>();
            for i in (0..extra).rev() {
                // Ids sharing their first eight bytes, so keys collide.
                let id = ModuleId::new(&format!("module_x{i:02}")).unwrap();
                specs.add_rights(id, ModuleLevels::VIDEO);
            }
            let entries: Vec<Entry> = specs
                .finish()
                .unwrap()
                .into_iter()
                .map(|spec| Entry {
                    cache: ModuleCache::new(spec.id),
                    spec,
                })
                .collect();
            let ids: Vec<ModuleId> = entries.iter().map(Entry::id).collect();
            let registry = Registry::new(entries);
            for id in ids {
                assert_eq!(registry.find(id).map(Entry::id), Some(id));
            }
            assert!(registry.find(ModuleId::from_static("zzz")).is_none());
            assert!(registry.find(ModuleId::from_static("a")).is_none());
            assert!(registry.rights(ModuleId::from_static("videoport")).is_err());
        }
    }

    #[test]
    fn unknown_names_count_as_secret() {
        let codec = OptionsCodec::of::<VideoPort>();
        assert!(codec.is_secret("SecretCode"));
        assert!(codec.is_secret("no_such_option"));
        assert!(!codec.is_secret("ServerHost"));
    }
}
