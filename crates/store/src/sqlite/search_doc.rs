//! The `search` column: a copy of a resource's canonical JSON in the form filters compare
//! against.
//!
//! SQLite cannot apply SCIM's case rules itself (`lower()` folds ASCII only) and compares
//! timestamps as text, so both are settled here, once, when a resource is written: every
//! `caseExact=false` string or reference is folded with [`fold_case`] and every dateTime is
//! rewritten by [`canonical_datetime`]. The filter translator (`filter_sql`) folds and
//! canonicalises filter literals with the same two functions, so a comparison in SQL follows the
//! schema exactly. This module must never be used to build a response: `data` is the source of
//! truth for what a client sees.

use scimitar_scim::schema::{AttrType, AttributeDef, ResourceType};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Unicode lowercase: the fold for `caseExact=false` values in `*_ci` columns, in the `search`
/// document, and for filter literals compared with them.
pub fn fold_case(s: &str) -> String {
    s.to_lowercase()
}

/// An RFC 3339 timestamp in the fixed-width UTC form `YYYY-MM-DDTHH:MM:SS.ffffffZ` (six fraction
/// digits, truncated), so that text order is time order. `None` if `s` is not RFC 3339 or falls
/// outside years 0000–9999 once moved to UTC.
pub fn canonical_datetime(s: &str) -> Option<String> {
    let t = OffsetDateTime::parse(s, &Rfc3339)
        .ok()?
        .to_offset(UtcOffset::UTC);
    if !(0..=9999).contains(&t.year()) {
        return None;
    }
    // The same fixed-width form the store writes `created`/`lastModified` in.
    Some(scimitar_core::clock::format_timestamp(t))
}

/// The `search` document for `data` (canonical resource JSON, extension attributes under their
/// URN key): the same shape with keys in their schema spelling, every `caseExact=false`
/// string/reference folded and every dateTime canonicalised. Keys the schema does not know
/// (`schemas`, for one) are copied unchanged.
pub fn search_document(rt: &ResourceType, data: &Value) -> Value {
    let Value::Object(obj) = data else {
        return data.clone();
    };
    let mut out = Map::with_capacity(obj.len());
    for (key, value) in obj {
        if let Some(urn) = rt.extension_urn(key) {
            out.insert(urn.to_string(), extension_document(rt, urn, value));
        } else if let Some(loc) = rt.attribute(None, key) {
            out.insert(loc.def.name.to_string(), attribute_value(loc.def, value));
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn extension_document(rt: &ResourceType, urn: &str, value: &Value) -> Value {
    let Value::Object(obj) = value else {
        return value.clone();
    };
    let mut out = Map::with_capacity(obj.len());
    for (key, v) in obj {
        match rt.attribute(Some(urn), key) {
            Some(loc) => out.insert(loc.def.name.to_string(), attribute_value(loc.def, v)),
            None => out.insert(key.clone(), v.clone()),
        };
    }
    Value::Object(out)
}

/// One attribute's value, multi-valued or not.
fn attribute_value(def: &AttributeDef, value: &Value) -> Value {
    match value {
        Value::Array(items) if def.multi_valued => {
            Value::Array(items.iter().map(|v| single_value(def, v)).collect())
        }
        _ => single_value(def, value),
    }
}

/// One value of an attribute (an element, for a multi-valued one).
fn single_value(def: &AttributeDef, value: &Value) -> Value {
    match (def.attr_type, value) {
        (AttrType::Complex, Value::Object(obj)) => {
            let mut out = Map::with_capacity(obj.len());
            for (key, v) in obj {
                match def.sub(key) {
                    Some(sub) => out.insert(sub.name.to_string(), attribute_value(sub, v)),
                    None => out.insert(key.clone(), v.clone()),
                };
            }
            Value::Object(out)
        }
        (AttrType::String | AttrType::Reference, Value::String(s)) if !def.case_exact => {
            Value::String(fold_case(s))
        }
        (AttrType::DateTime, Value::String(s)) => match canonical_datetime(s) {
            Some(c) => Value::String(c),
            None => value.clone(),
        },
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimitar_scim::schema::{resource_type, ResourceKind};
    use serde_json::json;

    #[test]
    fn fold_case_is_unicode() {
        assert_eq!(fold_case("ÄLICE@X.COM"), "älice@x.com");
        assert_eq!(fold_case("ΣΑΣ"), "σας");
    }

    #[test]
    fn canonical_datetime_is_fixed_width_utc() {
        let c = |s| canonical_datetime(s);
        assert_eq!(
            c("2024-01-02T03:04:05Z").as_deref(),
            Some("2024-01-02T03:04:05.000000Z")
        );
        assert_eq!(
            c("2024-01-02T03:04:05.1234567+02:00").as_deref(),
            Some("2024-01-02T01:04:05.123456Z")
        );
        assert_eq!(
            c("2024-01-01T00:30:00.5-01:00").as_deref(),
            Some("2024-01-01T01:30:00.500000Z")
        );
        assert_eq!(c("0000-01-01T00:00:00+01:00"), None);
        assert_eq!(c("2024-01-02"), None);
        assert_eq!(c("yesterday"), None);
        assert_eq!(c(""), None);
    }

    #[test]
    fn search_document_follows_the_schema() {
        let rt = resource_type(ResourceKind::User);
        let data = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": "EXT-1",
            "userName": "Alice@X.com",
            "name": {"givenName": "Alice", "Unknown": "KEEP"},
            "active": true,
            "emails": [{"value": "Alice@X.com", "type": "Work", "primary": true}],
            "x509Certificates": [{"value": "AbC="}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {
                "employeeNumber": "E-7",
                "manager": {"value": "Boss-1"}
            },
            "custom": "Kept"
        });
        let doc = search_document(rt, &data);
        assert_eq!(
            doc,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "externalId": "EXT-1",
                "userName": "alice@x.com",
                "name": {"givenName": "alice", "Unknown": "KEEP"},
                "active": true,
                "emails": [{"value": "alice@x.com", "type": "work", "primary": true}],
                "x509Certificates": [{"value": "AbC="}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "employeeNumber": "e-7",
                    "manager": {"value": "boss-1"}
                },
                "custom": "Kept"
            })
        );
    }

    #[test]
    fn search_document_uses_schema_spelling_for_keys() {
        let rt = resource_type(ResourceKind::User);
        let doc = search_document(
            rt,
            &json!({"USERNAME": "Bob", "Name": {"GIVENNAME": "Bob"}}),
        );
        assert_eq!(
            doc,
            json!({"userName": "bob", "name": {"givenName": "bob"}})
        );
    }
}
