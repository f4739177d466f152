//! What differs between the app's copy of an object and what the mappings say it should be.
//!
//! Only mapped targets are compared, each with the rules of its SCIM attribute: text with
//! `caseExact=false` that differs only in case is the same (`BJensen` and `bjensen`), booleans
//! sent as `"True"` equal `true`, numbers compare as numbers, dates as instants. A multi-valued
//! reference target (members) compares as a set. Volatile values (`Now()`, `Guid()`) and
//! ignored targets are never changes. The result feeds the plan, the logs and a PATCH.

use std::collections::HashSet;

use scimitar_scim::filter::matches_value;
use scimitar_scim::schema::{AttrType, AttributeDef};
use serde_json::Value as Json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::apply::{get_ci, MappedObject, MappedValue};
use super::body::{reference_value, UnresolvedReference};
use super::schema_path::{resolve_target, TargetSlot};

/// The changes that bring the app's object in line, and references that cannot be written yet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diff {
    pub changes: Vec<AttributeChange>,
    pub unresolved: Vec<UnresolvedReference>,
}

/// One target whose value in the app is not what it should be.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeChange {
    /// The target path, as the mapping writes it.
    pub path: String,
    /// The app's value, `None` when it has none.
    pub old: Option<Json>,
    /// The value to write; `None` clears it.
    pub new: Option<Json>,
    /// Neither value may be shown in logs or plans.
    pub redacted: bool,
}

/// Compare `mapped` with `current`, the app's copy of the object (SCIM JSON as the app returns
/// it). `resolve` turns directory ids into the app's ids, as for the create body.
pub fn diff(
    mapped: &MappedObject,
    current: &Json,
    resolve: impl Fn(&str) -> Option<String>,
) -> Diff {
    let mut out = Diff::default();
    for attribute in &mapped.attributes {
        if attribute.volatile {
            continue;
        }
        let Ok(slot) = resolve_target(mapped.kind, attribute.target.path()) else {
            continue;
        };
        let old = read(&slot, current);
        let new = match &attribute.value {
            MappedValue::Ignore | MappedValue::Candidates(_) => continue,
            MappedValue::Set(v) => {
                if old.is_some_and(|o| same(slot.leaf(), o, v)) {
                    continue;
                }
                Some(v.clone())
            }
            MappedValue::Clear => {
                if old.is_none() {
                    continue;
                }
                None
            }
            MappedValue::References(refs) => {
                let new =
                    reference_value(mapped.kind, attribute, refs, &resolve, &mut out.unresolved);
                if same_references(&slot, old, new.as_ref()) {
                    continue;
                }
                new
            }
        };
        out.changes.push(AttributeChange {
            path: attribute.target.as_str().to_string(),
            old: old.cloned(),
            new,
            redacted: attribute.redacted,
        });
    }
    out
}

/// The app's value at a target slot; `None` when it is absent, null or empty.
fn read<'v>(slot: &TargetSlot<'_>, resource: &'v Json) -> Option<&'v Json> {
    let container = match slot.extension {
        Some(urn) => get_ci(resource, urn)?,
        None => resource,
    };
    let top = get_ci(container, slot.attribute.name)?;
    let value = match (slot.filter, slot.sub) {
        (Some(filter), sub) => {
            let items = top.as_array()?;
            let matching: Vec<&Json> = items
                .iter()
                .filter(|e| matches_value(slot.attribute, e, filter))
                .collect();
            let primary = matching.iter().find(|e| {
                get_ci(e, "primary").is_some_and(|p| {
                    p.as_bool() == Some(true)
                        || p.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
                })
            });
            let entry = primary.or(matching.first())?;
            match sub {
                Some(s) => get_ci(entry, s.name)?,
                None => entry,
            }
        }
        (None, Some(s)) => get_ci(top, s.name)?,
        (None, None) => top,
    };
    (!is_empty(value)).then_some(value)
}

fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(items) => items.is_empty(),
        Json::Object(map) => map.values().all(is_empty),
        Json::Bool(_) | Json::Number(_) => false,
    }
}

/// Whether the app's `old` value and the mapped `new` value are the same for attribute `def`.
fn same(def: &AttributeDef, old: &Json, new: &Json) -> bool {
    match def.attr_type {
        AttrType::Boolean => as_bool(old).is_some() && as_bool(old) == as_bool(new),
        AttrType::Integer | AttrType::Decimal => match (as_f64(old), as_f64(new)) {
            (Some(a), Some(b)) => a == b,
            _ => old == new,
        },
        AttrType::DateTime => match (as_instant(old), as_instant(new)) {
            (Some(a), Some(b)) => a == b,
            _ => old == new,
        },
        AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::Complex => {
            match (old.as_str(), new.as_str()) {
                (Some(a), Some(b)) => same_text(def.case_exact, a, b),
                _ => old == new,
            }
        }
    }
}

fn same_text(case_exact: bool, a: &str, b: &str) -> bool {
    if case_exact {
        a == b
    } else {
        a == b || a.to_lowercase() == b.to_lowercase()
    }
}

fn as_bool(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn as_f64(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_instant(v: &Json) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(v.as_str()?, &Rfc3339).ok()
}

/// Reference targets compare by the ids in `value` (a set for members), with the case rules of
/// the target's `value` sub-attribute.
fn same_references(slot: &TargetSlot<'_>, old: Option<&Json>, new: Option<&Json>) -> bool {
    let case_exact = slot
        .attribute
        .sub("value")
        .is_some_and(|value| value.case_exact);
    let ids = |v: Option<&Json>| -> HashSet<String> {
        let entries: Vec<&Json> = match v {
            Some(Json::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        entries
            .into_iter()
            .filter_map(|e| match e {
                Json::String(s) => Some(s.as_str()),
                other => get_ci(other, "value").and_then(Json::as_str),
            })
            .map(|id| {
                if case_exact {
                    id.to_string()
                } else {
                    id.to_lowercase()
                }
            })
            .collect()
    };
    ids(old) == ids(new)
}
