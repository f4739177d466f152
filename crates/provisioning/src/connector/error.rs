//! What can go wrong when the engine talks to an app, sorted by what the engine should do about
//! it: retry later (`RateLimited`, `Transient`), stop the app and tell the operator
//! (`Unauthorized`), adopt or repair (`NotFound`, `Conflict`, `AmbiguousMatch`), or log the
//! object as failed (`Rejected`, `Unsupported`, `InvalidResponse`).
//!
//! Every error carries a one-line [`ConnectorError::hint`] for the operator. The app's own error
//! text is kept (it is what the operator needs), but trimmed and stripped of control characters:
//! an app must not be able to flood the provisioning log or forge log lines.

use std::time::Duration;

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

/// Longest piece of app-supplied text (a SCIM `detail`, a non-JSON body) kept in an error.
const MAX_DETAIL_CHARS: usize = 300;

/// A failed connector operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// 401 or 403: the credentials are wrong, expired, or lack a permission.
    #[error("the app refused the request ({status}): {detail}")]
    Unauthorized { status: u16, detail: String },
    /// The app's OAuth refresh token is missing, revoked or expired: an administrator must
    /// authorize Scimitar again; the message names the command.
    #[error("{0}")]
    NeedsAuthorization(String),
    /// 404: the object is not (or no longer) in the app.
    #[error("not found in the app: {0}")]
    NotFound(String),
    /// 409: the app already has an object with a unique value (`scimType: uniqueness`).
    #[error("the app reports a conflict: {0}")]
    Conflict(String),
    /// 429: too many requests; wait `retry_after` when the app said how long.
    #[error("the app is rate limiting requests{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, 408, 412, a timeout, a refused or reset connection: likely to work later.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Any other 4xx, with the SCIM error body's `scimType` and `detail` when the app sent one.
    #[error("the app rejected the request ({status}{}): {detail}", scim_type.as_deref().map(|t| format!(" {t}")).unwrap_or_default())]
    Rejected {
        status: u16,
        scim_type: Option<String>,
        detail: String,
    },
    /// The app cannot do what was asked (no filtering, 501 Not Implemented, ...).
    #[error("not supported by the app: {0}")]
    Unsupported(String),
    /// The app answered with something that is not a usable SCIM response.
    #[error("invalid response from the app: {0}")]
    InvalidResponse(String),
    /// A matching query found several accounts: the engine must not pick one.
    #[error("{count} accounts in the app match {filter}: {}", ids.join(", "))]
    AmbiguousMatch {
        filter: String,
        count: u64,
        /// The ids of the first few matches.
        ids: Vec<String>,
    },
    /// The connector's settings are unusable (base URL, batch size, ...).
    #[error("invalid connector settings: {0}")]
    InvalidConfig(String),
    /// A change asked of the connector cannot be expressed in SCIM (a bad path, say).
    #[error("invalid change: {0}")]
    InvalidChange(String),
}

