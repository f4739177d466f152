//! Tests for one attribute's value: type checks, leniencies, primary, error messages.

use serde_json::{json, Value};

use super::normalize_attribute_value;
use crate::error::ScimType;
use crate::policy::CompatPolicy;
use crate::schema::{resource_type, AttrType, AttributeDef, ResourceKind, ENTERPRISE_USER_SCHEMA};

fn def(urn: Option<&str>, name: &str) -> &'static AttributeDef {
    let rt = resource_type(ResourceKind::User);
    rt.attribute(urn, name).expect("attribute").def
}

fn norm(name: &str, v: Value) -> Result<Option<Value>, crate::ScimError> {
    normalize_attribute_value(def(None, name), &v, &CompatPolicy::compatible())
}

fn strict(name: &str, v: Value) -> Result<Option<Value>, crate::ScimError> {
    normalize_attribute_value(def(None, name), &v, &CompatPolicy::strict())
}

#[test]
fn booleans() {
    assert_eq!(norm("active", json!(true)).unwrap(), Some(json!(true)));
    assert_eq!(norm("active", json!("False")).unwrap(), Some(json!(false)));
    assert_eq!(norm("active", json!("TRUE")).unwrap(), Some(json!(true)));
    let e = norm("active", json!("yes")).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(
        e.detail,
        "attribute 'active' must be a boolean (true or false), got a string \"yes\""
    );
    let e = strict("active", json!("True")).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute 'active' must be a boolean, got a string \"True\""
    );
    assert_eq!(
        norm("active", json!(1)).unwrap_err().detail,
        "attribute 'active' must be a boolean, got a number 1"
    );
}

#[test]
fn strings_and_nulls() {
    assert_eq!(norm("displayName", json!("X")).unwrap(), Some(json!("X")));
    assert_eq!(norm("displayName", Value::Null).unwrap(), None);
    // Empty strings are values, not "unassigned" (RFC 7643 §2.5 only names null and []).
    assert_eq!(norm("displayName", json!("")).unwrap(), Some(json!("")));
    let e = norm("displayName", json!({"a": 1})).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute 'displayName' must be a string, got an object"
    );
    let e = norm("displayName", json!(["x"])).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    let long = "x".repeat(500);
    let e = norm("displayName", json!(5)).unwrap_err();
    assert!(e.detail.ends_with("got a number 5"));
    let e = norm("active", json!(long)).unwrap_err();
    assert!(e.detail.len() < 200, "{}", e.detail);
}

#[test]
fn integers_decimals_datetimes() {
    let int = AttributeDef::new("n", AttrType::Integer);
    let dec = AttributeDef::new("d", AttrType::Decimal);
    let dt = AttributeDef::new("t", AttrType::DateTime);
    let p = CompatPolicy::compatible();
    assert_eq!(
        normalize_attribute_value(&int, &json!(-3), &p).unwrap(),
        Some(json!(-3))
    );
    assert_eq!(
        normalize_attribute_value(&int, &json!(1.5), &p)
            .unwrap_err()
            .detail,
        "attribute 'n' must be an integer, got a number 1.5"
    );
    assert!(normalize_attribute_value(&int, &json!("3"), &p).is_err());
    assert_eq!(
        normalize_attribute_value(&dec, &json!(1.5), &p).unwrap(),
        Some(json!(1.5))
    );
    assert_eq!(
        normalize_attribute_value(&dec, &json!(2), &p).unwrap(),
        Some(json!(2))
    );
    assert!(normalize_attribute_value(&dec, &json!("1.5"), &p).is_err());
    assert_eq!(
        normalize_attribute_value(&dt, &json!("2024-01-31T09:00:00Z"), &p).unwrap(),
        Some(json!("2024-01-31T09:00:00Z"))
    );
    assert!(normalize_attribute_value(&dt, &json!("2024-01-31T09:00:00.123+02:00"), &p).is_ok());
    let e = normalize_attribute_value(&dt, &json!("yesterday"), &p).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(e.detail.contains("RFC 3339"), "{}", e.detail);
    assert!(normalize_attribute_value(&dt, &json!("2024-13-01T00:00:00Z"), &p).is_err());
}

