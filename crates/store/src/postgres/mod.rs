//! The PostgreSQL backend: for teams that outgrow one machine. Any number of stateless
//! `scimitar serve` replicas share one database; every guarantee of the single node holds
//! across them because it is enforced by the database: unique indexes (userName), row locks
//! with version checks (If-Match, PATCH), primary keys (members), and a change-log sequencer
//! that makes positions visible in order (see [`changes`]).

mod app_escrow;
mod app_links;
mod app_runs;
mod apps;
mod changes;
mod directory;
pub mod filter_sql;
mod list;
mod members;
mod tenants;
mod upkeep;

use std::str::FromStr;
use std::time::Duration;

use scimitar_core::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connect (pool size from `SCIMITAR_PG_POOL_SIZE`, default 16) and apply migrations.
    pub async fn open(url: &str) -> Result<Self, crate::OpenError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| crate::OpenError::Connect(e.to_string()))?;
        let size = std::env::var("SCIMITAR_PG_POOL_SIZE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(16);
        let pool = PgPoolOptions::new()
            .max_connections(size)
            // The default pings each connection before handing it out: one more round trip
            // per query. A connection that died is reported by the query itself, and the pool
            // drops it.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| crate::OpenError::Connect(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| crate::OpenError::Connect(format!("migrations: {e}")))?;
        upkeep::start(&pool).await;
        tokio::spawn(changes::run_sequencer(pool.clone()));
        Ok(PgStore { pool })
    }

    /// Vacuum and analyze Scimitar's tables that are past autovacuum's default thresholds, as
    /// the background upkeep does when autovacuum is off; returns each table and what was done.
    /// Does nothing while another replica holds the upkeep lock.
    pub async fn maintain_statistics(&self) -> Result<Vec<(String, &'static str)>, StoreError> {
        upkeep::pass(&self.pool).await.map_err(backend)
    }
}

pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
        _ => None,
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    sqlstate(e).as_deref() == Some("23505")
}

/// Deadlock or serialization failure: the transaction can simply be run again.
pub(crate) fn is_retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Backend(m) if m.contains("40P01") || m.contains("40001") || m.contains("deadlock"))
}

/// `?` placeholders, in order, as PostgreSQL's `$1..$n` (after `first - 1` earlier binds).
pub(crate) fn numbered(sql: &str, first: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = first;
    for c in sql.chars() {
        if c == '?' {
            out.push('$');
            out.push_str(&n.to_string());
            n += 1;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(super::numbered("a = ? AND b = ?", 3), "a = $3 AND b = $4");
    }
}
