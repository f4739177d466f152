//! Bulk (RFC 7644 §3.7): `bulkId` references resolved in any order, cycles refused without
//! half-created leftovers, `failOnErrors` stopping for real, `version` preconditions per
//! operation, and the BulkResponse shape (statuses as strings). Results are checked by reading
//! the directory back, not only by reading the BulkResponse.

use serde_json::{json, Value};

use crate::support::{patch_body, Resp, Scim, Server, GROUP_SCHEMA, USER_SCHEMA};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

async fn bulk(scim: &Scim, ops: Value, fail_on_errors: Option<u64>) -> Resp {
    let mut body = json!({"schemas": [BULK_REQUEST], "Operations": ops});
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    let r = scim.post("/Bulk", &body).await;
    assert_eq!(r.status, 200, "Bulk failed as a whole: {}", r.text);
    assert_eq!(
        r.body["schemas"],
        json!([BULK_RESPONSE]),
        "not a BulkResponse: {}",
        r.text
    );
    for op in ops_of(&r) {
        assert!(op["status"].is_string(), "status must be a string: {op}");
        assert!(op["method"].is_string(), "method missing: {op}");
    }
    r
}

fn ops_of(r: &Resp) -> &Vec<Value> {
    r.body["Operations"]
        .as_array()
        .unwrap_or_else(|| panic!("no Operations array: {}", r.text))
}

fn result_for<'a>(r: &'a Resp, bulk_id: &str) -> &'a Value {
    ops_of(r)
        .iter()
        .find(|o| o["bulkId"] == json!(bulk_id))
        .unwrap_or_else(|| panic!("no result for bulkId {bulk_id}: {}", r.text))
}

fn id_from_location(op: &Value) -> String {
    let loc = op["location"]
        .as_str()
        .unwrap_or_else(|| panic!("no location: {op}"));
    loc.rsplit('/').next().unwrap_or_default().to_string()
}

async fn count(scim: &Scim, endpoint: &str, filter: &str) -> u64 {
    let r = scim.filter(endpoint, filter).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["totalResults"]
        .as_u64()
        .unwrap_or_else(|| panic!("no totalResults: {}", r.text))
}

#[tokio::test]
async fn forward_bulk_id_references_are_resolved() {
    let server = Server::start().await;
    let scim = server.client();
    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g1",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Forward",
                  "members": [{"value": "bulkId:u1"}, {"value": "bulkId:g2", "type": "Group"}]}},
        {"method": "POST", "path": "/Groups", "bulkId": "g2",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Inner", "members": [{"value": "bulkId:u1"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "u1",
         "data": {"schemas": [USER_SCHEMA], "userName": "forward@example.com"}},
    ]);
    let r = bulk(&scim, ops, None).await;
    assert_eq!(ops_of(&r).len(), 3, "{}", r.text);
    for b in ["g1", "g2", "u1"] {
        let res = result_for(&r, b);
        assert_eq!(res["status"], json!("201"), "{b}: {res}");
        assert_eq!(res["method"], json!("POST"));
        assert!(res["version"].is_string(), "{b}: no version: {res}");
    }
    let user = id_from_location(result_for(&r, "u1"));
    let g1 = id_from_location(result_for(&r, "g1"));
    let g2 = id_from_location(result_for(&r, "g2"));
    let mut want = vec![user.clone(), g2.clone()];
    want.sort();
    assert_eq!(scim.member_ids(&g1).await, want);
    assert_eq!(scim.member_ids(&g2).await, vec![user.clone()]);
    let u = scim.get(&format!("/Users/{user}")).await;
    assert_eq!(u.body["userName"], json!("forward@example.com"));
    let mut groups: Vec<String> = u.body["groups"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|g| g["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    groups.sort();
    assert!(
        groups.contains(&g1) && groups.contains(&g2),
        "user's groups: {}",
        u.text
    );
}

#[tokio::test]
async fn bulk_id_in_a_path_is_resolved() {
    let server = Server::start().await;
    let scim = server.client();
    let ops = json!([
        {"method": "PATCH", "path": "/Users/bulkId:u1",
         "data": patch_body(json!([{"op": "replace", "path": "title", "value": "Patched"}]))},
        {"method": "POST", "path": "/Users", "bulkId": "u1",
         "data": {"schemas": [USER_SCHEMA], "userName": "path@example.com"}},
    ]);
    let r = bulk(&scim, ops, None).await;
    let results = ops_of(&r);
    assert_eq!(results.len(), 2, "{}", r.text);
    assert!(
        results
            .iter()
            .all(|o| o["status"].as_str().is_some_and(|s| s.starts_with('2'))),
        "{}",
        r.text
    );
    let id = id_from_location(result_for(&r, "u1"));
    let u = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(u.body["title"], json!("Patched"), "{}", u.text);
}

#[tokio::test]
async fn a_cycle_fails_with_409_and_creates_nothing() {
    let server = Server::start().await;
    let scim = server.client();
    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g1",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Cycle One", "members": [{"value": "bulkId:g2"}]}},
        {"method": "POST", "path": "/Groups", "bulkId": "g2",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Cycle Two", "members": [{"value": "bulkId:g1"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "u1",
         "data": {"schemas": [USER_SCHEMA], "userName": "bystander@example.com"}},
    ]);
    let r = bulk(&scim, ops, None).await;
    for b in ["g1", "g2"] {
        let res = result_for(&r, b);
        assert_eq!(res["status"], json!("409"), "{b}: {res}");
        assert_eq!(
            res["response"]["status"],
            json!("409"),
            "{b}: the error body: {res}"
        );
        assert!(
            res["response"]["detail"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{b}: {res}"
        );
        assert!(
            res.get("location").is_none(),
            "{b}: a failed op has a location: {res}"
        );
    }
    assert_eq!(
        result_for(&r, "u1")["status"],
        json!("201"),
        "an independent op must still run: {}",
        r.text
    );
    assert_eq!(
        count(&scim, "/Groups", "displayName sw \"Cycle\"").await,
        0,
        "half of a cycle was created"
    );
    assert_eq!(count(&scim, "/Groups", "displayName pr").await, 0);
    assert_eq!(
        count(&scim, "/Users", "userName eq \"bystander@example.com\"").await,
        1
    );
}

