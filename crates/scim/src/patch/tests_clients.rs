//! What Entra ID and Okta actually send (PRODUCT.md, "Client behaviour that must work"), applied
//! end to end: parse the PatchOp body, apply it, compare the whole resulting resource.

use serde_json::{json, Value};

use super::{apply_patch, parse_patch_request};
use crate::error::{ScimError, ScimType};
use crate::policy::CompatPolicy;
use crate::schema::{
    resource_type, ResourceKind, ENTERPRISE_USER_SCHEMA as ENT, GROUP_SCHEMA, PATCH_OP_SCHEMA,
    USER_SCHEMA,
};

pub(super) fn alice() -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "id": "u-1",
        "externalId": "e-1",
        "userName": "alice",
        "name": {"familyName": "Liddell", "givenName": "Alice"},
        "active": true,
        "emails": [
            {"value": "alice@work.com", "type": "work", "primary": true},
            {"value": "alice@home.com", "type": "home"},
        ],
        "meta": {"resourceType": "User", "version": "W/\"1\""},
    })
}

pub(super) fn team() -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": "g-1",
        "displayName": "Team",
        "members": [{"value": "u1"}, {"value": "u2", "type": "User"}, {"value": "u3"}],
        "meta": {"resourceType": "Group", "version": "W/\"7\""},
    })
}

pub(super) fn patch(
    kind: ResourceKind,
    resource: &Value,
    ops: Value,
    policy: &CompatPolicy,
) -> Result<Value, ScimError> {
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
    let ops = parse_patch_request(&body, policy)?;
    let mut out = resource.clone();
    let result = apply_patch(resource_type(kind), &mut out, &ops, policy);
    if result.is_err() {
        assert_eq!(
            &out, resource,
            "a failed PATCH must leave the resource unchanged"
        );
    }
    result.map(|()| out)
}

pub(super) fn user_ok(ops: Value) -> Value {
    patch(
        ResourceKind::User,
        &alice(),
        ops,
        &CompatPolicy::compatible(),
    )
    .unwrap()
}

pub(super) fn group_ok(ops: Value) -> Value {
    patch(
        ResourceKind::Group,
        &team(),
        ops,
        &CompatPolicy::compatible(),
    )
    .unwrap()
}

/// `alice()` with `edit` applied to it, for expected values.
pub(super) fn alice_with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut v = alice();
    if let Some(obj) = v.as_object_mut() {
        edit(obj);
    }
    v
}

#[test]
fn entra_replace_filtered_email_value() {
    let out = user_ok(
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@x.com"}]),
    );
    assert_eq!(
        out,
        alice_with(|u| {
            u["emails"] = json!([
                {"value": "new@x.com", "type": "work", "primary": true},
                {"value": "alice@home.com", "type": "home"},
            ]);
        })
    );
}

#[test]
fn entra_filtered_path_that_matches_nothing_creates_the_entry() {
    let out = user_ok(
        json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"}]),
    );
    assert_eq!(
        out["phoneNumbers"],
        json!([{"value": "+1 555", "type": "mobile"}])
    );
    let out = user_ok(
        json!([{"op": "Replace", "path": "emails[type eq \"other\"].value", "value": "o@x.com"}]),
    );
    assert_eq!(
        out["emails"][2],
        json!({"value": "o@x.com", "type": "other"})
    );
    // Under strict RFC rules that is noTarget.
    let e = patch(
        ResourceKind::User,
        &alice(),
        json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "o@x.com"}]),
        &CompatPolicy::strict(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn entra_add_manager_as_bare_string() {
    let out = user_ok(
        json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "mgr-id"}]),
    );
    assert_eq!(
        out,
        alice_with(|u| {
            u["schemas"] = json!([USER_SCHEMA, ENT]);
            let meta = u.remove("meta").unwrap();
            u.insert(ENT.into(), json!({"manager": {"value": "mgr-id"}}));
            u.insert("meta".into(), meta);
        })
    );
    // The extension URN comes right after the core one, and `meta` stays last.
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys.first().map(|k| k.as_str()), Some("schemas"));
    assert_eq!(keys.get(1).map(|k| k.as_str()), Some("id"));
    assert_eq!(keys.last().map(|k| k.as_str()), Some("meta"));
}

