//! `scimitar app plan | sync | provision | logs`: the runs of `scimitar_provisioning::runs`,
//! printed for a terminal (or as JSON with `--json`). `sync` prints each plan before the
//! results of executing exactly that plan.

use std::sync::Arc;

use scimitar_core::service::{AppAdmin, TenantAdmin};
use scimitar_core::{Directory, Limits, SystemClock, Tenant};
use std::io::IsTerminal;

use scimitar_provisioning::engine::Status;
use scimitar_provisioning::plan::RunKind;
use scimitar_provisioning::runs::{Provisioner, RunError, Tally};
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
        notifier: crate::notifier(),
    }
}

pub(crate) async fn tenant(stores: &scimitar_store::Stores, name: &str) -> anyhow::Result<Tenant> {
    TenantAdmin::new(stores.tenants.clone(), Arc::new(SystemClock))
        .tenant(name)
        .await
        .map_err(explain)
}

pub(crate) fn run_error(e: RunError) -> anyhow::Error {
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

pub(crate) fn report(name: &str, what: &str, tally: &Tally) {
    for o in &tally.failures {
        if let Status::Failed { error, hint } = &o.status {
            println!(
                "FAILED {} {}: {error}\n       hint: {hint}",
                o.action,
                o.name.as_deref().unwrap_or(&o.source_id)
            );
        }
    }
    if tally.failed > tally.failures.len() as u64 {
        println!(
            "       ... and {} more failures (`scimitar app logs --failed`)",
            tally.failed - tally.failures.len() as u64
        );
    }
    let counts: Vec<String> = tally
        .counts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!(
        "{what} of '{name}': {} done, {} failed, {} unchanged or skipped",
        tally.done,
        tally.failed,
        tally.unchanged()
    );
    if !counts.is_empty() {
        println!("  by action: {}", counts.join(", "));
    }
}

/// On a terminal, one line on standard error that follows the run batch by batch.
pub(crate) fn progress_line(kind: ResourceKind, tally: &Tally) {
    let what = match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    };
    eprint!(
        "\r\x1b[K{what}: {} so far, {} done, {} failed",
        tally.objects, tally.done, tally.failed
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
    run(settings, stores, admin, tenant_name, name, Some(initial)).await
}

/// `app approve-deletes`: run the app with the accidental-deletion threshold lifted once.
pub async fn approve_deletes(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
) -> anyhow::Result<()> {
    run(settings, stores, admin, tenant_name, name, None).await
}

/// A sync (`Some(initial)`) or an approval run (`None`), with its summary.
async fn run(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
    sync: Option<bool>,
) -> anyhow::Result<()> {
    let t = tenant(stores, tenant_name).await?;
    let terminal = std::io::stderr().is_terminal() && !settings.json;
    let quiet = |_: ResourceKind, _: &Tally| {};
    let progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync) =
        if terminal { &progress_line } else { &quiet };
    let provisioner = provisioner(settings, stores, admin);
    let done = match sync {
        Some(initial) => {
            provisioner
                .sync(&t, name, run_kind(initial), None, progress)
                .await
        }
        None => provisioner.approve_deletes(&t, name, progress).await,
    };
    if terminal {
        eprintln!();
    }
    let done = done.map_err(run_error)?;
    if settings.json {
        println!(
            "{}",
            json!({"run": done.run.id, "failed": done.failed(), "staged": done.staged,
                   "users": done.users, "groups": done.groups})
        );
    } else {
        report(name, "users", &done.users);
        report(name, "groups", &done.groups);
        println!(
            "run {} (each object's steps: `scimitar app logs {name} --tenant {tenant_name} --run {}`)",
            done.run.id, done.run.id
        );
    }
    if let Some(why) = &done.staged {
        anyhow::bail!(
            "disables and deletes held, nothing was deprovisioned: {why}. Review them with \
             `scimitar app logs {name} --tenant {tenant_name} --run {}` (status held), then \
             approve with `scimitar app approve-deletes {name} --tenant {tenant_name}` or fix the \
             scope or assignments",
            done.run.id
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
                Status::Held => println!("held: over the accidental-deletion threshold"),
            }
        }
    }
    if result.failed() > 0 {
        anyhow::bail!("provisioning '{object}' failed");
    }
    Ok(())
}

/// The app's escrow: failed objects waiting to be retried, with their last error and hint.
pub async fn escrow(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
) -> anyhow::Result<()> {
    const SHOWN: i64 = 1000;
    let t = tenant(stores, tenant_name).await?;
    let entries = provisioner(settings, stores, admin)
        .escrow(t.id, name, SHOWN + 1)
        .await
        .map_err(run_error)?;
    let more = entries.len() as i64 > SHOWN;
    let entries = &entries[..entries.len().min(SHOWN as usize)];
    if settings.json {
        let items: Vec<_> = entries
            .iter()
            .map(|e| {
                json!({"kind": e.kind.as_str(), "sourceId": e.source_id, "attempts": e.attempts,
                       "firstFailed": e.first_failed, "nextAttempt": e.next_attempt,
                       "error": e.error, "hint": e.hint})
            })
            .collect();
        println!("{}", json!({"entries": items, "more": more}));
        return Ok(());
    }
    if entries.is_empty() {
        println!("escrow of '{name}' is empty: no failed object waits to be retried");
        return Ok(());
    }
    for e in entries {
        println!(
            "{} {}: {} failed attempt(s) since {}, next at {}\n  error: {}\n  hint:  {}",
            e.kind.as_str().to_lowercase(),
            e.source_id,
            e.attempts,
            e.first_failed,
            e.next_attempt,
            e.error,
            e.hint
        );
    }
    if more {
        println!("(the first {SHOWN}; more are waiting)");
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
