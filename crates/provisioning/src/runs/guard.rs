//! The accidental-deletion threshold (PRODUCT.md C7): a scoping filter typed wrong, a group
//! emptied by mistake, or an assignment removed can turn one run into a mass deprovisioning.
//! A run therefore executes its creates and updates at once but holds every disable and
//! delete until the end; if they are more than `deletion_threshold` objects (default 500) or
//! (from 10 on) more than `deletion_share` of the objects the app has provisioned (default
//! 0.2, i.e. 20%),
//! none of them is done: each is logged as `held`, the app records the staged deletes, the
//! admin is notified, and they wait for `scimitar app approve-deletes` (which runs the app
//! again with the threshold lifted once). Fewer are done at the end of the run as usual.

use scimitar_core::clock::format_timestamp;
use scimitar_core::{AppRecord, RunRecord};
use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value as Json};
use time::OffsetDateTime;

use super::{escrow, RunError, Tally};
use crate::engine::{app_settings, ObjectResult, RunResult, Status};
use crate::plan::{Operation, Plan, RunKind};

pub const DEFAULT_DELETION_THRESHOLD: u64 = 500;
pub const DEFAULT_DELETION_SHARE: f64 = 0.2;
/// The share rule applies from this many disables and deletes on: in a small app, taking one
/// user out of five is routine, not an accident.
pub const SHARE_APPLIES_FROM: u64 = 10;

/// The app's threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeletionGuard {
    pub count: u64,
    pub share: f64,
}

impl DeletionGuard {
    pub fn of(app: &AppRecord) -> DeletionGuard {
        let s = &app.settings;
        DeletionGuard {
            count: s
                .get("deletion_threshold")
                .and_then(Json::as_u64)
                .unwrap_or(DEFAULT_DELETION_THRESHOLD),
            share: s
                .get("deletion_share")
                .and_then(Json::as_f64)
                .filter(|x| (0.0..=1.0).contains(x))
                .unwrap_or(DEFAULT_DELETION_SHARE),
        }
    }

    /// Why `deprovisions` disables and deletes out of `provisioned` objects may not go ahead
    /// without approval; `None` when they may.
    pub fn exceeded(&self, deprovisions: u64, provisioned: u64) -> Option<String> {
        let mut over = Vec::new();
        if deprovisions > self.count {
            over.push(format!("the threshold of {}", self.count));
        }
        if deprovisions >= SHARE_APPLIES_FROM
            && deprovisions as f64 > self.share * provisioned as f64
        {
            over.push(format!(
                "{}% of the {provisioned} objects provisioned in the app",
                (self.share * 100.0).round()
            ));
        }
        (!over.is_empty()).then(|| {
            format!(
                "{deprovisions} disables and deletes are more than {}",
                over.join(" and more than ")
            )
        })
    }
}

impl super::Open<'_> {
    /// The end of a run: its held disables and deletes are done, or, past the threshold (and
    /// not approved), logged as held and recorded as the app's staged deletes. Returns why
    /// they were held.
    pub(super) async fn deprovision(
        &self,
        record: &RunRecord,
        held: Vec<Operation>,
        provisioned: u64,
        approved: bool,
        tallies: &mut (Tally, Tally),
    ) -> Result<Option<String>, RunError> {
        let p = self.provisioner;
        let guard = DeletionGuard::of(&self.app);
        let count = held.len() as u64;
        let reason = if approved {
            None
        } else {
            guard.exceeded(count, provisioned)
        };
        let run = match record.kind.as_str() {
            "initial" => RunKind::Initial,
            "on-demand" => RunKind::OnDemand,
            "reconcile" => RunKind::Reconcile,
            _ => RunKind::Incremental,
        };
        let (users, groups): (Vec<Operation>, Vec<Operation>) = held
            .into_iter()
            .partition(|op| op.kind == ResourceKind::User);
        for (kind, operations) in [(ResourceKind::User, users), (ResourceKind::Group, groups)] {
            if operations.is_empty() {
                continue;
            }
            let plan = Plan {
                kind,
                run,
                operations,
            };
            let results = match &reason {
                Some(_) => RunResult {
                    objects: plan
                        .operations
                        .iter()
                        .map(|op| ObjectResult {
                            source_id: op.source_id.clone(),
                            name: op.name.clone(),
                            action: op.action.label().1.to_string(),
                            status: Status::Held,
                            target_id: op.action.target_id().map(str::to_string),
                        })
                        .collect(),
                },
                None => {
                    let results = self.execute(&plan).await;
                    let settings = app_settings(&self.app)?;
                    escrow::record(
                        p.apps.as_ref(),
                        &self.app.id,
                        kind,
                        &results,
                        OffsetDateTime::now_utc(),
                        (settings.escrow_base, settings.escrow_cap),
                    )
                    .await?;
                    results
                }
            };
            match kind {
                ResourceKind::User => tallies.0.add(&results),
                ResourceKind::Group => tallies.1.add(&results),
            }
            self.progress(record, tallies, &[(&plan, &results)]).await?;
        }
        let staged_before = self.app.settings.get("staged_deletes").is_some();
        let tenant = self.ctx.tenant;
        match &reason {
            Some(why) => {
                let staged = json!({
                    "run": record.id, "count": count, "provisioned": provisioned, "reason": why,
                    "at": format_timestamp(OffsetDateTime::now_utc()),
                });
                p.admin
                    .set_setting(tenant, &self.app.name, "staged_deletes", Some(staged))
                    .await?;
                tracing::warn!(app = %self.app.name, run = %record.id, "disables and deletes held: {why}");
            }
            None if staged_before => {
                p.admin
                    .set_setting(tenant, &self.app.name, "staged_deletes", None)
                    .await?;
            }
            None => {}
        }
        Ok(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_the_count_or_the_share_is_held() {
        let g = DeletionGuard {
            count: 500,
            share: 0.2,
        };
        assert_eq!(g.exceeded(0, 0), None);
        assert_eq!(g.exceeded(9, 10), None, "below 10 the share does not apply");
        assert!(g.exceeded(10, 10).is_some());
        assert_eq!(g.exceeded(400, 2000), None);
        assert_eq!(g.exceeded(400, 2001), None);
        assert!(g.exceeded(401, 2000).unwrap().contains("20% of the 2000"));
        assert!(g
            .exceeded(501, 100_000)
            .unwrap()
            .contains("threshold of 500"));
        assert_eq!(g.exceeded(500, 100_000), None);
        assert_eq!(
            g.exceeded(1000, 2000).unwrap(),
            "1000 disables and deletes are more than the threshold of 500 and more than 20% of the 2000 objects provisioned in the app"
        );
    }
}
