//! Attribute-level changes and the requests they become: one PATCH (RFC 7644 §3.5.2,
//! `replace` to set, `remove` to clear) for apps that support it, or an edit of the fetched
//! object for the GET + PUT fallback, so both routes give the app the same result.
//!
//! Paths are parsed by the `scim` crate's PATCH path parser, the one the server uses; this
//! module never parses SCIM itself. It is pure: no I/O.

use scimitar_scim::filter::{matches_value, AttrPath, CompValue, CompareOp, Filter};
use scimitar_scim::path::{parse_patch_path, PatchPath};
use scimitar_scim::schema::{resource_type, ResourceKind, PATCH_OP_SCHEMA};
use serde_json::{json, Map, Value};

use super::error::ConnectorError;

/// One change to one attribute of an app's object, by SCIM path (`title`, `name.givenName`,
/// `emails[type eq "work"].value`, `urn:...:enterprise:2.0:User:employeeNumber`).
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeChange {
    /// Give the attribute this value (a `null` value clears it).
    Set { path: String, value: Value },
    /// Remove the attribute's value.
    Clear { path: String },
}

impl AttributeChange {
    pub fn set(path: impl Into<String>, value: Value) -> Self {
        AttributeChange::Set {
            path: path.into(),
            value,
        }
    }

    pub fn clear(path: impl Into<String>) -> Self {
        AttributeChange::Clear { path: path.into() }
    }

    pub fn path(&self) -> &str {
        match self {
            AttributeChange::Set { path, .. } | AttributeChange::Clear { path } => path,
        }
    }

    /// The new value; `None` for a clear.
    fn new_value(&self) -> Option<&Value> {
        match self {
            AttributeChange::Set { value, .. } if !value.is_null() => Some(value),
            _ => None,
        }
    }

    fn parsed_path(&self) -> Result<PatchPath, ConnectorError> {
        parse_patch_path(self.path()).map_err(|e| {
            ConnectorError::InvalidChange(format!("path '{}': {}", self.path(), e.detail))
        })
    }
}

/// The PatchOp message for `changes`, every path checked first.
pub(crate) fn patch_request(changes: &[AttributeChange]) -> Result<Value, ConnectorError> {
    let mut operations = Vec::with_capacity(changes.len());
    for change in changes {
        change.parsed_path()?;
        operations.push(match change.new_value() {
            Some(value) => json!({"op": "replace", "path": change.path(), "value": value}),
            None => json!({"op": "remove", "path": change.path()}),
        });
    }
    Ok(patch_message(operations))
}

/// `add members` with the given ids, in one operation.
pub(crate) fn add_members_request(ids: &[String]) -> Value {
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    patch_message(vec![
        json!({"op": "add", "path": "members", "value": members}),
    ])
}

/// One `remove` per id with path `members[value eq "id"]`: the RFC 7644 §3.5.2.2 form, the one
/// Okta documents and Entra ID sends, and the one most servers implement. A value list under
/// `remove members` is not in the RFC and wipes the whole group on several servers.
pub(crate) fn remove_members_request(ids: &[String]) -> Value {
    let operations = ids
        .iter()
        .map(|id| json!({"op": "remove", "path": member_path(id)}))
        .collect();
    patch_message(operations)
}

/// `members[value eq "id"]`, the id escaped as a SCIM (JSON) string.
pub(crate) fn member_path(id: &str) -> String {
    format!(
        "members[{}]",
        Filter::Compare {
            path: AttrPath::simple("value"),
            op: CompareOp::Eq,
            value: CompValue::Str(id.to_string()),
        }
    )
}

fn patch_message(operations: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations})
}

/// Apply `changes` to an object read from the app, for the PUT that replaces it. All or
/// nothing: on error `doc` is unchanged.
pub(crate) fn apply_changes(
    kind: ResourceKind,
    doc: &mut Value,
    changes: &[AttributeChange],
) -> Result<(), ConnectorError> {
    let Value::Object(original) = &*doc else {
        return Err(ConnectorError::InvalidResponse(
            "the object read from the app is not a JSON object".into(),
        ));
    };
    let mut edited = original.clone();
    for change in changes {
        apply_one(kind, &mut edited, change)?;
    }
    *doc = Value::Object(edited);
    Ok(())
}

/// Add and remove members in a Group object read from the app (the PUT fallback).
pub(crate) fn edit_members(doc: &mut Value, add: &[String], remove: &[String]) {
    let Value::Object(map) = doc else { return };
    let mut members = match take_ci(map, "members") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let id_of = |m: &Value| m.get("value").and_then(Value::as_str).map(str::to_string);
    members.retain(|m| id_of(m).is_none_or(|id| !remove.contains(&id)));
    for id in add {
        if !members.iter().any(|m| id_of(m).as_deref() == Some(id)) {
            members.push(json!({"value": id}));
        }
    }
    map.insert("members".into(), Value::Array(members));
}

