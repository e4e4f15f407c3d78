//! What a committed write tells the world: one [`SettingsEvent`] to every
//! subscriber, and audit records to the [`AuditSink`].
//!
//! [`SettingsEvent`]: events::SettingsEvent
//! [`AuditSink`]: audit::AuditSink

pub(crate) mod audit;
pub(crate) mod events;
