//! The engine's side of a run, where the pure parts meet the world: it reads what an app
//! should receive from the directory (assignments, nested group members, links), asks the app
//! what the planner needs to know (the linked accounts, matches for unlinked users), and hands
//! the planner a complete picture. `plan_kind` is what `scimitar app plan` prints; it changes
//! nothing anywhere, in the directory or in the app. `execute` runs such a plan, exactly.

mod batches;
mod execute;
mod gather;
#[cfg(test)]
mod tests_unique;

pub use batches::{assignment_drift, Batches, Population, Source, BATCH_SIZE};
pub use execute::{execute, ObjectResult, RunResult, Status};
pub use gather::{
    app_settings, check_limit, plan_batch, plan_kind, AppSettings, DirectorySide,
    DEFAULT_CONCURRENCY, MAX_ATTEMPTS, MAX_CONCURRENCY, MAX_TIMEOUT_SECONDS,
};

use scimitar_core::{CoreError, StoreError};

use crate::connector::ConnectorError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("reading the directory: {0}")]
    Directory(String),
    #[error("the app: {0}")]
    Connector(#[from] ConnectorError),
    #[error("the app's settings: {0}")]
    Settings(String),
}

impl From<CoreError> for EngineError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Scim(s) => EngineError::Directory(s.detail),
            CoreError::Internal(m) => EngineError::Directory(m),
        }
    }
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        EngineError::Directory(e.to_string())
    }
}
