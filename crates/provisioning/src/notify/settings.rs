//! Where an app's notifications go, from its settings document (key `notifications`):
//!
//! ```json
//! "notifications": {"webhook": "https://hooks.example.com/scimitar",
//!                   "email": ["it-ops@example.com"],
//!                   "events": ["quarantined", "threshold-stop", "run-failed"]}
//! ```
//!
//! Every field is optional; `events` left out means every event. Values are checked when they
//! are set (CLI, admin API) and again when they are read.

use std::collections::BTreeSet;
use std::str::FromStr;

use serde_json::{json, Map, Value as Json};
use url::Url;

use super::event::EventKind;
use super::NotifyError;

/// The key of the app's settings document that holds its notification settings.
pub const SETTINGS_KEY: &str = "notifications";

/// An app's notification targets and which events they receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationSettings {
    /// Receives each notification as a JSON POST (http or https).
    pub webhook: Option<Url>,
    /// Email recipients (sent through the server's SMTP configuration).
    pub email: Vec<String>,
    /// The events delivered; a `Test` is always delivered.
    pub events: BTreeSet<EventKind>,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            webhook: None,
            email: Vec::new(),
            events: EventKind::CHOOSABLE.into_iter().collect(),
        }
    }
}

/// A change to an app's notification settings, from `scimitar app set` or `PATCH
/// /api/v1/apps/{name}`; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationChange {
    /// A new webhook URL; the empty string removes it.
    pub webhook: Option<String>,
    /// The new recipients, replacing the old ones; empty (or only empty strings) removes them.
    pub email: Option<Vec<String>>,
    /// The events to deliver; empty means every event.
    pub events: Option<Vec<String>>,
}

impl NotificationChange {
    pub fn is_empty(&self) -> bool {
        self.webhook.is_none() && self.email.is_none() && self.events.is_none()
    }
}

impl NotificationSettings {
    /// The settings in the app's settings document (nothing configured when the key is absent).
    pub fn from_app_settings(settings: &Json) -> Result<NotificationSettings, NotifyError> {
        match settings.get(SETTINGS_KEY) {
            None | Some(Json::Null) => Ok(NotificationSettings::default()),
            Some(v) => NotificationSettings::from_json(v),
        }
    }

    /// The settings from their JSON form; unknown keys are refused.
    pub fn from_json(v: &Json) -> Result<NotificationSettings, NotifyError> {
        let obj = v.as_object().ok_or_else(|| {
            NotifyError::new(
                SETTINGS_KEY,
                "must be an object with webhook, email and events",
            )
        })?;
        if let Some(k) = obj
            .keys()
            .find(|k| !["webhook", "email", "events"].contains(&k.as_str()))
        {
            return Err(NotifyError::new(
                format!("{SETTINGS_KEY}.{k}"),
                "unknown key (expected webhook, email or events)",
            ));
        }
        let webhook = match obj.get("webhook") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) if s.is_empty() => None,
            Some(Json::String(s)) => Some(parse_webhook(s)?),
            Some(_) => return Err(NotifyError::new(field("webhook"), "must be a string")),
        };
        let email = match obj.get("email") {
            None | Some(Json::Null) => Vec::new(),
            Some(v) => parse_emails(&strings(v, "email")?)?,
        };
        let events = match obj.get("events") {
            None | Some(Json::Null) => NotificationSettings::default().events,
            Some(v) => parse_events(&strings(v, "events")?)?,
        };
        Ok(NotificationSettings {
            webhook,
            email,
            events,
        })
    }

    /// The JSON stored in the app's settings; `None` when nothing is configured (the key is then
    /// removed).
    pub fn to_json(&self) -> Option<Json> {
        if self.is_off() && self.events == NotificationSettings::default().events {
            return None;
        }
        let mut obj = Map::new();
        if let Some(url) = &self.webhook {
            obj.insert("webhook".into(), json!(url.as_str()));
        }
        if !self.email.is_empty() {
            obj.insert("email".into(), json!(self.email));
        }
        if self.events != NotificationSettings::default().events {
            let names: Vec<&str> = self.events.iter().map(|k| k.as_str()).collect();
            obj.insert("events".into(), json!(names));
        }
        Some(Json::Object(obj))
    }

    /// Apply a change, checking each new value; on error nothing is changed.
    pub fn apply(&mut self, change: &NotificationChange) -> Result<(), NotifyError> {
        let mut next = self.clone();
        if let Some(w) = &change.webhook {
            next.webhook = if w.trim().is_empty() {
                None
            } else {
                Some(parse_webhook(w)?)
            };
        }
        if let Some(list) = &change.email {
            next.email = parse_emails(list)?;
        }
        if let Some(list) = &change.events {
            next.events = parse_events(list)?;
        }
        *self = next;
        Ok(())
    }

    /// No target: nothing is ever sent.
    pub fn is_off(&self) -> bool {
        self.webhook.is_none() && self.email.is_empty()
    }

    /// Whether notifications of this kind are delivered (a test always is).
    pub fn wants(&self, kind: EventKind) -> bool {
        kind == EventKind::Test || self.events.contains(&kind)
    }

    /// The targets, described for people and for [`super::DeliveryFailure::target`]: the
    /// webhook by its origin only (a webhook's path often is its secret), each recipient.
    pub fn targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(url) = &self.webhook {
            out.push(describe_webhook(url));
        }
        out.extend(self.email.iter().map(|e| format!("email {e}")));
        out
    }

    /// One line for `app show`: the targets and events, or `off`.
    pub fn describe(&self) -> String {
        if self.is_off() {
            return "off".into();
        }
        let events = if self.events == NotificationSettings::default().events {
            "all events".to_string()
        } else if self.events.is_empty() {
            "no events".to_string()
        } else {
            let names: Vec<&str> = self.events.iter().map(|k| k.as_str()).collect();
            names.join(", ")
        };
        let mut targets = Vec::new();
        if let Some(url) = &self.webhook {
            targets.push(format!("webhook {url}"));
        }
        if !self.email.is_empty() {
            targets.push(format!("email {}", self.email.join(", ")));
        }
        format!("{} ({events})", targets.join("; "))
    }
}

