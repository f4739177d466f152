//! What happened to an app, as the webhook receives it (JSON) and as people read it (a one-line
//! summary, and an email body that says what to do next).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// At most this many of a run's errors go into a notification; the run log has them all.
const MAX_ERRORS: usize = 5;
/// Each error is cut to this many characters.
const MAX_ERROR_CHARS: usize = 300;

/// What happened. Serialised with its name in `event` (`"event": "threshold-stop"`) beside its
/// fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum NotificationEvent {
    /// Most calls to the app failed: runs are held until it recovers.
    Quarantined { reason: String, hint: String },
    /// The app answers again and left quarantine by itself.
    Recovered,
    /// A run would disable or delete more than the app's threshold allows; those operations
    /// are held until someone approves them.
    ThresholdStop {
        run: String,
        held: usize,
        provisioned: usize,
        limit: String,
    },
    /// A run finished with objects that failed (they are retried with backoff).
    RunFailed {
        run: String,
        failed: usize,
        done: usize,
        first_errors: Vec<String>,
    },
    /// `scimitar app notify-test`: checks that the targets receive notifications.
    Test,
}

/// The kinds of event, as named in settings (`"events": ["quarantined", "run-failed"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Quarantined,
    Recovered,
    ThresholdStop,
    RunFailed,
    Test,
}

impl EventKind {
    /// The kinds an app can choose from (`Test` is always delivered).
    pub const CHOOSABLE: [EventKind; 4] = [
        EventKind::Quarantined,
        EventKind::Recovered,
        EventKind::ThresholdStop,
        EventKind::RunFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Quarantined => "quarantined",
            EventKind::Recovered => "recovered",
            EventKind::ThresholdStop => "threshold-stop",
            EventKind::RunFailed => "run-failed",
            EventKind::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::CHOOSABLE
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl NotificationEvent {
    pub fn kind(&self) -> EventKind {
        match self {
            NotificationEvent::Quarantined { .. } => EventKind::Quarantined,
            NotificationEvent::Recovered => EventKind::Recovered,
            NotificationEvent::ThresholdStop { .. } => EventKind::ThresholdStop,
            NotificationEvent::RunFailed { .. } => EventKind::RunFailed,
            NotificationEvent::Test => EventKind::Test,
        }
    }
}

/// One notification about one app of one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub tenant: String,
    pub app: String,
    /// When it happened, RFC 3339 UTC.
    pub at: String,
    #[serde(flatten)]
    pub event: NotificationEvent,
}

impl Notification {
    /// A notification of `event` at time `at`. Error texts are shortened (at most 5, of 300
    /// characters) and anything that looks like a credential in them is masked.
    pub fn new(
        tenant: impl Into<String>,
        app: impl Into<String>,
        at: OffsetDateTime,
        event: NotificationEvent,
    ) -> Notification {
        let event = match event {
            NotificationEvent::RunFailed {
                run,
                failed,
                done,
                first_errors,
            } => NotificationEvent::RunFailed {
                run,
                failed,
                done,
                first_errors: first_errors
                    .iter()
                    .take(MAX_ERRORS)
                    .map(|e| shorten(&scrub(e)))
                    .collect(),
            },
            NotificationEvent::Quarantined { reason, hint } => NotificationEvent::Quarantined {
                reason: shorten(&scrub(&reason)),
                hint,
            },
            other => other,
        };
        Notification {
            tenant: tenant.into(),
            app: app.into(),
            at: scimitar_core::clock::format_timestamp(at),
            event,
        }
    }

    /// One line for a chat message or an email subject.
    pub fn summary(&self) -> String {
        let app = format!("app '{}' (tenant '{}')", self.app, self.tenant);
        match &self.event {
            NotificationEvent::Quarantined { reason, .. } => {
                format!("{app} is quarantined: {reason}")
            }
            NotificationEvent::Recovered => format!("{app} left quarantine: it answers again"),
            NotificationEvent::ThresholdStop { held, limit, .. } => format!(
                "{app}: run stopped by the deletion threshold, {held} disables/deletes held (limit {limit})"
            ),
            NotificationEvent::RunFailed { failed, done, .. } => {
                format!("{app}: run finished with {failed} failed objects ({done} done)")
            }
            NotificationEvent::Test => format!("{app}: test notification"),
        }
    }

