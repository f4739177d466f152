//! `scimitar app plan | sync | provision`: a run's plan for users, then groups (a group's
//! members resolve through the users' links, so users go first), and its execution. `sync`
//! prints each plan before it executes exactly that plan.

use scimitar_core::service::AppAdmin;
use std::collections::{BTreeMap, BTreeSet};

use scimitar_core::clock::format_timestamp;
use scimitar_core::{
    AppRecord, Directory, RunObjectLog, RunRecord, StoreError, TenantContext, TenantId,
};
use scimitar_provisioning::connector::ScimConnector;
use scimitar_provisioning::engine::{
    execute, plan_kind, DirectorySide, EngineError, RunResult, Status,
};
use scimitar_provisioning::mapping::MappingContext;
use scimitar_provisioning::plan::{Plan, RunKind};
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use crate::admin::explain;
use crate::apps::{connector_for, failed, tenant_id};
use crate::config::Settings;
use crate::lookup::{find_one, tenant_directory};

/// How long a run may hold its app before another process may take over (a run whose process
/// died is abandoned after this).
const RUN_LEASE: time::Duration = time::Duration::minutes(15);

fn run_kind(initial: bool) -> RunKind {
    if initial {
        RunKind::Initial
    } else {
        RunKind::Incremental
    }
}

/// The app, its connector, and what plans need from the directory, each read once.
struct Run<'a> {
    stores: &'a scimitar_store::Stores,
    directory: Directory,
    ctx: TenantContext,
    app: AppRecord,
    connector: ScimConnector,
}

impl<'a> Run<'a> {
    async fn open(
        settings: &'a Settings,
        stores: &'a scimitar_store::Stores,
        admin: &AppAdmin,
        tenant: &'a str,
        name: &str,
    ) -> anyhow::Result<Run<'a>> {
        let (_, directory, ctx) = tenant_directory(settings, stores, tenant).await?;
        let app = admin.get(ctx.tenant, name).await.map_err(explain)?;
        let connector = connector_for(admin, &app)?;
        Ok(Run {
            stores,
            directory,
            ctx,
            app,
            connector,
        })
    }

    async fn plan(
        &self,
        kind: ResourceKind,
        run: RunKind,
        only: Option<&BTreeSet<String>>,
    ) -> anyhow::Result<Plan> {
        let side = DirectorySide {
            directory: &self.directory,
            store: self.stores.directory.as_ref(),
            ctx: &self.ctx,
        };
        let context = MappingContext {
            now: time::OffsetDateTime::now_utc(),
            seed: None,
        };
        plan_kind(
            kind,
            &side,
            self.stores.apps.as_ref(),
            &self.app,
            &self.connector,
            run,
            context,
            only,
        )
        .await
        .map_err(|e| match e {
            EngineError::Connector(c) => failed(c),
            other => anyhow::anyhow!("{other}"),
        })
    }

    /// Record the start of a run; refused while another run of the app (on any replica)
    /// holds its lease.
    async fn start(&self, kind: RunKind) -> anyhow::Result<RunRecord> {
        let now = time::OffsetDateTime::now_utc();
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        let record = RunRecord {
            id: uuid::Uuid::new_v4().to_string(),
            app_id: self.app.id.clone(),
            kind: match kind {
                RunKind::Initial => "initial",
                RunKind::Incremental => "incremental",
                RunKind::OnDemand => "on-demand",
            }
            .into(),
            state: "running".into(),
            owner: format!("{}:{}", host.trim(), std::process::id()),
            lease_until: format_timestamp(now + RUN_LEASE),
            started: format_timestamp(now),
            finished: None,
            summary: json!({}),
        };
        self.stores
            .apps
            .start_run(&record)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(what) => {
                    anyhow::anyhow!("{what}; wait for it to finish (`scimitar app logs`)")
                }
                other => anyhow::anyhow!("{other}"),
            })?;
        Ok(record)
    }

    /// Record the end of a run with each object's result and the plan's steps for it.
    async fn finish(
        &self,
        run: &RunRecord,
        parts: &[(&Plan, &RunResult)],
        error: Option<String>,
        position: Option<i64>,
    ) -> anyhow::Result<()> {
        let mut objects = Vec::new();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for (plan, result) in parts {
            for (op, o) in plan.operations.iter().zip(&result.objects) {
                let (status, error, hint) = match &o.status {
                    Status::Done => ("done", None, None),
                    Status::Skipped => ("skipped", None, None),
                    Status::Failed { error, hint } => {
                        ("failed", Some(error.clone()), Some(hint.clone()))
                    }
                };
                *counts.entry(format!("{}.{status}", o.action)).or_default() += 1;
                objects.push(RunObjectLog {
                    kind: op.kind,
                    source_id: o.source_id.clone(),
                    name: o.name.clone(),
                    action: o.action.clone(),
                    status: status.into(),
                    target_id: o.target_id.clone(),
                    error,
                    hint,
                    steps: serde_json::to_value(&op.steps).unwrap_or_default(),
                });
            }
        }
        let mut summary = json!(counts);
        if let Some(e) = error {
            summary["error"] = json!(e);
        }
        if let Some(p) = position {
            summary["position"] = json!(p);
        }
        let now = format_timestamp(time::OffsetDateTime::now_utc());
        self.stores
            .apps
            .finish_run(&run.id, "finished", &now, &summary, &objects)
            .await
            .map_err(|e| anyhow::anyhow!("recording the run's log: {e}"))
    }

    async fn execute(&self, plan: &Plan) -> RunResult {
        let now = scimitar_core::clock::format_timestamp(time::OffsetDateTime::now_utc());
        execute(
            plan,
            &self.app.id,
            self.stores.apps.as_ref(),
            &self.connector,
            &now,
        )
        .await
    }
}