/// A webhook as shown in failures and logs: scheme, host and port, never path or query.
pub(crate) fn describe_webhook(url: &Url) -> String {
    format!("webhook {}", url.origin().ascii_serialization())
}

fn field(name: &str) -> String {
    format!("{SETTINGS_KEY}.{name}")
}

fn strings(v: &Json, name: &str) -> Result<Vec<String>, NotifyError> {
    match v {
        Json::String(s) => Ok(vec![s.clone()]),
        Json::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| NotifyError::new(field(name), "must be a list of strings"))
            })
            .collect(),
        _ => Err(NotifyError::new(field(name), "must be a list of strings")),
    }
}

fn parse_webhook(s: &str) -> Result<Url, NotifyError> {
    let url = Url::parse(s.trim()).map_err(|e| {
        NotifyError::new(
            field("webhook"),
            format!("'{s}' is not a URL ({e}); give an http:// or https:// URL"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(NotifyError::new(
            field("webhook"),
            format!(
                "'{}' is not an http or https URL; give an http:// or https:// URL",
                url.scheme()
            ),
        ));
    }
    if url.host_str().unwrap_or_default().is_empty() {
        return Err(NotifyError::new(field("webhook"), "the URL has no host"));
    }
    Ok(url)
}

fn parse_emails(list: &[String]) -> Result<Vec<String>, NotifyError> {
    let mut out: Vec<String> = Vec::new();
    for raw in list {
        let s = raw.trim();
        if s.is_empty() {
            continue;
        }
        lettre::Address::from_str(s).map_err(|e| {
            NotifyError::new(
                field("email"),
                format!("'{s}' is not an email address ({e}); give one like it-ops@example.com"),
            )
        })?;
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

fn parse_events(list: &[String]) -> Result<BTreeSet<EventKind>, NotifyError> {
    let list: Vec<&str> = list
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() || list.iter().any(|s| s.eq_ignore_ascii_case("all")) {
        return Ok(NotificationSettings::default().events);
    }
    list.iter()
        .map(|s| {
            EventKind::parse(s).ok_or_else(|| {
                let names: Vec<&str> = EventKind::CHOOSABLE.iter().map(|k| k.as_str()).collect();
                NotifyError::new(
                    field("events"),
                    format!("unknown event '{s}'; the events are {}", names.join(", ")),
                )
            })
        })
        .collect()
}
