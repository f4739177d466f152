//! Tests for whole-body normalisation: schemas, key resolution, read-only handling, output shape.

use serde_json::{json, Value};

use super::{check_required, normalize_resource};
use crate::error::ScimType;
use crate::policy::CompatPolicy;
use crate::schema::{
    resource_type, ResourceKind, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA,
};

fn user(body: Value) -> Result<Value, crate::ScimError> {
    normalize_resource(
        resource_type(ResourceKind::User),
        &body,
        &CompatPolicy::compatible(),
    )
}

fn user_strict(body: Value) -> Result<Value, crate::ScimError> {
    normalize_resource(
        resource_type(ResourceKind::User),
        &body,
        &CompatPolicy::strict(),
    )
}

fn group(body: Value) -> Result<Value, crate::ScimError> {
    normalize_resource(
        resource_type(ResourceKind::Group),
        &body,
        &CompatPolicy::compatible(),
    )
}

fn err_type(r: Result<Value, crate::ScimError>) -> (ScimType, String) {
    let e = r.expect_err("expected an error");
    assert_eq!(e.status, 400, "{e}");
    (e.scim_type.expect("scimType"), e.detail)
}

#[test]
fn canonical_names_and_order() {
    let out = user(json!({
        "schemas": [USER_SCHEMA],
        "USERNAME": "alice",
        "Emails": [{"Value": "a@x.com", "TYPE": "work", "Primary": true}],
        "name": {"givenname": "Alice", "FamilyName": "Liddell"},
        "externalid": "ext-1",
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA],
            "externalId": "ext-1",
            "userName": "alice",
            "name": {"familyName": "Liddell", "givenName": "Alice"},
            "emails": [{"value": "a@x.com", "type": "work", "primary": true}],
        })
    );
    // Order is canonical too: schemas, common, core in schema order.
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["schemas", "externalId", "userName", "name", "emails"]
    );
}

#[test]
fn body_must_be_an_object() {
    let (t, _) = err_type(user(json!(["userName"])));
    assert_eq!(t, ScimType::InvalidSyntax);
}

#[test]
fn schemas_rules() {
    // Missing: filled in under the compatible policy, refused under strict.
    assert_eq!(
        user(json!({"userName": "a"})).unwrap()["schemas"],
        json!([USER_SCHEMA])
    );
    assert_eq!(
        err_type(user_strict(json!({"userName": "a"}))).0,
        ScimType::InvalidValue
    );
    // Unknown URN named in the detail.
    let (t, d) = err_type(user(
        json!({"schemas": [USER_SCHEMA, "urn:x:Foo"], "userName": "a"}),
    ));
    assert_eq!(t, ScimType::InvalidValue);
    assert!(d.contains("urn:x:Foo"), "{d}");
    // Not an array, or non-strings.
    assert_eq!(
        err_type(user(json!({"schemas": USER_SCHEMA, "userName": "a"}))).0,
        ScimType::InvalidValue
    );
    assert_eq!(
        err_type(user(json!({"schemas": [1], "userName": "a"}))).0,
        ScimType::InvalidValue
    );
    // The Group schema is not a User schema.
    assert_eq!(
        err_type(user(json!({"schemas": [GROUP_SCHEMA], "userName": "a"}))).0,
        ScimType::InvalidValue
    );
    // Core URN missing from a present list: added. Case-insensitive URNs accepted.
    let out =
        user(json!({"schemas": [ENTERPRISE_USER_SCHEMA.to_uppercase()], "userName": "a"})).unwrap();
    assert_eq!(out["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn listed_extension_without_attributes_is_dropped_from_schemas() {
    let out = user(json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "userName": "a",
        ENTERPRISE_USER_SCHEMA: {"department": null},
    }))
    .unwrap();
    assert_eq!(out, json!({"schemas": [USER_SCHEMA], "userName": "a"}));
}

#[test]
fn extension_object_and_urn_qualified_keys() {
    let out = user(json!({
        "schemas": [USER_SCHEMA],
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "bob",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Department": "R&D"},
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "bob",
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "42", "department": "R&D"},
        })
    );
}

#[test]
fn unknown_attributes_are_errors() {
    let (t, d) = err_type(user(json!({"userName": "a", "foo": 1})));
    assert_eq!(t, ScimType::InvalidSyntax);
    assert_eq!(d, "unknown attribute 'foo' for resource type User");
    let (t, d) = err_type(user(
        json!({"userName": "a", "emails": [{"value": "x", "bogus": 1}]}),
    ));
    assert_eq!(t, ScimType::InvalidSyntax);
    assert!(d.contains("emails.bogus"), "{d}");
    let (t, _) = err_type(user(
        json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"nope": "1"}}),
    ));
    assert_eq!(t, ScimType::InvalidSyntax);
    let (t, _) = err_type(user(json!({"userName": "a", "urn:x:y:Z:attr": "1"})));
    assert_eq!(t, ScimType::InvalidSyntax);
    // A Group has no userName.
    let (t, d) = err_type(group(json!({"displayName": "g", "userName": "a"})));
    assert_eq!(t, ScimType::InvalidSyntax);
    assert!(d.ends_with("resource type Group"), "{d}");
    // The extension key must hold an object.
    assert_eq!(
        err_type(user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: "x"}))).0,
        ScimType::InvalidValue
    );
}

