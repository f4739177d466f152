//! Table statistics when nobody else keeps them. PostgreSQL's planner chooses index plans from
//! the statistics `ANALYZE` collects, and index-only scans (counts, deep pages) need the
//! visibility map `VACUUM` sets. Autovacuum does both; on a server where it is switched off, a
//! Bulk import of a million users leaves the tables with no statistics at all, and the planner
//! then picks plans that are a hundred times slower (a bitmap over every row of the tenant for a
//! one-row `co` filter). So when `autovacuum` is off, each replica runs this loop: every
//! [`INTERVAL`] it looks at `pg_stat_user_tables` and vacuums or analyzes Scimitar's tables past
//! autovacuum's own default thresholds. One replica at a time (a try-lock), and it never blocks a
//! request: plain `VACUUM` and `ANALYZE` take no lock that writers or readers wait on.
//! Where autovacuum is on (the normal case) this module does nothing but say so.

use std::time::Duration;

use sqlx::{PgPool, Row};

/// How often the tables are looked at.
pub(crate) const INTERVAL: Duration = Duration::from_secs(15);

/// Advisory-lock key (session level) so only one replica maintains statistics at a time.
const UPKEEP_LOCK: (i32, i32) = (0x5343_494D, -1);

/// The tables whose plans depend on statistics.
const TABLES: &[&str] = &["users", "user_emails", "groups", "group_members", "changes"];

/// What one table needs, by autovacuum's default thresholds (scale factors 0.2 for vacuum, 0.1
/// for analyze, 0.2 plus 1,000 rows for inserts since the last vacuum).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Need {
    Nothing,
    Analyze,
    VacuumAnalyze,
}

pub(crate) fn need(live: i64, dead: i64, modified: i64, inserted: i64) -> Need {
    let live = live.max(0) as f64;
    if dead as f64 > 50.0 + 0.2 * live || inserted as f64 > 1000.0 + 0.2 * live {
        Need::VacuumAnalyze
    } else if modified as f64 > 50.0 + 0.1 * live {
        Need::Analyze
    } else {
        Need::Nothing
    }
}

/// Start the loop if the server's autovacuum is off. Called once per process at open.
pub(crate) async fn start(pool: &PgPool) {
    let setting: Result<String, _> = sqlx::query_scalar("SELECT current_setting('autovacuum')")
        .fetch_one(pool)
        .await;
    match setting.as_deref() {
        Ok("on") => {}
        Ok(_) => {
            tracing::warn!(
                "PostgreSQL autovacuum is off: Scimitar will ANALYZE and VACUUM its own tables \
                 when they change (every {}s); turn autovacuum on to leave this to PostgreSQL",
                INTERVAL.as_secs()
            );
            tokio::spawn(run(pool.clone()));
        }
        Err(e) => tracing::warn!("cannot read the autovacuum setting: {e}"),
    }
}

async fn run(pool: PgPool) {
    let mut tick = tokio::time::interval(INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = pass(&pool).await {
            tracing::warn!("table statistics upkeep failed (will retry): {e}");
        }
    }
}

/// One look at the tables, under the replica try-lock.
pub(crate) async fn pass(pool: &PgPool) -> Result<Vec<(String, &'static str)>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(UPKEEP_LOCK.0)
        .bind(UPKEEP_LOCK.1)
        .fetch_one(&mut *conn)
        .await?;
    if !locked {
        return Ok(Vec::new());
    }
    let done = maintain(&mut conn).await;
    // Always release, even after an error: the lock belongs to this pooled session.
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(UPKEEP_LOCK.0)
        .bind(UPKEEP_LOCK.1)
        .execute(&mut *conn)
        .await;
    let done = done?;
    unlocked?;
    Ok(done)
}

async fn maintain(
    conn: &mut sqlx::PgConnection,
) -> Result<Vec<(String, &'static str)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT relname::text AS name, n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum \
         FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1)",
    )
    .bind(TABLES)
    .fetch_all(&mut *conn)
    .await?;
    let mut done = Vec::new();
    for row in rows {
        let name: String = row.try_get("name")?;
        // Only names from TABLES reach the statement text below.
        let Some(table) = TABLES.iter().find(|t| **t == name) else {
            continue;
        };
        let (statement, what) = match need(
            row.try_get("n_live_tup")?,
            row.try_get("n_dead_tup")?,
            row.try_get("n_mod_since_analyze")?,
            row.try_get("n_ins_since_vacuum")?,
        ) {
            Need::Nothing => continue,
            Need::Analyze => (format!("ANALYZE {table}"), "analyzed"),
            Need::VacuumAnalyze => (format!("VACUUM (ANALYZE) {table}"), "vacuumed and analyzed"),
        };
        let started = std::time::Instant::now();
        sqlx::query(&statement).execute(&mut *conn).await?;
        tracing::info!(
            table = *table,
            ms = started.elapsed().as_millis() as u64,
            "table statistics upkeep: {what}"
        );
        done.push((name, what));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::{need, Need};

    #[test]
    fn thresholds_follow_autovacuum_defaults() {
        assert_eq!(need(1000, 0, 0, 0), Need::Nothing);
        assert_eq!(need(1000, 0, 151, 0), Need::Analyze);
        assert_eq!(need(1000, 0, 150, 0), Need::Nothing);
        assert_eq!(need(1000, 251, 0, 0), Need::VacuumAnalyze);
        assert_eq!(need(0, 0, 0, 1001), Need::VacuumAnalyze);
        assert_eq!(need(1_000_000, 0, 200_000, 150_000), Need::Analyze);
    }
}
