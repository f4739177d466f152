//! Tenant isolation (acceptance 6): a token sees only its own tenant. Tenant B cannot read,
//! change, delete, list, search, reference or bulk-edit tenant A's resources, and B's attempts
//! leave A's data exactly as it was. A revoked token is refused at once.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{patch_body, Scim, Server, GROUP_SCHEMA, USER_SCHEMA};

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// Tenant A's fixtures: a user (with an email and title) in a group.
struct TenantA {
    user: String,
    group: String,
}

async fn seed_a(a: &Scim) -> TenantA {
    let r = a
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "alice@example.com", "title": "Original",
                    "emails": [{"value": "alice@example.com", "type": "work"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let user = r.id();
    let group = a.create_group("A Team", std::slice::from_ref(&user)).await;
    TenantA { user, group }
}

/// A's user and group, read with A's token, must equal these snapshots.
async fn assert_a_unchanged(a: &Scim, fx: &TenantA, user_before: &Value, group_before: &Value) {
    let u = a.get(&format!("/Users/{}", fx.user)).await;
    assert_eq!(u.status, 200, "A's user is gone: {}", u.text);
    assert_eq!(&u.body, user_before, "A's user changed");
    let g = a.get(&format!("/Groups/{}", fx.group)).await;
    assert_eq!(g.status, 200, "A's group is gone: {}", g.text);
    assert_eq!(&g.body, group_before, "A's group changed");
}

fn ids_in(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn b_cannot_read_or_change_a_resources_by_id() {
    let server = Server::start().await;
    let a = server.client();
    let b = server.client_with(&server.new_tenant("b").await);
    let fx = seed_a(&a).await;
    let user_before = a.get(&format!("/Users/{}", fx.user)).await.body;
    let group_before = a.get(&format!("/Groups/{}", fx.group)).await.body;
    let version = user_before["meta"]["version"]
        .as_str()
        .expect("version")
        .to_string();

    for (kind, id) in [("Users", &fx.user), ("Groups", &fx.group)] {
        let path = format!("/{kind}/{id}");
        b.get(&path).await.assert_error(404, None);
        b.get(&format!("{path}?attributes=id"))
            .await
            .assert_error(404, None);
        let r = b
            .send(
                Method::GET,
                &path,
                None,
                &[("If-None-Match", version.as_str())],
            )
            .await;
        r.assert_error(404, None);
        let body = if kind == "Users" {
            json!({"schemas": [USER_SCHEMA], "userName": "hijacked@example.com", "title": "Hijacked"})
        } else {
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Hijacked", "members": []})
        };
        b.put(&path, &body).await.assert_error(404, None);
        let r = b
            .send(Method::PUT, &path, Some(&body), &[("If-Match", "*")])
            .await;
        r.assert_error(404, None);
        let patch = if kind == "Users" {
            patch_body(json!([{"op": "replace", "path": "title", "value": "Hijacked"}]))
        } else {
            patch_body(json!([{"op": "remove", "path": "members"}]))
        };
        b.patch(&path, &patch).await.assert_error(404, None);
        b.delete(&path).await.assert_error(404, None);
        let r = b
            .send(
                Method::DELETE,
                &path,
                None,
                &[("If-Match", version.as_str())],
            )
            .await;
        r.assert_error(404, None);
    }
    // A member-only PATCH takes the fast path; it must check the tenant too.
    let r = b
        .patch(
            &format!("/Groups/{}", fx.group),
            &patch_body(json!([{"op": "add", "path": "members", "value": [{"value": fx.user}]}])),
        )
        .await;
    r.assert_error(404, None);
    assert_a_unchanged(&a, &fx, &user_before, &group_before).await;
}

#[tokio::test]
async fn b_lists_and_searches_show_none_of_a() {
    let server = Server::start().await;
    let a = server.client();
    let b = server.client_with(&server.new_tenant("b").await);
    let fx = seed_a(&a).await;
    let b_user = b.create_user("bob@example.com").await;
    let b_group = b
        .create_group("B Team", std::slice::from_ref(&b_user))
        .await;
    let a_ids = [fx.user.clone(), fx.group.clone()];
    let search = |filter: Option<&str>| match filter {
        Some(f) => json!({"schemas": [SEARCH], "filter": f}),
        None => json!({"schemas": [SEARCH]}),
    };
    let lists: Vec<(String, Value, Vec<String>)> = vec![
        (
            "GET /Users".into(),
            b.get("/Users").await.body,
            vec![b_user.clone()],
        ),
        (
            "GET /Groups".into(),
            b.get("/Groups").await.body,
            vec![b_group.clone()],
        ),
        (
            "GET /Users?cursor".into(),
            b.get("/Users?cursor").await.body,
            vec![b_user.clone()],
        ),
        (
            "filter userName".into(),
            b.filter("/Users", "userName eq \"alice@example.com\"")
                .await
                .body,
            vec![],
        ),
        (
            "filter id".into(),
            b.filter("/Users", &format!("id eq \"{}\"", fx.user))
                .await
                .body,
            vec![],
        ),
        (
            "filter emails".into(),
            b.filter("/Users", "emails.value co \"alice\"").await.body,
            vec![],
        ),
        (
            "filter title".into(),
            b.filter("/Users", "title pr").await.body,
            vec![],
        ),
        (
            "filter displayName".into(),
            b.filter("/Groups", "displayName eq \"A Team\"").await.body,
            vec![],
        ),
        (
            "filter members".into(),
            b.filter("/Groups", &format!("members.value eq \"{}\"", fx.user))
                .await
                .body,
            vec![],
        ),
        (
            "filter groups.value".into(),
            b.filter("/Users", &format!("groups.value eq \"{}\"", fx.group))
                .await
                .body,
            vec![],
        ),
        (
            "POST /Users/.search".into(),
            b.post("/Users/.search", &search(None)).await.body,
            vec![b_user.clone()],
        ),
        (
            "POST /Groups/.search".into(),
            b.post("/Groups/.search", &search(None)).await.body,
            vec![b_group.clone()],
        ),
        (
            "POST /.search".into(),
            b.post("/.search", &search(None)).await.body,
            vec![b_user.clone(), b_group.clone()],
        ),
        (
            "POST /.search filter".into(),
            b.post(
                "/.search",
                &search(Some("userName sw \"alice\" or displayName sw \"A\"")),
            )
            .await
            .body,
            vec![],
        ),
    ];
    for (case, list, want) in lists {
        let mut got = ids_in(&list);
        got.sort();
        let mut want = want;
        want.sort();
        assert!(
            got.iter().all(|id| !a_ids.contains(id)),
            "{case}: B sees A's resources: {list}"
        );
        assert_eq!(got, want, "{case}: {list}");
        assert_eq!(
            list["totalResults"],
            json!(want.len()),
            "{case}: totalResults counts A's resources: {list}"
        );
    }
    // B's group lists only B's member; A's list is untouched by B's writes.
    assert_eq!(b.member_ids(&b_group).await, vec![b_user.clone()]);
    let r = a.get("/Users").await;
    assert_eq!(
        ids_in(&r.body),
        vec![fx.user.clone()],
        "A sees B's user: {}",
        r.text
    );
}

#[tokio::test]
async fn user_name_uniqueness_is_per_tenant() {
    let server = Server::start().await;
    let a = server.client();
    let b = server.client_with(&server.new_tenant("b").await);
    let fx = seed_a(&a).await;
    let r = b
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "alice@example.com"}),
        )
        .await;
    assert_eq!(r.status, 201, "B could not reuse A's userName: {}", r.text);
    let b_alice = r.id();
    assert_ne!(b_alice, fx.user);
    // Within a tenant it is still unique (case-insensitively).
    let r = b
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "ALICE@example.com"}),
        )
        .await;
    r.assert_error(409, Some("uniqueness"));
    for (scim, want) in [(&a, &fx.user), (&b, &b_alice)] {
        let r = scim
            .filter("/Users", "userName eq \"alice@example.com\"")
            .await;
        assert_eq!(r.body["totalResults"], json!(1), "{}", r.text);
        assert_eq!(ids_in(&r.body), std::slice::from_ref(want));
    }
    let r = a.get(&format!("/Users/{}", fx.user)).await;
    assert_eq!(
        r.body["title"],
        json!("Original"),
        "A's user changed: {}",
        r.text
    );
    // Groups' displayName is not unique across tenants either.
    let r = b
        .post(
            "/Groups",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "A Team"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn b_groups_cannot_reference_a_users() {
    let server = Server::start().await;
    let a = server.client();
    let b = server.client_with(&server.new_tenant("b").await);
    let fx = seed_a(&a).await;
    let user_before = a.get(&format!("/Users/{}", fx.user)).await.body;
    let group_before = a.get(&format!("/Groups/{}", fx.group)).await.body;

    let r = b
        .post("/Groups", &json!({"schemas": [GROUP_SCHEMA], "displayName": "Smuggled", "members": [{"value": fx.user}]}))
        .await;
    r.assert_error(400, Some("invalidValue"));
    let r = b.filter("/Groups", "displayName eq \"Smuggled\"").await;
    assert_eq!(
        r.body["totalResults"],
        json!(0),
        "the rejected group exists: {}",
        r.text
    );

    let group = b.create_group("B Team", &[]).await;
    let path = format!("/Groups/{group}");
    let attempts = [
        (
            "add A user",
            patch_body(json!([{"op": "add", "path": "members", "value": [{"value": fx.user}]}])),
        ),
        (
            "add A group",
            patch_body(json!([{"op": "add", "path": "members", "value": [{"value": fx.group}]}])),
        ),
        (
            "replace with A user",
            patch_body(
                json!([{"op": "replace", "path": "members", "value": [{"value": fx.user}]}]),
            ),
        ),
        (
            "pathless add",
            patch_body(json!([{"op": "add", "value": {"members": [{"value": fx.user}]}}])),
        ),
    ];
    for (case, body) in &attempts {
        let r = b.patch(path.as_str(), body).await;
        assert_eq!(r.status, 400, "{case}: {}", r.text);
        assert_eq!(
            r.body["scimType"],
            json!("invalidValue"),
            "{case}: {}",
            r.text
        );
    }
    let r = b
        .put(&path, &json!({"schemas": [GROUP_SCHEMA], "displayName": "B Team", "members": [{"value": fx.user}]}))
        .await;
    r.assert_error(400, Some("invalidValue"));
    assert!(
        b.member_ids(&group).await.is_empty(),
        "B's group got A's user as a member"
    );
    assert_a_unchanged(&a, &fx, &user_before, &group_before).await;
}

#[tokio::test]
async fn bulk_in_b_cannot_touch_a() {
    let server = Server::start().await;
    let a = server.client();
    let b = server.client_with(&server.new_tenant("b").await);
    let fx = seed_a(&a).await;
    let user_before = a.get(&format!("/Users/{}", fx.user)).await.body;
    let group_before = a.get(&format!("/Groups/{}", fx.group)).await.body;
    let ops = json!([
        {"method": "PUT", "path": format!("/Users/{}", fx.user),
         "data": {"schemas": [USER_SCHEMA], "userName": "alice@example.com", "title": "Hijacked"}},
        {"method": "PATCH", "path": format!("/Users/{}", fx.user),
         "data": patch_body(json!([{"op": "replace", "path": "title", "value": "Hijacked"}]))},
        {"method": "PATCH", "path": format!("/Groups/{}", fx.group),
         "data": patch_body(json!([{"op": "remove", "path": "members"}]))},
        {"method": "POST", "path": "/Groups", "bulkId": "g1",
         "data": {"schemas": [GROUP_SCHEMA], "displayName": "Smuggled", "members": [{"value": fx.user}]}},
        {"method": "DELETE", "path": format!("/Users/{}", fx.user)},
        {"method": "DELETE", "path": format!("/Groups/{}", fx.group)},
    ]);
    let r = b
        .post("/Bulk", &json!({"schemas": [BULK], "Operations": ops}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let results = r.body["Operations"].as_array().expect("Operations");
    assert_eq!(results.len(), 6, "{}", r.text);
    let want = ["404", "404", "404", "400", "404", "404"];
    for (i, (res, want)) in results.iter().zip(want).enumerate() {
        assert_eq!(res["status"], json!(want), "operation {i}: {res}");
    }
    let r = b.filter("/Groups", "displayName eq \"Smuggled\"").await;
    assert_eq!(r.body["totalResults"], json!(0), "{}", r.text);
    assert_a_unchanged(&a, &fx, &user_before, &group_before).await;
}

/// Tenant `b`'s tokens from `scimitar token list --json`.
async fn tokens_of_b(server: &Server) -> Vec<Value> {
    let (ok, out, err) = server
        .cli(&["token", "list", "--tenant", "b", "--json"])
        .await;
    assert!(ok, "token list failed: {err}");
    let list: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("token list --json is not JSON ({e}): {out}"));
    list.as_array()
        .unwrap_or_else(|| panic!("token list --json is not an array: {out}"))
        .clone()
}

async fn create_token(server: &Server, label: &str) -> String {
    let (ok, out, err) = server
        .cli(&["token", "create", "--tenant", "b", "--label", label])
        .await;
    assert!(ok, "token create failed: {err}");
    out.lines().last().unwrap_or_default().trim().to_string()
}

#[tokio::test]
async fn revoked_token_is_refused() {
    let server = Server::start().await;
    let a = server.client();
    let b = server.client_with(&server.new_tenant("b").await);
    let id = b.create_user("bob@example.com").await;
    let spare = create_token(&server, "spare").await;
    let tokens = tokens_of_b(&server).await;
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    let token_id = |spare: bool| {
        let t = tokens
            .iter()
            .find(|t| (t["label"] == json!("spare")) == spare)
            .unwrap_or_else(|| panic!("no such token in {tokens:?}"));
        t["id"].as_str().unwrap_or_default().to_string()
    };
    let (used_id, spare_id) = (token_id(false), token_id(true));

    // A token never presented before is refused as soon as it is revoked.
    let (ok, _, err) = server.cli(&["token", "revoke", &spare_id]).await;
    assert!(ok, "token revoke failed: {err}");
    server
        .client_with(&spare)
        .get("/Users")
        .await
        .assert_error(401, None);

    // A token in use is refused within the couple of seconds PRODUCT.md allows a running
    // server to notice a CLI change: poll, bounded at 5 s.
    let (ok, _, err) = server.cli(&["token", "revoke", &used_id]).await;
    assert!(ok, "token revoke failed: {err}");
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    let mut refused = false;
    for _ in 0..50 {
        tick.tick().await;
        if b.get("/Users").await.status == 401 {
            refused = true;
            break;
        }
    }
    assert!(refused, "a revoked token still works after 5 s");
    for r in [
        b.get("/Users").await,
        b.get(&format!("/Users/{id}")).await,
        b.post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "after@example.com"}),
        )
        .await,
        b.delete(&format!("/Users/{id}")).await,
    ] {
        r.assert_error(401, None);
        assert!(
            r.header("www-authenticate").is_some(),
            "no WWW-Authenticate on 401"
        );
    }
    for t in tokens_of_b(&server).await {
        assert!(
            t["revoked"].is_string(),
            "token list does not show the revocation: {t}"
        );
    }
    let (ok, _, _) = server.cli(&["token", "revoke", "no-such-token"]).await;
    assert!(!ok, "revoking an unknown token id must fail");

    // B's data is intact, a fresh token works, and A is unaffected.
    let b2 = server.client_with(&create_token(&server, "fresh").await);
    let r = b2.get("/Users").await;
    assert_eq!(ids_in(&r.body), vec![id], "{}", r.text);
    assert_eq!(a.get("/Users").await.status, 200);
}
