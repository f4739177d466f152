//! Tests of filter evaluation against sample canonical User and Group resources, parsing real
//! filters so the parser and the evaluator are exercised together.

use super::*;
use crate::filter::{parse_filter, FilterLimits};
use crate::schema::{resource_type, ResourceKind};
use serde_json::json;

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "BJensen",
        "userName": "BJensen@Example.com",
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
            "manager": {"value": "26118915-6090-4610-87a4-49d8ca9f808d", "displayName": "John Smith"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z"
        }
    })
}

fn user_matches(filter: &str) -> bool {
    let f = parse_filter(filter, FilterLimits::default()).unwrap();
    matches(resource_type(ResourceKind::User), &user(), &f)
}

#[test]
fn simple_comparisons_and_case_rules() {
    assert!(user_matches(r#"userName eq "bjensen@example.com""#)); // caseExact false
    assert!(user_matches(r#"USERNAME Eq "BJENSEN@EXAMPLE.COM""#));
    assert!(user_matches(
        r#"id eq "2819c223-7f76-453a-919d-413861904646""#
    ));
    assert!(!user_matches(
        r#"id eq "2819C223-7F76-453A-919D-413861904646""#
    )); // caseExact true
    assert!(user_matches(r#"externalId eq "BJensen""#));
    assert!(!user_matches(r#"externalId eq "bjensen""#));
    assert!(user_matches(r#"displayName co "babs""#));
    assert!(user_matches(
        r#"name.familyName sw "jen" and name.givenName ew "ARA""#
    ));
    assert!(user_matches("active eq true"));
    assert!(!user_matches("active eq false"));
    assert!(!user_matches("active co \"t\""));
}

#[test]
fn logic_and_precedence() {
    assert!(user_matches(
        r#"userName eq "nobody" or displayName pr and active eq true"#
    ));
    assert!(!user_matches(
        r#"(userName eq "nobody" or displayName pr) and active eq false"#
    ));
    assert!(user_matches(r#"not (userName eq "nobody")"#));
    assert!(!user_matches(r#"not (userName pr)"#));
}

#[test]
fn absent_attributes_null_and_ne() {
    assert!(!user_matches("title pr"));
    assert!(user_matches("title eq null"));
    assert!(!user_matches("title ne null"));
    assert!(user_matches("displayName ne null"));
    assert!(user_matches(r#"title ne "boss""#)); // ne on an absent attribute is true
    assert!(!user_matches(r#"title eq "boss""#));
    assert!(!user_matches(r#"nosuchattr ne "x""#)); // unknown attributes never match
    assert!(user_matches(r#"not (nosuchattr eq "x")"#));
}

#[test]
fn multi_valued_attributes() {
    assert!(user_matches(r#"emails co "jensen.org""#)); // compares emails.value
    assert!(user_matches(r#"emails.value ew "@example.com""#));
    assert!(user_matches(r#"emails.type eq "home""#));
    assert!(!user_matches(r#"emails.type ne "home""#)); // ne = no value equals
    assert!(user_matches(r#"emails.type ne "other""#));
    assert!(user_matches("emails pr and emails.primary eq true"));
    assert!(!user_matches("ims pr"));
    assert!(user_matches(
        r#"emails[type eq "work" and value co "@example.com"]"#
    ));
    assert!(!user_matches(
        r#"emails[type eq "home" and value co "@example.com"]"#
    ));
    assert!(user_matches(r#"emails[not (type eq "work")]"#));
    assert!(user_matches(r#"phoneNumbers[type eq "mobile"]"#));
    assert!(!user_matches(r#"addresses[type eq "work"]"#));
}

#[test]
fn extension_and_meta_attributes() {
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    assert!(user_matches(&format!("{ent}:employeeNumber eq \"701984\"")));
    assert!(user_matches(&format!(
        "{ent}:manager.value eq \"26118915-6090-4610-87a4-49d8ca9f808d\""
    )));
    assert!(user_matches(&format!(
        "{ent}:manager eq \"26118915-6090-4610-87a4-49d8ca9f808d\""
    )));
    assert!(user_matches(&format!(
        "{}:employeeNumber pr",
        ent.to_uppercase()
    )));
    assert!(!user_matches("employeeNumber pr")); // not a core attribute
    assert!(user_matches(
        "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq \"barbara\""
    ));
    assert!(user_matches(
        r#"meta.lastModified gt "2011-05-13T04:42:33Z""#
    ));
    assert!(user_matches(
        r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#
    ));
    assert!(!user_matches(r#"meta.created ge "2011-01-01T00:00:00Z""#));
    assert!(user_matches(r#"meta.resourceType eq "User""#));
    assert!(!user_matches(r#"meta.resourceType eq "user""#)); // caseExact
}

#[test]
fn single_valued_complex_value_path() {
    assert!(user_matches(r#"name[givenName eq "Barbara"]"#));
    assert!(!user_matches(r#"name[givenName eq "Bob"]"#));
    assert!(!user_matches(r#"name eq "Barbara""#)); // no `value` sub-attribute to compare
    assert!(!user_matches(r#"userName[value eq "x"]"#)); // not complex
}

#[test]
fn groups() {
    let group = json!({
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "type": "User"}
        ]
    });
    let rt = resource_type(ResourceKind::Group);
    let m = |f: &str| {
        matches(
            rt,
            &group,
            &parse_filter(f, FilterLimits::default()).unwrap(),
        )
    };
    assert!(m(r#"displayName eq "tour guides""#));
    assert!(m(
        r#"members[value eq "x" or value eq "902c246b-6245-4190-8e05-00816be7344a"]"#
    ));
    assert!(m(
        r#"members.value eq "2819c223-7f76-453a-919d-413861904646""#
    ));
    assert!(!m(
        r#"members[value eq "2819C223-7F76-453A-919D-413861904646"] and userName pr"#
    ));
}

#[test]
fn matches_value_selects_one_element() {
    let rt = resource_type(ResourceKind::User);
    let emails = rt.attribute(None, "emails").unwrap().def;
    let inner = match parse_filter(
        r#"emails[type eq "WORK" and primary eq true]"#,
        FilterLimits::default(),
    )
    .unwrap()
    {
        Filter::ValuePath { filter, .. } => *filter,
        other => panic!("{other:?}"),
    };
    let doc = user();
    let items = doc["emails"].as_array().unwrap();
    assert!(matches_value(emails, &items[0], &inner)); // type is caseExact false
    assert!(!matches_value(emails, &items[1], &inner));
    let present = parse_filter("display pr", FilterLimits::default()).unwrap();
    assert!(!matches_value(emails, &items[0], &present));
    let unknown = parse_filter("foo pr", FilterLimits::default()).unwrap();
    assert!(!matches_value(emails, &items[0], &unknown));
    // A simple multi-valued attribute: the element is its `value`.
    let tags = AttributeDef::string("tags").multi();
    let eq_b = parse_filter(r#"value eq "B""#, FilterLimits::default()).unwrap();
    assert!(matches_value(&tags, &json!("b"), &eq_b));
}

#[test]
fn non_canonical_key_case_still_resolves() {
    let doc = json!({"USERNAME": "x", "Emails": [{"VALUE": "a@b"}]});
    let rt = resource_type(ResourceKind::User);
    let f = parse_filter(
        r#"userName eq "x" and emails.value eq "a@b""#,
        FilterLimits::default(),
    )
    .unwrap();
    assert!(matches(rt, &doc, &f));
}
