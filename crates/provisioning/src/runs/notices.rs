//! What a run tells the app's admins (docs/notifications.md): a quarantine and a recovery, a
//! run stopped at the accidental-deletion threshold, and a run with failed objects. Sent from
//! the runs layer, so a run started by `scimitar app sync`, the admin API or continuous
//! provisioning notifies the same way. A continuously provisioned app whose objects keep
//! failing (the escrow retrying them) notifies of failed runs at most once an hour, so a
//! lasting problem is one message, not one per retry.

use scimitar_core::clock::format_timestamp;
use scimitar_core::{AppRecord, Tenant};
use serde_json::json;
use time::OffsetDateTime;

use super::{Provisioner, Synced};
use crate::notify::{Notification, NotificationEvent, NotificationSettings};

/// Failed-run notices of one app in continuous provisioning: at most one per this long.
const RUN_FAILED_QUIET: time::Duration = time::Duration::hours(1);

impl Provisioner {
    /// Send `event` to app `app`'s notification targets, if it has any that want it.
    /// Delivery failures are logged, never returned: a notice never fails a run.
    pub async fn notify(&self, tenant: &Tenant, app: &AppRecord, event: NotificationEvent) {
        let settings = match NotificationSettings::from_app_settings(&app.settings) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(app = %app.name, tenant = %tenant.name, "the app's notification settings cannot be used: {e}");
                return;
            }
        };
        if settings.is_off() {
            return;
        }
        let n = Notification::new(&tenant.name, &app.name, OffsetDateTime::now_utc(), event);
        self.notifier.send(&settings, &n).await;
    }

    /// After a run: a threshold stop, or failed objects. `scheduled`: started by continuous
    /// provisioning (failed-run notices are then rate-limited).
    pub(super) async fn notify_run(
        &self,
        tenant: &Tenant,
        app: &AppRecord,
        done: &Synced,
        provisioned: u64,
        scheduled: bool,
    ) {
        if let Some(why) = &done.staged {
            let held = done.users.held + done.groups.held;
            let event = NotificationEvent::ThresholdStop {
                run: done.run.id.clone(),
                held: held as usize,
                provisioned: provisioned as usize,
                limit: why.clone(),
            };
            self.notify(tenant, app, event).await;
        }
        let failed = done.failed();
        if failed == 0 {
            return;
        }
        let now = OffsetDateTime::now_utc();
        if scheduled {
            let last = super::settings_time(app, "/notices/runFailed");
            if last.is_some_and(|t| now - t < RUN_FAILED_QUIET) {
                return;
            }
            let notices = json!({"runFailed": format_timestamp(now)});
            if let Err(e) = self
                .admin
                .set_setting(tenant.id, &app.name, "notices", Some(notices))
                .await
            {
                tracing::warn!(app = %app.name, "recording a notice failed: {e}");
            }
        }
        let first_errors = done
            .users
            .failures
            .iter()
            .chain(&done.groups.failures)
            .filter_map(|o| match &o.status {
                crate::engine::Status::Failed { error, .. } => Some(format!(
                    "{}: {error}",
                    o.name.as_deref().unwrap_or(&o.source_id)
                )),
                _ => None,
            })
            .take(5)
            .collect();
        let event = NotificationEvent::RunFailed {
            run: done.run.id.clone(),
            failed: failed as usize,
            done: (done.users.done + done.groups.done) as usize,
            first_errors,
        };
        self.notify(tenant, app, event).await;
    }
}
