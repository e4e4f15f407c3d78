//! What the crate promises, in one place: the behaviour every type and
//! backend keeps. Other pages link here instead of repeating it.
//!
//! # Identifiers
//!
//! - A [`ModuleId`](crate::ModuleId) is 1–50 ASCII letters, digits, `.`
//!   and `_`, stored in lower case: `Video` and `video` are one module.
//! - An [`OptionName`](crate::OptionName) is 1–100 characters without
//!   control characters, case preserved (Bitrix's own names are mixed
//!   case: `ServerHost`). `GROUP_DEFAULT_RIGHT` is reserved for the
//!   default access level.
//! - A [`SiteId`](crate::SiteId) is 1–32 ASCII letters, digits, `_` and
//!   `-`, stored in lower case (`S1` and `s1` are one site, as on Bitrix's
//!   MySQL); `common` is reserved for the common scope.
//! - A [`GroupId`](crate::GroupId) is a non-zero `u32`; group 1 is the
//!   administrators, group 2 everyone (every user is in it).
//! - Every constructor and every `Deserialize` goes through the same
//!   check, and a refusal names the value and what is allowed.
//!
//! # Access levels
//!
//! [`AccessLevel`](crate::AccessLevel) orders Bitrix's letters by
//! privilege, **D < M < R < W** (also their alphabetical order). A module
//! declares the levels it accepts, each with a Russian and an English
//! label ([`ModuleLevels`](crate::access::ModuleLevels)); granting a level the
//! module does not list is an error (Bitrix stores any text).
//!
//! # The rights model: a module's Access tab
//!
//! A module's rights are a **default level** (unset means D), optional
//! per-site default levels, and explicit **grants** keyed by scope (common
//! or one site) and group. Setting a group to "default" removes its grant.
//! Bitrix keeps the default as the module's own option
//! `GROUP_DEFAULT_RIGHT`; the SQLite store does too, so the tables stay
//! Bitrix's.
//!
//! # Resolution: Bitrix's `GetUserRight`
//!
//! Given a user's groups and a scope:
//!
//! 1. with the **administrator bypass** on (the default), a user in an
//!    administrators group (group 1 unless configured) gets **W**, whatever
//!    is stored — the bypass reads no stored rows;
//! 2. else, if any of the user's groups has a grant the scope sees, the
//!    user gets the **highest** such grant;
//! 3. else the scope's default: the site's default, else the common
//!    default, else D.
//!
//! The default is **not** applied per group: groups {2 (no grant), 5
//! (grant D)} with default R resolve to D; {2, 5} with no grants and
//! default R resolve to R; {5: R, 6: W} resolve to W. The common scope sees
//! common grants only; a site sees common grants **and** its own (max
//! wins); an explicit list of scopes (Bitrix-exact, such as one site alone)
//! is offered too. Group order and duplicates never change the result, and
//! group 2 always counts (switchable). With defaults off, "no grant" is D,
//! with a reason saying so. `roles` gives the *set* of levels
//! (`GetUserRoles`): each group's grant, or the default when it has none;
//! an administrators group adds W. Every decision can be explained — the
//! level and why: an administrator group, a grant of a group in a scope, a
//! scope's default, or no grant with defaults off; ties go to the lowest
//! group id.
//!
//! **Inactive groups** ([`GroupDirectory`](crate::groups::GroupDirectory),
//! Bitrix's `b_group`) contribute nothing: a check treats them as groups
//! the user is not in — their grants count in no scope, they bring no
//! default role, and an inactive administrator group gives no bypass. A
//! user left with no group at all is a user without groups: the default
//! applies. Groups 1 and 2 are always active, whatever their rows say, and
//! a group the directory does not list counts as active (an unknown group
//! is not a switched-off one). Where the store lists the site's groups
//! (the SQL stores, from `b_group`), the facade follows them: a group
//! switched off there stops counting within the staleness bound, and a
//! check is never answered from groups older than the bound.
//!
//! **Users.** A user's groups are the site's `b_user_group` rows whose
//! `DATE_ACTIVE_FROM`/`DATE_ACTIVE_TO` include the present moment by the
//! database's clock, plus group 2; a user without rows — or who does not
//! exist — is in group 2 only.
//!
//! **Sites.** Where the store lists the site's sites (`b_lang`), a scope
//! naming a site it does not list is refused, with the list; a switched-off
//! site is still a site.
//!
//! **Fail closed.** If rights cannot be loaded or read, a check returns an
//! error, and `can`/`require` deny. A stored rights row that cannot be read
//! (a letter the module does not list, a lower-case letter, a NULL or
//! empty default, duplicate rows that disagree) denies every ordinary
//! user's check and names the row; administrators keep W through the
//! bypass and can **repair** the row from the Access tab, which lists it
//! with its stored text and row id — overwriting or removing it is an
//! ordinary, audited write.
//!
//! # Options: the settings page
//!
//! - An option's effective value in site *s* is the site's value, else the
//!   common value, else the module's default. Reads never write. "Reset to
//!   inherited" deletes the value in that scope only, and a save stores
//!   only what differs from what the scope inherits.
//! - Booleans are stored as `"Y"`/`"N"` (`""` reads as false); anything
//!   else is a decode error naming the module, the option and the value.
//! - Decoding and validation report **every** bad field at once, each with
//!   the option's name, the offending value (secrets masked) and what is
//!   allowed.
//! - A module's options are written atomically: all changed fields or
//!   none.
//!
//! # Concurrency and durability
//!
//! - Each module has a **revision**. Every write names the revision it was
//!   based on; if the module changed since, the write fails with a conflict
//!   saying what changed — unless the facade can show the changes touch
//!   different options or grants, in which case it re-applies the write on
//!   the new revision. A record **both sides changed** is always a
//!   conflict, even when both wrote the same value: a read-modify-write
//!   caller must not lose an update silently.
//! - **Check and commit are one step.** A write allowed by W read from the
//!   guarding module at revision *g* commits only if, inside the store's
//!   write transaction or lock, the guard is still at *g* — or, if it
//!   moved, the writer still holds W on its new rights. A revocation that
//!   returns before the write commits always wins. Switching a group off
//!   in `b_group` is a revocation too: where a SQL store keeps a revision
//!   of the groups (its triggers on `b_group` exist), the commit also
//!   names the groups' revision the check used, and a group switched off
//!   since stops it (the facade reads the groups again and checks again).
//!   A directory given by the caller (`set_groups`) is exact in the
//!   process: the call waits for writes between their check and their
//!   commit, and a write checked before it but not yet committing checks
//!   again. Where the store's groups are followed but no revision is kept
//!   — a `b_group` created after the store connected, a MySQL user
//!   without the TRIGGER privilege, an SQLite file the store could not
//!   write when it opened it — a group switched off while a write is
//!   between its check and its commit does not stop that write; every
//!   later check sees it.
//! - A successful write is durable when the call returns (SQLite: WAL with
//!   `synchronous=FULL`; the file store: a temporary file, fsync, rename,
//!   fsync of the directory). A crash mid-write leaves the old state or
//!   the new one, never a mix.
//! - Every reader sees another writer's committed change within its
//!   staleness bound — at once through a store's change feed in the same
//!   process. A lost or silent feed never makes data older than the bound.
//!
//! # Security
//!
//! - A [`Secret`](crate::Secret) (the VideoPort secret word, a token) is
//!   redacted in `Debug`, absent from `Display`, serialized forms, schema
//!   exports, errors, events and audit records, and readable only through
//!   an explicit `expose()`.
//! - Writes through the facade name an actor (the user's groups). Saving a
//!   module's options or its Access tab needs **W** on the module that
//!   guards it; connecting Bitrix24 needs W on `b24connector`. A denied
//!   write changes nothing and says which level was needed and which was
//!   held.
//! - A write of a secret reveals nothing about the stored or inherited
//!   value: it is always committed and reported as set.
//! - **Field levels.** Each option has a view level (R unless declared;
//!   a secret's is W) and an edit level (W unless declared). Reads for an
//!   actor leave out the options it may not view; a write needs the edit
//!   level of every option it changes — so a module can let M holders
//!   toggle a flag — and a write that changes an option above the actor's
//!   level is denied, naming the option. The Access tab always needs W.
//! - Every write is checked in one order: usage (an unknown module, option
//!   or site), then access, then the value — a caller without the level
//!   learns nothing about valid values by probing.
//!
//! # Audit
//!
//! - Every committed write produces one audit record per changed record:
//!   rights as Bitrix logs them (`"{module}[/{site}]: ({old}) => ({new})"`),
//!   options with their old and new text, a secret only as "changed".
//! - On the SQL stores the records go into the site's `b_event_log` **in
//!   the write's own transaction**: a committed write always has its
//!   records, a failed one never does. A sink given to the facade
//!   ([`AuditSink`](crate::settings::AuditSink)) is told after the commit
//!   and is not transactional; it is the trail of the memory and file
//!   stores.
