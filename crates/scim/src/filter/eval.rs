//! In-memory filter evaluation over a resource in canonical JSON form: top-level core attributes,
//! extension attributes under their extension URN key, `meta` under `meta`.
//!
//! Paths resolve against the resource type's schemas, so attribute names match
//! case-insensitively and each comparison uses the attribute's own rules (see `compare`).
//! An attribute the schemas do not know matches nothing, whatever the operator: rejecting it is
//! `validate_filter_paths`'s job, before evaluation. Evaluation never fails and never panics.

use super::ast::{AttrPath, Filter};
use super::compare::{compare_all, compare_values, is_present};
use crate::schema::{AttributeDef, ResourceType};
use serde_json::Value;

/// Whether `resource` (canonical JSON of resource type `rt`) satisfies `filter`.
///
/// A multi-valued attribute matches when any of its values does; a complex attribute compared
/// without a sub-attribute (`emails co "@example.com"`, `manager eq "id"`) compares its `value`.
pub fn matches(rt: &ResourceType, resource: &Value, filter: &Filter) -> bool {
    match filter {
        Filter::And(a, b) => matches(rt, resource, a) && matches(rt, resource, b),
        Filter::Or(a, b) => matches(rt, resource, a) || matches(rt, resource, b),
        Filter::Not(a) => !matches(rt, resource, a),
        Filter::Present(path) => resolve(rt, resource, path, false)
            .is_some_and(|(_, values)| values.iter().any(|v| is_present(v))),
        Filter::Compare { path, op, value } => resolve(rt, resource, path, true)
            .is_some_and(|(def, values)| compare_all(def, &values, *op, value)),
        Filter::ValuePath { path, filter } => {
            let Some(loc) = rt.attribute(path.urn.as_deref(), &path.name) else {
                return false;
            };
            if path.sub_attr.is_some() || !loc.def.is_complex() {
                return false;
            }
            match top_level(resource, loc.extension, loc.def) {
                Some(Value::Array(items)) => {
                    items.iter().any(|e| matches_value(loc.def, e, filter))
                }
                Some(object @ Value::Object(_)) => matches_value(loc.def, object, filter),
                _ => false,
            }
        }
    }
}

/// Whether one element of the complex attribute `def` (one entry of `emails`, or the object of a
/// single-valued complex attribute) satisfies a value-path filter such as the `type eq "work"`
/// of `emails[type eq "work"]`, whose paths name sub-attributes of `def`.
///
/// For a multi-valued attribute of simple type, the element itself is the sub-attribute `value`.
/// The PATCH engine uses this to select the entries a filtered path targets.
pub fn matches_value(def: &AttributeDef, element: &Value, filter: &Filter) -> bool {
    match filter {
        Filter::And(a, b) => matches_value(def, element, a) && matches_value(def, element, b),
        Filter::Or(a, b) => matches_value(def, element, a) || matches_value(def, element, b),
        Filter::Not(a) => !matches_value(def, element, a),
        Filter::Present(path) => {
            relative(def, element, path).is_some_and(|(_, v)| v.is_some_and(is_present))
        }
        Filter::Compare { path, op, value } => relative(def, element, path)
            .is_some_and(|(sub, v)| compare_values(sub, v.unwrap_or(&Value::Null), *op, value)),
        // The parser never nests value filters.
        Filter::ValuePath { .. } => false,
    }
}

/// The definition and value of a path relative to one element of `def`.
fn relative<'d, 'v>(
    def: &'d AttributeDef,
    element: &'v Value,
    path: &AttrPath,
) -> Option<(&'d AttributeDef, Option<&'v Value>)> {
    if path.urn.is_some() || path.sub_attr.is_some() {
        return None;
    }
    if def.is_complex() {
        let sub = def.sub(&path.name)?;
        Some((sub, get_ci(element, sub.name)))
    } else if path.name.eq_ignore_ascii_case("value") {
        Some((def, Some(element)))
    } else {
        None
    }
}

/// The definition to compare with and the candidate values a path selects in `resource`.
/// `compare` redirects a complex attribute without a sub-attribute to its `value`.
fn resolve<'v>(
    rt: &ResourceType,
    resource: &'v Value,
    path: &AttrPath,
    compare: bool,
) -> Option<(&'static AttributeDef, Vec<&'v Value>)> {
    let loc = rt.attribute(path.urn.as_deref(), &path.name)?;
    let top = top_level(resource, loc.extension, loc.def);
    let sub_name = match &path.sub_attr {
        Some(sub) => sub.as_str(),
        None if compare && loc.def.is_complex() && loc.def.sub("value").is_some() => "value",
        None => return Some((loc.def, top.into_iter().collect())),
    };
    let sub = loc.def.sub(sub_name)?;
    let values = match top {
        Some(Value::Array(items)) => items.iter().filter_map(|e| get_ci(e, sub.name)).collect(),
        Some(object) => get_ci(object, sub.name).into_iter().collect(),
        None => Vec::new(),
    };
    Some((sub, values))
}

/// A top-level attribute's value: under the extension URN key for extension attributes.
fn top_level<'v>(
    resource: &'v Value,
    extension: Option<&str>,
    def: &AttributeDef,
) -> Option<&'v Value> {
    let container = match extension {
        Some(urn) => get_ci(resource, urn)?,
        None => resource,
    };
    get_ci(container, def.name)
}

/// `value[key]`, trying the canonical spelling first and then any case.
fn get_ci<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