#[test]
fn multi_valued_needs_an_array() {
    let e = norm("emails", json!({"value": "a"})).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute 'emails' must be an array, got an object"
    );
    assert_eq!(norm("emails", json!([])).unwrap(), None);
    assert_eq!(norm("emails", json!([null, {}])).unwrap(), None);
    let e = norm("emails", json!(["a@x"])).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute 'emails' must be an object, got a string \"a@x\""
    );
    let e = norm("emails", json!([{"value": 1}])).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute 'emails.value' must be a string, got a number 1"
    );
    let e = norm("emails", json!([{"primary": "maybe"}])).unwrap_err();
    assert!(
        e.detail
            .starts_with("attribute 'emails.primary' must be a boolean"),
        "{}",
        e.detail
    );
}

#[test]
fn one_primary_last_wins() {
    let out = norm(
        "emails",
        json!([
            {"value": "a", "primary": true},
            {"value": "b", "primary": false},
            {"value": "c", "primary": "true"},
            {"value": "d"},
        ]),
    )
    .unwrap();
    assert_eq!(
        out,
        Some(json!([
            {"value": "a", "primary": false},
            {"value": "b", "primary": false},
            {"value": "c", "primary": true},
            {"value": "d"},
        ]))
    );
}

#[test]
fn manager_bare_string() {
    let mgr = def(Some(ENTERPRISE_USER_SCHEMA), "manager");
    let p = CompatPolicy::compatible();
    assert_eq!(
        normalize_attribute_value(mgr, &json!("m-1"), &p).unwrap(),
        Some(json!({"value": "m-1"}))
    );
    assert_eq!(
        normalize_attribute_value(mgr, &json!(""), &p).unwrap(),
        None
    );
    assert_eq!(
        normalize_attribute_value(mgr, &json!({"Value": "m-1", "$REF": "../Users/m-1"}), &p)
            .unwrap(),
        Some(json!({"value": "m-1", "$ref": "../Users/m-1"}))
    );
    let e = normalize_attribute_value(mgr, &json!("m-1"), &CompatPolicy::strict()).unwrap_err();
    assert_eq!(
        e.detail,
        "attribute 'manager' must be an object, got a string \"m-1\""
    );
    // Multi-valued complex attributes never take bare strings.
    assert!(norm("emails", json!("a@x")).is_err());
    // Complex attributes without a `value` sub-attribute never take bare strings.
    assert!(norm("name", json!("Alice")).is_err());
}

#[test]
fn read_only_sub_attributes_follow_the_policy() {
    let mgr = def(Some(ENTERPRISE_USER_SCHEMA), "manager");
    let v = json!({"value": "m", "displayName": "Boss"});
    assert_eq!(
        normalize_attribute_value(mgr, &v, &CompatPolicy::compatible()).unwrap(),
        Some(json!({"value": "m"}))
    );
    let rejecting = CompatPolicy {
        ignore_read_only_in_bodies: false,
        ..CompatPolicy::compatible()
    };
    let e = normalize_attribute_value(mgr, &v, &rejecting).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    // A value made only of read-only sub-attributes is unassigned once they are dropped.
    assert_eq!(
        normalize_attribute_value(
            mgr,
            &json!({"displayName": "Boss"}),
            &CompatPolicy::compatible()
        )
        .unwrap(),
        None
    );
}

#[test]
fn sub_attribute_case_and_duplicates() {
    assert_eq!(
        norm("name", json!({"GIVENNAME": "A", "familyname": "B"})).unwrap(),
        Some(json!({"familyName": "B", "givenName": "A"}))
    );
    let e = norm("name", json!({"givenName": "A", "givenname": "B"})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains("name.givenName"), "{}", e.detail);
    let e = norm("name", json!({"nick": "A"})).unwrap_err();
    assert_eq!(e.detail, "unknown attribute 'name.nick'");
}

#[test]
fn deep_and_odd_inputs_never_panic() {
    let mut deep = json!("x");
    for _ in 0..64 {
        deep = json!([deep]);
    }
    for name in ["userName", "name", "emails", "active", "groups", "password"] {
        for v in [
            deep.clone(),
            json!({}),
            json!([[]]),
            json!([{"value": [1]}]),
            json!(1e300),
            json!(-0),
        ] {
            let _ = norm(name, v.clone());
            let _ = strict(name, v);
        }
    }
}
