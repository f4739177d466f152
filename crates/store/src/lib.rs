//! Implementations of the core storage traits. SQLite (embedded, the default) lives in
//! [`sqlite`]; each backend keeps its own migrations folder, embedded in the binary and applied
//! at start. Service code never asks which backend it is talking to.

mod filter_path;
pub mod postgres;
pub mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use std::sync::Arc;

use scimitar_core::{AppStore, DirectoryStore, TenantStore};

/// Every storage trait, from one connection.
#[derive(Clone)]
pub struct Stores {
    pub directory: Arc<dyn DirectoryStore>,
    pub tenants: Arc<dyn TenantStore>,
    pub apps: Arc<dyn AppStore>,
}

/// Errors opening a database (the traits have their own error type).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    Unsupported(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
}

/// Open the database named by `url` and apply pending migrations.
pub async fn open(url: &str) -> Result<Stores, OpenError> {
    if url.starts_with("sqlite:") {
        let store = Arc::new(SqliteStore::open(url).await?);
        return Ok(Stores {
            directory: store.clone(),
            tenants: store.clone(),
            apps: store,
        });
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = Arc::new(PgStore::open(url).await?);
        return Ok(Stores {
            directory: store.clone(),
            tenants: store.clone(),
            apps: store,
        });
    }
    Err(OpenError::Unsupported(
        url.split('@').next_back().unwrap_or_default().to_string(),
    ))
}
