//! Okta as a client: replays the requests Okta's provisioning sends (user lifecycle, import and
//! group push) and checks the resulting state with a GET, never by the status code alone.
//!
//! Request shapes come from Okta's "SCIM 2.0 protocol reference" and "Build a SCIM provisioning
//! integration": existence check with `filter=userName eq "x"&startIndex=1&count=100`, create with
//! `password`, `groups: []` and `externalId`, import by pages of 100, update as GET then full PUT,
//! (de)activation by a path-less `replace` of `{"active": ...}`, and group push (create with
//! `members: []`, rename by a path-less `replace` of `{id, displayName}`, membership by
//! `remove members[value eq "..."]` plus `add members`, or a full `replace` of `members`).
//! PRODUCT.md, "Client behaviour that must work (C2)", is the spec.

use std::collections::HashSet;

use futures::StreamExt;
use serde_json::{json, Value};

use crate::support::{patch_body, url_encode, Resp, Scim, Server, GROUP_SCHEMA, USER_SCHEMA};

/// Okta's "Create the user" body.
fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": format!("00u-{user_name}"),
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

async fn create_okta_user(c: &Scim, user_name: &str) -> String {
    let r = c.post("/Users", &okta_user(user_name)).await;
    assert_eq!(r.status, 201, "create {user_name}: {}", r.text);
    r.id()
}

/// Okta's "Create the group" (group push) body.
async fn push_group(c: &Scim, name: &str) -> String {
    let r = c
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": []}),
        )
        .await;
    assert_eq!(r.status, 201, "create group {name}: {}", r.text);
    r.id()
}

async fn get_ok(c: &Scim, path: &str) -> Value {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.body
}

async fn user(c: &Scim, id: &str) -> Value {
    get_ok(c, &format!("/Users/{id}")).await
}

/// PATCH; RFC 7644 §3.5.2 allows 200 with the resource or 204, and Okta accepts both.
async fn patch_ok(c: &Scim, path: &str, ops: Value) {
    let r = c.patch(path, &patch_body(ops)).await;
    assert!(
        matches!(r.status, 200 | 204),
        "PATCH {path}: {} {}",
        r.status,
        r.text
    );
}

