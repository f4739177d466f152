//! The SQLite backend (embedded, the default): WAL mode, one writer thread with group commit,
//! a few reader threads (see [`pool`]). Each trait method is one job: its statements run back
//! to back on one connection, with prepared statements cached.

mod app_escrow;
mod app_links;
pub(crate) mod app_runs;
pub(crate) mod apps;
mod changes;
mod directory;
pub mod filter_sql;
pub(crate) mod list;
mod members;
mod pool;
pub(crate) mod row;
pub mod search_doc;
mod tenants;

use std::path::PathBuf;

use rusqlite::ErrorCode;
use rusqlite_migration::{Migrations, M};
use scimitar_core::StoreError;

/// The migrations, embedded in order. Landed files are never edited; add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_directory.sql"),
    include_str!("../../migrations/sqlite/0002_planner_stats.sql"),
    include_str!("../../migrations/sqlite/0003_tenant_order.sql"),
    include_str!("../../migrations/sqlite/0004_apps.sql"),
    include_str!("../../migrations/sqlite/0005_app_assignments.sql"),
    include_str!("../../migrations/sqlite/0006_app_links.sql"),
    include_str!("../../migrations/sqlite/0007_app_runs.sql"),
    include_str!("../../migrations/sqlite/0008_app_escrow.sql"),
];

pub struct SqliteStore {
    pub(crate) pool: pool::Pool,
}

/// `sqlite://PATH`, `sqlite:PATH` (a `?query` suffix is ignored).
fn path_from_url(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let rest = rest.split('?').next().unwrap_or_default();
    (!rest.is_empty()).then(|| PathBuf::from(rest))
}

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self, crate::OpenError> {
        let path =
            path_from_url(url).ok_or_else(|| crate::OpenError::Unsupported(url.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| crate::OpenError::Connect(e.to_string()))?;
        }
        let readers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(2, 8);
        let pool = tokio::task::spawn_blocking(move || {
            pool::Pool::open(path, readers, |conn| {
                let migrations = Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect());
                migrations
                    .to_latest(conn)
                    .map_err(|e| format!("migrations: {e}"))?;
                // Load the planner statistics the migrations wrote.
                conn.execute_batch("ANALYZE sqlite_schema")
                    .map_err(|e| e.to_string())
            })
        })
        .await
        .map_err(|e| crate::OpenError::Connect(e.to_string()))?
        .map_err(crate::OpenError::Connect)?;
        Ok(SqliteStore { pool })
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == ErrorCode::ConstraintViolation
            && (f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY))
}

#[cfg(test)]
mod tests {
    use super::path_from_url;

    #[test]
    fn urls_name_a_file() {
        assert_eq!(
            path_from_url("sqlite://data/s.db").unwrap().to_str(),
            Some("data/s.db")
        );
        assert_eq!(
            path_from_url("sqlite:///abs/s.db?mode=rwc")
                .unwrap()
                .to_str(),
            Some("/abs/s.db")
        );
        assert!(path_from_url("postgres://x").is_none());
        assert!(path_from_url("sqlite://").is_none());
    }
}
