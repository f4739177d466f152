//! A run's record in the database: started under a lease (one running run per app across
//! replicas), finished with its summary and one log line per object, and the change-log
//! position it covered, from which the next incremental run reads on.

use std::collections::BTreeMap;

use scimitar_core::clock::format_timestamp;
use scimitar_core::{AppStore, DirectoryStore, RunObjectLog, RunRecord, StoreError, TenantId};
use serde_json::json;

use super::{Open, RunError, Tally};
use crate::engine::{RunResult, Status};
use crate::plan::{Plan, RunKind};

/// How long a run holds its app without a sign of life; its process renews it every
/// [`HEARTBEAT`] (and with each batch). A run whose process died is abandoned once this ran
/// out, or at once by a process on the same host that sees the owner's process is gone.
const RUN_LEASE: time::Duration = time::Duration::seconds(60);
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(15);

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Who runs: this host and process, as the run's owner.
fn owner() -> String {
    format!("{}:{}", host(), std::process::id())
}

/// Whether `owner` is a process of this host that no longer exists (killed, crashed).
fn owner_is_dead_here(owner: &str) -> bool {
    let Some((host_name, pid)) = owner.rsplit_once(':') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    host_name == host()
        && pid != std::process::id()
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Renews a running run's lease every [`HEARTBEAT`] until dropped, so a run that waits long on
/// a slow or throttling app is not taken for dead.
pub(super) struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    pub(super) fn start(apps: std::sync::Arc<dyn AppStore>, run_id: String) -> Heartbeat {
        Heartbeat(tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let until = format_timestamp(time::OffsetDateTime::now_utc() + RUN_LEASE);
                match apps.renew_run_lease(&run_id, &until).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(run = %run_id, "renewing the run's lease failed: {e}"),
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Open<'_> {
    /// Record the start of a run; refused while another run of the app (on any replica)
    /// holds its lease.
    pub(super) async fn start(&self, kind: RunKind) -> Result<RunRecord, RunError> {
        let now = time::OffsetDateTime::now_utc();
        let record = RunRecord {
            id: uuid::Uuid::new_v4().to_string(),
            app_id: self.app.id.clone(),
            kind: match kind {
                RunKind::Initial => "initial",
                RunKind::Incremental => "incremental",
                RunKind::OnDemand => "on-demand",
                RunKind::Reconcile => "reconcile",
            }
            .into(),
            state: "running".into(),
            owner: owner(),
            lease_until: format_timestamp(now + RUN_LEASE),
            started: format_timestamp(now),
            finished: None,
            summary: json!({}),
        };
        let apps = &self.provisioner.apps;
        let mut started = apps.start_run(&record).await;
        if matches!(started, Err(StoreError::Conflict(_))) && self.take_over_dead_run().await? {
            started = apps.start_run(&record).await;
        }
        started.map_err(|e| match e {
            StoreError::Conflict(what) => RunError::InProgress(what),
            other => other.into(),
        })?;
        Ok(record)
    }

    /// The app's running run, when its owner was a process of this host that is gone (killed
    /// with `kill -9`, crashed): its lease is ended so a new run may start at once. Returns
    /// whether one was ended.
    async fn take_over_dead_run(&self) -> Result<bool, RunError> {
        let apps = &self.provisioner.apps;
        let runs = apps.runs(&self.app.id, 5).await?;
        let Some(dead) = runs
            .iter()
            .find(|r| r.state == "running" && owner_is_dead_here(&r.owner))
        else {
            return Ok(false);
        };
        tracing::warn!(run = %dead.id, owner = %dead.owner, "the process running this app's run is gone; the run is abandoned");
        Ok(apps
            .renew_run_lease(&dead.id, "1970-01-01T00:00:00Z")
            .await?)
    }

    /// Log a batch of the running run: its objects' results with the plan's steps, the counts
    /// so far, and a renewed lease. Fails (and the run must stop) when another process took
    /// the app over after the lease ran out.
    pub(super) async fn progress(
        &self,
        run: &RunRecord,
        tallies: &(Tally, Tally),
        parts: &[(&Plan, &RunResult)],
    ) -> Result<(), RunError> {
        let lease = format_timestamp(time::OffsetDateTime::now_utc() + RUN_LEASE);
        self.provisioner
            .apps
            .log_run_progress(&run.id, &lease, &summary(tallies), &log_rows(parts))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(what) => RunError::InProgress(what),
                other => RunError::Internal(format!("logging the run: {other}")),
            })
    }

    /// Record the end of a run: the counts, the error that stopped it or the change-log
    /// position it covered, and the log of `parts` not logged yet.
    pub(super) async fn finish(
        &self,
        run: &RunRecord,
        tallies: &(Tally, Tally),
        parts: &[(&Plan, &RunResult)],
        error: Option<String>,
        position: Option<i64>,
    ) -> Result<(), RunError> {
        let mut summary = summary(tallies);
        if let Some(e) = error {
            summary["error"] = json!(e);
        }
        if let Some(p) = position {
            summary["position"] = json!(p);
        }
        let now = format_timestamp(time::OffsetDateTime::now_utc());
        self.provisioner
            .apps
            .finish_run(&run.id, "finished", &now, &summary, &log_rows(parts))
            .await
            .map_err(|e| RunError::Internal(format!("recording the run's log: {e}")))
    }
}

/// A run's summary: objects by `action.status`, users and groups together.
fn summary(tallies: &(Tally, Tally)) -> serde_json::Value {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for t in [&tallies.0, &tallies.1] {
        for (k, n) in &t.counts {
            *counts.entry(k).or_default() += n;
        }
    }
    json!(counts)
}

/// One log row per object of `parts`: its result and the plan's steps for it.
fn log_rows(parts: &[(&Plan, &RunResult)]) -> Vec<RunObjectLog> {
    let mut objects = Vec::new();
    for (plan, result) in parts {
        for (op, o) in plan.operations.iter().zip(&result.objects) {
            let (error, hint) = match &o.status {
                Status::Failed { error, hint } => (Some(error.clone()), Some(hint.clone())),
                _ => (None, None),
            };
            objects.push(RunObjectLog {
                kind: op.kind,
                source_id: o.source_id.clone(),
                name: o.name.clone(),
                action: o.action.clone(),
                status: o.status.as_str().into(),
                target_id: o.target_id.clone(),
                error,
                hint,
                steps: serde_json::to_value(&op.steps).unwrap_or_default(),
            });
        }
    }
    objects
}

/// The change-log position the app's last successful run covered, if it ever had one.
pub async fn covered_position(apps: &dyn AppStore, app_id: &str) -> Result<Option<i64>, RunError> {
    let runs = apps.runs(app_id, 10).await?;
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
pub(super) async fn latest_position(
    store: &dyn DirectoryStore,
    tenant: TenantId,
    from: i64,
) -> Result<i64, RunError> {
    let mut position = from;
    loop {
        let batch = store.changes_since(tenant, position, 10_000).await?;
        match batch.last() {
            Some(last) => position = last.position,
            None => return Ok(position),
        }
    }
}
