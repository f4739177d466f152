//! `scimitar app reconcile NAME --tenant T [--plan]`: repair drift in the app and report its
//! orphans (`scimitar_provisioning::runs::reconcile`), printed like `app plan` / `app sync`.

use std::io::IsTerminal;

use scimitar_core::service::AppAdmin;
use scimitar_provisioning::runs::reconcile::Orphans;
use scimitar_provisioning::runs::Tally;
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use crate::app_runs::{progress_line, provisioner, report, run_error, tenant};
use crate::config::Settings;

pub async fn reconcile(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant_name: &str,
    name: &str,
    plan_only: bool,
) -> anyhow::Result<()> {
    let t = tenant(stores, tenant_name).await?;
    let terminal = std::io::stderr().is_terminal() && !settings.json && !plan_only;
    let quiet = |_: ResourceKind, _: &Tally| {};
    let progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync) =
        if terminal { &progress_line } else { &quiet };
    let done = provisioner(settings, stores, admin)
        .reconcile(&t, name, plan_only, progress)
        .await;
    if terminal {
        eprintln!();
    }
    let done = done.map_err(run_error)?;
    if settings.json {
        let body = match (&done.run, &done.plans) {
            (Some(run), _) => {
                json!({"run": run.run.id, "failed": run.failed(), "staged": run.staged,
                                     "users": run.users, "groups": run.groups, "orphans": done.orphans})
            }
            (None, Some(plans)) => json!({"plan": plans, "orphans": done.orphans}),
            (None, None) => json!({"orphans": done.orphans}),
        };
        println!("{body}");
    } else {
        if let Some(plans) = &done.plans {
            print!("{}", plans.users);
            println!();
            print!("{}", plans.groups);
            println!();
        }
        if let Some(run) = &done.run {
            report(name, "users", &run.users);
            report(name, "groups", &run.groups);
            println!(
                "run {} (each object's steps: `scimitar app logs {name} --tenant {tenant_name} --run {}`)",
                run.run.id, run.run.id
            );
        }
        print_orphans(&done.orphans);
    }
    if let Some(run) = &done.run {
        if let Some(why) = &run.staged {
            anyhow::bail!(
                "disables and deletes held: {why}; approve with `scimitar app approve-deletes {name} --tenant {tenant_name}`"
            );
        }
        if run.failed() > 0 {
            anyhow::bail!("{} object(s) failed; see above", run.failed());
        }
    }
    Ok(())
}

fn print_orphans(orphans: &Orphans) {
    if orphans.count == 0 {
        println!("orphans: none (every account and group in the app stands for one here)");
        return;
    }
    println!(
        "orphans: {} in the app stand for nothing here; left as they are (Scimitar never deletes what it did not create):",
        orphans.count
    );
    for o in &orphans.first {
        println!(
            "  {} {} ({})",
            o.kind.as_str().to_lowercase(),
            o.name.as_deref().unwrap_or("-"),
            o.id
        );
    }
    if orphans.count > orphans.first.len() as u64 {
        println!(
            "  ... and {} more",
            orphans.count - orphans.first.len() as u64
        );
    }
}
