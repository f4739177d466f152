//! Reconcile (PRODUCT.md C3, issue 5): repair what changed in the app behind Scimitar's back.
//! A reconcile is a run over every user and group in which each linked account is read back
//! from the app and compared with what the mappings say, so that
//! - an account deleted in the app is matched again and created (never duplicated),
//! - an account edited in the app is updated back,
//! - a group whose members were changed in the app gets its members back,
//! - an account deactivated in the app while active here is enabled again;
//!
//! then the app's accounts and groups are listed, page by page, to find those that stand for
//! nothing here (*orphans*). An orphan that matches an unlinked directory object in scope by
//! the matching attributes was adopted by the run itself (linked, then updated, as any match
//! is); the others are reported and left as they are: Scimitar never deletes what it did not
//! create. `--plan` shows all of it and changes nothing. A continuously provisioned app
//! reconciles by itself every `reconcile_interval` (default a day).

use std::collections::HashSet;
use std::time::Duration;

use scimitar_core::clock::format_timestamp;
use scimitar_core::{AppRecord, Tenant};
use scimitar_scim::schema::ResourceKind;
use serde::Serialize;
use serde_json::{json, Value as Json};
use time::OffsetDateTime;

use super::{connector_for, settings_time, Plans, Provisioner, Run, RunError, Synced, Tally};
use crate::connector::{Connector, PageRequest};
use crate::plan::{Action, RunKind};

/// Orphans reported at most (the count goes on).
const MAX_REPORTED: usize = 1000;
/// Objects read per page when listing the app.
const PAGE: u64 = 500;
pub const DEFAULT_RECONCILE_INTERVAL: Duration = Duration::from_secs(86_400);

/// An account or group in the app that stands for nothing in Scimitar's directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Orphan {
    #[serde(serialize_with = "kind_name")]
    pub kind: ResourceKind,
    /// The id in the app.
    pub id: String,
    /// userName or displayName, as the app has it.
    pub name: Option<String>,
}

fn kind_name<S: serde::Serializer>(k: &ResourceKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

/// The app's orphans: the first [`MAX_REPORTED`], and how many there are in all.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Orphans {
    pub count: u64,
    pub first: Vec<Orphan>,
}

/// What a reconcile did (or, with `plan`, would do).
#[derive(Debug)]
pub struct Reconciled {
    /// The run, unless this was the plan.
    pub run: Option<Synced>,
    /// The plan, when only planned.
    pub plans: Option<Plans>,
    pub orphans: Orphans,
}

impl Provisioner {
    /// Reconcile app `name`: plan (`plan_only`) or run a pass over every object with each
    /// linked account read back, then list the app for orphans.
    pub async fn reconcile(
        &self,
        tenant: &Tenant,
        name: &str,
        plan_only: bool,
        progress: &(dyn Fn(ResourceKind, &Tally) + Send + Sync),
    ) -> Result<Reconciled, RunError> {
        let (run, plans, adopted) = if plan_only {
            let plans = self.plan(tenant, name, RunKind::Reconcile).await?;
            // Accounts the run would adopt are not orphans.
            let adopted: HashSet<String> = plans
                .users
                .operations
                .iter()
                .chain(&plans.groups.operations)
                .filter_map(|op| match &op.action {
                    Action::Link { target_id, .. } => Some(target_id.clone()),
                    _ => None,
                })
                .collect();
            (None, Some(plans), adopted)
        } else {
            let run = self
                .run_sync(tenant, name, RunKind::Reconcile, None, progress, Run::Asked)
                .await?;
            (Some(run), None, HashSet::new())
        };
        let app = self.admin.get(tenant.id, name).await?;
        let orphans = self.orphans(tenant, &app, &adopted).await?;
        if !plan_only {
            self.record_reconciled(tenant, name, Some(orphans.count))
                .await?;
        }
        Ok(Reconciled {
            run,
            plans,
            orphans,
        })
    }

    /// Record that app `name` was reconciled now (an initial run counts, with `orphans`
    /// unknown), from which its reconcile interval counts.
    pub async fn record_reconciled(
        &self,
        tenant: &Tenant,
        name: &str,
        orphans: Option<u64>,
    ) -> Result<(), RunError> {
        let at = format_timestamp(OffsetDateTime::now_utc());
        let record = json!({"at": at, "orphans": orphans});
        self.admin
            .set_setting(tenant.id, name, "reconciled", Some(record))
            .await?;
        Ok(())
    }

    /// The app's orphans after a run.
    pub(super) async fn reconcile_orphans(
        &self,
        tenant: &Tenant,
        app: &AppRecord,
    ) -> Result<Orphans, RunError> {
        self.orphans(tenant, app, &HashSet::new()).await
    }

    /// The app's users and groups that no link names (nor `adopted`).
    async fn orphans(
        &self,
        tenant: &Tenant,
        app: &AppRecord,
        adopted: &HashSet<String>,
    ) -> Result<Orphans, RunError> {
        let connector = connector_for(&self.admin, app, &tenant.name)?;
        let mut orphans = Orphans::default();
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let linked: HashSet<String> = self
                .apps
                .all_links(&app.id, kind)
                .await?
                .into_iter()
                .map(|l| l.target_id)
                .collect();
            let mut page = Some(PageRequest::first(PAGE));
            while let Some(request) = page {
                let got = connector
                    .list(kind, request)
                    .await
                    .map_err(|error| RunError::Connector { error })?;
                for o in got.objects {
                    if linked.contains(&o.id) || adopted.contains(&o.id) {
                        continue;
                    }
                    orphans.count += 1;
                    if orphans.first.len() < MAX_REPORTED {
                        let key = match kind {
                            ResourceKind::User => "userName",
                            ResourceKind::Group => "displayName",
                        };
                        orphans.first.push(Orphan {
                            kind,
                            name: o.body.get(key).and_then(Json::as_str).map(str::to_string),
                            id: o.id,
                        });
                    }
                }
                page = got.next;
            }
        }
        Ok(orphans)
    }

    /// Whether continuous provisioning should reconcile app `app` now: its interval
    /// (`reconcile_interval` seconds, default a day; 0 never) has passed since the last one.
    pub fn reconcile_due(app: &AppRecord) -> bool {
        let interval = app
            .settings
            .get("reconcile_interval")
            .and_then(Json::as_u64)
            .map_or(DEFAULT_RECONCILE_INTERVAL, Duration::from_secs);
        if interval.is_zero() {
            return false;
        }
        let last = settings_time(app, "/reconciled/at");
        match last {
            // Never reconciled: count from its first run instead of reconciling at once.
            None => false,
            Some(t) => OffsetDateTime::now_utc() - t >= interval,
        }
    }
}
