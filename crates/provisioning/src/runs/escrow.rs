//! The escrow (PRODUCT.md C3): an object that failed in a run is kept per app with its error
//! and hint, and retried on a documented schedule until it succeeds; a success (or anything
//! that is no longer an error) takes it out. Nothing that failed is forgotten when the run
//! moves the app's change-log position on.
//!
//! **Schedule.** After the `n`-th failure in a row the next attempt is due after a random time
//! between half and all of `min(cap, base × 2^(n-1))`; by default base 1 minute and cap 1 hour
//! (1, 2, 4, ... 60 minutes; per app: `escrow_base`, `escrow_cap`), jittered so that many
//! objects failing together do not all come back at once. Continuous
//! provisioning retries entries when they are due; `scimitar app sync` retries everything
//! (it plans every object), due or not.

use std::collections::HashMap;
use std::time::Duration;

use scimitar_core::clock::format_timestamp;
use scimitar_core::{AppStore, EscrowEntry, StoreError};
use scimitar_scim::schema::ResourceKind;
use time::OffsetDateTime;

use crate::connector::RetryPolicy;
use crate::engine::{RunResult, Status};

fn schedule(base: Duration, cap: Duration) -> RetryPolicy {
    RetryPolicy {
        base,
        cap,
        ..RetryPolicy::default()
    }
}

/// Record one batch's outcome: failures into the escrow (attempts counted on from what was
/// there), everything else out of it.
pub async fn record(
    apps: &dyn AppStore,
    app_id: &str,
    kind: ResourceKind,
    results: &RunResult,
    now: OffsetDateTime,
    (base, cap): (Duration, Duration),
) -> Result<(), StoreError> {
    let mut failed = Vec::new();
    let mut cleared = Vec::new();
    for o in &results.objects {
        match &o.status {
            Status::Failed { error, hint } => failed.push((o.source_id.clone(), error, hint)),
            Status::Done | Status::Skipped => cleared.push(o.source_id.clone()),
            Status::Held => {}
        }
    }
    apps.escrow_clear(app_id, kind, &cleared).await?;
    if failed.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = failed.iter().map(|(id, _, _)| id.clone()).collect();
    let before: HashMap<String, EscrowEntry> = apps
        .escrow_entries(app_id, kind, &ids)
        .await?
        .into_iter()
        .map(|e| (e.source_id.clone(), e))
        .collect();
    let schedule = schedule(base, cap);
    let entries: Vec<EscrowEntry> = failed
        .into_iter()
        .map(|(source_id, error, hint)| {
            let prior = before.get(&source_id);
            let attempts = prior.map_or(0, |e| e.attempts) + 1;
            let wait = schedule.backoff(attempts.clamp(1, 32) as u32);
            EscrowEntry {
                kind,
                first_failed: prior
                    .map_or_else(|| format_timestamp(now), |e| e.first_failed.clone()),
                next_attempt: format_timestamp(now + wait),
                attempts,
                error: error.clone(),
                hint: hint.clone(),
                source_id,
            }
        })
        .collect();
    apps.escrow_put(app_id, &entries).await
}
