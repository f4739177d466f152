//! The values of multi-valued and complex attributes as the PATCH engine edits them: taking an
//! attribute out of its map and putting it back, deciding when two values are "the same",
//! keeping one primary, and building the new entry a filtered path creates when nothing matches.
//! Pure helpers over JSON; the decisions about which operation does what live in `apply`.

use serde_json::{Map, Value};

use crate::filter::{CompValue, CompareOp, Filter};
use crate::resource::{is_primary, values_equal};
use crate::schema::{AttributeDef, Mutability};

/// Remove an attribute's values from `map` (an absent attribute has none).
pub(super) fn take_array(map: &mut Map<String, Value>, name: &str) -> Vec<Value> {
    match map.remove(name) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    }
}

/// Put values back; none means the attribute is unassigned.
pub(super) fn put_array(map: &mut Map<String, Value>, name: &str, items: Vec<Value>) {
    if !items.is_empty() {
        map.insert(name.to_string(), Value::Array(items));
    }
}

pub(super) fn take_object(map: &mut Map<String, Value>, name: &str) -> Map<String, Value> {
    match map.remove(name) {
        Some(Value::Object(obj)) => obj,
        _ => Map::new(),
    }
}

pub(super) fn put_object(map: &mut Map<String, Value>, name: &str, obj: Map<String, Value>) {
    if !obj.is_empty() {
        map.insert(name.to_string(), Value::Object(obj));
    }
}

/// A single value as a one-element array, for multi-valued targets given one element.
pub(super) fn as_array(value: &Value) -> Value {
    match value {
        Value::Array(_) | Value::Null => value.clone(),
        other => Value::Array(vec![other.clone()]),
    }
}

/// Read-only sub-attributes (`manager.displayName`) are derived by the server from the others;
/// once a client changes the value they describe, the old ones are stale and must go.
pub(super) fn drop_derived(def: &AttributeDef, obj: &mut Map<String, Value>) {
    obj.retain(|k, _| !matches!(def.sub(k), Some(s) if s.mutability == Mutability::ReadOnly));
}

/// Whether adding `new` to a multi-valued attribute would duplicate `existing`. Values whose
/// `value` is an immutable identifier (Group `members`) are the same when the identifiers are;
/// any other values when they are equal as a whole.
pub(super) fn same_element(def: &AttributeDef, existing: &Value, new: &Value) -> bool {
    if let Some(value_def) = def
        .sub("value")
        .filter(|d| d.mutability == Mutability::Immutable)
    {
        if let (Some(a), Some(b)) = (existing.get("value"), new.get("value")) {
            return values_equal(value_def, a, b);
        }
    }
    existing == new
}

/// Whether a value listed in `{"op":"remove","path":"members","value":[...]}` designates
/// `element`: by `value` when the listed entry has one, otherwise by every sub-attribute it has.
pub(super) fn listed_matches(def: &AttributeDef, listed: &Value, element: &Value) -> bool {
    if !def.is_complex() {
        return values_equal(def, listed, element);
    }
    let (Some(l), Some(e)) = (listed.as_object(), element.as_object()) else {
        return false;
    };
    if let (Some(value_def), Some(lv)) = (def.sub("value"), l.get("value")) {
        return e
            .get("value")
            .is_some_and(|ev| values_equal(value_def, lv, ev));
    }
    !l.is_empty()
        && l.iter().all(|(k, lv)| {
            e.get(k)
                .is_some_and(|ev| def.sub(k).map_or(lv == ev, |sd| values_equal(sd, lv, ev)))
        })
}

/// After values at `touched` were written: if one of them is now primary, no other value is.
pub(super) fn demote_others(def: &AttributeDef, items: &mut [Value], touched: &[usize]) {
    if def.sub("primary").is_none()
        || !touched
            .iter()
            .any(|&i| items.get(i).is_some_and(is_primary))
    {
        return;
    }
    for (i, item) in items.iter_mut().enumerate() {
        if !touched.contains(&i) && is_primary(item) {
            if let Some(obj) = item.as_object_mut() {
                obj.insert("primary".to_string(), Value::Bool(false));
            }
        }
    }
}

/// The entry a filter describes, from its `eq` comparisons joined by `and`:
/// `type eq "work"` gives `{"type": "work"}`. `None` when the filter uses anything else (an
/// `or`, a `ne`, ...), since then no single entry is implied.
pub(super) fn entry_from_filter(def: &AttributeDef, filter: &Filter) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    collect_eq(def, filter, &mut out).then_some(out)
}

fn collect_eq(def: &AttributeDef, filter: &Filter, out: &mut Map<String, Value>) -> bool {
    match filter {
        Filter::And(a, b) => collect_eq(def, a, out) && collect_eq(def, b, out),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub_attr.is_none() => {
            let Some(sub) = def.sub(&path.name) else {
                return false;
            };
            let json = match value {
                CompValue::Null => return true,
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Str(s) => Value::String(s.clone()),
            };
            match out.get(sub.name) {
                // `type eq "a" and type eq "b"`: no entry can satisfy both.
                Some(existing) if existing != &json => false,
                _ => {
                    out.insert(sub.name.to_string(), json);
                    true
                }
            }
        }
        _ => false,
    }
}