impl ConnectorError {
    /// What the operator should do, in one line.
    pub fn hint(&self) -> String {
        match self {
            ConnectorError::Unauthorized { status: 403, .. } => "the app accepted the credentials but refused the operation: give the account or token the permission to manage users and groups, then run `scimitar app test`".into(),
            ConnectorError::Unauthorized { .. } => "the app rejected the credentials: check the token, then run `scimitar app test`".into(),
            ConnectorError::NeedsAuthorization(_) => "authorize the app again in a browser with `scimitar app authorize NAME --tenant T` (docs/oauth.md); `scimitar app show` says why it is needed".into(),
            ConnectorError::NotFound(_) => "the object was removed in the app; the next reconcile run recreates it if it is still in scope".into(),
            ConnectorError::Conflict(_) => "the app already has an account with this unique value: add a matching attribute so the existing account is adopted, or remove the duplicate in the app".into(),
            ConnectorError::RateLimited { .. } => "the app is throttling requests; it is retried automatically, and a lower rate limit for the app avoids it".into(),
            ConnectorError::Transient(_) => "a temporary failure; it is retried automatically, and if it persists check that the app is up and reachable".into(),
            ConnectorError::Rejected { status: 413, .. } => "the request was too large for the app: lower the member batch size for this app".into(),
            ConnectorError::Rejected { scim_type: Some(t), .. } if t.eq_ignore_ascii_case("tooMany") => "the app refused a request this large: lower the member batch size for this app".into(),
            ConnectorError::Rejected { .. } => "the app refused the values sent: check the attribute mappings for this object against the app's schema (`scimitar app schema`)".into(),
            ConnectorError::Unsupported(_) => "the app lacks a feature this operation needs: check `scimitar app schema` and adjust the app's settings or mappings".into(),
            ConnectorError::InvalidResponse(_) => "the app did not answer like a SCIM 2.0 service: check the SCIM base URL (it usually ends in /scim/v2)".into(),
            ConnectorError::AmbiguousMatch { .. } => "several accounts in the app match: remove the duplicates in the app or choose a matching attribute that is unique".into(),
            ConnectorError::InvalidConfig(_) => "fix the app's connection settings (`scimitar app show`), then run `scimitar app test`".into(),
            ConnectorError::InvalidChange(_) => "check the attribute mapping that produced this change".into(),
        }
    }

    /// Whether the same request may succeed later without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ConnectorError::RateLimited { .. } | ConnectorError::Transient(_)
        )
    }

    /// How long the app asked to wait, for a 429 with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ConnectorError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// The error for an HTTP status that is not a success. `scim` is the parsed SCIM error body
    /// (`scimType`, `detail`) when there was one, `text` the raw body otherwise; `what` names
    /// the request (`PATCH /Users/123`) for the message.
    pub fn from_status(
        status: u16,
        scim: Option<(Option<String>, Option<String>)>,
        text: &str,
        retry_after: Option<Duration>,
        what: &str,
    ) -> ConnectorError {
        let (scim_type, detail) = scim.unwrap_or((None, None));
        let detail = match detail {
            Some(d) if !d.trim().is_empty() => clean(&d),
            _ if !text.trim().is_empty() => clean(text),
            _ => format!("{what} answered {status} with no explanation"),
        };
        match status {
            401 | 403 => ConnectorError::Unauthorized { status, detail },
            404 => ConnectorError::NotFound(detail),
            409 => ConnectorError::Conflict(detail),
            429 => ConnectorError::RateLimited { retry_after },
            408 => ConnectorError::Transient(format!("{what} timed out in the app (408)")),
            412 => ConnectorError::Transient(format!(
                "{what}: the object changed in the app during the update (412): {detail}"
            )),
            501 => ConnectorError::Unsupported(format!(
                "{what}: the app does not implement this (501)"
            )),
            500..=599 => {
                ConnectorError::Transient(format!("{what} failed in the app ({status}): {detail}"))
            }
            300..=399 => ConnectorError::InvalidResponse(format!(
                "{what} was redirected ({status}); use the final address as the SCIM base URL"
            )),
            _ => ConnectorError::Rejected {
                status,
                scim_type: scim_type.map(|t| clean(&t)),
                detail,
            },
        }
    }
}

/// App-supplied text made safe for a log line: control characters become spaces, whitespace
/// runs collapse, and it is cut at [`MAX_DETAIL_CHARS`].
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::new();
    let mut last_space = true;
    for c in text.chars() {
        if out.chars().count() >= MAX_DETAIL_CHARS {
            out.push('…');
            break;
        }
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim_end().to_string()
}

/// `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP date, which is read
/// against `now` (the response's own `Date` when it has one, so the two clocks never mix).
/// A date in the past means "now"; anything unreadable is `None`.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let wait = at - now;
    Some(Duration::from_secs(
        u64::try_from(wait.whole_seconds()).unwrap_or(0),
    ))
}

/// An HTTP `Date` header value, for [`parse_retry_after`].
pub(crate) fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value.trim(), &Rfc2822).ok()
}
