//! The change log on PostgreSQL. A reader follows it by position (`position > last`), so a
//! position must never become visible after a larger one. Positions come from a sequence, which
//! hands out numbers in call order, not commit order: if writers drew them, writer A could draw
//! 7, writer B draw 8 and commit first, and a reader that saw 8 would skip 7 forever.
//!
//! So writers do not draw positions. A write puts its change in `change_queue`, in its own
//! transaction and without any lock. The *sequencer* moves committed queue rows into `changes`,
//! drawing positions as it inserts them, in a transaction that holds the tenant's advisory lock
//! until it commits. Sequencer transactions for one tenant therefore run one at a time, and each
//! commits all its positions at once, after the previous one's: positions become visible in
//! position order. A change still in flight is invisible to the sequencer and is moved by a
//! later run, with a larger position. Two writes to one resource keep their order: the second
//! waited for the first's row lock, so it drew its queue id after the first committed, and the
//! sequencer moves the oldest ids first.
//!
//! The sequencer runs before every read of the log (so a reader sees every change committed
//! before it asked) and in the background on each replica ([`SEQUENCE_EVERY`]), so the queue
//! stays short. Replicas of the previous version, which appended to `changes` under the same
//! tenant lock, stay correct alongside it during a rolling upgrade.

use std::time::Duration;

use scimitar_core::{ChangeOp, ChangeRecord, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;
use sqlx::{PgConnection, PgPool, Row};

use super::{backend, PgStore};

/// Advisory-lock namespace for the change log ("SCIM" in ASCII); the key is the tenant.
const CHANGE_LOCK_SPACE: i32 = 0x5343_494D;

/// How often each replica moves committed changes into the log when nobody reads it.
pub(crate) const SEQUENCE_EVERY: Duration = Duration::from_millis(200);

/// Queue rows moved per sequencer transaction.
const BATCH: i64 = 10_000;

pub(crate) async fn append(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    op: ChangeOp,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO change_queue (tenant_id, resource_type, resource_id, operation, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(kind.as_str())
    .bind(id)
    .bind(op.as_str())
    .bind(now)
    .execute(conn)
    .await
    .map_err(backend)?;
    Ok(())
}

fn lock_key(tenant: i64) -> i32 {
    (tenant % i64::from(i32::MAX)) as i32
}

/// Move committed changes of `only` (or of every tenant) from the queue into the log, oldest
/// first, until the queue holds none; returns how many moved.
pub(crate) async fn sequence(pool: &PgPool, only: Option<TenantId>) -> Result<u64, StoreError> {
    let mut moved = 0;
    loop {
        let n = sequence_batch(pool, only).await?;
        moved += n;
        if n < BATCH as u64 {
            return Ok(moved);
        }
    }
}

async fn sequence_batch(pool: &PgPool, only: Option<TenantId>) -> Result<u64, StoreError> {
    let tenants: Vec<i64> = match only {
        Some(t) => {
            sqlx::query_scalar("SELECT tenant_id FROM change_queue WHERE tenant_id = $1 LIMIT 1")
                .bind(t.0)
                .fetch_all(pool)
                .await
                .map_err(backend)?
        }
        None => sqlx::query_scalar("SELECT DISTINCT tenant_id FROM change_queue ORDER BY 1")
            .fetch_all(pool)
            .await
            .map_err(backend)?,
    };
    if tenants.is_empty() {
        return Ok(0);
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    // Ascending order: two sequencers never wait for each other in a cycle. Distinct keys only
    // (two tenants may share a key when ids exceed i32).
    let mut keys: Vec<i32> = tenants.iter().map(|t| lock_key(*t)).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2::int4)")
            .bind(CHANGE_LOCK_SPACE)
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
    }
    // A new snapshot, taken under the locks: whatever another sequencer moved is gone from it.
    let moved = sqlx::query(
        "WITH moved AS ( \
           DELETE FROM change_queue WHERE id IN ( \
             SELECT id FROM change_queue WHERE tenant_id = ANY($1) ORDER BY id LIMIT $2) \
           RETURNING id, tenant_id, resource_type, resource_id, operation, at) \
         INSERT INTO changes (tenant_id, resource_type, resource_id, operation, at) \
         SELECT tenant_id, resource_type, resource_id, operation, at FROM moved ORDER BY id",
    )
    .bind(&tenants)
    .bind(BATCH)
    .execute(&mut *tx)
    .await
    .map_err(backend)?
    .rows_affected();
    tx.commit().await.map_err(backend)?;
    Ok(moved)
}

/// The background sequencer of one replica.
pub(crate) async fn run_sequencer(pool: PgPool) {
    let mut tick = tokio::time::interval(SEQUENCE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sequence(&pool, None).await {
            tracing::warn!("change-log sequencer failed (will retry): {e}");
        }
    }
}

impl PgStore {
    pub(crate) async fn read_changes(
        &self,
        tenant: TenantId,
        position: i64,
        limit: i64,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        // Everything committed before this call is in the log before it is read.
        sequence(&self.pool, Some(tenant)).await?;
        let rows = sqlx::query(
            "SELECT position, resource_type, resource_id, operation, at FROM changes \
             WHERE tenant_id = $1 AND position > $2 ORDER BY position LIMIT $3",
        )
        .bind(tenant.0)
        .bind(position)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("resource_type").map_err(backend)?;
                let op: String = r.try_get("operation").map_err(backend)?;
                Ok(ChangeRecord {
                    position: r.try_get("position").map_err(backend)?,
                    kind: if kind == "Group" {
                        ResourceKind::Group
                    } else {
                        ResourceKind::User
                    },
                    resource_id: r.try_get("resource_id").map_err(backend)?,
                    op: match op.as_str() {
                        "create" => ChangeOp::Create,
                        "delete" => ChangeOp::Delete,
                        _ => ChangeOp::Update,
                    },
                    at: r.try_get("at").map_err(backend)?,
                })
            })
            .collect()
    }
}
