//! JSON representations of schemas and resource types for the discovery endpoints (RFC 7643 §6, §7).

use serde_json::{json, Map, Value};

use super::attribute::AttributeDef;
use super::{ResourceType, Schema, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA};

fn attribute_json(a: &AttributeDef) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(a.name));
    m.insert("type".into(), json!(a.attr_type.as_str()));
    m.insert("multiValued".into(), json!(a.multi_valued));
    m.insert("description".into(), json!(a.description));
    m.insert("required".into(), json!(a.required));
    if !a.is_complex() {
        m.insert("caseExact".into(), json!(a.case_exact));
    }
    m.insert("mutability".into(), json!(a.mutability.as_str()));
    m.insert("returned".into(), json!(a.returned.as_str()));
    if !a.is_complex() {
        m.insert("uniqueness".into(), json!(a.uniqueness.as_str()));
    }
    if !a.canonical_values.is_empty() {
        m.insert("canonicalValues".into(), json!(a.canonical_values));
    }
    if !a.reference_types.is_empty() {
        m.insert("referenceTypes".into(), json!(a.reference_types));
    }
    if a.is_complex() {
        m.insert(
            "subAttributes".into(),
            Value::Array(a.sub_attributes.iter().map(attribute_json).collect()),
        );
    }
    Value::Object(m)
}

/// A schema as served at `/Schemas/{id}`; `base` is the absolute `/scim/v2` URL.
pub fn schema_json(s: &Schema, base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "attributes": s.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{}", s.id) },
    })
}

/// A resource type as served at `/ResourceTypes/{name}`.
pub fn resource_type_json(rt: &ResourceType, base: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": rt.name,
        "name": rt.name,
        "endpoint": rt.endpoint,
        "description": rt.description,
        "schema": rt.schema,
        "schemaExtensions": rt.extensions.iter()
            .map(|(urn, req)| json!({"schema": urn, "required": req}))
            .collect::<Vec<_>>(),
        "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", rt.name) },
    })
}