pub async fn plan(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant: &str,
    name: &str,
    initial: bool,
) -> anyhow::Result<()> {
    let run = Run::open(settings, stores, admin, tenant, name).await?;
    let users = run
        .plan(ResourceKind::User, run_kind(initial), None)
        .await?;
    let groups = run
        .plan(ResourceKind::Group, run_kind(initial), None)
        .await?;
    if settings.json {
        println!("{}", json!({"users": users, "groups": groups}));
    } else {
        print!("{users}");
        println!();
        print!("{groups}");
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

/// What one sync did.
pub struct Synced {
    pub run: RunRecord,
    pub users: Plan,
    pub user_results: RunResult,
    pub groups: Plan,
    pub group_results: RunResult,
}

impl Synced {
    pub fn failed(&self) -> usize {
        self.user_results.failed() + self.group_results.failed()
    }
}

/// The change-log position the app's last successful run covered, if it ever had one.
pub async fn covered_position(
    stores: &scimitar_store::Stores,
    app_id: &str,
) -> anyhow::Result<Option<i64>> {
    let runs = stores.apps.runs(app_id, 10).await?;
    Ok(runs
        .iter()
        .find(|r| r.state == "finished" && r.summary.get("error").is_none())
        .and_then(|r| {
            r.summary
                .get("position")
                .and_then(serde_json::Value::as_i64)
        }))
}

/// The newest change-log position of the tenant, read onwards from `from`: a run that starts
/// after reading it covers every change up to it (the scheduler runs again only past it).
async fn latest_position(
    stores: &scimitar_store::Stores,
    tenant: TenantId,
    from: i64,
) -> anyhow::Result<i64> {
    let mut position = from;
    loop {
        let batch = stores
            .directory
            .changes_since(tenant, position, 10_000)
            .await?;
        match batch.last() {
            Some(last) => position = last.position,
            None => return Ok(position),
        }
    }
}

/// What an incremental run covers: the users and groups that changed (`None`: all of that kind,
/// e.g. every user when a group's membership changed, since who is assigned may have too).
#[derive(Debug, Default)]
pub struct Changed {
    pub users: Option<BTreeSet<String>>,
    pub groups: Option<BTreeSet<String>>,
}

/// One run of app `name`: users, then groups (all of them, or with `changed` only those);
/// recorded with its log. Prints nothing.
pub async fn sync_app(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant: &str,
    name: &str,
    kind: RunKind,
    changed: Option<&Changed>,
) -> anyhow::Result<Synced> {
    let run = Run::open(settings, stores, admin, tenant, name).await?;
    let record = run.start(kind).await?;
    let from = covered_position(stores, &run.app.id).await?.unwrap_or(0);
    let position = latest_position(stores, run.app.tenant, from).await?;
    let only_users = changed.and_then(|c| c.users.as_ref());
    let only_groups = changed.and_then(|c| c.groups.as_ref());
    let users = match run.plan(ResourceKind::User, kind, only_users).await {
        Ok(p) => p,
        Err(e) => {
            run.finish(&record, &[], Some(e.to_string()), None).await?;
            return Err(e);
        }
    };
    let user_results = run.execute(&users).await;
    let groups = match run.plan(ResourceKind::Group, kind, only_groups).await {
        Ok(p) => p,
        Err(e) => {
            run.finish(
                &record,
                &[(&users, &user_results)],
                Some(e.to_string()),
                None,
            )
            .await?;
            return Err(e);
        }
    };
    let group_results = run.execute(&groups).await;
    run.finish(
        &record,
        &[(&users, &user_results), (&groups, &group_results)],
        None,
        Some(position),
    )
    .await?;
    Ok(Synced {
        run: record,
        users,
        user_results,
        groups,
        group_results,
    })
}

pub async fn sync(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant: &str,
    name: &str,
    initial: bool,
) -> anyhow::Result<()> {
    let done = sync_app(
        settings,
        stores,
        admin,
        tenant,
        name,
        run_kind(initial),
        None,
    )
    .await?;
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
            "run {} (`scimitar app logs {name} --tenant {tenant} --run {}`)",
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
    tenant: &str,
    name: &str,
    user: &str,
) -> anyhow::Result<()> {
    let run = Run::open(settings, stores, admin, tenant, name).await?;
    let found = find_one(&run.directory, &run.ctx, ResourceKind::User, user).await?;
    let id = found["id"].as_str().unwrap_or_default().to_string();
    let record = run.start(RunKind::OnDemand).await?;
    let one = BTreeSet::from([id.clone()]);
    let plan = match run
        .plan(ResourceKind::User, RunKind::OnDemand, Some(&one))
        .await
    {
        Ok(p) => p,
        Err(e) => {
            run.finish(&record, &[], Some(e.to_string()), None).await?;
            return Err(e);
        }
    };
    let result = run.execute(&plan).await;
    run.finish(&record, &[(&plan, &result)], None, None).await?;
    if settings.json {
        println!("{}", json!({"plan": plan, "results": result}));
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
        anyhow::bail!("provisioning '{user}' failed");
    }
    Ok(())
}

pub async fn logs(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant: &str,
    name: &str,
    run_id: Option<&str>,
    failed_only: bool,
) -> anyhow::Result<()> {
    let t = tenant_id(stores, tenant).await?;
    let app = admin.get(t, name).await.map_err(explain)?;
    let runs = stores.apps.runs(&app.id, 1000).await?;
    let run = match run_id {
        Some(id) => runs
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| anyhow::anyhow!("no run '{id}' of app '{name}'"))?,
        None => runs
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("app '{name}' has not run yet (`scimitar app sync`)"))?,
    };
    let objects = stores.apps.run_objects(&run.id, failed_only).await?;
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
