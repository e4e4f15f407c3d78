//! What the SQL stores' errors say alike: which module a failed statement
//! was for, why it failed, and that a table made by someone else lacks a
//! column Bitrix's layout has.

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

    #[test]
    fn the_module_is_named_when_there_is_one() {
        assert_eq!(for_module(None), "");
        assert_eq!(
            for_module(Some(ModuleId::from_static("video"))),
            " (module video)"
        );
    }
}
