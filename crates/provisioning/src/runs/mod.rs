//! Runs of an app, as the CLI, the admin API and the scheduler start them: a plan for users,
//! then groups (a group's members resolve through the users' links, so users go first), the
//! execution of exactly that plan, and the run's record with one log line per object. One
//! place, so `scimitar app sync` and `POST /api/v1/apps/{name}/sync` cannot drift apart.

pub mod escrow;
pub mod guard;
pub mod health;
mod notices;
pub mod reconcile;
mod record;
mod tally;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use scimitar_core::service::{AppAdmin, ListParams};
use scimitar_core::{
    AppAuth, AppRecord, CoreError, Directory, DirectoryStore, RunObjectLog, RunRecord, StoreError,
    Tenant, TenantContext, TenantId,
};
use scimitar_scim::schema::ResourceKind;
use serde::Serialize;

use crate::connector::{Auth, ConnectorError, ScimConnector, ScimConnectorConfig};
use crate::engine::{
    app_settings, assignment_drift, execute, plan_batch, plan_kind, Batches, DirectorySide,
    EngineError, RunResult, DEFAULT_CONCURRENCY,
};
use crate::mapping::MappingContext;
use crate::plan::{Action, Operation, Plan, RunKind};

pub use record::covered_position;
pub use tally::Tally;

/// Why a run (or its plan, or reading its log) did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The app, user, group or run asked for does not exist, or a setting is refused.
    #[error("{}", .0.detail)]
    Request(scimitar_scim::error::ScimError),
    /// Another run of the app holds its lease (on this or another replica).
    #[error("{0}; wait for it to finish (`scimitar app logs`)")]
    InProgress(String),
    /// The app failed the run as a whole (a plan needs it to answer).
    #[error("{error}\nhint: {}", error.hint())]
    Connector { error: ConnectorError },
    /// The app's settings cannot be used.
    #[error("{0}")]
    Settings(String),
    /// Scimitar's own storage failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RunError {
    /// The HTTP status the admin API answers with.
    pub fn status(&self) -> u16 {
        match self {
            RunError::Request(e) => e.status,
            RunError::InProgress(_) => 409,
            RunError::Connector { .. } => 502,
            RunError::Settings(_) => 422,
            RunError::Internal(_) => 500,
        }
    }
}

impl From<CoreError> for RunError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Scim(s) => RunError::Request(s),
            CoreError::Internal(m) => RunError::Internal(m),
        }
    }
}

impl From<StoreError> for RunError {
    fn from(e: StoreError) -> Self {
        RunError::Internal(e.to_string())
    }
}

impl From<EngineError> for RunError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Connector(error) => RunError::Connector { error },
            EngineError::Settings(m) => RunError::Settings(format!("the app's settings: {m}")),
            EngineError::Directory(m) => RunError::Internal(format!("reading the directory: {m}")),
        }
    }
}

fn not_found(detail: String) -> RunError {
    RunError::Request(scimitar_scim::error::ScimError::not_found(detail))
}

/// Who started a run: someone (CLI, API), an approval of held deletes (the threshold is
/// lifted), or continuous provisioning (failed-run notices are rate-limited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Asked,
    Approved,
    Scheduled,
}

/// What an incremental run covers: the users and groups that changed (`None`: all of that
/// kind). When a group changed, the run also plans the users whose assignment may have changed
/// with it ([`assignment_drift`]), not every user.
#[derive(Debug, Default, Clone)]
pub struct Changed {
    pub users: Option<BTreeSet<String>>,
    pub groups: Option<BTreeSet<String>>,
}

/// The dry run of both kinds.
#[derive(Debug, Serialize)]
pub struct Plans {
    pub users: Plan,
    pub groups: Plan,
}

/// What one run did: counts and failures per kind. Each object's action, steps and outcome
/// are in the run's log (`scimitar app logs`), written batch by batch as the run goes.
#[derive(Debug)]
pub struct Synced {
    pub run: RunRecord,
    pub users: Tally,
    pub groups: Tally,
    /// Why the run's disables and deletes were held back (the accidental-deletion
    /// threshold), when they were; they wait for `approve_deletes`.
    pub staged: Option<String>,
}

impl Synced {
    pub fn failed(&self) -> u64 {
        self.users.failed + self.groups.failed
    }
}

/// What provisioning one object on demand did.
#[derive(Debug)]
pub struct OnDemand {
    pub run: RunRecord,
    pub plan: Plan,
    pub results: RunResult,
}

