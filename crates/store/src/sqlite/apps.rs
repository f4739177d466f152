//! `AppStore` for SQLite: connected apps, one row each; the credentials arrive sealed.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use scimitar_scim::schema::ResourceKind;
use std::collections::HashMap;

use scimitar_core::{
    AppChange, AppLink, AppRecord, AppState, AppStore, Assignment, Deprovision, EscrowEntry,
    RunObjectLog, RunRecord, StoreError, TenantId,
};

use super::{backend, is_unique_violation, SqliteStore};

const COLUMNS: &str = "id, tenant_id, name, scim_url, auth_sealed, state, deprovision, settings, \
                       created, updated, version";

/// Every user first, then groups, then users, each by id.
pub(crate) const ASSIGNMENTS_SQL: &str = "SELECT resource_type, resource_id FROM app_assignments \
     WHERE app_id = ? ORDER BY CASE resource_type WHEN 'AllUsers' THEN 0 WHEN 'Group' THEN 1 \
     ELSE 2 END, resource_id";

fn app_from(r: &Row<'_>) -> rusqlite::Result<(AppRecord, String, String, String)> {
    Ok((
        AppRecord {
            id: r.get(0)?,
            tenant: TenantId(r.get(1)?),
            name: r.get(2)?,
            scim_url: r.get(3)?,
            auth_sealed: r.get(4)?,
            state: AppState::Stopped,
            deprovision: Deprovision::Disable,
            settings: serde_json::Value::Null,
            created: r.get(8)?,
            updated: r.get(9)?,
            version: r.get(10)?,
        },
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

/// The typed fields, checked: a value the schema's CHECK let through but this version does not
/// know is an error, not a silent default.
fn finish(raw: (AppRecord, String, String, String)) -> Result<AppRecord, StoreError> {
    let (mut app, state, deprovision, settings) = raw;
    app.state = AppState::parse(&state)
        .ok_or_else(|| StoreError::Backend(format!("app {}: unknown state {state:?}", app.id)))?;
    app.deprovision = Deprovision::parse(&deprovision).ok_or_else(|| {
        StoreError::Backend(format!(
            "app {}: unknown deprovision {deprovision:?}",
            app.id
        ))
    })?;
    app.settings = serde_json::from_str(&settings)
        .map_err(|e| StoreError::Backend(format!("app {}: settings: {e}", app.id)))?;
    Ok(app)
}

fn by_id(conn: &Connection, tenant: i64, id: &str) -> Result<Option<AppRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM apps WHERE tenant_id = ? AND id = ?");
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row(params![tenant, id], app_from).optional())
        .map_err(backend)?
        .map(finish)
        .transpose()
}

#[async_trait]
impl AppStore for SqliteStore {
    async fn create_app(&self, app: AppRecord) -> Result<AppRecord, StoreError> {
        self.pool
            .write(move |conn| {
                let settings = app.settings.to_string();
                conn.prepare_cached(
                    "INSERT INTO apps (id, tenant_id, name, name_ci, scim_url, auth_sealed, state, \
                     deprovision, settings, created, updated, version) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        app.id,
                        app.tenant.0,
                        app.name,
                        app.name.to_ascii_lowercase(),
                        app.scim_url,
                        app.auth_sealed,
                        app.state.as_str(),
                        app.deprovision.as_str(),
                        settings,
                        app.created,
                        app.updated,
                        app.version
                    ])
                })
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(app.name.clone())
                    } else {
                        backend(e)
                    }
                })?;
                by_id(conn, app.tenant.0, &app.id)?.ok_or(StoreError::NotFound)
            })
            .await
    }

    async fn app_by_name(
        &self,
        tenant: TenantId,
        name: &str,
    ) -> Result<Option<AppRecord>, StoreError> {
        let name = name.to_ascii_lowercase();
        self.pool
            .read(move |conn| {
                let sql = format!("SELECT {COLUMNS} FROM apps WHERE tenant_id = ? AND name_ci = ?");
                conn.prepare_cached(&sql)
                    .and_then(|mut s| s.query_row(params![tenant.0, name], app_from).optional())
                    .map_err(backend)?
                    .map(finish)
                    .transpose()
            })
            .await
    }

    async fn list_apps(&self, tenant: TenantId) -> Result<Vec<AppRecord>, StoreError> {
        self.pool
            .read(move |conn| {
                let sql =
                    format!("SELECT {COLUMNS} FROM apps WHERE tenant_id = ? ORDER BY name_ci");
                let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
                let rows = stmt
                    .query_map([tenant.0], app_from)
                    .map_err(backend)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(backend)?;
                rows.into_iter().map(finish).collect()
            })
            .await
    }

    async fn update_app(
        &self,
        tenant: TenantId,
        id: &str,
        change: AppChange,
    ) -> Result<AppRecord, StoreError> {
        let id = id.to_string();
        self.pool
            .write(move |conn| {
                let current = by_id(conn, tenant.0, &id)?.ok_or(StoreError::NotFound)?;
                if change.expected_version.is_some_and(|v| v != current.version) {
                    return Err(StoreError::VersionMismatch);
                }
                let settings = change.settings.as_ref().unwrap_or(&current.settings).to_string();
                conn.prepare_cached(
                    "UPDATE apps SET scim_url = ?, auth_sealed = ?, state = ?, deprovision = ?, \
                     settings = ?, updated = ?, version = version + 1 WHERE tenant_id = ? AND id = ?",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        change.scim_url.as_ref().unwrap_or(&current.scim_url),
                        change.auth_sealed.as_ref().unwrap_or(&current.auth_sealed),
                        change.state.unwrap_or(current.state).as_str(),
                        change.deprovision.unwrap_or(current.deprovision).as_str(),
                        settings,
                        change.now,
                        tenant.0,
                        id
                    ])
                })
                .map_err(backend)?;
                by_id(conn, tenant.0, &id)?.ok_or(StoreError::NotFound)
            })
            .await
    }

    async fn delete_app(&self, tenant: TenantId, id: &str) -> Result<(), StoreError> {
        let id = id.to_string();
        self.pool
            .write(move |conn| {
                let n = conn
                    .prepare_cached("DELETE FROM apps WHERE tenant_id = ? AND id = ?")
                    .and_then(|mut s| s.execute(params![tenant.0, id]))
                    .map_err(backend)?;
                if n == 0 {
                    Err(StoreError::NotFound)
                } else {
                    Ok(())
                }
            })
            .await
    }

    async fn assign(
        &self,
        app_id: &str,
        assignment: &Assignment,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (kind, id) = assignment.to_row();
        let (app_id, id, now) = (app_id.to_string(), id.to_string(), now.to_string());
        self.pool
            .write(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO app_assignments (app_id, resource_type, resource_id, created) \
                     VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .and_then(|mut s| s.execute(params![app_id, kind, id, now]))
                .map(|n| n == 1)
                .map_err(backend)
            })
            .await
    }

    async fn unassign(&self, app_id: &str, assignment: &Assignment) -> Result<bool, StoreError> {
        let (kind, id) = assignment.to_row();
        let (app_id, id) = (app_id.to_string(), id.to_string());
        self.pool
            .write(move |conn| {
                conn.prepare_cached(
                    "DELETE FROM app_assignments WHERE app_id = ? AND resource_type = ? AND resource_id = ?",
                )
                .and_then(|mut s| s.execute(params![app_id, kind, id]))
                .map(|n| n == 1)
                .map_err(backend)
            })
            .await
    }

    async fn assignments(&self, app_id: &str) -> Result<Vec<Assignment>, StoreError> {
        let app_id = app_id.to_string();
        self.pool
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(ASSIGNMENTS_SQL).map_err(backend)?;
                let rows = stmt
                    .query_map([app_id], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                    })
                    .map_err(backend)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(backend)?;
                rows.into_iter()
                    .map(|(kind, id)| {
                        Assignment::from_row(&kind, id).ok_or_else(|| {
                            StoreError::Backend(format!("unknown assignment type {kind:?}"))
                        })
                    })
                    .collect()
            })
            .await
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
        let app_id = app_id.to_string();
        self.pool
            .read(move |conn| {
                conn.prepare_cached(
                    "SELECT COUNT(*) FROM app_links WHERE app_id = ?1 AND resource_type = ?2",
                )
                .and_then(|mut s| {
                    s.query_row(rusqlite::params![app_id, kind.as_str()], |r| r.get(0))
                })
                .map_err(super::backend)
            })
            .await
    }

    async fn all_links(
        &self,
        app_id: &str,
        kind: ResourceKind,
    ) -> Result<Vec<AppLink>, StoreError> {
        super::app_links::links(self, app_id, kind, None).await
    }

    async fn prune_runs(&self, before: &str, keep: i64) -> Result<u64, StoreError> {
        let before = before.to_string();
        self.pool
            .write(move |conn| {
                conn.prepare_cached(
                    "DELETE FROM app_runs WHERE state <> 'running' AND started < ?1 \
                 AND id NOT IN (SELECT r.id FROM app_runs r WHERE r.app_id = app_runs.app_id \
                 ORDER BY r.started DESC LIMIT ?2)",
                )
                .and_then(|mut s| s.execute(rusqlite::params![before, keep]))
                .map(|n| n as u64)
                .map_err(super::backend)
            })
            .await
    }

    async fn renew_run_lease(&self, run_id: &str, lease_until: &str) -> Result<bool, StoreError> {
        let (run_id, lease_until) = (run_id.to_string(), lease_until.to_string());
        self.pool
            .write(move |conn| {
                conn.prepare_cached(
                    "UPDATE app_runs SET lease_until = ? WHERE id = ? AND state = 'running'",
                )
                .and_then(|mut s| s.execute(rusqlite::params![lease_until, run_id]))
                .map(|n| n == 1)
                .map_err(super::backend)
            })
            .await
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
