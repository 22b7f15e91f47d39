//! Why a use case of the loop failed.

use gongzhi_domain::catalogue::CatalogueError;
use gongzhi_domain::event::StepError;
use gongzhi_domain::responsibility::ResponsibilityError;
use gongzhi_store::StoreError;

/// Why a use case of the loop failed; the HTTP edge maps each to a status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An event, master or attachment that does not exist.
    #[error("{what} {key} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The caller's role lacks the permission the use case needs.
    #[error(transparent)]
    Denied(#[from] gongzhi_domain::access::Denied),
    /// Signing in or an account change failed.
    #[error(transparent)]
    Account(#[from] crate::accounts::AccountError),
    /// A step or report the loop refuses.
    #[error(transparent)]
    Step(#[from] StepError),
    /// A catalogue that does not validate.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A responsibility list that does not validate.
    #[error(transparent)]
    Responsibility(#[from] ResponsibilityError),
    /// An index definition or its data that cannot be used.
    #[error(transparent)]
    Index(#[from] crate::indices::IndexError),
    /// The store failed, or refused a conflicting write.
    #[error(transparent)]
    Store(#[from] StoreError),
}
