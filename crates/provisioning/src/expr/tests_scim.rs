//! Attribute references against a realistic SCIM User and Group through [`ScimSource`]: name
//! parts, filtered emails, phones and addresses, the enterprise extension, case-insensitive
//! names, lists, dates from `meta`, Entra attribute names, and deterministic GUIDs.

use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value as Json};
use time::macros::datetime;

use super::test_support::*;
use super::*;

fn user() -> Json {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "Barbara.Jensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Bárbara",
            "middleName": "Jane"
        },
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "active": true,
        "emails": [
            {"value": "babs@jensen.org", "type": "home"},
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "barbara@example.com", "type": "work"}
        ],
        "phoneNumbers": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "+1 (555) 555-4444", "type": "mobile"}
        ],
        "addresses": [
            {
                "type": "work",
                "streetAddress": "100 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "USA",
                "primary": true
            }
        ],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        },
        "urn:acme:params:scim:schemas:User": {"badge": "B-17"},
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z"
        }
    })
}

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn at_user(expr: &str) -> Value {
    let u = user();
    eval_in(&ScimSource::new(ResourceKind::User, &u, NOW), expr)
}

#[test]
fn core_attributes_and_name_parts() {
    assert_eq!(at_user("[userName]"), s("Barbara.Jensen@example.com"));
    assert_eq!(at_user("[USERNAME]"), s("Barbara.Jensen@example.com"));
    assert_eq!(at_user("[name.givenName]"), s("Bárbara"));
    assert_eq!(at_user("[Name.FamilyName]"), s("Jensen"));
    assert_eq!(at_user("[name.honorificPrefix]"), Value::Null);
    assert_eq!(at_user("[nickName]"), Value::Null);
    assert_eq!(at_user("[active]"), Value::Boolean(true));
    assert_eq!(
        at_user("[urn:ietf:params:scim:schemas:core:2.0:User:name.givenName]"),
        s("Bárbara")
    );
}

