//! Continuous provisioning in `scimitar serve`: at once after a write through this server, and
//! every [`TICK`] for writes through other replicas, the server looks at the apps in state
//! `running` (`scimitar app start`) and runs one whose tenant's change log has moved past the
//! position its last finished run covered (or that never ran). A pass that ran something is
//! followed at once by another, for the changes that arrived meanwhile. A change in the
//! directory therefore reaches the app in about the time one run takes. Runs are the same as
//! `scimitar app sync`, one at a time per app across replicas; a replica that finds a run in
//! progress leaves it to its owner. Objects that failed come back when their escrow entry is
//! due (`scimitar_provisioning::runs::escrow`), with or without new changes.
//!
//! A triggered run plans only what changed: the users and groups named in the change log since
//! the last run, so its cost follows the number of changes, not the directory's size. When a
//! group changed, who is assigned may have changed with it, so that run also plans the users
//! whose assignment differs from what the app holds (ids compared, nothing read); a run that
//! never ran before plans everything.

use std::time::Duration;

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::sync::Notify;

use scimitar_core::service::TenantAdmin;
use scimitar_core::{AppState, TenantId};
use scimitar_provisioning::plan::RunKind;
use scimitar_provisioning::runs::health::HealthChange;
use scimitar_provisioning::runs::{covered_position, Changed, Provisioner, RunError};
use scimitar_scim::schema::ResourceKind;

use scimitar_server::metrics::{record_run, record_run_error};

const TICK: Duration = Duration::from_millis(500);

/// Run continuous provisioning until the process ends; `changed` is the directory's signal of
/// a write through this process.
pub fn spawn(
    stores: scimitar_store::Stores,
    tenants: TenantAdmin,
    provisioner: Provisioner,
    changed: Arc<Notify>,
) {
    tokio::spawn(async move {
        let mut again = false;
        loop {
            if !again {
                tokio::select! {
                    _ = tokio::time::sleep(TICK) => {}
                    _ = changed.notified() => {}
                }
            }
            again = match pass(&provisioner, &stores, &tenants).await {
                Ok(ran) => ran,
                Err(e) => {
                    tracing::warn!("continuous provisioning: {e:#}");
                    false
                }
            };
        }
    });
}

/// One look at every running app; `true` when some app ran.
async fn pass(
    provisioner: &Provisioner,
    stores: &scimitar_store::Stores,
    tenants: &TenantAdmin,
) -> anyhow::Result<bool> {
    let mut ran = false;
    for tenant in tenants.list_tenants().await? {
        for view in provisioner.admin.list(tenant.id).await? {
            let app = view.record;
            if app.state == AppState::Quarantined {
                match provisioner.probe(&tenant, &app.name).await {
                    Ok(Some(change)) => health_changed(&tenant.name, &app.name, &change),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(app = %app.name, tenant = %tenant.name, "probing a quarantined app failed: {e:#}")
                    }
                }
                continue;
            }
            if app.state != AppState::Running {
                continue;
            }
            let covered = covered_position(stores.apps.as_ref(), &app.id).await?;
            if covered.is_some() && Provisioner::reconcile_due(&app) {
                reconcile(provisioner, &tenant, &app.name).await;
                ran = true;
                continue;
            }
            let (kind, changed) = match covered {
                None => (RunKind::Initial, None),
                Some(p) => {
                    let changed = changes(stores, tenant.id, p).await?;
                    match with_escrow(stores, &app.id, changed).await? {
                        Some(c) => (RunKind::Incremental, Some(c)),
                        None => continue,
                    }
                }
            };
            let name = &app.name;
            let outcome = provisioner
                .scheduled_sync(&tenant, name, kind, changed.as_ref())
                .await;
            match provisioner.judge_run(&tenant, name, outcome.as_ref()).await {
                Ok(Some(change)) => health_changed(&tenant.name, name, &change),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(app = %name, tenant = %tenant.name, "recording the app's health failed: {e:#}")
                }
            }
            match outcome {
                Ok(done) => {
                    ran = true;
                    record_run(&tenant.name, name, &done);
                    if kind == RunKind::Initial {
                        // An initial run read every account: the reconcile interval counts
                        // from here.
                        if let Err(e) = provisioner.record_reconciled(&tenant, name, None).await {
                            tracing::warn!(app = %name, "recording the initial run as a reconcile failed: {e}");
                        }
                    }
                    if let Some(why) = &done.staged {
                        tracing::warn!(app = %name, tenant = %tenant.name, run = %done.run.id, "disables and deletes held at the accidental-deletion threshold: {why}; approve with `scimitar app approve-deletes`");
                    }
                    tracing::info!(
                        app = %app.name,
                        tenant = %tenant.name,
                        run = %done.run.id,
                        users = done.users.done,
                        groups = done.groups.done,
                        failed = done.failed(),
                        "provisioning run finished"
                    )
                }
                Err(RunError::InProgress(_)) => {}
                Err(e) => {
                    record_run_error(&tenant.name, name);
                    tracing::warn!(app = %app.name, tenant = %tenant.name, "provisioning run failed: {e:#}")
                }
            }
        }
    }
    Ok(ran)
}