#[test]
fn entra_string_boolean() {
    let out = user_ok(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    assert_eq!(out, alice_with(|u| u["active"] = json!(false)));
    let e = patch(
        ResourceKind::User,
        &alice(),
        json!([{"op": "replace", "path": "active", "value": "False"}]),
        &CompatPolicy::strict(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(
        e.detail,
        "attribute 'active' must be a boolean, got a string \"False\""
    );
}

#[test]
fn entra_pathless_replace_with_dotted_and_urn_keys() {
    let out = user_ok(json!([{
        "op": "Replace",
        "value": {
            "name.givenName": "A",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "7",
            "active": "False",
            "emails[type eq \"work\"].value": "w@x.com",
        }
    }]));
    assert_eq!(
        out,
        json!({
            "schemas": [USER_SCHEMA, ENT],
            "id": "u-1",
            "externalId": "e-1",
            "userName": "alice",
            "name": {"familyName": "Liddell", "givenName": "A"},
            "active": false,
            "emails": [
                {"value": "w@x.com", "type": "work", "primary": true},
                {"value": "alice@home.com", "type": "home"},
            ],
            ENT: {"employeeNumber": "7"},
            "meta": {"resourceType": "User", "version": "W/\"1\""},
        })
    );
    // Without the policy, a dotted key is an unknown attribute.
    let e = patch(
        ResourceKind::User,
        &alice(),
        json!([{"op": "replace", "value": {"name.givenName": "A"}}]),
        &CompatPolicy::strict(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    // URN-qualified simple keys resolve under any policy, as in a POST body.
    let out = patch(
        ResourceKind::User,
        &alice(),
        json!([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "D"}}]),
        &CompatPolicy::strict(),
    )
    .unwrap();
    assert_eq!(out[ENT], json!({"department": "D"}));
}

#[test]
fn entra_remove_member_by_filter() {
    let out = group_ok(json!([{"op": "Remove", "path": "members[value eq \"u1\"]"}]));
    assert_eq!(
        out,
        json!({
            "schemas": [GROUP_SCHEMA],
            "id": "g-1",
            "displayName": "Team",
            "members": [{"value": "u2", "type": "User"}, {"value": "u3"}],
            "meta": {"resourceType": "Group", "version": "W/\"7\""},
        })
    );
    // No match: success, nothing changes.
    assert_eq!(
        group_ok(json!([{"op": "Remove", "path": "members[value eq \"nobody\"]"}])),
        team()
    );
}

#[test]
fn entra_remove_listed_members_only() {
    let out = group_ok(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]));
    assert_eq!(
        out["members"],
        json!([{"value": "u2", "type": "User"}, {"value": "u3"}])
    );
    let out = group_ok(
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}]),
    );
    assert_eq!(out["members"], json!([{"value": "u3"}]));
    // Listing someone who is not a member changes nothing.
    assert_eq!(
        group_ok(json!([{"op": "Remove", "path": "members", "value": [{"value": "zz"}]}])),
        team()
    );
    // Removing every member leaves the group without the attribute.
    let out = group_ok(
        json!([{"op": "remove", "path": "members", "value": [{"value": "u1"}, {"value": "U2"}, {"value": "u3"}]}]),
    );
    assert_eq!(out.get("members"), None);
    assert_eq!(out["displayName"], json!("Team"));
}

#[test]
fn entra_add_members_with_null_ref() {
    let out = group_ok(
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u4"}]}]),
    );
    assert_eq!(
        out["members"],
        json!([{"value": "u1"}, {"value": "u2", "type": "User"}, {"value": "u3"}, {"value": "u4"}])
    );
    // Adding an existing member (same id, whatever else is given) does not duplicate it.
    let out = group_ok(
        json!([{"op": "Add", "path": "members", "value": [{"value": "u1", "type": "User"}, {"$ref": null, "value": "u2"}]}]),
    );
    assert_eq!(out, team());
}

#[test]
fn okta_deactivate_with_pathless_replace() {
    let out = user_ok(json!([{"op": "replace", "value": {"active": false}}]));
    assert_eq!(out, alice_with(|u| u["active"] = json!(false)));
}

#[test]
fn okta_group_rename_with_id_in_value() {
    let out =
        group_ok(json!([{"op": "replace", "value": {"id": "g-1", "displayName": "New name"}}]));
    let mut expected = team();
    expected["displayName"] = json!("New name");
    assert_eq!(out, expected);
}

#[test]
fn okta_membership_changes() {
    let out = group_ok(json!([
        {"op": "remove", "path": "members[value eq \"u2\"]"},
        {"op": "add", "path": "members", "value": [{"value": "u9", "display": "Nine"}]},
    ]));
    assert_eq!(
        out["members"],
        json!([{"value": "u1"}, {"value": "u3"}, {"value": "u9"}])
    );
    let out = group_ok(
        json!([{"op": "replace", "path": "members", "value": [{"value": "u7"}, {"value": "U7"}]}]),
    );
    assert_eq!(out["members"], json!([{"value": "u7"}]));
}

#[test]
fn okta_replace_members_with_empty_list() {
    let out = group_ok(json!([{"op": "replace", "path": "members", "value": []}]));
    assert_eq!(
        out,
        json!({
            "schemas": [GROUP_SCHEMA],
            "id": "g-1",
            "displayName": "Team",
            "meta": {"resourceType": "Group", "version": "W/\"7\""},
        })
    );
}

#[test]
fn adding_a_second_primary_email_demotes_the_first() {
    let out = user_ok(
        json!([{"op": "add", "path": "emails", "value": [{"value": "new@work.com", "type": "work", "primary": true}]}]),
    );
    assert_eq!(
        out["emails"],
        json!([
            {"value": "alice@work.com", "type": "work", "primary": false},
            {"value": "alice@home.com", "type": "home"},
            {"value": "new@work.com", "type": "work", "primary": true},
        ])
    );
    // Setting primary on an earlier entry through a filter wins over a later primary one.
    let mut later_primary = alice();
    later_primary["emails"] = json!([
        {"value": "alice@home.com", "type": "home"},
        {"value": "alice@work.com", "type": "work", "primary": true},
    ]);
    let out = patch(
        ResourceKind::User,
        &later_primary,
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
        &CompatPolicy::compatible(),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([
            {"value": "alice@home.com", "type": "home", "primary": true},
            {"value": "alice@work.com", "type": "work", "primary": false},
        ])
    );
}

#[test]
fn multi_operation_patch_is_atomic() {
    // `patch` asserts the resource is untouched on failure; check the error says which op.
    let e = patch(
        ResourceKind::User,
        &alice(),
        json!([
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "active", "value": "maybe"},
        ]),
        &CompatPolicy::compatible(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(
        e.detail.starts_with("operation 2: attribute 'active'"),
        "{}",
        e.detail
    );
    // Required-attribute failure after all ops: also atomic.
    let e = patch(
        ResourceKind::User,
        &alice(),
        json!([{"op": "replace", "path": "title", "value": "Boss"}, {"op": "remove", "path": "userName"}]),
        &CompatPolicy::compatible(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(e.detail, "attribute 'userName' is required");
}
