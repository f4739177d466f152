//! One error type per layer: `StoreError` from the storage traits, `CoreError` from services.
//! The server maps `CoreError` to HTTP in exactly one place.

use scimitar_scim::ScimError;

/// What a storage backend can report. Backend details stay in `Backend` and are logged, never
/// sent to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("uniqueness conflict: {0}")]
    Conflict(String),
    #[error("version mismatch")]
    VersionMismatch,
    #[error("not found")]
    NotFound,
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    #[error(transparent)]
    Scim(#[from] ScimError),
    #[error("storage backend error: {0}")]
    Backend(String),
}

/// What a service can report.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A SCIM-describable failure: rendered as an RFC 7644 error body.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// A failure that is ours, not the client's. The text is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => CoreError::Scim(ScimError::uniqueness(what)),
            StoreError::VersionMismatch => CoreError::Scim(ScimError::precondition_failed(
                "the resource was modified since the version given in If-Match; GET it again and retry",
            )),
            StoreError::NotFound => CoreError::Scim(ScimError::not_found("resource not found")),
            StoreError::InvalidReference(what) => CoreError::Scim(ScimError::invalid_value(what)),
            StoreError::Scim(e) => CoreError::Scim(e),
            StoreError::Backend(msg) => CoreError::Internal(msg),
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
pub type StoreResult<T> = Result<T, StoreError>;
