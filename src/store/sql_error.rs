//! What the SQL stores' errors say alike: which module a failed statement
//! was for, why it failed, and that a table made by someone else lacks a
//! column Bitrix's layout has.

#[cfg(any(feature = "mysql", feature = "postgres"))]
use std::io::ErrorKind;
#[cfg(any(feature = "mysql", feature = "postgres"))]
use std::time::Duration;

use crate::ids::ModuleId;

/// A Bitrix table made by someone else lacks a column the layout needs;
/// the stores never alter tables they did not create.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "table {table} exists but has no column {column}; add it or point the store at a database \
     with Bitrix's layout"
)]
pub(crate) struct MissingColumn {
    /// The table.
    pub(crate) table: &'static str,
    /// The missing column, as the store spells it.
    pub(crate) column: &'static str,
}

/// `" (module video)"`, or nothing.
pub(crate) fn for_module(module: Option<ModuleId>) -> String {
    module.map_or_else(String::new, |module| format!(" (module {module})"))
}

/// `": {cause}"`, or nothing.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
pub(crate) fn because(cause: Option<&str>) -> String {
    cause.map_or_else(String::new, |cause| format!(": {cause}"))
}

/// Why a connection to a database server failed, when the network said
/// why (`kind`), in words that say what to check; `timeout` is how long the
/// store waited for an answer.
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub(crate) fn network_problem(kind: ErrorKind, timeout: Duration) -> String {
    match kind {
        ErrorKind::ConnectionRefused => "the connection was refused; is the server running and \
                                         listening on that host and port?"
            .to_owned(),
        ErrorKind::TimedOut => format!(
            "no answer within {} s; check the host, the port and any firewall",
            timeout.as_secs()
        ),
        _ => "the connection failed; check the host and port".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_says_what_to_do() {
        let err = MissingColumn {
            table: "b_option",
            column: "VALUE",
        };
        assert_eq!(
            err.to_string(),
            "table b_option exists but has no column VALUE; add it or point the store at a \
             database with Bitrix's layout"
        );
    }

    #[cfg(any(feature = "mysql", feature = "postgres"))]
    #[test]
    fn network_problems_say_what_to_check() {
        let wait = Duration::from_secs(5);
        let refused = network_problem(ErrorKind::ConnectionRefused, wait);
        assert!(refused.contains("is the server running"), "{refused}");
        let silent = network_problem(ErrorKind::TimedOut, wait);
        assert!(silent.starts_with("no answer within 5 s"), "{silent}");
        let other = network_problem(ErrorKind::ConnectionReset, wait);
        assert!(other.contains("check the host and port"), "{other}");
    }

    #[test]
    fn the_module_is_named_when_there_is_one() {
        assert_eq!(for_module(None), "");
        assert_eq!(
            for_module(Some(ModuleId::from_static("video"))),
            " (module video)"
        );
    }
}
