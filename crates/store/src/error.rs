//! The store's error type.

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// The same error again, for each of several callers one failure
    /// answers (a batch written for many).
    pub fn again(&self) -> StoreError {
        match self {
            StoreError::Invalid(m) => StoreError::Invalid(m.clone()),
            StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
            StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
            StoreError::Backend(m) => StoreError::Backend(m.clone()),
        }
    }
}

/// Why a store operation failed. Messages name the record involved and never
/// carry connection strings or other secrets.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data breaks a rule of the store, such as a region whose parent is
    /// unknown; nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// Someone else changed the record first, or a key was reused with
    /// another request; nothing was written.
    #[error("{0}")]
    Conflict(String),
    /// A stored value cannot be read back (corrupt or from a newer version).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database could not be reached or refused the operation.
    #[error("database error: {0}")]
    Backend(String),
}