/// Okta's existence check.
async fn find_user(c: &Scim, user_name: &str) -> Resp {
    let f = url_encode(&format!("userName eq \"{user_name}\""));
    let r = c
        .get(&format!("/Users?filter={f}&startIndex=1&count=100"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r
}

fn assert_no_password(v: &Value) {
    assert!(
        v.get("password").is_none(),
        "password must never be returned: {v}"
    );
}

/// An empty or absent multi-valued attribute (RFC 7643 §2.5: unassigned may be omitted).
fn empty_or_absent(v: &Value) -> bool {
    v.is_null() || v == &json!([])
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn members(ids: &[&String]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| json!({"value": id, "display": format!("user {id}")}))
            .collect(),
    )
}

#[tokio::test]
async fn okta_existence_check_finds_nothing_then_the_created_user() {
    let s = Server::start().await;
    let c = s.client();
    let r = find_user(&c, "test.user@okta.local").await;
    assert_eq!(r.body["totalResults"], json!(0), "{}", r.text);
    assert!(empty_or_absent(&r.body["Resources"]), "{}", r.text);

    let id = create_okta_user(&c, "test.user@okta.local").await;
    let r = find_user(&c, "test.user@okta.local").await;
    assert_eq!(r.body["totalResults"], json!(1), "{}", r.text);
    assert_eq!(r.body["startIndex"], json!(1), "{}", r.text);
    assert_eq!(r.body["itemsPerPage"], json!(1), "{}", r.text);
    assert_eq!(r.body["Resources"][0]["id"], json!(id));
    assert_no_password(&r.body["Resources"][0]);
}

#[tokio::test]
async fn okta_create_user_with_password_and_groups_never_returns_password() {
    let s = Server::start().await;
    let c = s.client();
    let r = c.post("/Users", &okta_user("test.user@okta.local")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_no_password(&r.body);
    let id = r.id();

    let u = user(&c, &id).await;
    assert_no_password(&u);
    assert_eq!(u["userName"], json!("test.user@okta.local"));
    assert_eq!(u["externalId"], json!("00u-test.user@okta.local"));
    assert_eq!(u["active"], json!(true));
    assert_eq!(u["displayName"], json!("Test User"));
    assert_eq!(u["locale"], json!("en-US"));
    assert_eq!(u["name"]["givenName"], json!("Test"));
    assert_eq!(u["name"]["familyName"], json!("User"));
    assert_eq!(
        u["emails"],
        json!([{"primary": true, "value": "test.user@okta.local", "type": "work"}])
    );
    assert!(
        empty_or_absent(&u["groups"]),
        "a new user belongs to no group: {u}"
    );

    let r = c
        .get(&format!("/Users/{id}?attributes=password,userName"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_password(&r.body);
}

#[tokio::test]
async fn okta_duplicate_user_name_is_409_uniqueness_in_any_case() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_okta_user(&c, "dup.user@okta.local").await;
    c.post("/Users", &okta_user("dup.user@okta.local"))
        .await
        .assert_error(409, Some("uniqueness"));
    c.post("/Users", &okta_user("DUP.User@Okta.Local"))
        .await
        .assert_error(409, Some("uniqueness"));
    let r = find_user(&c, "dup.user@okta.local").await;
    assert_eq!(
        r.body["totalResults"],
        json!(1),
        "no second user: {}",
        r.text
    );
    assert_eq!(r.body["Resources"][0]["id"], json!(id));
}

#[tokio::test]
async fn okta_import_pages_of_100_list_every_user_once_in_stable_order() {
    let s = Server::start().await;
    let c = s.client();
    let created: Vec<String> = futures::stream::iter(0..250)
        .map(|i| {
            let c = c.clone();
            async move { c.create_user(&format!("import.{i:03}@okta.local")).await }
        })
        .buffer_unordered(8)
        .collect()
        .await;

    let walk = || async {
        let mut seen = Vec::new();
        for (start, expect) in [(1, 100), (101, 100), (201, 50)] {
            let r = c.get(&format!("/Users?startIndex={start}&count=100")).await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert_eq!(
                r.body["totalResults"],
                json!(250),
                "page {start}: {}",
                r.text
            );
            assert_eq!(r.body["startIndex"], json!(start), "page {start}");
            assert_eq!(r.body["itemsPerPage"], json!(expect), "page {start}");
            let page = r.body["Resources"].as_array().expect("Resources");
            assert_eq!(page.len(), expect, "page {start}");
            seen.extend(
                page.iter()
                    .map(|u| u["id"].as_str().expect("id").to_string()),
            );
        }
        seen
    };
    let first = walk().await;
    assert_eq!(
        first.iter().collect::<HashSet<_>>().len(),
        250,
        "every user exactly once"
    );
    assert_eq!(sorted(first.clone()), sorted(created));
    assert_eq!(walk().await, first, "the order is stable between imports");

    let r = c.get("/Users?startIndex=301&count=100").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], json!(250));
    assert!(
        empty_or_absent(&r.body["Resources"]),
        "past the end: {}",
        r.text
    );
}

#[tokio::test]
async fn okta_update_with_get_then_full_put() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_okta_user(&c, "test.user@okta.local").await;
    let mut body = user(&c, &id).await;
    body["name"] = json!({"givenName": "Another", "familyName": "User"});
    body["emails"] = json!([{"primary": true, "value": "another.user@okta.local", "type": "work"}]);
    body["displayName"] = json!("Another User");
    body["groups"] = json!([]);
    let r = c.put(&format!("/Users/{id}"), &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_password(&r.body);

    let u = user(&c, &id).await;
    assert_eq!(u["id"], json!(id));
    assert_eq!(u["userName"], json!("test.user@okta.local"));
    assert_eq!(
        u["name"],
        json!({"givenName": "Another", "familyName": "User"})
    );
    assert_eq!(
        u["emails"],
        json!([{"primary": true, "value": "another.user@okta.local", "type": "work"}])
    );
    assert_eq!(u["displayName"], json!("Another User"));
    assert_eq!(u["externalId"], json!("00u-test.user@okta.local"));
    assert_no_password(&u);

    // With password sync on, Okta's PUT carries the password too.
    let mut body = u.clone();
    body["password"] = json!("n3w-Passw0rd");
    body["locale"] = json!("fr-FR");
    let r = c.put(&format!("/Users/{id}"), &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_password(&r.body);
    let u = user(&c, &id).await;
    assert_eq!(u["locale"], json!("fr-FR"));
    assert_no_password(&u);
}

#[tokio::test]
async fn okta_put_omitting_an_attribute_clears_it() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_okta_user(&c, "clear.me@okta.local").await;
    let mut body = user(&c, &id).await;
    body.as_object_mut().expect("object").remove("locale");
    let r = c.put(&format!("/Users/{id}"), &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let u = user(&c, &id).await;
    assert!(
        u.get("locale").is_none(),
        "PUT replaces the whole resource: {u}"
    );
    assert_eq!(u["displayName"], json!("Test User"));
}

#[tokio::test]
async fn okta_deactivate_and_reactivate_with_pathless_replace() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_okta_user(&c, "leaver@okta.local").await;
    let r = c
        .patch(
            &format!("/Users/{id}"),
            &patch_body(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert!(matches!(r.status, 200 | 204), "{}", r.text);
    if r.status == 200 {
        assert_eq!(
            r.body["active"],
            json!(false),
            "the returned user shows the change: {}",
            r.text
        );
    }
    let u = user(&c, &id).await;
    assert_eq!(u["active"], json!(false));
    assert_eq!(
        u["userName"],
        json!("leaver@okta.local"),
        "deactivation changes nothing else"
    );
    assert_eq!(u["name"]["givenName"], json!("Test"));
    assert_eq!(
        find_user(&c, "leaver@okta.local").await.body["Resources"][0]["active"],
        json!(false)
    );

    patch_ok(
        &c,
        &format!("/Users/{id}"),
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .await;
    assert_eq!(user(&c, &id).await["active"], json!(true));
}

#[tokio::test]
async fn okta_push_group_with_empty_members() {
    let s = Server::start().await;
    let c = s.client();
    let gid = push_group(&c, "Test SCIMv2").await;
    let g = get_ok(&c, &format!("/Groups/{gid}")).await;
    assert_eq!(g["displayName"], json!("Test SCIMv2"));
    assert!(empty_or_absent(&g["members"]), "{g}");

    let r = c.get("/Groups?startIndex=1&count=100").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], json!(1), "{}", r.text);
    assert_eq!(r.body["Resources"][0]["id"], json!(gid));
    let f = url_encode("displayName eq \"Test SCIMv2\"");
    let r = c
        .get(&format!("/Groups?filter={f}&startIndex=1&count=100"))
        .await;
    assert_eq!(r.body["totalResults"], json!(1), "{}", r.text);
}

#[tokio::test]
async fn okta_rename_group_with_pathless_replace_of_id_and_display_name() {
    let s = Server::start().await;
    let c = s.client();
    let u = create_okta_user(&c, "member@okta.local").await;
    let gid = push_group(&c, "Old Name").await;
    patch_ok(
        &c,
        &format!("/Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": members(&[&u])}]),
    )
    .await;

    patch_ok(
        &c,
        &format!("/Groups/{gid}"),
        json!([{"op": "replace", "value": {"id": gid, "displayName": "New"}}]),
    )
    .await;
    let g = get_ok(&c, &format!("/Groups/{gid}")).await;
    assert_eq!(g["id"], json!(gid));
    assert_eq!(g["displayName"], json!("New"));
    assert_eq!(
        c.member_ids(&gid).await,
        vec![u],
        "renaming keeps the members"
    );
}