    /// The email body: what happened, then what to do about it.
    pub fn body(&self) -> String {
        let (name, t) = (&self.app, &self.tenant);
        let mut text = format!("{}\n\nat:     {}\n", self.summary(), self.at);
        text.push_str(&format!("tenant: {t}\napp:    {name}\n\n"));
        match &self.event {
            NotificationEvent::Quarantined { reason, hint } => {
                text.push_str(&format!(
                    "Most calls to the app failed, so Scimitar stopped sending it changes.\n\
                     Reason: {reason}\n\nWhat to do: {hint}\n\
                     Scimitar keeps checking the app and takes it out of quarantine by itself \
                     when it answers again; nothing is lost meanwhile.\n\
                     Failures: scimitar app logs {name} --tenant {t} --failed\n"
                ));
            }
            NotificationEvent::Recovered => {
                text.push_str(
                    "The app answers again: Scimitar left quarantine and sends it the changes \
                     that waited. Nothing to do.\n",
                );
            }
            NotificationEvent::ThresholdStop {
                run,
                held,
                provisioned,
                limit,
            } => {
                text.push_str(&format!(
                    "Run {run} would disable or delete more accounts than the app allows \
                     ({limit}). {provisioned} other changes were made; {held} disables/deletes \
                     are held and nothing more is removed until someone approves them.\n\n\
                     What to do: review with `scimitar app plan {name} --tenant {t}`, then \
                     `scimitar app approve-deletes {name} --tenant {t}` if they are intended. If \
                     they are not, fix the cause (an assignment, a scoping filter, the upstream \
                     directory) and the next run plans again.\n"
                ));
            }
            NotificationEvent::RunFailed {
                run,
                failed,
                done,
                first_errors,
            } => {
                text.push_str(&format!(
                    "Run {run} finished: {done} objects done, {failed} failed. Failed objects \
                     are retried with backoff.\n"
                ));
                if !first_errors.is_empty() {
                    text.push_str("\nFirst errors:\n");
                    for e in first_errors {
                        text.push_str(&format!("  - {e}\n"));
                    }
                }
                text.push_str(&format!(
                    "\nWhat to do: read the failures and their hints with \
                     `scimitar app logs {name} --tenant {t} --run {run} --failed`.\n"
                ));
            }
            NotificationEvent::Test => {
                text.push_str(&format!(
                    "A test from `scimitar app notify-test {name} --tenant {t}`: this target \
                     receives the app's notifications. Nothing to do.\n"
                ));
            }
        }
        text
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_ERROR_CHARS {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(MAX_ERROR_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Masks what looks like a credential in an error text: the word after `Bearer` or `Basic`,
/// the value of `token=`, `password=`, `secret=`, and Scimitar's own `scim_...` tokens.
pub(crate) fn scrub(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut mask_next = false;
    for word in text.split(' ') {
        if mask_next && !word.is_empty() {
            out.push("***".into());
            mask_next = false;
            continue;
        }
        let lower = word.to_ascii_lowercase();
        let bare = lower.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if bare == "bearer" || bare == "basic" {
            mask_next = true;
            out.push(word.to_string());
        } else if let Some(at) = ["token=", "password=", "secret=", "access_token="]
            .iter()
            .find_map(|k| lower.find(k).map(|i| i + k.len()))
        {
            out.push(format!("{}***", &word[..at]));
        } else if lower.starts_with("scim_") && word.len() > 12 {
            out.push("scim_***".into());
        } else {
            out.push(word.to_string());
        }
    }
    out.join(" ")
}