/// Runs apps against one database: the directory to read, the stores and the app
/// administration (credentials are opened through it).
#[derive(Clone)]
pub struct Provisioner {
    pub directory: Directory,
    pub store: Arc<dyn DirectoryStore>,
    pub apps: Arc<dyn scimitar_core::AppStore>,
    pub admin: AppAdmin,
    /// The directory's SCIM base URL, as rendered resources carry it.
    pub base_url: String,
    /// Delivers the apps' notifications (`notices.rs`).
    pub notifier: crate::notify::Notifier,
}

/// The app, its connector, and what plans need from the directory, each read once.
struct Open<'a> {
    provisioner: &'a Provisioner,
    ctx: TenantContext,
    app: AppRecord,
    connector: ScimConnector,
}

/// The SCIM connector for an app of tenant `tenant_name`, with its credentials opened (an
/// OAuth app shares this process's token source for it).
pub fn connector_for(
    admin: &AppAdmin,
    app: &AppRecord,
    tenant_name: &str,
) -> Result<ScimConnector, RunError> {
    let auth = match admin.open_auth(app)? {
        AppAuth::Bearer { token } => Auth::bearer(token),
        AppAuth::Basic { user, password } => Auth::basic(user, password),
        AppAuth::OAuth(settings) => Auth::OAuth(
            crate::oauth::token_source(admin, app, settings, tenant_name)
                .map_err(|error| RunError::Connector { error })?,
        ),
    };
    let settings = app_settings(app)?;
    let mut config = ScimConnectorConfig::new(app.scim_url.clone(), auth);
    config.timeout = settings.timeout;
    config.rate_limit = settings.rate_limit;
    config.retry.attempts = settings.attempts;
    ScimConnector::new(config).map_err(|error| RunError::Connector { error })
}