#[tokio::test]
async fn okta_membership_by_remove_value_filter_plus_add() {
    let s = Server::start().await;
    let c = s.client();
    let a = create_okta_user(&c, "a@okta.local").await;
    let b = create_okta_user(&c, "b@okta.local").await;
    let d = create_okta_user(&c, "d@okta.local").await;
    let gid = push_group(&c, "Push").await;
    let path = format!("/Groups/{gid}");
    patch_ok(
        &c,
        &path,
        json!([{"op": "add", "path": "members", "value": members(&[&a, &b])}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, sorted(vec![a.clone(), b.clone()]));

    patch_ok(
        &c,
        &path,
        json!([
            {"op": "remove", "path": format!("members[value eq \"{a}\"]")},
            {"op": "add", "path": "members", "value": members(&[&d])},
        ]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, sorted(vec![b.clone(), d.clone()]));
    let u = user(&c, &a).await;
    assert!(
        !u["groups"]
            .as_array()
            .is_some_and(|g| g.iter().any(|x| x["value"] == json!(gid))),
        "a removed member no longer lists the group: {u}"
    );
    let u = user(&c, &d).await;
    assert!(
        u["groups"]
            .as_array()
            .is_some_and(|g| g.iter().any(|x| x["value"] == json!(gid))),
        "an added member lists the group: {u}"
    );
}

#[tokio::test]
async fn okta_replace_members_with_list_then_with_empty_list() {
    let s = Server::start().await;
    let c = s.client();
    let a = create_okta_user(&c, "a@okta.local").await;
    let b = create_okta_user(&c, "b@okta.local").await;
    let d = create_okta_user(&c, "d@okta.local").await;
    let gid = push_group(&c, "Replace").await;
    let path = format!("/Groups/{gid}");
    patch_ok(
        &c,
        &path,
        json!([{"op": "add", "path": "members", "value": members(&[&a, &b])}]),
    )
    .await;

    patch_ok(
        &c,
        &path,
        json!([{"op": "replace", "path": "members", "value": members(&[&b, &d])}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, sorted(vec![b.clone(), d.clone()]));

    patch_ok(
        &c,
        &path,
        json!([{"op": "replace", "path": "members", "value": []}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, Vec::<String>::new());
    let g = get_ok(&c, &path).await;
    assert_eq!(
        g["displayName"],
        json!("Replace"),
        "only the members are replaced"
    );
    for id in [&a, &b, &d] {
        assert_eq!(
            user(&c, id).await["active"],
            json!(true),
            "emptying a group never touches its users"
        );
    }
}

#[tokio::test]
async fn okta_delete_group() {
    let s = Server::start().await;
    let c = s.client();
    let u = create_okta_user(&c, "member@okta.local").await;
    let gid = push_group(&c, "Doomed").await;
    patch_ok(
        &c,
        &format!("/Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": members(&[&u])}]),
    )
    .await;
    let r = c.delete(&format!("/Groups/{gid}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    c.get(&format!("/Groups/{gid}"))
        .await
        .assert_error(404, None);
    let r = c.get("/Groups?startIndex=1&count=100").await;
    assert_eq!(r.body["totalResults"], json!(0), "{}", r.text);
    let u = user(&c, &u).await;
    assert!(
        empty_or_absent(&u["groups"]),
        "the deleted group is gone from its members: {u}"
    );
}
