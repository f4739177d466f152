//! `scimitar app plan | sync | provision | logs`: the runs of `scimitar_provisioning::runs`,
//! printed for a terminal (or as JSON with `--json`). `sync` prints each plan before the
//! results of executing exactly that plan.

use std::sync::Arc;

use scimitar_core::service::{AppAdmin, TenantAdmin};
use scimitar_core::{Directory, Limits, SystemClock, Tenant};
use scimitar_provisioning::engine::{RunResult, Status};
use scimitar_provisioning::plan::RunKind;
use scimitar_provisioning::runs::{Provisioner, RunError};
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use crate::admin::explain;
use crate::config::Settings;

fn run_kind(initial: bool) -> RunKind {
    if initial {
        RunKind::Initial
    } else {
        RunKind::Incremental
    }
}

/// The provisioner over this database, as `scimitar serve` builds it.
pub fn provisioner(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
) -> Provisioner {
    Provisioner {
        directory: Directory::new(
            stores.directory.clone(),
            Arc::new(SystemClock),
            Limits::default(),
        ),
        store: stores.directory.clone(),
        apps: stores.apps.clone(),
        admin: admin.clone(),
        base_url: settings.scim_base_url(),
    }
}

async fn tenant(stores: &scimitar_store::Stores, name: &str) -> anyhow::Result<Tenant> {
    TenantAdmin::new(stores.tenants.clone(), Arc::new(SystemClock))
        .tenant(name)
        .await
        .map_err(explain)
}

fn run_error(e: RunError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub async fn plan(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
    initial: bool,
) -> anyhow::Result<()> {
    let t = tenant(stores, tenant_name).await?;
    let plans = provisioner(settings, stores, admin)
        .plan(&t, name, run_kind(initial))
        .await
        .map_err(run_error)?;
    if settings.json {
        println!("{}", json!(plans));
    } else {
        print!("{}", plans.users);
        println!();
        print!("{}", plans.groups);
    }
    Ok(())
}

fn report(name: &str, what: &str, result: &RunResult) {
    for o in &result.objects {
        if let Status::Failed { error, hint } = &o.status {
            println!(
                "FAILED {} {}: {error}\n       hint: {hint}",
                o.action,
                o.name.as_deref().unwrap_or(&o.source_id)
            );
        }
    }
    println!(
        "{what} of '{name}': {} done, {} failed, {} unchanged or skipped",
        result.done(),
        result.failed(),
        result.objects.len() - result.done() - result.failed()
    );
}

pub async fn sync(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
    initial: bool,
) -> anyhow::Result<()> {
    let t = tenant(stores, tenant_name).await?;
    let done = provisioner(settings, stores, admin)
        .sync(&t, name, run_kind(initial), None)
        .await
        .map_err(run_error)?;
    if settings.json {
        println!(
            "{}",
            json!({"run": done.run.id,
                   "users": {"plan": done.users, "results": done.user_results},
                   "groups": {"plan": done.groups, "results": done.group_results}})
        );
    } else {
        print!("{}", done.users);
        report(name, "users", &done.user_results);
        println!();
        print!("{}", done.groups);
        report(name, "groups", &done.group_results);
        println!(
            "run {} (`scimitar app logs {name} --tenant {tenant_name} --run {}`)",
            done.run.id, done.run.id
        );
    }
    if done.failed() > 0 {
        anyhow::bail!("{} object(s) failed; see above", done.failed());
    }
    Ok(())
}

pub async fn provision(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
    kind: ResourceKind,
    object: &str,
) -> anyhow::Result<()> {
    let t = tenant(stores, tenant_name).await?;
    let done = provisioner(settings, stores, admin)
        .provision(&t, name, kind, object)
        .await
        .map_err(run_error)?;
    let (plan, result) = (&done.plan, &done.results);
    if settings.json {
        println!(
            "{}",
            json!({"run": done.run.id, "plan": plan, "results": result})
        );
    } else {
        print!("{plan}");
        for o in &result.objects {
            match &o.status {
                Status::Failed { error, hint } => println!("FAILED: {error}\nhint: {hint}"),
                Status::Done => println!(
                    "done: {} (app id {})",
                    o.action,
                    o.target_id.as_deref().unwrap_or("-")
                ),
                Status::Skipped => println!("nothing to do"),
            }
        }
    }
    if result.failed() > 0 {
        anyhow::bail!("provisioning '{object}' failed");
    }
    Ok(())
}

pub async fn logs(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
    run_id: Option<&str>,
    failed_only: bool,
) -> anyhow::Result<()> {
    let t = tenant(stores, tenant_name).await?;
    let (run, objects) = provisioner(settings, stores, admin)
        .logs(t.id, name, run_id, failed_only)
        .await
        .map_err(run_error)?;
    if settings.json {
        let objects: Vec<_> = objects
            .iter()
            .map(|o| {
                json!({"kind": o.kind.as_str(), "sourceId": o.source_id, "name": o.name,
                       "action": o.action, "status": o.status, "targetId": o.target_id,
                       "error": o.error, "hint": o.hint, "steps": o.steps})
            })
            .collect();
        println!(
            "{}",
            json!({"run": {"id": run.id, "kind": run.kind, "state": run.state, "owner": run.owner,
                           "started": run.started, "finished": run.finished, "summary": run.summary},
                   "objects": objects})
        );
        return Ok(());
    }
    println!(
        "run {} ({}, {}) started {} finished {}",
        run.id,
        run.kind,
        run.state,
        run.started,
        run.finished.as_deref().unwrap_or("-")
    );
    if let Some(e) = run.summary.get("error") {
        println!("error: {e}");
    }
    for o in objects {
        println!(
            "{:<8} {:<8} {:<6} {}{}",
            o.action,
            o.status,
            o.kind.as_str(),
            o.name.as_deref().unwrap_or(&o.source_id),
            o.target_id.map(|t| format!(" -> {t}")).unwrap_or_default()
        );
        if let (Some(error), Some(hint)) = (o.error, o.hint) {
            println!("         error: {error}\n         hint: {hint}");
        }
    }
    Ok(())
}
