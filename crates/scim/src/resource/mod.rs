//! Resource normalisation (RFC 7643 §2, §3): turn a client's POST/PUT body, or a resource just
//! changed by PATCH, into the one canonical JSON shape the rest of the server relies on.
//!
//! Canonical means: attribute names spelled as in the schema, URN-qualified top-level keys moved
//! into their extension object, values type-checked, unassigned values (`null`, `[]`, `{}`)
//! omitted, at most one `primary: true`, read-only attributes dropped (or refused, as the policy
//! says), and `schemas` listing exactly the schemas in use. An attribute the schemas do not
//! define is an error, never silently dropped.
//!
//! Required attributes are checked separately ([`check_required`]) because PATCH passes through
//! states where they are missing.

mod document;
mod value;

#[cfg(test)]
mod tests_body;
#[cfg(test)]
mod tests_value;

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use crate::policy::CompatPolicy;
use crate::schema::{AttributeDef, ResourceType};

pub(crate) use document::ResourceDoc;
pub(crate) use value::{
    describe, is_primary, normalize_single, normalize_value, read_only_error, type_error,
    values_equal, Ctx, ReadOnlyRule,
};

/// Where an attribute lives: core/common (`extension: None`) or an extension URN. (The schema
/// crate's own `Located` is not exported, hence this twin.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct Located {
    pub extension: Option<&'static str>,
    pub def: &'static AttributeDef,
}

/// `rt.attribute` in terms of [`Located`].
pub(crate) fn lookup(rt: &ResourceType, urn: Option<&str>, name: &str) -> Option<Located> {
    rt.attribute(urn, name).map(|l| Located {
        extension: l.extension,
        def: l.def,
    })
}

/// Validate a client-supplied resource body (POST, PUT) against the resource type's schemas and
/// return it in canonical form. `id` and `meta` are never in the output (the service assigns
/// them); `password` is (the service hashes it and removes it before storing).
pub fn normalize_resource(
    rt: &ResourceType,
    body: &Value,
    policy: &CompatPolicy,
) -> ScimResult<Value> {
    let obj = body.as_object().ok_or_else(|| {
        ScimError::invalid_syntax("the request body must be a JSON object holding a SCIM resource")
    })?;
    check_schemas(rt, obj, policy)?;
    let doc = collect(rt, obj, &Ctx::client(policy, Some(rt.name)))?;
    Ok(doc.into_value(rt))
}

/// Validate and canonicalise one attribute's value. `Ok(None)` means "unassigned" (`null`, `[]`,
/// or nothing left after normalisation). Read-only sub-attributes are dropped or refused as the
/// policy says; whether `def` itself may be written is the caller's decision.
pub fn normalize_attribute_value(
    def: &AttributeDef,
    value: &Value,
    policy: &CompatPolicy,
) -> ScimResult<Option<Value>> {
    normalize_value(def, value, def.name, &Ctx::client(policy, None))
}

/// `400 invalidValue` when a required top-level attribute (User `userName`, Group `displayName`)
/// is missing, null, empty or blank.
pub fn check_required(rt: &ResourceType, resource: &Value) -> ScimResult<()> {
    for l in rt.all_attributes() {
        let located = Located {
            extension: l.extension,
            def: l.def,
        };
        if !located.def.required {
            continue;
        }
        let holder = match located.extension {
            None => Some(resource),
            Some(urn) => get_ci(resource, urn),
        };
        let value = holder.and_then(|h| get_ci(h, located.def.name));
        if is_unassigned(value) {
            return Err(ScimError::invalid_value(format!(
                "attribute '{}' is required",
                display_path(&located)
            )));
        }
    }
    Ok(())
}

/// Normalise the server's own copy of a resource (the PATCH engine's input and output): read-only
/// values are kept, `schemas` is recomputed from the content rather than checked.
pub(crate) fn normalize_stored(
    rt: &ResourceType,
    obj: &Map<String, Value>,
    policy: &CompatPolicy,
) -> ScimResult<ResourceDoc> {
    collect(rt, obj, &Ctx::stored(policy, Some(rt.name)))
}

