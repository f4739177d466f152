//! Tenants: every resource and token belongs to exactly one; a tenant never sees another's data.

use scimitar_scim::CompatPolicy;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub i64);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A tenant name: 1–64 characters of `[A-Za-z0-9._-]`, so it is safe in URLs, logs and shells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

/// The rule for names an operator types and that end up in URLs, logs and shells (tenants,
/// apps): 1–64 characters of `[A-Za-z0-9._-]`. `what` names the thing in the error.
pub(crate) fn check_safe_name(what: &str, s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid {what} name {s:?}: use 1-64 characters of letters, digits, '.', '_' or '-'"
        ))
    }
}

impl TenantName {
    pub fn parse(s: &str) -> Result<Self, String> {
        check_safe_name("tenant", s).map(|()| TenantName(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub policy: CompatPolicy,
    pub created: String,
}