/// A scheduled reconcile: drift repaired, orphans counted, the health judged.
async fn reconcile(provisioner: &Provisioner, tenant: &scimitar_core::Tenant, name: &str) {
    let outcome = provisioner.scheduled_reconcile(tenant, name).await;
    if let Ok(Some(change)) = provisioner.judge_run(tenant, name, outcome.as_ref()).await {
        health_changed(&tenant.name, name, &change);
    }
    match outcome {
        Ok(done) => {
            record_run(&tenant.name, name, &done);
            tracing::info!(app = %name, tenant = %tenant.name, run = %done.run.id, failed = done.failed(), "reconcile finished");
        }
        Err(RunError::InProgress(_)) => {}
        Err(e) => {
            record_run_error(&tenant.name, name);
            tracing::warn!(app = %name, tenant = %tenant.name, "reconcile failed: {e:#}");
        }
    }
}

/// A quarantine or a recovery: logged (the app's admins were notified by the provisioner).
fn health_changed(tenant: &str, app: &str, change: &HealthChange) {
    match change {
        HealthChange::Quarantined { reason, hint } => {
            tracing::warn!(app, tenant, %hint, "app quarantined: {reason}")
        }
        HealthChange::Recovered => tracing::info!(app, tenant, "app left quarantine"),
    }
}

/// `changed`, plus the app's escrow entries that are due (failed objects whose next attempt
/// has come); `None` when there is nothing to do.
async fn with_escrow(
    stores: &scimitar_store::Stores,
    app_id: &str,
    changed: Option<Changed>,
) -> anyhow::Result<Option<Changed>> {
    const MAX: i64 = 10_000;
    let now = scimitar_core::clock::format_timestamp(time::OffsetDateTime::now_utc());
    let due = stores.apps.escrow(app_id, Some(&now), MAX).await?;
    if due.is_empty() {
        return Ok(changed);
    }
    let mut changed = changed.unwrap_or(Changed {
        users: Some(BTreeSet::new()),
        groups: Some(BTreeSet::new()),
    });
    for entry in due {
        let set = match entry.kind {
            ResourceKind::User => changed.users.as_mut(),
            ResourceKind::Group => changed.groups.as_mut(),
        };
        // `None` means every object of that kind is planned already.
        if let Some(set) = set {
            set.insert(entry.source_id);
        }
    }
    Ok(Some(changed))
}

/// What changed in the tenant after `position`, or `None` when nothing did. Reading stops at
/// 10,000 changes: past that, the run plans everything (cheaper than naming each object).
async fn changes(
    stores: &scimitar_store::Stores,
    tenant: TenantId,
    position: i64,
) -> anyhow::Result<Option<Changed>> {
    const MAX: i64 = 10_000;
    let batch = stores
        .directory
        .changes_since(tenant, position, MAX + 1)
        .await?;
    if batch.is_empty() {
        return Ok(None);
    }
    if batch.len() as i64 > MAX {
        return Ok(Some(Changed::default()));
    }
    let (mut users, mut groups) = (BTreeSet::new(), BTreeSet::new());
    for c in batch {
        match c.kind {
            ResourceKind::User => users.insert(c.resource_id),
            ResourceKind::Group => groups.insert(c.resource_id),
        };
    }
    Ok(Some(Changed {
        users: Some(users),
        groups: Some(groups),
    }))
}
