//! The mapper's errors.

/// Why a mapper operation failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The driver failed (connection, server error, serialization...).
    #[error(transparent)]
    Driver(#[from] crate::Error),
    /// The model names no keyspace and neither does the session or the call.
    #[error(
        "no keyspace for table {table}: set #[cql(keyspace = ..)], the session's keyspace, or .keyspace(..)"
    )]
    NoKeyspace {
        /// The table.
        table: &'static str,
    },
    /// A filter the server would refuse, refused before sending.
    #[error("invalid filter on column {column}: {rule}")]
    InvalidFilter {
        /// The column (or `token(...)`).
        column: String,
        /// The rule it breaks.
        rule: String,
    },
    /// A write the server would refuse, refused before sending.
    #[error("invalid write to {table}: {reason}")]
    InvalidWrite {
        /// The table.
        table: &'static str,
        /// Why.
        reason: String,
    },
    /// `get` found no row.
    #[error("no row of {table} matches the query")]
    NotFound {
        /// The table.
        table: &'static str,
    },
    /// `get` found more than one row.
    #[error("more than one row of {table} matches the query")]
    MultipleRows {
        /// The table.
        table: &'static str,
    },
    /// A conditional write was not applied (see [`WriteError`](super::WriteError) for the
    /// current row as the model).
    #[error("conditional write to {table} was not applied")]
    NotApplied {
        /// The table.
        table: &'static str,
    },
    /// The table on the server differs from the model in ways `sync_table` does not change.
    #[error("table {table} cannot be synced with the model: {}", .differences.join("; "))]
    Incompatible {
        /// The table.
        table: String,
        /// Each difference, naming the column and both types.
        differences: Vec<String>,
    },
    /// The schema did not reach agreement after a change.
    #[error("no schema agreement after {0}")]
    NoSchemaAgreement(String),
}

/// The error of a write: a conditional write not applied, with the row the server has, or
/// another error.
#[derive(Debug, thiserror::Error)]
pub enum WriteError<M> {
    /// The condition (`IF NOT EXISTS`, `IF EXISTS`, `IF ...`) did not hold. `current` is the
    /// row as it is (`None` when there is no row).
    #[error("conditional write was not applied")]
    NotApplied {
        /// The current row.
        current: Option<Box<M>>,
    },
    /// Any other error.
    #[error(transparent)]
    Failed(#[from] Error),
}

impl<M> From<crate::Error> for WriteError<M> {
    fn from(e: crate::Error) -> Self {
        WriteError::Failed(Error::Driver(e))
    }
}

impl<M: super::Model> From<WriteError<M>> for Error {
    fn from(e: WriteError<M>) -> Self {
        match e {
            WriteError::NotApplied { .. } => Error::NotApplied {
                table: M::TABLE.name,
            },
            WriteError::Failed(e) => e,
        }
    }
}
