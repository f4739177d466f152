//! `AppStore` for PostgreSQL: the same rows as on SQLite, `settings` as JSONB. An update locks
//! the row (`FOR UPDATE`) and checks the version, so two replicas changing one app never lose
//! either change silently.

use async_trait::async_trait;
use scimitar_scim::schema::ResourceKind;
use std::collections::HashMap;

use scimitar_core::{
    AppChange, AppLink, AppRecord, AppState, AppStore, Assignment, Deprovision, EscrowEntry,
    RunObjectLog, RunRecord, StoreError, TenantId,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::{backend, is_unique_violation, PgStore};

const COLUMNS: &str = "id, tenant_id, name, scim_url, auth_sealed, state, deprovision, \
                       settings::text AS settings, created, updated, version";

fn app_from(r: &PgRow) -> Result<AppRecord, StoreError> {
    let id: String = r.try_get("id").map_err(backend)?;
    let state: String = r.try_get("state").map_err(backend)?;
    let deprovision: String = r.try_get("deprovision").map_err(backend)?;
    let settings: String = r.try_get("settings").map_err(backend)?;
    Ok(AppRecord {
        tenant: TenantId(r.try_get("tenant_id").map_err(backend)?),
        name: r.try_get("name").map_err(backend)?,
        scim_url: r.try_get("scim_url").map_err(backend)?,
        auth_sealed: r.try_get("auth_sealed").map_err(backend)?,
        state: AppState::parse(&state)
            .ok_or_else(|| StoreError::Backend(format!("app {id}: unknown state {state:?}")))?,
        deprovision: Deprovision::parse(&deprovision).ok_or_else(|| {
            StoreError::Backend(format!("app {id}: unknown deprovision {deprovision:?}"))
        })?,
        settings: serde_json::from_str(&settings)
            .map_err(|e| StoreError::Backend(format!("app {id}: settings: {e}")))?,
        created: r.try_get("created").map_err(backend)?,
        updated: r.try_get("updated").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
        id,
    })
}

async fn by_id(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: &str,
    lock: bool,
) -> Result<Option<AppRecord>, StoreError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM apps WHERE tenant_id = $1 AND id = $2{lock}");
    sqlx::query(&sql)
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend)?
        .as_ref()
        .map(app_from)
        .transpose()
}