/// How an attribute is named in messages: `userName`, or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager` for an extension's.
pub(crate) fn display_path(located: &Located) -> String {
    match located.extension {
        None => located.def.name.to_string(),
        Some(urn) => format!("{urn}:{}", located.def.name),
    }
}

/// Resolve a top-level key: a core or common attribute (`userName`), or a URN-qualified one
/// (`urn:...:core:2.0:User:userName`, `urn:...:enterprise:2.0:User:employeeNumber`).
pub(crate) fn resolve_key(rt: &ResourceType, key: &str) -> Option<Located> {
    if let Some(found) = lookup(rt, None, key) {
        return Some(found);
    }
    let (urn, name) = key.rsplit_once(':')?;
    lookup(rt, Some(urn), name)
}

fn check_schemas(
    rt: &ResourceType,
    obj: &Map<String, Value>,
    policy: &CompatPolicy,
) -> ScimResult<()> {
    let schemas = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .map(|(_, v)| v);
    let items = match schemas {
        None | Some(Value::Null) if policy.missing_schemas_filled_in => return Ok(()),
        None | Some(Value::Null) => {
            return Err(ScimError::invalid_value(format!(
                "the resource has no 'schemas'; a {} needs [\"{}\"]",
                rt.name, rt.schema
            )))
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(ScimError::invalid_value(format!(
                "'schemas' must be an array of schema URNs, got {}",
                describe(other)
            )))
        }
    };
    for item in items {
        match item {
            Value::String(urn) if rt.knows_schema(urn) => {}
            Value::String(urn)
                if policy
                    .ignored_schema_urns
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(urn))
                    && !obj.keys().any(|k| k.eq_ignore_ascii_case(urn)) => {}
            Value::String(urn) => {
                return Err(ScimError::invalid_value(format!(
                    "unknown schema '{urn}' for resource type {}",
                    rt.name
                )))
            }
            other => {
                return Err(ScimError::invalid_value(format!(
                    "'schemas' must contain schema URNs (strings), got {}",
                    describe(other)
                )))
            }
        }
    }
    Ok(())
}

/// Walk a resource object into a [`ResourceDoc`], normalising every attribute.
fn collect(rt: &ResourceType, obj: &Map<String, Value>, cx: &Ctx<'_>) -> ScimResult<ResourceDoc> {
    let mut doc = ResourceDoc::default();
    let mut seen: Vec<(Option<&'static str>, &'static str)> = Vec::new();
    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(urn) = rt.extension_urn(key) {
            match value {
                Value::Null => {}
                Value::Object(inner) => {
                    for (k, v) in inner {
                        // Some clients (scim2-tester) repeat the extension's own URN as a
                        // `schemas` list inside the extension object; it carries no data.
                        if k.eq_ignore_ascii_case("schemas") && names_only(v, urn) {
                            continue;
                        }
                        let located = lookup(rt, Some(urn), k)
                            .ok_or_else(|| cx.unknown(&format!("{urn}:{k}")))?;
                        place(&mut doc, &mut seen, located, v, cx)?;
                    }
                }
                other => return Err(type_error(urn, "an object of extension attributes", other)),
            }
            continue;
        }
        let located = resolve_key(rt, key).ok_or_else(|| cx.unknown(key))?;
        place(&mut doc, &mut seen, located, value, cx)?;
    }
    Ok(doc)
}

fn place(
    doc: &mut ResourceDoc,
    seen: &mut Vec<(Option<&'static str>, &'static str)>,
    located: Located,
    value: &Value,
    cx: &Ctx<'_>,
) -> ScimResult<()> {
    let path = display_path(&located);
    let id = (located.extension, located.def.name);
    if seen.contains(&id) {
        return Err(value::duplicate_error(&path));
    }
    seen.push(id);
    if !cx.admit(located.def, &path)? {
        return Ok(());
    }
    if let Some(v) = normalize_value(located.def, value, &path, cx)? {
        doc.slot(located.extension)
            .insert(located.def.name.to_string(), v);
    }
    Ok(())
}

/// `["<urn>"]` (or an empty list): a `schemas` value that only names this extension.
pub(crate) fn names_only(v: &Value, urn: &str) -> bool {
    v.as_array().is_some_and(|a| {
        a.iter()
            .all(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
    })
}

fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn is_unassigned(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    }
}