impl Provisioner {
    async fn open(&self, tenant: &Tenant, name: &str) -> Result<Open<'_>, RunError> {
        let app = self.admin.get(tenant.id, name).await?;
        let connector = connector_for(&self.admin, &app, &tenant.name)?;
        Ok(Open {
            provisioner: self,
            ctx: TenantContext {
                tenant: tenant.id,
                policy: tenant.policy.clone(),
                base_url: self.base_url.clone(),
            },
            app,
            connector,
        })
    }

    /// The dry run: what a run of `kind` would do to each user and group, and why. Reads the
    /// app to look accounts up; changes nothing.
    pub async fn plan(
        &self,
        tenant: &Tenant,
        name: &str,
        kind: RunKind,
    ) -> Result<Plans, RunError> {
        let open = self.open(tenant, name).await?;
        Ok(Plans {
            users: open.plan(ResourceKind::User, kind, None).await?,
            groups: open.plan(ResourceKind::Group, kind, None).await?,
        })
    }

    /// One run of app `name`: users, then groups (all of them, or with `changed` only those),
    /// a batch at a time: each batch is planned, executed exactly as planned, and logged (which
    /// renews the run's lease) before the next is read. `progress` is told after each batch.
    pub async fn sync(
        &self,
        tenant: &Tenant,
        name: &str,
        kind: RunKind,
        changed: Option<&Changed>,
        progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync),
    ) -> Result<Synced, RunError> {
        self.run_sync(tenant, name, kind, changed, progress, Run::Asked)
            .await
    }

    /// A reconcile started by continuous provisioning (notices as for `scheduled_sync`).
    pub async fn scheduled_reconcile(
        &self,
        tenant: &Tenant,
        name: &str,
    ) -> Result<Synced, RunError> {
        let done = self
            .run_sync(
                tenant,
                name,
                RunKind::Reconcile,
                None,
                &|_, _| {},
                Run::Scheduled,
            )
            .await?;
        let app = self.admin.get(tenant.id, name).await?;
        let orphans = self.reconcile_orphans(tenant, &app).await?;
        self.record_reconciled(tenant, name, Some(orphans.count))
            .await?;
        Ok(done)
    }

    /// A run started by continuous provisioning: as [`Provisioner::sync`], with failed-run
    /// notices limited to one an hour.
    pub async fn scheduled_sync(
        &self,
        tenant: &Tenant,
        name: &str,
        kind: RunKind,
        changed: Option<&Changed>,
    ) -> Result<Synced, RunError> {
        self.run_sync(tenant, name, kind, changed, &|_, _| {}, Run::Scheduled)
            .await
    }

    /// Approve the disables and deletes a run held back (`scimitar app approve-deletes`): a run
    /// of every user and group with the accidental-deletion threshold lifted for it.
    pub async fn approve_deletes(
        &self,
        tenant: &Tenant,
        name: &str,
        progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync),
    ) -> Result<Synced, RunError> {
        self.run_sync(
            tenant,
            name,
            RunKind::Incremental,
            None,
            progress,
            Run::Approved,
        )
        .await
    }

    /// A run, then its notices.
    async fn run_sync(
        &self,
        tenant: &Tenant,
        name: &str,
        kind: RunKind,
        changed: Option<&Changed>,
        progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync),
        how: Run,
    ) -> Result<Synced, RunError> {
        let (done, provisioned) = self
            .run_sync_quiet(tenant, name, kind, changed, progress, how == Run::Approved)
            .await?;
        let app = self.admin.get(tenant.id, name).await?;
        self.notify_run(tenant, &app, &done, provisioned, how == Run::Scheduled)
            .await;
        Ok(done)
    }

    /// A run, and how many objects the app had provisioned when it started.
    async fn run_sync_quiet(
        &self,
        tenant: &Tenant,
        name: &str,
        kind: RunKind,
        changed: Option<&Changed>,
        progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync),
        approved: bool,
    ) -> Result<(Synced, u64), RunError> {
        let open = self.open(tenant, name).await?;
        let record = open.start(kind).await?;
        let _alive = record::Heartbeat::start(self.apps.clone(), record.id.clone());
        let from = covered_position(self.apps.as_ref(), &open.app.id)
            .await?
            .unwrap_or(0);
        let position = record::latest_position(self.store.as_ref(), tenant.id, from).await?;
        let only_groups = changed.and_then(|c| c.groups.as_ref());
        let only_users = match changed.and_then(|c| c.users.as_ref()) {
            Some(users) if only_groups.is_some_and(|g| !g.is_empty()) => match open.drift().await {
                Ok(drift) => Some(users.union(&drift).cloned().collect()),
                Err(e) => {
                    let none = (Tally::default(), Tally::default());
                    open.finish(&record, &none, &[], Some(e.to_string()), None)
                        .await?;
                    return Err(e);
                }
            },
            other => other.cloned(),
        };
        let provisioned = self
            .apps
            .link_count(&open.app.id, ResourceKind::User)
            .await?
            + self
                .apps
                .link_count(&open.app.id, ResourceKind::Group)
                .await?;
        let mut tallies = (Tally::default(), Tally::default());
        let mut held = Vec::new();
        let walk = [
            (ResourceKind::User, only_users.as_ref()),
            (ResourceKind::Group, only_groups),
        ];
        for (object_kind, only) in walk {
            let done = open
                .run_kind(
                    &record,
                    object_kind,
                    kind,
                    only,
                    (&mut tallies, &mut held),
                    progress,
                )
                .await;
            if let Err(e) = done {
                open.finish(&record, &tallies, &[], Some(e.to_string()), None)
                    .await?;
                return Err(e);
            }
        }
        let staged = match open
            .deprovision(&record, held, provisioned as u64, approved, &mut tallies)
            .await
        {
            Ok(staged) => staged,
            Err(e) => {
                open.finish(&record, &tallies, &[], Some(e.to_string()), None)
                    .await?;
                return Err(e);
            }
        };
        open.finish(&record, &tallies, &[], None, Some(position))
            .await?;
        Ok((
            Synced {
                run: record,
                users: tallies.0,
                groups: tallies.1,
                staged,
            },
            provisioned as u64,
        ))
    }

    /// Provision one user (by userName) or group (by displayName) now, whatever the schedule.
    pub async fn provision(
        &self,
        tenant: &Tenant,
        name: &str,
        kind: ResourceKind,
        object: &str,
    ) -> Result<OnDemand, RunError> {
        let open = self.open(tenant, name).await?;
        let id = find_one(&self.directory, &open.ctx, kind, object).await?;
        let record = open.start(RunKind::OnDemand).await?;
        let _alive = record::Heartbeat::start(self.apps.clone(), record.id.clone());
        let one = BTreeSet::from([id]);
        let plan = match open.plan(kind, RunKind::OnDemand, Some(&one)).await {
            Ok(p) => p,
            Err(e) => {
                let none = (Tally::default(), Tally::default());
                open.finish(&record, &none, &[], Some(e.to_string()), None)
                    .await?;
                return Err(e);
            }
        };
        let results = open.execute(&plan).await;
        escrow::record(
            self.apps.as_ref(),
            &open.app.id,
            kind,
            &results,
            time::OffsetDateTime::now_utc(),
            app_settings(&open.app)
                .map_or((Duration::from_secs(60), Duration::from_secs(3600)), |s| {
                    (s.escrow_base, s.escrow_cap)
                }),
        )
        .await?;
        let mut tallies = (Tally::default(), Tally::default());
        match kind {
            ResourceKind::User => tallies.0.add(&results),
            ResourceKind::Group => tallies.1.add(&results),
        }
        open.finish(&record, &tallies, &[(&plan, &results)], None, None)
            .await?;
        Ok(OnDemand {
            run: record,
            plan,
            results,
        })
    }

    /// A run of the app (the latest unless `run_id` is given) and its objects' log.
    pub async fn logs(
        &self,
        tenant: TenantId,
        name: &str,
        run_id: Option<&str>,
        failed_only: bool,
    ) -> Result<(RunRecord, Vec<RunObjectLog>), RunError> {
        let app = self.admin.get(tenant, name).await?;
        let runs = self.apps.runs(&app.id, 1000).await?;
        let run = match run_id {
            Some(id) => runs
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| not_found(format!("no run '{id}' of app '{name}'")))?,
            None => runs.into_iter().next().ok_or_else(|| {
                not_found(format!(
                    "app '{name}' has not run yet (`scimitar app sync`)"
                ))
            })?,
        };
        let objects = self.apps.run_objects(&run.id, failed_only).await?;
        Ok((run, objects))
    }

    /// The app's escrow: objects that failed and wait to be retried, soonest due first (at
    /// most `limit`).
    pub async fn escrow(
        &self,
        tenant: TenantId,
        name: &str,
        limit: i64,
    ) -> Result<Vec<scimitar_core::EscrowEntry>, RunError> {
        let app = self.admin.get(tenant, name).await?;
        Ok(self.apps.escrow(&app.id, None, limit).await?)
    }

    /// The app's runs, newest first.
    pub async fn runs(
        &self,
        tenant: TenantId,
        name: &str,
        limit: i64,
    ) -> Result<Vec<RunRecord>, RunError> {
        let app = self.admin.get(tenant, name).await?;
        Ok(self.apps.runs(&app.id, limit).await?)
    }
}

