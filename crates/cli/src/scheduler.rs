//! Continuous provisioning in `scimitar serve`: every [`TICK`] the server looks at the apps in
//! state `running` (`scimitar app start`) and runs one whose tenant's change log has moved past
//! the position its last finished run covered (or that never ran). A change in the directory
//! therefore reaches the app within seconds. Runs are the same as `scimitar app sync`, one at a
//! time per app across replicas; a replica that finds a run in progress leaves it to its owner.
//!
//! Each triggered run still plans every assigned object (its cost follows the directory's size,
//! not the number of changes); planning only the changed objects is the next step.

use std::time::Duration;

use scimitar_core::service::{AppAdmin, TenantAdmin};
use scimitar_core::AppState;
use scimitar_provisioning::plan::RunKind;

use crate::app_runs::sync_app;
use crate::config::Settings;

const TICK: Duration = Duration::from_secs(2);

pub fn spawn(
    settings: Settings,
    stores: scimitar_store::Stores,
    tenants: TenantAdmin,
    apps: AppAdmin,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = pass(&settings, &stores, &tenants, &apps).await {
                tracing::warn!("continuous provisioning: {e:#}");
            }
        }
    });
}

async fn pass(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    tenants: &TenantAdmin,
    apps: &AppAdmin,
) -> anyhow::Result<()> {
    for tenant in tenants.list_tenants().await? {
        for view in apps.list(tenant.id).await? {
            let app = view.record;
            if app.state != AppState::Running {
                continue;
            }
            let last = stores.apps.runs(&app.id, 10).await?;
            let covered = last
                .iter()
                .find(|r| r.state == "finished" && r.summary.get("error").is_none())
                .and_then(|r| {
                    r.summary
                        .get("position")
                        .and_then(serde_json::Value::as_i64)
                });
            let due = match covered {
                None => true,
                Some(p) => !stores
                    .directory
                    .changes_since(tenant.id, p, 1)
                    .await?
                    .is_empty(),
            };
            if !due {
                continue;
            }
            let kind = if covered.is_none() {
                RunKind::Initial
            } else {
                RunKind::Incremental
            };
            match sync_app(settings, stores, apps, &tenant.name, &app.name, kind).await {
                Ok(done) => tracing::info!(
                    app = %app.name,
                    tenant = %tenant.name,
                    run = %done.run.id,
                    users = done.user_results.done(),
                    groups = done.group_results.done(),
                    failed = done.failed(),
                    "provisioning run finished"
                ),
                Err(e) if e.to_string().contains("in progress") => {}
                Err(e) => {
                    tracing::warn!(app = %app.name, tenant = %tenant.name, "provisioning run failed: {e:#}")
                }
            }
        }
    }
    Ok(())
}