#[test]
fn filtered_multi_valued_attributes() {
    assert_eq!(
        at_user(r#"[emails[type eq "work"].value]"#),
        s("bjensen@example.com")
    );
    assert_eq!(
        at_user(r#"[emails[type eq "home"].value]"#),
        s("babs@jensen.org")
    );
    assert_eq!(at_user(r#"[emails[type eq "other"].value]"#), Value::Null);
    assert_eq!(
        at_user(r#"[emails[TYPE eq "WORK" and value co "barbara"].value]"#),
        s("barbara@example.com")
    );
    assert_eq!(
        at_user(r#"[phoneNumbers[type eq "mobile"].value]"#),
        s("+1 (555) 555-4444")
    );
    assert_eq!(
        at_user(r#"[addresses[type eq "work"].streetAddress]"#),
        s("100 Universal City Plaza")
    );
    assert_eq!(at_user(r#"[addresses[type eq "work"].region]"#), s("CA"));
    assert_eq!(
        at_user(r#"[emails[type eq "work"]]"#),
        s("bjensen@example.com")
    );
    assert_eq!(at_user(r#"[emails[primary eq true].type]"#), s("work"));
}

#[test]
fn multi_valued_without_a_filter_is_a_list() {
    assert_eq!(
        at_user("[emails.value]"),
        list(&[
            "babs@jensen.org",
            "bjensen@example.com",
            "barbara@example.com"
        ])
    );
    assert_eq!(at_user("[emails]"), at_user("[emails.value]"));
    assert_eq!(at_user("[emails.type]"), list(&["home", "work", "work"]));
    assert_eq!(at_user("Count([emails])"), Value::int(3));
    assert_eq!(at_user("Item([emails.value], 2)"), s("bjensen@example.com"));
    assert_eq!(
        at_user("Join(\";\", RemoveDuplicates([emails.type]))"),
        s("home;work")
    );
    assert_eq!(at_user("[ims]"), Value::Null);
    assert_eq!(at_user("IsNull([roles.value])"), Value::Boolean(true));
}

#[test]
fn enterprise_extension() {
    assert_eq!(at_user(&format!("[{ENT}:employeeNumber]")), s("701984"));
    assert_eq!(
        at_user(&format!("[{ENT}:manager.value]")),
        s("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(
        at_user(&format!("[{ENT}:manager]")),
        s("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(
        at_user(&format!("[{ENT}:manager.displayName]")),
        s("John Smith")
    );
    assert_eq!(
        at_user(&format!("[{}:Department]", ENT.to_uppercase())),
        s("Tour Operations")
    );
    // Unqualified extension names resolve too.
    assert_eq!(at_user("[employeeNumber]"), s("701984"));
    assert_eq!(at_user("[department]"), s("Tour Operations"));
    assert_eq!(
        at_user("[manager]"),
        s("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(at_user("[division]"), Value::Null);
}

#[test]
fn custom_extensions_and_unknown_names_read_the_json() {
    assert_eq!(
        at_user("[urn:acme:params:scim:schemas:User:badge]"),
        s("B-17")
    );
    assert_eq!(at_user("[favouriteColour]"), Value::Null);
    let u = user();
    let ctx = ScimSource::new(ResourceKind::User, &u, NOW);
    let e = eval_err_in(&ctx, r#"ToLower([hobbies[type eq "x"].value])"#);
    assert_eq!(e.function, "attribute [hobbies[type eq \"x\"].value]");
    assert!(
        e.message.contains("no attribute \"hobbies\""),
        "{}",
        e.message
    );
}

#[test]
fn schema_mistakes_are_errors_that_name_the_parts() {
    let u = user();
    let ctx = ScimSource::new(ResourceKind::User, &u, NOW);
    let e = eval_err_in(&ctx, "[name.givnName]");
    assert_eq!(
        e.message,
        "name has no part \"givnName\"; its parts are formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix"
    );
    assert!(eval_err_in(&ctx, "[name]")
        .message
        .contains("such as [name.formatted]"));
    assert!(eval_err_in(&ctx, "[addresses]")
        .message
        .contains("made of parts"));
    assert!(eval_err_in(&ctx, "[userName.x]")
        .message
        .contains("no sub-attributes"));
    assert!(eval_err_in(&ctx, r#"[userName[value eq "x"]]"#)
        .message
        .contains("single value"));
}

#[test]
fn dates_in_meta_are_dates() {
    assert_eq!(
        at_user("[meta.created]"),
        Value::DateTime(datetime!(2010-01-23 04:56:22 UTC))
    );
    assert_eq!(
        at_user(r#"FormatDateTime([meta.lastModified], , "", "yyyy-MM-dd")"#),
        s("2011-05-13")
    );
    assert_eq!(
        at_user("DateDiff(\"yyyy\", [meta.created], Now())"),
        Value::int(11)
    );
}

#[test]
fn entra_attribute_names_map_to_scim() {
    for (entra, expected) in [
        ("givenName", s("Bárbara")),
        ("surname", s("Jensen")),
        ("userPrincipalName", s("Barbara.Jensen@example.com")),
        ("mail", s("bjensen@example.com")),
        ("mailNickname", s("bjensen")),
        ("jobTitle", s("Tour Guide")),
        ("mobile", s("+1 (555) 555-4444")),
        ("telephoneNumber", s("555-555-5555")),
        ("city", s("Hollywood")),
        ("state", s("CA")),
        ("country", s("USA")),
        ("postalCode", s("91608")),
        ("streetAddress", s("100 Universal City Plaza")),
        ("employeeId", s("701984")),
        ("companyName", s("Universal Studios")),
        ("accountEnabled", Value::Boolean(true)),
        ("IsSoftDeleted", Value::Boolean(false)),
        ("facsimileTelephoneNumber", Value::Null),
    ] {
        assert_eq!(at_user(&format!("[{entra}]")), expected, "{entra}");
    }
    let active = r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#;
    assert_eq!(at_user(active), s("True"));
    let mut gone = user();
    gone["active"] = json!(false);
    assert_eq!(
        eval_in(&ScimSource::new(ResourceKind::User, &gone, NOW), active),
        s("False")
    );
    assert!(entra_alias("GIVENNAME").is_some());
    assert!(entra_alias("userName").is_none());
}

#[test]
fn groups() {
    let g = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge", "type": "User"}
        ]
    });
    let ctx = ScimSource::new(ResourceKind::Group, &g, NOW);
    assert_eq!(
        eval_in(
            &ctx,
            r#"Append("grp-", ToLower(StripSpaces([displayName])))"#
        ),
        s("grp-tourguides")
    );
    assert_eq!(eval_in(&ctx, "Count([members])"), Value::int(2));
    assert_eq!(
        eval_in(&ctx, "Join(\", \", [members.display])"),
        s("Babs Jensen, Mandy Pepperidge")
    );
    assert_eq!(eval_in(&ctx, "[userName]"), Value::Null);
}

#[test]
fn guids_and_random_strings_repeat_with_a_seed() {
    let u = user();
    let a = ScimSource::new(ResourceKind::User, &u, NOW).with_seed(7);
    let b = ScimSource::new(ResourceKind::User, &u, NOW).with_seed(7);
    let guid = eval_in(&a, "Guid()");
    assert_eq!(guid, eval_in(&b, "Guid()"));
    let text = guid.to_text().unwrap().unwrap();
    let parsed = uuid::Uuid::parse_str(&text).unwrap();
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(
        eval_in(&a, "RandomString(12,2,2,2,2)"),
        eval_in(&b, "RandomString(12,2,2,2,2)")
    );
    let unseeded = ScimSource::new(ResourceKind::User, &u, NOW);
    assert_ne!(eval_in(&unseeded, "Guid()"), eval_in(&unseeded, "Guid()"));
    assert_eq!(eval_in(&unseeded, "Now()"), Value::DateTime(NOW));
}

#[test]
fn values_become_json_for_connectors() {
    assert_eq!(
        at_user("[emails.value]").to_json()[1],
        json!("bjensen@example.com")
    );
    assert_eq!(
        at_user("[meta.created]").to_json(),
        json!("2010-01-23T04:56:22Z")
    );
    assert_eq!(at_user("Count([emails])").to_json(), json!(3));
    assert_eq!(at_user("IsPresent([userName])").to_json(), json!(true));
    assert_eq!(at_user("[nickName]").to_json(), Json::Null);
}