impl Open<'_> {
    async fn plan(
        &self,
        kind: ResourceKind,
        run: RunKind,
        only: Option<&BTreeSet<String>>,
    ) -> Result<Plan, RunError> {
        let p = self.provisioner;
        let side = DirectorySide {
            directory: &p.directory,
            store: p.store.as_ref(),
            ctx: &self.ctx,
        };
        let context = MappingContext {
            now: time::OffsetDateTime::now_utc(),
            seed: None,
        };
        Ok(plan_kind(
            kind,
            &side,
            p.apps.as_ref(),
            &self.app,
            &self.connector,
            run,
            context,
            only,
        )
        .await?)
    }

    /// The batches of one kind: planned, executed, logged, counted.
    async fn run_kind(
        &self,
        record: &RunRecord,
        object_kind: ResourceKind,
        run: RunKind,
        only: Option<&BTreeSet<String>>,
        (tallies, held): (&mut (Tally, Tally), &mut Vec<Operation>),
        progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync),
    ) -> Result<(), RunError> {
        let p = self.provisioner;
        let side = DirectorySide {
            directory: &p.directory,
            store: p.store.as_ref(),
            ctx: &self.ctx,
        };
        let settings = app_settings(&self.app)?;
        let mut batches =
            Batches::new(&side, p.apps.as_ref(), &self.app, object_kind, only).await?;
        while let Some(batch) = batches.next(&side, p.apps.as_ref()).await? {
            let context = MappingContext {
                now: time::OffsetDateTime::now_utc(),
                seed: None,
            };
            let plan = plan_batch(
                object_kind,
                p.apps.as_ref(),
                &self.app,
                &settings,
                &self.connector,
                run,
                context,
                batches.population(),
                batch,
            )
            .await?;
            // Disables and deletes wait for the end of the run (`guard.rs`).
            let (deprovisions, mut plan): (Vec<Operation>, Vec<Operation>) =
                plan.operations.into_iter().partition(|op| {
                    matches!(op.action, Action::Disable { .. } | Action::Delete { .. })
                });
            held.extend(deprovisions);
            let plan = Plan {
                kind: object_kind,
                run,
                operations: std::mem::take(&mut plan),
            };
            let results = self.execute(&plan).await;
            escrow::record(
                p.apps.as_ref(),
                &self.app.id,
                object_kind,
                &results,
                time::OffsetDateTime::now_utc(),
                (settings.escrow_base, settings.escrow_cap),
            )
            .await?;
            let tally = match object_kind {
                ResourceKind::User => &mut tallies.0,
                ResourceKind::Group => &mut tallies.1,
            };
            tally.add(&results);
            self.progress(record, tallies, &[(&plan, &results)]).await?;
            let tally = match object_kind {
                ResourceKind::User => &tallies.0,
                ResourceKind::Group => &tallies.1,
            };
            progress(object_kind, tally);
        }
        Ok(())
    }

    /// The users whose assignment may have changed with a group's membership.
    async fn drift(&self) -> Result<BTreeSet<String>, RunError> {
        let p = self.provisioner;
        let side = DirectorySide {
            directory: &p.directory,
            store: p.store.as_ref(),
            ctx: &self.ctx,
        };
        Ok(assignment_drift(&side, p.apps.as_ref(), &self.app).await?)
    }

    async fn execute(&self, plan: &Plan) -> RunResult {
        let now = scimitar_core::clock::format_timestamp(time::OffsetDateTime::now_utc());
        let concurrency = app_settings(&self.app).map_or(DEFAULT_CONCURRENCY, |s| s.concurrency);
        execute(
            plan,
            &self.app.id,
            self.provisioner.apps.as_ref(),
            &self.connector,
            &now,
            concurrency,
        )
        .await
    }
}

