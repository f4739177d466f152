//! Connected apps: the SaaS applications a tenant provisions into. An app belongs to one tenant
//! and has a name unique in it (case-insensitively), a connection (the app's SCIM base URL and
//! how to authenticate), a state (stopped, running, quarantined), a deprovisioning policy, and
//! settings owned by the provisioning engine (mappings, scope, matching, rate limits), stored as
//! one JSON document so the engine can grow them without a migration per field.
//!
//! Credentials cross the storage trait sealed (see [`crate::secret`]); this module never holds
//! a plaintext credential in a type that prints it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::oauth::OAuthSettings;
use crate::tenant::TenantId;

/// An app name: 1–64 characters of `[A-Za-z0-9._-]`, like a tenant name, so it is safe on a
/// command line, in URLs and in logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppName(String);

impl AppName {
    pub fn parse(s: &str) -> Result<Self, String> {
        crate::tenant::check_safe_name("app", s).map(|()| AppName(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How Scimitar authenticates to the app. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum AppAuth {
    Bearer {
        token: String,
    },
    Basic {
        user: String,
        password: String,
    },
    /// OAuth 2.0: access tokens obtained from the app's token endpoint.
    OAuth(OAuthSettings),
}

impl AppAuth {
    /// What can be shown: the kind, the user name, the last 4 characters of a long secret.
    pub fn describe(&self) -> String {
        let tail = |s: &str| {
            let n = s.chars().count();
            if n >= 16 {
                format!("…{}", s.chars().skip(n - 4).collect::<String>())
            } else {
                "(hidden)".to_string()
            }
        };
        match self {
            AppAuth::Bearer { token } => format!("bearer token {}", tail(token)),
            AppAuth::Basic { user, password } => {
                format!("basic, user '{user}', password {}", tail(password))
            }
            AppAuth::OAuth(settings) => settings.describe(),
        }
    }
}

impl fmt::Debug for AppAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Whether the server provisions the app continuously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    Stopped,
    Running,
    /// Stopped by the engine after repeated failures; needs an operator.
    Quarantined,
}

/// What happens in the app when a user leaves scope, is deactivated or deleted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deprovision {
    /// `active=false` in the app (the default, as Entra ID does).
    Disable,
    Delete,
    /// Leave the account as it is.
    Nothing,
}

macro_rules! text_enum {
    ($t:ty { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)+ _ => None }
            }
        }
    };
}
text_enum!(AppState { Stopped => "stopped", Running => "running", Quarantined => "quarantined" });
text_enum!(Deprovision { Disable => "disable", Delete => "delete", Nothing => "nothing" });

/// An app as stored: the credentials still sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRecord {
    pub id: String,
    pub tenant: TenantId,
    pub name: String,
    pub scim_url: String,
    /// [`AppAuth`] as JSON, sealed for `app:<id>`.
    pub auth_sealed: String,
    pub state: AppState,
    pub deprovision: Deprovision,
    /// The provisioning engine's settings (mappings, scope, matching, limits).
    pub settings: serde_json::Value,
    pub created: String,
    pub updated: String,
    pub version: i64,
}

/// A change to an app; `None` leaves a field as it is. Applied only at `expected_version`
/// when one is given.
#[derive(Debug, Clone, Default)]
pub struct AppChange {
    pub expected_version: Option<i64>,
    pub scim_url: Option<String>,
    pub auth_sealed: Option<String>,
    pub state: Option<AppState>,
    pub deprovision: Option<Deprovision>,
    pub settings: Option<serde_json::Value>,
    pub now: String,
}

/// What is assigned to an app.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Assignment {
    /// One user, by id.
    User(String),
    /// A group by id: its members, including those of nested groups.
    Group(String),
    /// Every user of the tenant.
    AllUsers,
}

impl Assignment {
    /// The stored form: resource type and id (`''` for every user).
    pub fn to_row(&self) -> (&'static str, &str) {
        match self {
            Assignment::User(id) => ("User", id),
            Assignment::Group(id) => ("Group", id),
            Assignment::AllUsers => ("AllUsers", ""),
        }
    }

    pub fn from_row(resource_type: &str, id: String) -> Option<Assignment> {
        match resource_type {
            "User" => Some(Assignment::User(id)),
            "Group" => Some(Assignment::Group(id)),
            "AllUsers" => Some(Assignment::AllUsers),
            _ => None,
        }
    }
}

/// The app account that stands for a directory user or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppLink {
    pub kind: scimitar_scim::schema::ResourceKind,
    /// The id in Scimitar's directory.
    pub source_id: String,
    /// The id in the app.
    pub target_id: String,
    /// Scimitar disabled the account (deprovisioning by `active=false`).
    pub disabled: bool,
    /// When Scimitar last wrote or confirmed the account.
    pub synced: String,
}

/// A directory object that failed in a run of an app, kept to be retried (the escrow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowEntry {
    pub kind: scimitar_scim::schema::ResourceKind,
    /// The id in Scimitar's directory.
    pub source_id: String,
    /// Attempts that failed in a row.
    pub attempts: i64,
    /// When the first of them failed (RFC 3339).
    pub first_failed: String,
    /// When the next attempt is due (RFC 3339).
    pub next_attempt: String,
    /// The last error, and what to do about it.
    pub error: String,
    pub hint: String,
}

/// A provisioning run of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub id: String,
    pub app_id: String,
    /// initial, incremental or on-demand.
    pub kind: String,
    /// running, finished or abandoned (its process stopped before finishing it).
    pub state: String,
    /// Which process runs it (host and pid), for the operator.
    pub owner: String,
    /// A running run whose lease has passed is abandoned by the next start.
    pub lease_until: String,
    pub started: String,
    pub finished: Option<String>,
    /// Counts by action and status, as JSON.
    pub summary: serde_json::Value,
}

/// What happened to one object in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunObjectLog {
    pub kind: scimitar_scim::schema::ResourceKind,
    pub source_id: String,
    pub name: Option<String>,
    pub action: String,
    /// done, skipped or failed.
    pub status: String,
    pub target_id: Option<String>,
    pub error: Option<String>,
    pub hint: Option<String>,
    /// The plan's steps for the object, as JSON.
    pub steps: serde_json::Value,
}

/// The context a credential is sealed for: the app it belongs to.
pub fn seal_context(app_id: &str) -> String {
    format!("app:{app_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        assert!(AppName::parse("zoho-one").is_ok());
        assert!(AppName::parse("").is_err());
        assert!(AppName::parse("a b").is_err());
        assert!(AppName::parse(&"x".repeat(65)).is_err());
        let auth = AppAuth::Bearer {
            token: "abcdefghijklmnopWXYZ".into(),
        };
        assert_eq!(auth.describe(), "bearer token …WXYZ");
        assert!(!format!("{auth:?}").contains("abcdef"));
        let basic = AppAuth::Basic {
            user: "svc".into(),
            password: "short".into(),
        };
        assert_eq!(basic.describe(), "basic, user 'svc', password (hidden)");
        assert_eq!(AppState::parse("running"), Some(AppState::Running));
        assert_eq!(
            Deprovision::parse("nothing").map(|d| d.as_str()),
            Some("nothing")
        );
        assert_eq!(AppState::parse("Running"), None);
    }
}
