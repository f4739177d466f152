//! `scimitar app plan | sync | provision`: a run's plan for users, then groups (a group's
//! members resolve through the users' links, so users go first), and its execution. `sync`
//! prints each plan before it executes exactly that plan.

use scimitar_core::service::AppAdmin;
use scimitar_core::AppRecord;
use scimitar_provisioning::connector::ScimConnector;
use scimitar_provisioning::engine::{
    execute, plan_kind, DirectorySide, EngineError, RunResult, Status,
};
use scimitar_provisioning::mapping::MappingContext;
use scimitar_provisioning::plan::{Plan, RunKind};
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use crate::admin::explain;
use crate::apps::{connector, failed, tenant_id};
use crate::config::Settings;
use crate::lookup::{find_one, tenant_directory};

fn run_kind(initial: bool) -> RunKind {
    if initial {
        RunKind::Initial
    } else {
        RunKind::Incremental
    }
}

/// The app, its connector, and what plans need from the directory.
struct Run<'a> {
    settings: &'a Settings,
    stores: &'a scimitar_store::Stores,
    tenant: &'a str,
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
        let t = tenant_id(stores, tenant).await?;
        let app = admin.get(t, name).await.map_err(explain)?;
        let connector = connector(admin, t, name).await?;
        Ok(Run {
            settings,
            stores,
            tenant,
            app,
            connector,
        })
    }

    async fn plan(
        &self,
        kind: ResourceKind,
        run: RunKind,
        only: Option<&str>,
    ) -> anyhow::Result<Plan> {
        let (_, directory, ctx) = tenant_directory(self.settings, self.stores, self.tenant).await?;
        let side = DirectorySide {
            directory: &directory,
            store: self.stores.directory.as_ref(),
            ctx: &ctx,
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

pub async fn sync(
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
    if !settings.json {
        print!("{users}");
    }
    let user_results = run.execute(&users).await;
    if !settings.json {
        report(name, "users", &user_results);
        println!();
    }
    let groups = run
        .plan(ResourceKind::Group, run_kind(initial), None)
        .await?;
    if !settings.json {
        print!("{groups}");
    }
    let group_results = run.execute(&groups).await;
    if settings.json {
        println!(
            "{}",
            json!({"users": {"plan": users, "results": user_results},
                   "groups": {"plan": groups, "results": group_results}})
        );
    } else {
        report(name, "groups", &group_results);
    }
    let failed = user_results.failed() + group_results.failed();
    if failed > 0 {
        anyhow::bail!("{failed} object(s) failed; see above");
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
    let (_, directory, ctx) = tenant_directory(settings, stores, tenant).await?;
    let found = find_one(&directory, &ctx, ResourceKind::User, user).await?;
    let id = found["id"].as_str().unwrap_or_default().to_string();
    let run = Run::open(settings, stores, admin, tenant, name).await?;
    let plan = run
        .plan(ResourceKind::User, RunKind::OnDemand, Some(&id))
        .await?;
    let result = run.execute(&plan).await;
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
