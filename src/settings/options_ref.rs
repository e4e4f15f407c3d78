//! [`OptionsRef`]: a module's decoded options as a read hands them out —
//! a look into the cached snapshot, not a copy and not a shared counter.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use arc_swap::Guard;

use crate::ids::Scope;
use crate::options::ModuleOptions;
use crate::settings::cache::state::ModuleState;
use crate::settings::error::SettingsError;
use crate::settings::registry::AnyOptions;
use crate::store::Revision;

/// The decoded, validated options of `T`'s module for one scope, as
/// [`Settings::options`](crate::settings::Settings::options) returns them:
/// dereferences to `T`.
///
/// It keeps the snapshot it was read from alive — later writes do not
/// change what it shows — without writing any counter that other threads'
/// reads also write, so reads from many cores at once do not slow each
/// other down. Hold it for the length of a request or a calculation, not
/// for the life of the program: a thread keeps only a few such looks
/// cheap at once (more still work, at the cost of an `Arc` each). To keep
/// the value, take [`to_arc`](Self::to_arc).
///
/// ```
/// use module_settings::modules::VideoPort;
/// use module_settings::settings::Settings;
/// use module_settings::{Scope, SiteId};
/// # fn main() -> Result<(), module_settings::settings::SettingsError> {
/// let settings = Settings::in_memory();
/// let video = settings.options::<VideoPort>(Scope::Common)?;
/// assert_eq!(video.server_port, None);
/// assert!(!video.is_ready());
/// // A site that stores no values of its own sees the common value itself.
/// let site = settings.options::<VideoPort>(Scope::Site(SiteId::from_static("s1")))?;
/// assert!(std::ptr::eq(&*video, &*site));
/// let kept: std::sync::Arc<VideoPort> = video.to_arc();
/// # Ok(()) }
/// ```
pub struct OptionsRef<T> {
    state: Guard<Arc<ModuleState>>,
    /// Where in `state` the scope's value is; checked to hold a `T` when
    /// this was made, and `state` never changes.
    slot: Option<usize>,
    _type: PhantomData<fn() -> T>,
}

impl<T: ModuleOptions> OptionsRef<T> {
    /// A look at the value at `slot` of `state` (the value seen from
    /// `scope`), if it is a decoded `T`.
    #[inline]
    pub(crate) fn new(
        state: Guard<Arc<ModuleState>>,
        slot: Option<usize>,
        scope: Scope,
    ) -> Result<Self, SettingsError> {
        let not_options = || SettingsError::UnknownModule {
            module: T::MODULE,
            role: "as an options module of this type",
        };
        match state.options.as_ref().map(|options| options.at(slot)) {
            Some(Ok(value)) if value.is::<T>() => {}
            Some(Err(errors)) => {
                return Err(SettingsError::StoredOptions {
                    module: T::MODULE,
                    scope,
                    errors: errors.clone(),
                })
            }
            _ => return Err(not_options()),
        }
        Ok(OptionsRef {
            state,
            slot,
            _type: PhantomData,
        })
    }

    #[inline]
    fn any(&self) -> Option<&AnyOptions> {
        let options = self.state.options.as_ref()?;
        options.at(self.slot).as_ref().ok()
    }

    /// The value as an `Arc` of its own, to keep beyond the read: one
    /// shared counter written.
    pub fn to_arc(&self) -> Arc<T> {
        match self.any().map(|value| Arc::clone(value).downcast::<T>()) {
            Some(Ok(value)) => value,
            // `new` checked that the slot holds a decoded `T`, and the
            // snapshot is immutable.
            _ => unreachable!("an OptionsRef always holds a decoded value of its type"),
        }
    }

    /// The revision of the stored module these options were read at.
    pub fn revision(&self) -> Revision {
        self.state.revision
    }
}

impl<T: ModuleOptions> Deref for OptionsRef<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        match self.any().and_then(|value| value.downcast_ref::<T>()) {
            Some(value) => value,
            // As in `to_arc`: checked when made, and nothing changes since.
            None => unreachable!("an OptionsRef always holds a decoded value of its type"),
        }
    }
}

impl<T: ModuleOptions + fmt::Debug> fmt::Debug for OptionsRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
