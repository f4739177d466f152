//! Normalising one attribute's value: the RFC 7643 §2.3 type checks, canonical sub-attribute
//! names, unassigned values (`null`, `[]`, `{}`) dropped (§2.5), and at most one `primary: true`
//! per multi-valued attribute (§2.4).
//!
//! This module knows nothing of where an attribute lives in a resource, and it never decides
//! whether the attribute itself may be written: callers check the top-level mutability. It does
//! apply the read-only rule to sub-attributes (`manager.displayName`, `members.display`), because
//! only it walks inside complex values.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{ScimError, ScimResult};
use crate::policy::CompatPolicy;
use crate::schema::{AttrType, AttributeDef, Mutability};

/// What to do with a read-only attribute found in a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadOnlyRule {
    /// A client sent it and the policy says to ignore it.
    Drop,
    /// A client sent it and the policy says to refuse it (`400 mutability`).
    Reject,
    /// The server's own stored copy: keep what is there.
    Keep,
}

/// The context a value is normalised in: the client policy, the read-only rule, and the
/// resource type's name for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub policy: &'a CompatPolicy,
    pub read_only: ReadOnlyRule,
    pub rt_name: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    /// Values a client sent: read-only attributes are dropped or refused as the policy says.
    pub(crate) fn client(policy: &'a CompatPolicy, rt_name: Option<&'a str>) -> Self {
        let read_only = if policy.ignore_read_only_in_bodies {
            ReadOnlyRule::Drop
        } else {
            ReadOnlyRule::Reject
        };
        Ctx {
            policy,
            read_only,
            rt_name,
        }
    }

    /// The server's stored resource: read-only values are kept as they are.
    pub(crate) fn stored(policy: &'a CompatPolicy, rt_name: Option<&'a str>) -> Self {
        Ctx {
            policy,
            read_only: ReadOnlyRule::Keep,
            rt_name,
        }
    }

    /// `400 invalidSyntax` for an attribute the schemas do not define.
    pub(crate) fn unknown(&self, path: &str) -> ScimError {
        match self.rt_name {
            Some(rt) => ScimError::invalid_syntax(format!(
                "unknown attribute '{path}' for resource type {rt}"
            )),
            None => ScimError::invalid_syntax(format!("unknown attribute '{path}'")),
        }
    }

    /// Whether a value for `def` is kept (`Ok(true)`), silently dropped (`Ok(false)`), or refused.
    pub(crate) fn admit(&self, def: &AttributeDef, path: &str) -> ScimResult<bool> {
        if def.mutability != Mutability::ReadOnly {
            return Ok(true);
        }
        match self.read_only {
            ReadOnlyRule::Keep => Ok(true),
            ReadOnlyRule::Drop => Ok(false),
            ReadOnlyRule::Reject => Err(read_only_error(path)),
        }
    }
}

pub(crate) fn read_only_error(path: &str) -> ScimError {
    ScimError::mutability(format!(
        "attribute '{path}' is read-only and cannot be set by a client"
    ))
}

/// Normalise a whole attribute value (an array when `def` is multi-valued). `Ok(None)` means
/// unassigned.
pub(crate) fn normalize_value(
    def: &AttributeDef,
    value: &Value,
    path: &str,
    cx: &Ctx<'_>,
) -> ScimResult<Option<Value>> {
    if !def.multi_valued {
        return normalize_single(def, value, path, cx);
    }
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        other => return Err(type_error(path, "an array", other)),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = normalize_single(def, item, path, cx)? {
            out.push(v);
        }
    }
    settle_primary(def, &mut out);
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::Array(out))
    })
}

/// Normalise one value of `def`'s type, ignoring `multi_valued`: a single-valued attribute's
/// value, or one element of a multi-valued one. `Ok(None)` means unassigned.
pub(crate) fn normalize_single(
    def: &AttributeDef,
    value: &Value,
    path: &str,
    cx: &Ctx<'_>,
) -> ScimResult<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    match def.attr_type {
        AttrType::String | AttrType::Reference | AttrType::Binary => match value {
            Value::String(_) => Ok(Some(value.clone())),
            other => Err(type_error(path, "a string", other)),
        },
        AttrType::Boolean => match value {
            Value::Bool(_) => Ok(Some(value.clone())),
            Value::String(s) if cx.policy.string_booleans => match parse_bool(s) {
                Some(b) => Ok(Some(Value::Bool(b))),
                None => Err(type_error(path, "a boolean (true or false)", value)),
            },
            other => Err(type_error(path, "a boolean", other)),
        },
        AttrType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Some(value.clone())),
            other => Err(type_error(path, "an integer", other)),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => Ok(Some(value.clone())),
            other => Err(type_error(path, "a number", other)),
        },
        AttrType::DateTime => match value {
            Value::String(s) if OffsetDateTime::parse(s, &Rfc3339).is_ok() => {
                Ok(Some(value.clone()))
            }
            other => Err(type_error(
                path,
                "a dateTime in RFC 3339 format such as \"2024-01-31T09:00:00Z\"",
                other,
            )),
        },
        AttrType::Complex => normalize_complex(def, value, path, cx),
    }
}

