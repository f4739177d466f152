//! Structured PatchOp bodies against a sample User: `parse_patch_request` then `apply_patch`.
//!
//! The fuzzer drives a small grammar (op names in the spellings clients use, paths from a list
//! of real ones or free text, JSON values with keys from the User schema), so most inputs reach
//! the engine instead of dying in JSON parsing. Neither step may panic, and a failed PATCH must
//! leave the resource exactly as it was (the engine promises all or nothing).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scimitar_scim::patch::{apply_patch, parse_patch_request};
use scimitar_scim::schema::{resource_type, ResourceKind};
use scimitar_scim::CompatPolicy;
use serde_json::{json, Map, Value};

const OPS: &[&str] = &["add", "replace", "remove", "Add", "Replace", "Remove", "REMOVE", "move", ""];

const PATHS: &[&str] = &[
    "userName",
    "active",
    "displayName",
    "name",
    "name.givenName",
    "name.familyName",
    "emails",
    "emails.value",
    r#"emails[type eq "work"]"#,
    r#"emails[type eq "work"].value"#,
    r#"emails[type eq "home" or primary eq true].primary"#,
    r#"addresses[type eq "work"].streetAddress"#,
    r#"phoneNumbers[type eq "mobile"].value"#,
    "id",
    "meta",
    "groups",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
    r#"members[value eq "abc"]"#,
    "nosuch",
];

const KEYS: &[&str] = &[
    "value", "type", "primary", "display", "givenName", "familyName", "userName", "active",
    "emails", "name", "name.givenName", "streetAddress", "employeeNumber", "manager", "id",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
];

const STRINGS: &[&str] = &["work", "home", "mobile", "True", "False", "", "x@example.com"];

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Free(String),
}

impl Text {
    fn pick(&self, known: &[&str]) -> String {
        match self {
            Text::Known(i) => known[usize::from(*i) % known.len()].to_string(),
            Text::Free(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
    Array(Vec<Json>),
    Object(Vec<(Text, Json)>),
}

impl Json {
    fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => json!(i),
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(t) => Value::String(t.pick(STRINGS)),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (k.pick(KEYS), v.to_value())).collect())
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Op {
    op: Text,
    path: Option<Text>,
    value: Option<Json>,
}

#[derive(Arbitrary, Debug)]
struct Body {
    with_schemas: bool,
    ops: Vec<Op>,
}

fn body(input: &Body) -> Value {
    let ops: Vec<Value> = input
        .ops
        .iter()
        .map(|op| {
            let mut m = Map::new();
            m.insert("op".into(), Value::String(op.op.pick(OPS)));
            if let Some(p) = &op.path {
                m.insert("path".into(), Value::String(p.pick(PATHS)));
            }
            if let Some(v) = &op.value {
                m.insert("value".into(), v.to_value());
            }
            Value::Object(m)
        })
        .collect();
    let mut b = Map::new();
    if input.with_schemas {
        b.insert("schemas".into(), json!(["urn:ietf:params:scim:api:messages:2.0:PatchOp"]));
    }
    b.insert("Operations".into(), Value::Array(ops));
    Value::Object(b)
}

fn sample_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "mobile"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090-4610-87a4-49d8ca9f808d"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "version": "W/\"3694e05e9dff591\""
        }
    })
}

fuzz_target!(|input: Body| {
    let policy = CompatPolicy::compatible();
    let Ok(ops) = parse_patch_request(&body(&input), &policy) else {
        return;
    };
    let original = sample_user();
    let mut resource = original.clone();
    let rt = resource_type(ResourceKind::User);
    match apply_patch(rt, &mut resource, &ops, &policy) {
        Ok(()) => {
            assert!(resource.is_object(), "a patched resource must stay an object");
            assert_eq!(resource["id"], original["id"], "PATCH must never change id");
            assert_eq!(resource["meta"], original["meta"], "PATCH must never change meta");
        }
        Err(_) => assert_eq!(resource, original, "a failed PATCH must leave the resource as it was"),
    }
});
