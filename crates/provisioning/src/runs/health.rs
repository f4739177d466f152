//! Quarantine (PRODUCT.md C3): an app whose calls mostly fail — credentials refused (401/403),
//! its SCIM base URL answering 404, the host unreachable, or most objects of a run failing — is
//! taken out of continuous provisioning after a few such runs in a row, so a broken app does
//! not burn requests and fill logs. While quarantined, the server only probes it (the
//! connection test) every `probe_interval`; the first probe that passes puts it back to
//! running, and its escrow is retried. The admin is told both ways (the caller sends the
//! notification this module returns).
//!
//! **Thresholds** (per app settings, documented in docs/operations.md):
//! - a run *fails* when it stops for an app error (not for Scimitar's own storage or settings),
//!   or when at least `quarantine_share` (default 0.8) of the objects it tried failed;
//! - `quarantine_after` (default 3) failing runs in a row quarantine the app; one good run
//!   resets the count;
//! - `probe_interval` (default 300 s) between probes while quarantined.
//!
//! The count, the last error and the probe times are kept in the app's settings (`health`), so
//! every replica sees them.

use std::time::Duration;

use scimitar_core::clock::format_timestamp;
use scimitar_core::{AppRecord, AppState, Tenant};
use serde_json::{json, Value as Json};
use time::OffsetDateTime;

use super::{connector_for, settings_time, Provisioner, RunError, Synced};
use crate::connector::Connector;
use crate::engine::EngineError;
use crate::notify::NotificationEvent;

pub const DEFAULT_QUARANTINE_AFTER: u64 = 3;
pub const DEFAULT_QUARANTINE_SHARE: f64 = 0.8;
pub const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_secs(300);

/// What changed in the app's health: for the caller to notify the admin.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthChange {
    Quarantined { reason: String, hint: String },
    Recovered,
}

/// The app's quarantine thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthPolicy {
    pub after: u64,
    pub share: f64,
    pub probe_interval: Duration,
}

impl HealthPolicy {
    pub fn of(app: &AppRecord) -> HealthPolicy {
        let s = &app.settings;
        HealthPolicy {
            after: s
                .get("quarantine_after")
                .and_then(Json::as_u64)
                .filter(|n| (1..=1000).contains(n))
                .unwrap_or(DEFAULT_QUARANTINE_AFTER),
            share: s
                .get("quarantine_share")
                .and_then(Json::as_f64)
                .filter(|x| (0.0..=1.0).contains(x) && *x > 0.0)
                .unwrap_or(DEFAULT_QUARANTINE_SHARE),
            probe_interval: s
                .get("probe_interval")
                .and_then(Json::as_u64)
                .filter(|n| (1..=86_400).contains(n))
                .map_or(DEFAULT_PROBE_INTERVAL, Duration::from_secs),
        }
    }
}

/// Why a run counts as failing, with the hint; `None` for a good run or one that says
/// nothing about the app.
fn failing(outcome: Result<&Synced, &RunError>, share: f64) -> Option<(String, String)> {
    match outcome {
        Err(RunError::Connector { error }) => Some((error.to_string(), error.hint())),
        Err(_) => None,
        Ok(done) => {
            let failed = done.users.failed + done.groups.failed;
            let tried = failed + done.users.done + done.groups.done;
            if failed == 0 || (failed as f64) < share * tried as f64 {
                return None;
            }
            let first = done.users.failures.first().or(done.groups.failures.first());
            let (error, hint) = match first.map(|o| &o.status) {
                Some(crate::engine::Status::Failed { error, hint }) => {
                    (error.clone(), hint.clone())
                }
                _ => (String::new(), String::new()),
            };
            Some((
                format!("{failed} of {tried} objects failed; the first: {error}"),
                hint,
            ))
        }
    }
}

impl Provisioner {
    /// After a run of app `name`: count a failing run (quarantining the app after
    /// `quarantine_after` in a row), or reset the count after a good one.
    pub async fn judge_run(
        &self,
        tenant: &Tenant,
        name: &str,
        outcome: Result<&Synced, &RunError>,
    ) -> Result<Option<HealthChange>, RunError> {
        if matches!(outcome, Err(RunError::InProgress(_))) {
            return Ok(None);
        }
        let app = self.admin.get(tenant.id, name).await?;
        let policy = HealthPolicy::of(&app);
        let health = app.settings.get("health").cloned().unwrap_or(Json::Null);
        let count = health["failingRuns"].as_u64().unwrap_or(0);
        let Some((reason, hint)) = failing(outcome, policy.share) else {
            if count > 0 {
                self.admin
                    .record_health(tenant.id, name, None, None)
                    .await?;
            }
            return Ok(None);
        };
        let count = count + 1;
        let now = format_timestamp(OffsetDateTime::now_utc());
        let quarantine = count >= policy.after && app.state == AppState::Running;
        let mut record = json!({
            "failingRuns": count, "lastError": reason, "hint": hint, "since": health.get("since").cloned().unwrap_or(json!(now)),
        });
        if quarantine {
            record["quarantined"] = json!(now);
            record["lastProbe"] = json!(now);
        }
        let state = quarantine.then_some(AppState::Quarantined);
        self.admin
            .record_health(tenant.id, name, state, Some(record))
            .await?;
        if quarantine {
            tracing::warn!(app = %name, tenant = %tenant.name, failing_runs = count, "app quarantined: {reason}");
            let event = NotificationEvent::Quarantined {
                reason: reason.clone(),
                hint: hint.clone(),
            };
            self.notify(tenant, &app, event).await;
            return Ok(Some(HealthChange::Quarantined { reason, hint }));
        }
        Ok(None)
    }

    /// Probe app `name` if it is quarantined and its probe is due: the connection test; when
    /// it passes, the app is running again.
    pub async fn probe(
        &self,
        tenant: &Tenant,
        name: &str,
    ) -> Result<Option<HealthChange>, RunError> {
        let app = self.admin.get(tenant.id, name).await?;
        if app.state != AppState::Quarantined {
            return Ok(None);
        }
        let policy = HealthPolicy::of(&app);
        let mut health = app.settings.get("health").cloned().unwrap_or(json!({}));
        let now = OffsetDateTime::now_utc();
        let due = settings_time(&app, "/health/lastProbe")
            .is_none_or(|last| now - last >= policy.probe_interval);
        if !due {
            return Ok(None);
        }
        match test_connection(self, &app, &tenant.name).await {
            Ok(()) => {
                self.admin
                    .record_health(tenant.id, name, Some(AppState::Running), None)
                    .await?;
                tracing::info!(app = %name, tenant = %tenant.name, "app left quarantine: the probe passed");
                self.notify(tenant, &app, NotificationEvent::Recovered)
                    .await;
                Ok(Some(HealthChange::Recovered))
            }
            Err(why) => {
                health["lastProbe"] = json!(format_timestamp(now));
                health["lastError"] = json!(why);
                self.admin
                    .record_health(tenant.id, name, None, Some(health))
                    .await?;
                Ok(None)
            }
        }
    }
}

/// The connection test, as `scimitar app test` does it: the app is searched by userName for a
/// random value and must answer with an empty list.
async fn test_connection(p: &Provisioner, app: &AppRecord, tenant: &str) -> Result<(), String> {
    let connector = connector_for(&p.admin, app, tenant).map_err(|e| e.to_string())?;
    connector
        .test(scimitar_scim::schema::ResourceKind::User, "userName")
        .await
        .map(drop)
        .map_err(|e| EngineError::Connector(e).to_string())
}