fn normalize_complex(
    def: &AttributeDef,
    value: &Value,
    path: &str,
    cx: &Ctx<'_>,
) -> ScimResult<Option<Value>> {
    let obj = match value {
        Value::Object(obj) => obj,
        // Entra ID sends EnterpriseUser `manager` as the manager's id alone.
        Value::String(s) if bare_string_allowed(def, cx) => {
            if s.is_empty() {
                return Ok(None);
            }
            let mut wrapped = Map::new();
            wrapped.insert("value".to_string(), value.clone());
            return normalize_complex(def, &Value::Object(wrapped), path, cx);
        }
        other => return Err(type_error(path, "an object", other)),
    };
    let mut found = Map::new();
    let mut seen: Vec<&str> = Vec::with_capacity(obj.len());
    for (key, v) in obj {
        let sub = def
            .sub(key)
            .ok_or_else(|| cx.unknown(&format!("{path}.{key}")))?;
        let sub_path = format!("{path}.{}", sub.name);
        if seen.contains(&sub.name) {
            return Err(duplicate_error(&sub_path));
        }
        seen.push(sub.name);
        if !cx.admit(sub, &sub_path)? {
            continue;
        }
        if let Some(nv) = normalize_value(sub, v, &sub_path, cx)? {
            found.insert(sub.name.to_string(), nv);
        }
    }
    // Canonical order is the schema's order, so equal resources serialise identically.
    let mut out = Map::new();
    for sub in &def.sub_attributes {
        if let Some(v) = found.remove(sub.name) {
            out.insert(sub.name.to_string(), v);
        }
    }
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::Object(out))
    })
}

fn bare_string_allowed(def: &AttributeDef, cx: &Ctx<'_>) -> bool {
    cx.policy.bare_string_manager && !def.multi_valued && def.sub("value").is_some()
}

/// Keep at most one `primary: true`: the last one wins, so a newly appended primary value
/// demotes the old one.
pub(crate) fn settle_primary(def: &AttributeDef, items: &mut [Value]) {
    if !def.is_complex() || def.sub("primary").is_none() {
        return;
    }
    let Some(winner) = items.iter().rposition(is_primary) else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        if i != winner && is_primary(item) {
            if let Some(obj) = item.as_object_mut() {
                obj.insert("primary".to_string(), Value::Bool(false));
            }
        }
    }
}

pub(crate) fn is_primary(v: &Value) -> bool {
    v.get("primary").and_then(Value::as_bool) == Some(true)
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

pub(crate) fn duplicate_error(path: &str) -> ScimError {
    ScimError::invalid_syntax(format!(
        "attribute '{path}' is given more than once (names are case-insensitive)"
    ))
}

/// `400 invalidValue`: "attribute 'active' must be a boolean, got a string \"yes\"".
pub(crate) fn type_error(path: &str, expected: &str, got: &Value) -> ScimError {
    ScimError::invalid_value(format!(
        "attribute '{path}' must be {expected}, got {}",
        describe(got)
    ))
}

/// A short description of a JSON value for error messages; long strings are cut.
pub(crate) fn describe(v: &Value) -> String {
    const MAX_CHARS: usize = 40;
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean {b}"),
        Value::Number(n) => format!("a number {n}"),
        Value::String(s) if s.chars().count() > MAX_CHARS => {
            let cut: String = s.chars().take(MAX_CHARS).collect();
            format!("a string {}...", Value::String(cut))
        }
        Value::String(_) => format!("a string {v}"),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Whether two values of `def` are equal under its case rule (RFC 7643 §2.2 `caseExact`).
pub(crate) fn values_equal(def: &AttributeDef, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !def.case_exact => {
            x == y || x.to_lowercase() == y.to_lowercase()
        }
        _ => a == b,
    }
}
