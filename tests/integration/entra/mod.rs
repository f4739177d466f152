//! Microsoft Entra ID as a client: replays the requests Entra's provisioning service sends and
//! checks the resulting state with a GET, never by the status code alone.
//!
//! Request shapes come from Microsoft's "Tutorial: develop and plan provisioning for a SCIM
//! endpoint" (Test Connection, create/get/query/update/disable/delete user, create/get/query/
//! update/delete group, all group PATCHes answered `204`) and "Known issues and resolutions with
//! SCIM 2.0 protocol compliance" (capitalised ops, `"False"` as a boolean, and the
//! `aadOptscim062020` forms: path-less replace with dotted and URN keys, member removal by
//! `members[value eq "id"]`). PRODUCT.md, "Client behaviour that must work (C2)", is the spec.

pub(super) use serde_json::{json, Value};

pub(super) use crate::support::{
    patch_body, url_encode, Resp, Scim, Server, ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA,
};

pub(super) const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The extra schema Entra puts in every group it creates (and that carries no attributes).
pub(super) const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// A random GUID, as Entra's Test Connection uses for a user that cannot exist.
pub(super) fn guid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let word = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    let (a, b) = (word(), word());
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// The body of Entra's "Create User" request, with the EnterpriseUser attributes it maps.
pub(super) fn entra_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": "Given Family",
        "emails": [{"primary": true, "type": "work", "value": format!("{user_name}@testuser.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": [],
        ENTERPRISE: {"employeeNumber": "1001", "department": "Sales"}
    })
}

pub(super) async fn create_entra_user(c: &Scim, user_name: &str) -> String {
    let r = c.post("/Users", &entra_user(user_name, &guid())).await;
    assert_eq!(r.status, 201, "create {user_name}: {}", r.text);
    r.id()
}

/// Entra's "Create Group": always with an empty member list.
pub(super) async fn create_entra_group(c: &Scim, name: &str) -> String {
    let body = json!({
        "schemas": [GROUP_SCHEMA],
        "externalId": guid(),
        "displayName": name,
        "members": [],
        "meta": {"resourceType": "Group"}
    });
    let r = c.post("/Groups", &body).await;
    assert_eq!(r.status, 201, "create group {name}: {}", r.text);
    r.id()
}

pub(super) async fn get_ok(c: &Scim, path: &str) -> Value {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.body
}

pub(super) async fn user(c: &Scim, id: &str) -> Value {
    get_ok(c, &format!("/Users/{id}")).await
}

/// PATCH a user; RFC 7644 §3.5.2 allows 200 with the resource or 204.
pub(super) async fn patch_user(c: &Scim, id: &str, ops: Value) {
    let r = c.patch(&format!("/Users/{id}"), &patch_body(ops)).await;
    assert!(
        matches!(r.status, 200 | 204),
        "PATCH user: {} {}",
        r.status,
        r.text
    );
}

/// PATCH a group; Entra's document shows (and recommends) `204 No Content`.
pub(super) async fn patch_group(c: &Scim, id: &str, ops: Value) {
    let r = c.patch(&format!("/Groups/{id}"), &patch_body(ops)).await;
    assert_eq!(r.status, 204, "PATCH group: {}", r.text);
}

pub(super) fn assert_empty_list(r: &Resp) {
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["schemas"], json!([LIST_RESPONSE]), "{}", r.text);
    assert_eq!(r.body["totalResults"], json!(0), "{}", r.text);
    let resources = &r.body["Resources"];
    assert!(
        resources.is_null() || resources == &json!([]),
        "Resources must be empty or absent: {}",
        r.text
    );
}

/// The ids in a ListResponse, in order.
pub(super) fn listed_ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

mod groups;
mod users;