#[test]
fn duplicate_keys_differing_in_case_are_refused() {
    let (t, _) = err_type(user(json!({"userName": "a", "USERNAME": "b"})));
    assert_eq!(t, ScimType::InvalidSyntax);
    let (t, _) = err_type(user(json!({
        "userName": "a",
        ENTERPRISE_USER_SCHEMA: {"employeeNumber": "1"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "2",
    })));
    assert_eq!(t, ScimType::InvalidSyntax);
}

#[test]
fn read_only_dropped_or_refused() {
    let body = json!({
        "schemas": [USER_SCHEMA],
        "id": "abc",
        "meta": {"resourceType": "User"},
        "userName": "a",
        "groups": [],
        ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m1", "displayName": "Boss"}},
    });
    assert_eq!(
        user(body.clone()).unwrap(),
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "userName": "a",
            ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m1"}},
        })
    );
    let rejecting = CompatPolicy {
        ignore_read_only_in_bodies: false,
        ..CompatPolicy::compatible()
    };
    let rt = resource_type(ResourceKind::User);
    let e = normalize_resource(rt, &body, &rejecting).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    assert!(e.detail.contains("'id'"), "{}", e.detail);
    let e =
        normalize_resource(rt, &json!({"userName": "a", "members": 1}), &rejecting).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = normalize_resource(rt, &json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m", "displayName": "B"}}}), &rejecting).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    assert!(e.detail.contains("manager.displayName"), "{}", e.detail);
}

#[test]
fn password_is_kept_for_the_service_to_hash() {
    let out = user(json!({"userName": "a", "password": "s3cret"})).unwrap();
    assert_eq!(out["password"], json!("s3cret"));
}

#[test]
fn unassigned_values_are_omitted() {
    let out = user(json!({
        "userName": "a",
        "displayName": null,
        "emails": [],
        "name": {},
        "phoneNumbers": [{}, {"value": null}],
        "addresses": [{"type": null}],
        ENTERPRISE_USER_SCHEMA: {},
    }))
    .unwrap();
    assert_eq!(out, json!({"schemas": [USER_SCHEMA], "userName": "a"}));
}

#[test]
fn okta_create_body() {
    let out = user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    }))
    .unwrap();
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA],
            "externalId": "00ujl29u0le5T6Aj10h7",
            "userName": "test.user@okta.local",
            "name": {"familyName": "User", "givenName": "Test"},
            "displayName": "Test User",
            "locale": "en-US",
            "active": true,
            "password": "1mz050nq",
            "emails": [{"value": "test.user@okta.local", "type": "work", "primary": true}],
        })
    );
}

#[test]
fn entra_create_body_with_string_boolean_and_bare_manager() {
    let out = user(json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@testuser.com",
        "active": "True",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Dep", "manager": "mgr-1"},
    }))
    .unwrap();
    assert_eq!(out["active"], json!(true));
    assert_eq!(
        out[ENTERPRISE_USER_SCHEMA],
        json!({"department": "Dep", "manager": {"value": "mgr-1"}})
    );
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
}

#[test]
fn group_with_empty_members_and_null_refs() {
    assert_eq!(
        group(json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": []})).unwrap(),
        json!({"schemas": [GROUP_SCHEMA], "displayName": "G"})
    );
    assert_eq!(
        group(
            json!({"displayName": "G", "members": [{"$ref": null, "value": "u1", "display": "U"}]})
        )
        .unwrap(),
        json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": "u1"}]})
    );
}

#[test]
fn required_attributes() {
    let rt = resource_type(ResourceKind::User);
    assert!(check_required(rt, &json!({"userName": "a"})).is_ok());
    for bad in [
        json!({}),
        json!({"userName": null}),
        json!({"userName": ""}),
        json!({"userName": "  "}),
    ] {
        let e = check_required(rt, &bad).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert_eq!(e.detail, "attribute 'userName' is required");
    }
    let g = resource_type(ResourceKind::Group);
    assert_eq!(
        check_required(g, &json!({"members": []}))
            .unwrap_err()
            .detail,
        "attribute 'displayName' is required"
    );
    assert!(check_required(g, &json!({"displayName": "G"})).is_ok());
    // normalize_resource itself does not check required attributes (PATCH intermediate states).
    assert!(user(json!({"displayName": "x"})).is_ok());
}

#[test]
fn output_is_idempotent() {
    let body = json!({
        "userName": "a",
        "emails": [{"value": "1", "primary": true}, {"value": "2", "primary": "True"}],
        ENTERPRISE_USER_SCHEMA: {"manager": "m"},
        "active": "false",
    });
    let once = user(body).unwrap();
    assert_eq!(user(once.clone()).unwrap(), once);
    assert_eq!(user_strict(once.clone()).unwrap(), once);
}

#[test]
fn extension_object_may_repeat_its_own_schemas() {
    let out = user(json!({
        "userName": "bob",
        ENTERPRISE_USER_SCHEMA: {"schemas": [ENTERPRISE_USER_SCHEMA], "department": "R&D"},
    }))
    .unwrap();
    assert_eq!(out[ENTERPRISE_USER_SCHEMA], json!({"department": "R&D"}));
    let (t, _) = err_type(user(json!({
        "userName": "bob",
        ENTERPRISE_USER_SCHEMA: {"schemas": ["urn:other"], "department": "R&D"},
    })));
    assert_eq!(t, ScimType::InvalidSyntax);
}

#[test]
fn entra_adscim_schema_urn_without_attributes_is_dropped_under_compatible_only() {
    let rt = crate::schema::resource_type(crate::schema::ResourceKind::Group);
    let body = json!({
        "schemas": [crate::schema::GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "displayName": "G",
    });
    let out = normalize_resource(rt, &body, &CompatPolicy::compatible()).unwrap();
    assert_eq!(out["schemas"], json!([crate::schema::GROUP_SCHEMA]));
    let e = normalize_resource(rt, &body, &CompatPolicy::strict()).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}
