//! What the engine refuses, naming the definition row or the data cell.

use std::fmt;

/// A definition that cannot be used, with the row and field at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DefinitionError {
    /// The part of the definition: `indicators`, `denominators`, `ahp`,
    /// `pipeline`, `warnings`, or empty for the text as a whole.
    pub table: &'static str,
    /// The 1-based row within that table, where there is one.
    pub row: Option<usize>,
    /// The code of the row, where it has one.
    pub code: Option<String>,
    /// The field at fault, where one is.
    pub field: Option<&'static str>,
    /// Why it is refused.
    pub reason: String,
}

impl DefinitionError {
    /// A text that does not parse.
    pub(crate) fn syntax(reason: String) -> DefinitionError {
        DefinitionError {
            table: "",
            row: None,
            code: None,
            field: None,
            reason,
        }
    }

    /// A fault in one row of a table.
    pub(crate) fn at(
        table: &'static str,
        row: usize,
        code: &str,
        field: &'static str,
        reason: impl Into<String>,
    ) -> DefinitionError {
        DefinitionError {
            table,
            row: Some(row + 1),
            code: (!code.is_empty()).then(|| code.to_owned()),
            field: Some(field),
            reason: reason.into(),
        }
    }

    /// A fault in a setting of a table without rows.
    pub(crate) fn setting(
        table: &'static str,
        field: &'static str,
        reason: impl Into<String>,
    ) -> DefinitionError {
        DefinitionError {
            table,
            row: None,
            code: None,
            field: Some(field),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.table.is_empty() {
            write!(f, "{}", self.table)?;
            if let Some(row) = self.row {
                write!(f, " row {row}")?;
            }
            if let Some(code) = &self.code {
                write!(f, " ({code})")?;
            }
            if let Some(field) = self.field {
                write!(f, ", field `{field}`")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.reason)
    }
}

/// Data that cannot be used with a definition, with the cell at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}", where_of(.row, .column), .reason)]
pub struct DataError {
    /// The 1-based data row, where there is one.
    pub row: Option<usize>,
    /// The column: an indicator, denominator or unit field.
    pub column: Option<String>,
    /// Why it is refused.
    pub reason: String,
}

fn where_of(row: &Option<usize>, column: &Option<String>) -> String {
    match (row, column) {
        (Some(r), Some(c)) => format!("row {r}, column {c}: "),
        (Some(r), None) => format!("row {r}: "),
        (None, Some(c)) => format!("column {c}: "),
        (None, None) => String::new(),
    }
}

impl DataError {
    /// A fault in one cell or row.
    pub fn at(row: Option<usize>, column: Option<&str>, reason: impl Into<String>) -> DataError {
        DataError {
            row,
            column: column.map(str::to_owned),
            reason: reason.into(),
        }
    }
}