#[tokio::test]
async fn an_op_depending_on_a_failed_op_fails() {
    let server = Server::start().await;
    let scim = server.client();
    scim.create_user("taken@example.com").await;
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "dup",
         "data": {"schemas": [USER_SCHEMA], "userName": "taken@example.com"}},
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Depends", "members": [{"value": "bulkId:dup"}]}},
    ]);
    let r = bulk(&scim, ops, None).await;
    assert_eq!(result_for(&r, "dup")["status"], json!("409"), "{}", r.text);
    assert_eq!(
        result_for(&r, "dup")["response"]["scimType"],
        json!("uniqueness"),
        "{}",
        r.text
    );
    let g = result_for(&r, "g");
    assert!(
        g["status"].as_str().is_some_and(|s| s.starts_with('4')),
        "{g}"
    );
    assert_eq!(
        count(&scim, "/Groups", "displayName eq \"Depends\"").await,
        0
    );
    assert_eq!(
        count(&scim, "/Users", "userName eq \"taken@example.com\"").await,
        1
    );
}

#[tokio::test]
async fn unknown_bulk_id_reference_fails_that_op() {
    let server = Server::start().await;
    let scim = server.client();
    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Dangling", "members": [{"value": "bulkId:nobody"}]}},
    ]);
    let r = bulk(&scim, ops, None).await;
    let g = result_for(&r, "g");
    assert_eq!(g["status"], json!("400"), "{g}");
    assert_eq!(g["response"]["scimType"], json!("invalidValue"), "{g}");
    assert_eq!(
        count(&scim, "/Groups", "displayName eq \"Dangling\"").await,
        0
    );
}

#[tokio::test]
async fn fail_on_errors_stops_after_the_first_error() {
    let server = Server::start().await;
    let scim = server.client();
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "ok1",
         "data": {"schemas": [USER_SCHEMA], "userName": "first@example.com"}},
        {"method": "POST", "path": "/Users", "bulkId": "bad",
         "data": {"schemas": [USER_SCHEMA], "userName": "first@example.com"}},
        {"method": "POST", "path": "/Users", "bulkId": "later1",
         "data": {"schemas": [USER_SCHEMA], "userName": "later1@example.com"}},
        {"method": "POST", "path": "/Groups", "bulkId": "later2",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Later"}},
    ]);
    let r = bulk(&scim, ops, Some(1)).await;
    let results = ops_of(&r);
    assert_eq!(
        results.len(),
        2,
        "ops after the first error must be absent: {}",
        r.text
    );
    assert_eq!(result_for(&r, "ok1")["status"], json!("201"));
    assert_eq!(result_for(&r, "bad")["status"], json!("409"));
    assert!(results
        .iter()
        .all(|o| o["bulkId"] != json!("later1") && o["bulkId"] != json!("later2")));
    assert_eq!(
        count(&scim, "/Users", "userName eq \"first@example.com\"").await,
        1
    );
    assert_eq!(
        count(&scim, "/Users", "userName eq \"later1@example.com\"").await,
        0,
        "an op after the error ran"
    );
    assert_eq!(
        count(&scim, "/Groups", "displayName eq \"Later\"").await,
        0,
        "an op after the error ran"
    );
}

