//! `scimitar app set --notify-webhook/--notify-email/--notify-events`, the `notifications:`
//! line of `app show`, and `scimitar app notify-test`: an app's notification targets
//! (`docs/notifications.md`), checked by the provisioning crate before they are stored.

use scimitar_core::service::{AppAdmin, AppView};
use scimitar_core::{AppRecord, Clock, SystemClock, TenantId};
use scimitar_provisioning::notify::{
    Notification, NotificationChange, NotificationEvent, NotificationSettings, Notifier,
    SETTINGS_KEY,
};
use serde_json::json;

use crate::admin::explain;

/// The change the `--notify-*` options of `app set` ask for (an empty `--notify-email ''`
/// clears the recipients, an empty `--notify-webhook ''` the webhook).
pub fn change_from_args(
    webhook: Option<String>,
    email: Vec<String>,
    events: Vec<String>,
) -> NotificationChange {
    NotificationChange {
        webhook,
        email: (!email.is_empty()).then_some(email),
        events: (!events.is_empty()).then_some(events),
    }
}

/// Apply `change` to app `name`'s notification settings and store them.
pub async fn set(
    admin: &AppAdmin,
    tenant: TenantId,
    name: &str,
    change: &NotificationChange,
) -> anyhow::Result<AppView> {
    let app = admin.get(tenant, name).await.map_err(explain)?;
    let mut settings = NotificationSettings::from_app_settings(&app.settings)
        .map_err(|e| anyhow::anyhow!("the stored notification settings no longer load: {e}"))?;
    settings.apply(change).map_err(|e| anyhow::anyhow!("{e}"))?;
    admin
        .set_setting(tenant, name, SETTINGS_KEY, settings.to_json())
        .await
        .map_err(explain)
}

/// For `app show`: the targets and events, `off`, or why the stored settings do not load.
pub fn describe(app: &AppRecord) -> String {
    match NotificationSettings::from_app_settings(&app.settings) {
        Ok(s) => s.describe(),
        Err(e) => format!("unusable ({e})"),
    }
}

/// `app notify-test`: a test notification to every target; an error naming the targets that
/// did not receive it.
pub async fn test(
    admin: &AppAdmin,
    tenant: TenantId,
    tenant_name: &str,
    name: &str,
    json_out: bool,
) -> anyhow::Result<()> {
    let app = admin.get(tenant, name).await.map_err(explain)?;
    let settings = NotificationSettings::from_app_settings(&app.settings)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if settings.is_off() {
        anyhow::bail!(
            "'{name}' has no notification targets; set some with `scimitar app set {name} \
             --tenant {tenant_name} --notify-webhook URL` or `--notify-email ADDRESS`"
        );
    }
    let notifier = Notifier::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    let n = Notification::new(
        tenant_name,
        &app.name,
        SystemClock.now(),
        NotificationEvent::Test,
    );
    let failures = notifier.send(&settings, &n).await;
    let targets = settings.targets();
    // "email" alone (no SMTP server) stands for every recipient.
    let failure_of = |target: &str| {
        failures
            .iter()
            .find(|f| f.target == target || (f.target == "email" && target.starts_with("email ")))
    };
    if json_out {
        let sent: Vec<&String> = targets.iter().filter(|t| failure_of(t).is_none()).collect();
        let failed: Vec<_> = failures
            .iter()
            .map(|f| json!({"target": f.target, "error": f.error}))
            .collect();
        println!(
            "{}",
            json!({"app": app.name, "sent": sent, "failed": failed})
        );
    } else {
        for t in &targets {
            match failure_of(t) {
                None => println!("  sent    {t}"),
                Some(f) => println!("  FAILED  {t}: {}", f.error),
            }
        }
    }
    if !failures.is_empty() {
        anyhow::bail!(
            "the test notification was not delivered to {} of {} targets",
            targets.iter().filter(|t| failure_of(t).is_some()).count(),
            targets.len()
        );
    }
    Ok(())
}
