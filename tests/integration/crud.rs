//! Core resource behaviour through the real server: create/read/replace/delete, write-only
//! password, case-insensitive userName uniqueness, computed User.groups (direct and indirect),
//! referential integrity on delete, ETags, discovery, and the operational endpoints.

use serde_json::json;

use crate::support::*;

fn alice() -> serde_json::Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "userName": "alice@example.com",
        "externalId": "ext-alice",
        "name": {"givenName": "Alice", "familyName": "Liddell"},
        "displayName": "Alice Liddell",
        "emails": [{"value": "alice@example.com", "type": "work", "primary": true}],
        "active": true,
        "password": "correct horse battery staple",
        ENTERPRISE: {"employeeNumber": "701", "department": "R&D"}
    })
}

#[tokio::test]
async fn create_then_get_returns_the_same_resource_without_password() {
    let s = Server::start().await;
    let c = s.client();
    let created = c.post("/Users", &alice()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(
        created.body.get("password").is_none(),
        "password returned: {}",
        created.text
    );
    let id = created.id();
    assert_eq!(
        created.header("location").as_deref(),
        created.body["meta"]["location"].as_str()
    );
    assert_eq!(
        created.header("etag").as_deref(),
        created.body["meta"]["version"].as_str()
    );

    let got = c.get(&format!("/Users/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["userName"], "alice@example.com");
    assert_eq!(got.body["name"]["familyName"], "Liddell");
    assert_eq!(got.body[ENTERPRISE]["employeeNumber"], "701");
    assert_eq!(got.body["meta"]["resourceType"], "User");
    assert!(got.body.get("password").is_none());
    assert_eq!(got.body["schemas"], json!([USER_SCHEMA, ENTERPRISE]));
}

#[tokio::test]
async fn client_sent_id_and_meta_are_ignored() {
    let s = Server::start().await;
    let c = s.client();
    let mut body = alice();
    body["id"] = json!("chosen-by-client");
    body["meta"] = json!({"created": "2001-01-01T00:00:00Z"});
    let r = c.post("/Users", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_ne!(r.id(), "chosen-by-client");
    assert_ne!(r.body["meta"]["created"], "2001-01-01T00:00:00Z");
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let s = Server::start().await;
    let c = s.client();
    c.create_user("Bob@Example.com").await;
    let dup = c
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "bob@EXAMPLE.com"}),
        )
        .await;
    dup.assert_error(409, Some("uniqueness"));
    let found = c.filter("/Users", "userName eq \"BOB@example.COM\"").await;
    assert_eq!(found.body["totalResults"], 1);
}

#[tokio::test]
async fn put_replaces_and_keeps_read_only_attributes() {
    let s = Server::start().await;
    let c = s.client();
    let id = c.post("/Users", &alice()).await.id();
    let r = c
        .put(
            &format!("/Users/{id}"),
            &json!({"schemas": [USER_SCHEMA], "id": id, "userName": "alice@example.com", "nickName": "Al"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = c.get(&format!("/Users/{id}")).await;
    assert_eq!(got.body["nickName"], "Al");
    assert!(
        got.body.get("name").is_none(),
        "PUT must replace: {}",
        got.text
    );
    assert!(got.body.get(ENTERPRISE).is_none());
    assert_eq!(got.body["meta"]["version"], "W/\"2\"");
}

#[tokio::test]
async fn user_groups_are_computed_direct_and_indirect() {
    let s = Server::start().await;
    let c = s.client();
    let u = c.create_user("carol").await;
    let inner = c.create_group("Inner", std::slice::from_ref(&u)).await;
    let outer = c.create_group("Outer", std::slice::from_ref(&inner)).await;
    let got = c.get(&format!("/Users/{u}")).await;
    let groups = got.body["groups"].as_array().expect("groups").clone();
    assert_eq!(groups.len(), 2, "{}", got.text);
    let find = |id: &str| {
        groups
            .iter()
            .find(|g| g["value"] == id)
            .cloned()
            .expect("group")
    };
    assert_eq!(find(&inner)["type"], "direct");
    assert_eq!(find(&inner)["display"], "Inner");
    assert_eq!(find(&outer)["type"], "indirect");
    // groups is read-only
    let r = c
        .patch(
            &format!("/Users/{u}"),
            &patch_body(json!([{"op": "add", "path": "groups", "value": [{"value": outer}]}])),
        )
        .await;
    r.assert_error(400, Some("mutability"));
    // and filterable, through nesting
    let f = c
        .filter("/Users", &format!("groups.value eq \"{outer}\""))
        .await;
    assert_eq!(f.body["totalResults"], 1, "{}", f.text);
}

#[tokio::test]
async fn a_group_cannot_contain_itself() {
    let s = Server::start().await;
    let c = s.client();
    let a = c.create_group("A", &[]).await;
    let b = c.create_group("B", std::slice::from_ref(&a)).await;
    let r = c
        .patch(
            &format!("/Groups/{a}"),
            &patch_body(json!([{"op": "add", "path": "members", "value": [{"value": b}]}])),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    assert!(c.member_ids(&a).await.is_empty());
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_its_groups() {
    let s = Server::start().await;
    let c = s.client();
    let u1 = c.create_user("dave").await;
    let u2 = c.create_user("erin").await;
    let g = c.create_group("Team", &[u1.clone(), u2.clone()]).await;
    let before = c.get(&format!("/Groups/{g}")).await.body["meta"]["version"].clone();
    assert_eq!(c.delete(&format!("/Users/{u1}")).await.status, 204);
    assert_eq!(c.get(&format!("/Users/{u1}")).await.status, 404);
    assert_eq!(c.member_ids(&g).await, vec![u2]);
    let after = c.get(&format!("/Groups/{g}")).await.body["meta"]["version"].clone();
    assert_ne!(
        before, after,
        "the group changed, so its version must change"
    );
    c.delete(&format!("/Users/{u1}"))
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn member_reference_to_a_missing_resource_is_invalid_value() {
    let s = Server::start().await;
    let c = s.client();
    let r = c
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": "nope"}]}),
        )
        .await;
    r.assert_error(400, Some("invalidValue"));
    let list = c.filter("/Groups", "displayName eq \"G\"").await;
    assert_eq!(list.body["totalResults"], 0, "nothing may be half-created");
}

#[tokio::test]
async fn group_patch_answers_204_unless_attributes_are_requested() {
    let s = Server::start().await;
    let c = s.client();
    let u = c.create_user("frank").await;
    let g = c.create_group("Ops", &[]).await;
    let add = patch_body(json!([{"op": "add", "path": "members", "value": [{"value": u}]}]));
    let r = c.patch(&format!("/Groups/{g}"), &add).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(c.member_ids(&g).await, vec![u.clone()]);
    let rename = patch_body(json!([{"op": "replace", "path": "displayName", "value": "Ops 2"}]));
    let r = c
        .patch(&format!("/Groups/{g}?attributes=displayName"), &rename)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["displayName"], "Ops 2");
    assert!(r.body.get("members").is_none());
}

#[tokio::test]
async fn etags_drive_conditional_requests() {
    let s = Server::start().await;
    let c = s.client();
    let id = c.create_user("grace").await;
    let path = format!("/Users/{id}");
    let etag = c.get(&path).await.header("etag").expect("etag");
    let r = c
        .send(
            reqwest::Method::GET,
            &path,
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(r.status, 304);
    let body = patch_body(json!([{"op": "replace", "path": "title", "value": "Admiral"}]));
    let r = c
        .send(
            reqwest::Method::PATCH,
            &path,
            Some(&body),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let stale = patch_body(json!([{"op": "replace", "path": "title", "value": "Ensign"}]));
    let r = c
        .send(
            reqwest::Method::PATCH,
            &path,
            Some(&stale),
            &[("If-Match", &etag)],
        )
        .await;
    r.assert_error(412, None);
    assert_eq!(c.get(&path).await.body["title"], "Admiral");
}

#[tokio::test]
async fn discovery_endpoints_describe_what_is_enforced() {
    let s = Server::start().await;
    let c = s.client();
    let spc = c.get("/ServiceProviderConfig").await;
    assert_eq!(spc.status, 200);
    assert_eq!(spc.body["bulk"]["maxOperations"], 1000);
    assert_eq!(spc.body["bulk"]["maxPayloadSize"], 1024 * 1024);
    assert_eq!(spc.body["etag"]["supported"], true);
    let schemas = c.get("/Schemas").await;
    let ids: Vec<&str> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(
        ids.contains(&USER_SCHEMA) && ids.contains(&GROUP_SCHEMA) && ids.contains(&ENTERPRISE),
        "{ids:?}"
    );
    let user = c.get(&format!("/Schemas/{USER_SCHEMA}")).await;
    let password = user.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "password")
        .cloned()
        .unwrap();
    assert_eq!(password["returned"], "never");
    assert_eq!(password["mutability"], "writeOnly");
    let rt = c.get("/ResourceTypes/User").await;
    assert_eq!(rt.body["schemaExtensions"][0]["schema"], ENTERPRISE);
    c.get("/Schemas/urn:nope").await.assert_error(404, None);
    c.send(reqwest::Method::POST, "/Schemas", Some(&json!({})), &[])
        .await
        .assert_error(405, None);
}

#[tokio::test]
async fn operational_endpoints_answer() {
    let s = Server::start().await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{}/livez", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        http.get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.client().create_user("henry").await;
    let metrics = http
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/scim/v2/Users\""), "{metrics}");
    assert!(
        metrics.contains("http_request_duration_seconds_bucket"),
        "{metrics}"
    );
}

#[tokio::test]
async fn cli_manages_tenants_and_tokens_while_the_server_runs() {
    let s = Server::start().await;
    let token = s.new_tenant("acme").await;
    assert!(token.starts_with("scim_"));
    let c = s.client_with(&token);
    assert_eq!(c.get("/Users").await.body["totalResults"], 0);
    let (ok, out, _) = s.cli(&["tenant", "list", "--json"]).await;
    assert!(ok);
    let tenants: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(tenants.as_array().unwrap().len(), 2);
    let (ok, _, err) = s.cli(&["tenant", "create", "acme"]).await;
    assert!(!ok, "duplicate tenant must fail");
    assert!(err.contains("already exists"), "{err}");
    let (ok, out, _) = s
        .cli(&["token", "list", "--tenant", "acme", "--json"])
        .await;
    assert!(ok);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!out.contains(&token), "secrets must never be listed");
    let id = list[0]["id"].as_str().unwrap().to_string();
    let (ok, _, _) = s.cli(&["token", "revoke", &id]).await;
    assert!(ok);
    // The server remembers a token lookup for 2 s; revocation must bite within a few seconds.
    let revoked_at = std::time::Instant::now();
    let mut last = c.get("/Users").await;
    while last.status != 401 && revoked_at.elapsed() < std::time::Duration::from_secs(5) {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        last = c.get("/Users").await;
    }
    last.assert_error(401, None);
    let (ok, _, _) = s.cli(&["token", "revoke", &id]).await;
    assert!(!ok, "revoking twice must fail");
}