#[tokio::test]
async fn fail_on_errors_two_allows_one_error() {
    let server = Server::start().await;
    let scim = server.client();
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "bad1", "data": {"schemas": [USER_SCHEMA]}},
        {"method": "POST", "path": "/Users", "bulkId": "ok", "data": {"schemas": [USER_SCHEMA], "userName": "mid@example.com"}},
        {"method": "POST", "path": "/Users", "bulkId": "bad2", "data": {"schemas": [USER_SCHEMA]}},
        {"method": "POST", "path": "/Users", "bulkId": "never", "data": {"schemas": [USER_SCHEMA], "userName": "never@example.com"}},
    ]);
    let r = bulk(&scim, ops, Some(2)).await;
    assert_eq!(ops_of(&r).len(), 3, "{}", r.text);
    assert_eq!(result_for(&r, "bad1")["status"], json!("400"));
    assert_eq!(result_for(&r, "ok")["status"], json!("201"));
    assert_eq!(result_for(&r, "bad2")["status"], json!("400"));
    assert_eq!(
        count(&scim, "/Users", "userName eq \"mid@example.com\"").await,
        1
    );
    assert_eq!(
        count(&scim, "/Users", "userName eq \"never@example.com\"").await,
        0
    );
}

#[tokio::test]
async fn put_patch_delete_honour_version() {
    let server = Server::start().await;
    let scim = server.client();
    let mut ids = Vec::new();
    let mut versions = Vec::new();
    for name in ["put", "patch", "delete"] {
        let r = scim.post("/Users", &json!({"schemas": [USER_SCHEMA], "userName": format!("{name}@example.com"), "title": "Before"})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        versions.push(
            r.body["meta"]["version"]
                .as_str()
                .expect("version")
                .to_string(),
        );
        ids.push(r.id());
    }
    // Move every user on one version, so the versions we hold are stale.
    for id in &ids {
        let r = scim
            .patch(
                &format!("/Users/{id}"),
                &patch_body(json!([{"op": "replace", "path": "title", "value": "Moved"}])),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let stale_ops = json!([
        {"method": "PUT", "path": format!("/Users/{}", ids[0]), "version": versions[0],
         "data": {"schemas": [USER_SCHEMA], "userName": "put@example.com", "title": "Stale"}},
        {"method": "PATCH", "path": format!("/Users/{}", ids[1]), "version": versions[1],
         "data": patch_body(json!([{"op": "replace", "path": "title", "value": "Stale"}]))},
        {"method": "DELETE", "path": format!("/Users/{}", ids[2]), "version": versions[2]},
    ]);
    let r = bulk(&scim, stale_ops, None).await;
    let results = ops_of(&r);
    assert_eq!(results.len(), 3, "{}", r.text);
    for (res, method) in results.iter().zip(["PUT", "PATCH", "DELETE"]) {
        assert_eq!(res["method"], json!(method), "{res}");
        assert_eq!(
            res["status"],
            json!("412"),
            "{method} with a stale version: {res}"
        );
        assert_eq!(res["response"]["status"], json!("412"), "{res}");
    }
    let mut current = Vec::new();
    for id in &ids {
        let u = scim.get(&format!("/Users/{id}")).await;
        assert_eq!(u.status, 200, "a stale DELETE removed the user: {}", u.text);
        assert_eq!(
            u.body["title"],
            json!("Moved"),
            "a stale write changed the user: {}",
            u.text
        );
        current.push(
            u.body["meta"]["version"]
                .as_str()
                .expect("version")
                .to_string(),
        );
    }
    let fresh_ops = json!([
        {"method": "PUT", "path": format!("/Users/{}", ids[0]), "version": current[0],
         "data": {"schemas": [USER_SCHEMA], "userName": "put@example.com", "title": "Fresh"}},
        {"method": "PATCH", "path": format!("/Users/{}", ids[1]), "version": current[1],
         "data": patch_body(json!([{"op": "replace", "path": "title", "value": "Fresh"}]))},
        {"method": "DELETE", "path": format!("/Users/{}", ids[2]), "version": current[2]},
    ]);
    let r = bulk(&scim, fresh_ops, None).await;
    let statuses: Vec<&Value> = ops_of(&r).iter().map(|o| &o["status"]).collect();
    assert_eq!(
        statuses,
        [&json!("200"), &json!("200"), &json!("204")],
        "{}",
        r.text
    );
    for (res, id) in ops_of(&r).iter().zip(&ids).take(2) {
        let u = scim.get(&format!("/Users/{id}")).await;
        assert_eq!(u.body["title"], json!("Fresh"), "{}", u.text);
        assert_eq!(
            res["version"], u.body["meta"]["version"],
            "the op's version is not the new one: {res}"
        );
        assert!(
            res["location"]
                .as_str()
                .is_some_and(|l| l.ends_with(id.as_str())),
            "{res}"
        );
    }
    scim.get(&format!("/Users/{}", ids[2]))
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn bulk_response_shape() {
    let server = Server::start().await;
    let scim = server.client();
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "u",
         "data": {"schemas": [USER_SCHEMA], "userName": "shape@example.com"}},
        {"method": "POST", "path": "/Users", "bulkId": "bad",
         "data": {"schemas": [USER_SCHEMA], "userName": 5}},
        {"method": "DELETE", "path": "/Users/no-such-id"},
    ]);
    let r = bulk(&scim, ops, None).await;
    let results = ops_of(&r);
    assert_eq!(results.len(), 3, "{}", r.text);
    let u = result_for(&r, "u");
    assert_eq!(u["status"], json!("201"));
    let loc = u["location"].as_str().expect("location");
    assert!(loc.contains("/scim/v2/Users/"), "{loc}");
    let id = id_from_location(u);
    assert_eq!(
        scim.get(&format!("/Users/{id}")).await.body["meta"]["version"],
        u["version"]
    );
    let bad = result_for(&r, "bad");
    assert_eq!(bad["status"], json!("400"));
    assert_eq!(
        bad["response"]["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(bad["response"]["status"], json!("400"));
    assert_eq!(bad["response"]["scimType"], json!("invalidValue"));
    let del = results
        .iter()
        .find(|o| o["method"] == json!("DELETE"))
        .expect("DELETE result");
    assert_eq!(del["status"], json!("404"), "{del}");
    assert_eq!(count(&scim, "/Users", "userName pr").await, 1);
}

#[tokio::test]
async fn malformed_bulk_requests_are_rejected_whole() {
    let server = Server::start().await;
    let scim = server.client();
    let cases = [
        ("no Operations", json!({"schemas": [BULK_REQUEST]})),
        (
            "POST without bulkId",
            json!({"schemas": [BULK_REQUEST], "Operations": [
            {"method": "POST", "path": "/Users", "data": {"schemas": [USER_SCHEMA], "userName": "x@example.com"}}]}),
        ),
        (
            "duplicate bulkId",
            json!({"schemas": [BULK_REQUEST], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": [USER_SCHEMA], "userName": "x@example.com"}},
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": [USER_SCHEMA], "userName": "y@example.com"}}]}),
        ),
        (
            "unknown method",
            json!({"schemas": [BULK_REQUEST], "Operations": [
            {"method": "GET", "path": "/Users/x"}]}),
        ),
        (
            "bad path",
            json!({"schemas": [BULK_REQUEST], "Operations": [
            {"method": "POST", "path": "/Nope", "bulkId": "a", "data": {}}]}),
        ),
        (
            "failOnErrors zero",
            json!({"schemas": [BULK_REQUEST], "failOnErrors": 0, "Operations": []}),
        ),
    ];
    for (case, body) in cases {
        let r = scim.post("/Bulk", &body).await;
        assert!((400..500).contains(&r.status), "{case}: {}", r.text);
        r.assert_error(r.status, None);
    }
    assert_eq!(
        count(&scim, "/Users", "userName pr").await,
        0,
        "a rejected Bulk created users"
    );
}