#[async_trait]
impl AppStore for PgStore {
    async fn create_app(&self, app: AppRecord) -> Result<AppRecord, StoreError> {
        let sql = format!(
            "INSERT INTO apps (id, tenant_id, name, name_ci, scim_url, auth_sealed, state, \
             deprovision, settings, created, updated, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(&app.id)
            .bind(app.tenant.0)
            .bind(&app.name)
            .bind(app.name.to_ascii_lowercase())
            .bind(&app.scim_url)
            .bind(&app.auth_sealed)
            .bind(app.state.as_str())
            .bind(app.deprovision.as_str())
            .bind(app.settings.to_string())
            .bind(&app.created)
            .bind(&app.updated)
            .bind(app.version)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(app.name.clone())
                } else {
                    backend(e)
                }
            })?;
        app_from(&row)
    }

    async fn app_by_name(
        &self,
        tenant: TenantId,
        name: &str,
    ) -> Result<Option<AppRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM apps WHERE tenant_id = $1 AND name_ci = $2");
        sqlx::query(&sql)
            .bind(tenant.0)
            .bind(name.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(app_from)
            .transpose()
    }

    async fn list_apps(&self, tenant: TenantId) -> Result<Vec<AppRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM apps WHERE tenant_id = $1 ORDER BY name_ci");
        sqlx::query(&sql)
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .iter()
            .map(app_from)
            .collect()
    }

    async fn update_app(
        &self,
        tenant: TenantId,
        id: &str,
        change: AppChange,
    ) -> Result<AppRecord, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let current = by_id(&mut tx, tenant, id, true)
            .await?
            .ok_or(StoreError::NotFound)?;
        if change
            .expected_version
            .is_some_and(|v| v != current.version)
        {
            return Err(StoreError::VersionMismatch);
        }
        let sql = format!(
            "UPDATE apps SET scim_url = $1, auth_sealed = $2, state = $3, deprovision = $4, \
             settings = $5::jsonb, updated = $6, version = version + 1 \
             WHERE tenant_id = $7 AND id = $8 RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(change.scim_url.as_ref().unwrap_or(&current.scim_url))
            .bind(change.auth_sealed.as_ref().unwrap_or(&current.auth_sealed))
            .bind(change.state.unwrap_or(current.state).as_str())
            .bind(change.deprovision.unwrap_or(current.deprovision).as_str())
            .bind(
                change
                    .settings
                    .as_ref()
                    .unwrap_or(&current.settings)
                    .to_string(),
            )
            .bind(&change.now)
            .bind(tenant.0)
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
        let app = app_from(&row)?;
        tx.commit().await.map_err(backend)?;
        Ok(app)
    }

    async fn delete_app(&self, tenant: TenantId, id: &str) -> Result<(), StoreError> {
        let n = sqlx::query("DELETE FROM apps WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn assign(
        &self,
        app_id: &str,
        assignment: &Assignment,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (kind, id) = assignment.to_row();
        let n = sqlx::query(
            "INSERT INTO app_assignments (app_id, resource_type, resource_id, created) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(app_id)
        .bind(kind)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(backend)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn unassign(&self, app_id: &str, assignment: &Assignment) -> Result<bool, StoreError> {
        let (kind, id) = assignment.to_row();
        let n = sqlx::query(
            "DELETE FROM app_assignments WHERE app_id = $1 AND resource_type = $2 AND resource_id = $3",
        )
        .bind(app_id)
        .bind(kind)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(backend)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn assignments(&self, app_id: &str) -> Result<Vec<Assignment>, StoreError> {
        let rows = sqlx::query(&super::numbered(crate::sqlite::apps::ASSIGNMENTS_SQL, 1))
            .bind(app_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("resource_type").map_err(backend)?;
                let id: String = r.try_get("resource_id").map_err(backend)?;
                Assignment::from_row(&kind, id)
                    .ok_or_else(|| StoreError::Backend(format!("unknown assignment type {kind:?}")))
            })
            .collect()
    }

    async fn link(&self, app_id: &str, link: &AppLink) -> Result<(), StoreError> {
        super::app_links::link(self, app_id, link).await
    }

    async fn unlink(
        &self,
        app_id: &str,
        kind: ResourceKind,
        source_id: &str,
    ) -> Result<bool, StoreError> {
        super::app_links::unlink(self, app_id, kind, source_id).await
    }

    async fn links(
        &self,
        app_id: &str,
        kind: ResourceKind,
        source_ids: &[String],
    ) -> Result<HashMap<String, AppLink>, StoreError> {
        let found = super::app_links::links(self, app_id, kind, Some(source_ids)).await?;
        Ok(found
            .into_iter()
            .map(|l| (l.source_id.clone(), l))
            .collect())
    }

    async fn link_count(&self, app_id: &str, kind: ResourceKind) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM app_links WHERE app_id = $1 AND resource_type = $2",
        )
        .bind(app_id)
        .bind(kind.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(super::backend)?;
        Ok(n)
    }

    async fn all_links(
        &self,
        app_id: &str,
        kind: ResourceKind,
    ) -> Result<Vec<AppLink>, StoreError> {
        super::app_links::links(self, app_id, kind, None).await
    }

    async fn prune_runs(&self, before: &str, keep: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM app_runs WHERE state <> 'running' AND started < $1 \
                 AND id NOT IN (SELECT r.id FROM app_runs r WHERE r.app_id = app_runs.app_id \
                 ORDER BY r.started DESC LIMIT $2)",
        )
        .bind(before)
        .bind(keep)
        .execute(&self.pool)
        .await
        .map_err(super::backend)?;
        Ok(done.rows_affected())
    }

    async fn renew_run_lease(&self, run_id: &str, lease_until: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE app_runs SET lease_until = $1 WHERE id = $2 AND state = 'running'")
                .bind(lease_until)
                .bind(run_id)
                .execute(&self.pool)
                .await
                .map_err(super::backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn start_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        super::app_runs::start_run(self, run).await
    }

    async fn log_run_progress(
        &self,
        run_id: &str,
        lease_until: &str,
        summary: &serde_json::Value,
        objects: &[RunObjectLog],
    ) -> Result<(), StoreError> {
        super::app_runs::log_run_progress(self, run_id, lease_until, summary, objects).await
    }

    async fn finish_run(
        &self,
        run_id: &str,
        state: &str,
        finished: &str,
        summary: &serde_json::Value,
        objects: &[RunObjectLog],
    ) -> Result<(), StoreError> {
        super::app_runs::finish_run(self, run_id, state, finished, summary, objects).await
    }

    async fn runs(&self, app_id: &str, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        super::app_runs::runs(self, app_id, limit).await
    }

    async fn run_objects(
        &self,
        run_id: &str,
        failed_only: bool,
    ) -> Result<Vec<RunObjectLog>, StoreError> {
        super::app_runs::run_objects(self, run_id, failed_only).await
    }

    async fn escrow_entries(
        &self,
        app_id: &str,
        kind: ResourceKind,
        source_ids: &[String],
    ) -> Result<Vec<EscrowEntry>, StoreError> {
        super::app_escrow::entries(self, app_id, kind, source_ids).await
    }

    async fn escrow_put(&self, app_id: &str, entries: &[EscrowEntry]) -> Result<(), StoreError> {
        super::app_escrow::put(self, app_id, entries).await
    }

    async fn escrow_clear(
        &self,
        app_id: &str,
        kind: ResourceKind,
        source_ids: &[String],
    ) -> Result<(), StoreError> {
        super::app_escrow::clear(self, app_id, kind, source_ids).await
    }

    async fn escrow(
        &self,
        app_id: &str,
        due_by: Option<&str>,
        limit: i64,
    ) -> Result<Vec<EscrowEntry>, StoreError> {
        super::app_escrow::list(self, app_id, due_by, limit).await
    }
}