fn apply_one(
    kind: ResourceKind,
    doc: &mut Map<String, Value>,
    change: &AttributeChange,
) -> Result<(), ConnectorError> {
    let path = change.parsed_path()?;
    let value = change.new_value().cloned();
    let rt = resource_type(kind);
    let container = match &path.urn {
        Some(urn) if path.filter.is_none() && path.sub_attr.is_none() => {
            // A whole extension (`urn:...:enterprise:2.0:User`) parses as urn + name.
            let full = format!("{urn}:{}", path.name);
            if rt.extension_urn(&full).is_some() || key_ci(doc, &full).is_some() {
                write(doc, &full, value);
                return Ok(());
            }
            extension_object(doc, urn, rt.schema)?
        }
        Some(urn) => extension_object(doc, urn, rt.schema)?,
        None => doc,
    };
    match (&path.filter, &path.sub_attr) {
        (None, None) => write(container, &path.name, value),
        (None, Some(sub)) => match value {
            Some(v) => {
                let key = key_ci(container, &path.name).unwrap_or_else(|| path.name.clone());
                let slot = container.entry(key).or_insert_with(|| json!({}));
                if !slot.is_object() {
                    *slot = json!({});
                }
                if let Value::Object(obj) = slot {
                    write(obj, sub, Some(v));
                }
            }
            None => {
                let key = key_ci(container, &path.name);
                if let Some(Value::Object(obj)) = key.as_ref().and_then(|k| container.get_mut(k)) {
                    write(obj, sub, None);
                    if obj.is_empty() {
                        write(container, &path.name, None);
                    }
                }
            }
        },
        (Some(filter), sub) => {
            let def = rt
                .attribute(path.urn.as_deref(), &path.name)
                .map(|l| l.def)
                .ok_or_else(|| {
                    ConnectorError::Unsupported(format!(
                        "path '{}': a filtered path on an attribute outside the SCIM core and \
                         enterprise schemas cannot be applied without PATCH",
                        change.path()
                    ))
                })?;
            let mut items = match take_ci(container, &path.name) {
                Some(Value::Array(items)) => items,
                Some(Value::Null) | None => Vec::new(),
                Some(single) => vec![single],
            };
            let hits: Vec<usize> = (0..items.len())
                .filter(|&i| matches_value(def, &items[i], filter))
                .collect();
            match (value, sub) {
                (Some(v), _) if hits.is_empty() => {
                    let mut entry = entry_from_filter(filter, change.path())?;
                    match sub {
                        Some(sub) => write(&mut entry, sub, Some(v)),
                        None => merge(&mut entry, v),
                    }
                    items.push(Value::Object(entry));
                }
                (Some(v), Some(sub)) => {
                    for &i in &hits {
                        if let Value::Object(obj) = &mut items[i] {
                            write(obj, sub, Some(v.clone()));
                        }
                    }
                }
                (Some(v), None) => {
                    for &i in &hits {
                        match (&mut items[i], &v) {
                            (Value::Object(obj), Value::Object(_)) => merge(obj, v.clone()),
                            (slot, _) => *slot = v.clone(),
                        }
                    }
                }
                (None, Some(sub)) => {
                    for &i in &hits {
                        if let Value::Object(obj) = &mut items[i] {
                            write(obj, sub, None);
                        }
                    }
                }
                (None, None) => {
                    let mut i = 0;
                    items.retain(|_| {
                        i += 1;
                        !hits.contains(&(i - 1))
                    });
                }
            }
            if !items.is_empty() {
                container.insert(def.name.to_string(), Value::Array(items));
            }
        }
    }
    Ok(())
}

/// The object under an extension URN key (created when missing); the core schema's URN means
/// the top level.
fn extension_object<'m>(
    doc: &'m mut Map<String, Value>,
    urn: &str,
    core_schema: &str,
) -> Result<&'m mut Map<String, Value>, ConnectorError> {
    if urn.eq_ignore_ascii_case(core_schema) {
        return Ok(doc);
    }
    let key = key_ci(doc, urn).unwrap_or_else(|| urn.to_string());
    match doc.entry(key).or_insert_with(|| json!({})) {
        Value::Object(obj) => Ok(obj),
        _ => Err(ConnectorError::InvalidResponse(format!(
            "the object read from the app has a '{urn}' that is not an object"
        ))),
    }
}

/// A new multi-valued entry holding what the filter says (`type eq "work"` → `{"type":"work"}`).
fn entry_from_filter(filter: &Filter, path: &str) -> Result<Map<String, Value>, ConnectorError> {
    let mut entry = Map::new();
    let mut stack = vec![filter];
    while let Some(f) = stack.pop() {
        match f {
            Filter::And(a, b) => stack.extend([a.as_ref(), b.as_ref()]),
            Filter::Compare {
                path: p,
                op: CompareOp::Eq,
                value,
            } if p.urn.is_none() && p.sub_attr.is_none() => {
                let v = match value {
                    CompValue::Null => Value::Null,
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Number(n) => Value::Number(n.clone()),
                    CompValue::Str(s) => Value::String(s.clone()),
                };
                entry.insert(p.name.clone(), v);
            }
            _ => {
                return Err(ConnectorError::InvalidChange(format!(
                    "path '{path}' matches no entry, and only `eq` comparisons joined by `and` \
                     say what a new entry should hold"
                )))
            }
        }
    }
    Ok(entry)
}

/// The key spelled as the object has it, matching `name` case-insensitively.
fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn take_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    key_ci(map, name).and_then(|k| map.remove(&k))
}

/// Set (keeping the object's spelling of the key) or remove an attribute.
fn write(map: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            let key = key_ci(map, name).unwrap_or_else(|| name.to_string());
            map.insert(key, v);
        }
        None => map.retain(|k, _| !k.eq_ignore_ascii_case(name)),
    }
}

/// Copy the keys of `value` (an object) into `entry`; `null` keys remove.
fn merge(entry: &mut Map<String, Value>, value: Value) {
    match value {
        Value::Object(obj) => {
            for (k, v) in obj {
                let v = (!v.is_null()).then_some(v);
                write(entry, &k, v);
            }
        }
        other => write(entry, "value", Some(other)),
    }
}