/// The app's limits and safety rails as `app show --json` and the admin API show them (the
/// defaults where not set), with its health and staged deletes.
pub fn limits_view(app: &AppRecord) -> serde_json::Value {
    let get = |k: &str| {
        app.settings
            .get(k)
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    };
    let or = |v: serde_json::Value, d: u64| if v.is_null() { serde_json::json!(d) } else { v };
    serde_json::json!({
        "concurrency": or(get("concurrency"), DEFAULT_CONCURRENCY as u64),
        "rateLimit": get("rate_limit"),
        "timeout": or(get("timeout"), crate::connector::DEFAULT_TIMEOUT.as_secs()),
        "attempts": or(get("attempts"), crate::connector::DEFAULT_ATTEMPTS.into()),
        "escrowBase": or(get("escrow_base"), 60),
        "escrowCap": or(get("escrow_cap"), 3600),
        "quarantineAfter": or(get("quarantine_after"), health::DEFAULT_QUARANTINE_AFTER),
        "quarantineShare": if get("quarantine_share").is_null() { serde_json::json!(health::DEFAULT_QUARANTINE_SHARE) } else { get("quarantine_share") },
        "probeInterval": or(get("probe_interval"), health::DEFAULT_PROBE_INTERVAL.as_secs()),
        "health": get("health"),
        "deletionThreshold": or(get("deletion_threshold"), guard::DEFAULT_DELETION_THRESHOLD),
        "deletionShare": if get("deletion_share").is_null() { serde_json::json!(guard::DEFAULT_DELETION_SHARE) } else { get("deletion_share") },
        "stagedDeletes": get("staged_deletes"),
        "reconcileInterval": or(get("reconcile_interval"), reconcile::DEFAULT_RECONCILE_INTERVAL.as_secs()),
        "reconciled": get("reconciled"),
    })
}

/// An RFC 3339 time the engine keeps in an app's settings (`/reconciled/at`, ...).
fn settings_time(app: &AppRecord, pointer: &str) -> Option<OffsetDateTime> {
    let text = app.settings.pointer(pointer)?.as_str()?;
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// `s` as a SCIM filter string literal.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The id of the one user with this userName (case-insensitive) or group with this
/// displayName; an error naming it when there is none, or more than one.
pub async fn find_one(
    directory: &Directory,
    ctx: &TenantContext,
    kind: ResourceKind,
    name: &str,
) -> Result<String, RunError> {
    let (attribute, what) = match kind {
        ResourceKind::User => ("userName", "user"),
        ResourceKind::Group => ("displayName", "group"),
    };
    let params = ListParams {
        filter: Some(format!("{attribute} eq {}", quoted(name))),
        count: Some(2),
        attributes: Some("id".into()),
        ..ListParams::default()
    };
    let list = directory.list(ctx, kind, &params).await?;
    let found: Vec<&str> = list["Resources"]
        .as_array()
        .map(|items| items.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    match found.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(not_found(format!("no {what} '{name}' in this tenant"))),
        _ => Err(RunError::Request(scimitar_scim::error::ScimError::new(
            400,
            None,
            format!("more than one {what} is called '{name}' in this tenant; use the SCIM API to tell them apart"),
        ))),
    }
}
