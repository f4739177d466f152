//! Telling admins when an app needs them: it went into quarantine (or left it), a run was
//! stopped by the accidental-deletion threshold, or a run finished with failed objects.
//!
//! Each app's settings say where to send ([`NotificationSettings`]: a webhook, email
//! recipients, which events); the server's environment says how to send email ([`SmtpConfig`]);
//! [`Notifier::send`] delivers one [`Notification`] to every target and returns what failed.
//!
//! A notification must never carry a secret (app credentials, tokens), never panic, and never
//! hold a run up for long: delivery is bounded by timeouts (one retry for a webhook) and its
//! failures are returned and logged, not raised.

mod deliver;
mod event;
mod settings;
mod smtp;

#[cfg(test)]
mod tests_event;
#[cfg(test)]
mod tests_settings;
#[cfg(test)]
mod tests_smtp;
#[cfg(test)]
mod tests_webhook;

pub use deliver::{DeliveryFailure, Notifier};
pub use event::{EventKind, Notification, NotificationEvent};
pub use settings::{NotificationChange, NotificationSettings, SETTINGS_KEY};
pub use smtp::{SmtpConfig, SmtpTls, SMTP_FROM_VAR, SMTP_URL_VAR};

/// A notification setting or the SMTP configuration is not usable; the message names the
/// field or variable and says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct NotifyError {
    /// `notifications.webhook`, `notifications.email`, `SCIMITAR_SMTP_URL`, ...
    pub field: String,
    pub message: String,
}

impl NotifyError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> NotifyError {
        NotifyError {
            field: field.into(),
            message: message.into(),
        }
    }
}
