//! Hostile and broken input (acceptance: malformed JSON, wrong types, unknown schema URNs,
//! invalid filters and paths, oversized bodies, absurd paging parameters). Every case must get a
//! 4xx RFC 7644 error body with the `scimType` that fits, never a 5xx, never a silent "200 with
//! everything", and must leave the directory unchanged; the server keeps answering afterwards.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{
    patch_body, url_encode, Resp, Scim, Server, ERROR_SCHEMA, PATCH_OP, USER_SCHEMA,
};

/// Any 4xx that is a well-formed SCIM error (status as a string, a detail).
fn assert_scim_4xx(case: &str, r: &Resp) {
    assert!(
        (400..500).contains(&r.status),
        "{case}: expected a 4xx, got {}: {}",
        r.status,
        r.text
    );
    assert_eq!(
        r.body["schemas"],
        json!([ERROR_SCHEMA]),
        "{case}: not a SCIM error: {}",
        r.text
    );
    assert_eq!(
        r.body["status"],
        json!(r.status.to_string()),
        "{case}: status must be a string: {}",
        r.text
    );
    assert!(
        r.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{case}: no detail: {}",
        r.text
    );
}

/// A SCIM error with exactly this status and one of the allowed `scimType`s.
fn assert_error_in(case: &str, r: &Resp, status: u16, scim_types: &[&str]) {
    assert_eq!(
        r.status, status,
        "{case}: unexpected status; body: {}",
        r.text
    );
    assert_scim_4xx(case, r);
    let t = r.body["scimType"].as_str().unwrap_or_default();
    assert!(
        scim_types.contains(&t),
        "{case}: scimType '{t}' is not one of {scim_types:?}: {}",
        r.text
    );
}

fn detail(r: &Resp) -> String {
    r.body["detail"].as_str().unwrap_or_default().to_string()
}

async fn user_count(scim: &Scim) -> u64 {
    let r = scim.get("/Users?count=0").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["totalResults"]
        .as_u64()
        .unwrap_or_else(|| panic!("no totalResults: {}", r.text))
}

async fn still_answers(scim: &Scim) {
    let id = scim.create_user("still.alive@example.com").await;
    let r = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["userName"], json!("still.alive@example.com"));
}

#[tokio::test]
async fn malformed_bodies_are_invalid_syntax() {
    let server = Server::start().await;
    let scim = server.client();
    let cases: &[(&str, &str)] = &[
        ("truncated JSON", r#"{"userName":"#),
        ("trailing garbage", r#"{"userName":"a"} x"#),
        ("JSON array", r#"[{"userName":"a"}]"#),
        ("JSON number", "5"),
        ("JSON string", r#""userName""#),
        ("JSON null", "null"),
        ("empty body", ""),
        ("whitespace body", "  \n "),
    ];
    for (case, body) in cases {
        for (method, path) in [
            (Method::POST, "/Users"),
            (Method::POST, "/Groups"),
            (Method::POST, "/Bulk"),
        ] {
            let r = scim
                .raw(
                    method.clone(),
                    path,
                    "application/scim+json",
                    body.as_bytes().to_vec(),
                )
                .await;
            let name = format!("{case} to {method} {path}");
            assert_error_in(&name, &r, 400, &["invalidSyntax", "invalidValue"]);
        }
    }
    assert_eq!(
        user_count(&scim).await,
        0,
        "a malformed body created a user"
    );
    still_answers(&scim).await;
}

#[tokio::test]
async fn wrong_types_and_unknown_attributes_name_the_attribute() {
    let server = Server::start().await;
    let scim = server.client();
    let cases: &[(&str, Value, &str)] = &[
        (
            "active as \"yes\"",
            json!({"userName": "a", "active": "yes"}),
            "active",
        ),
        ("userName as a number", json!({"userName": 5}), "userName"),
        (
            "emails as a string",
            json!({"userName": "a", "emails": "x"}),
            "emails",
        ),
        (
            "name as an array",
            json!({"userName": "a", "name": []}),
            "name",
        ),
        (
            "emails value as a number",
            json!({"userName": "a", "emails": [{"value": 5}]}),
            "emails",
        ),
        (
            "unknown attribute foo",
            json!({"userName": "a", "foo": 1}),
            "foo",
        ),
    ];
    for (case, body, attr) in cases {
        let mut body = body.clone();
        body["schemas"] = json!([USER_SCHEMA]);
        let r = scim.post("/Users", &body).await;
        assert_error_in(case, &r, 400, &["invalidSyntax", "invalidValue"]);
        assert!(
            detail(&r).contains(attr),
            "{case}: detail does not name '{attr}': {}",
            r.text
        );
    }
    assert_eq!(
        user_count(&scim).await,
        0,
        "a badly typed body created a user"
    );
    still_answers(&scim).await;
}

#[tokio::test]
async fn unknown_schema_urn_and_missing_user_name_are_invalid_value() {
    let server = Server::start().await;
    let scim = server.client();
    let cases: &[(&str, Value)] = &[
        (
            "unknown schema URN",
            json!({"schemas": [USER_SCHEMA, "urn:example:no:such:schema"], "userName": "a"}),
        ),
        (
            "only an unknown schema URN",
            json!({"schemas": ["urn:example:no:such:schema"], "userName": "a"}),
        ),
        (
            "missing userName",
            json!({"schemas": [USER_SCHEMA], "displayName": "No Name"}),
        ),
        (
            "empty userName",
            json!({"schemas": [USER_SCHEMA], "userName": ""}),
        ),
    ];
    for (case, body) in cases {
        let r = scim.post("/Users", body).await;
        assert_error_in(case, &r, 400, &["invalidValue"]);
    }
    assert_eq!(user_count(&scim).await, 0, "an invalid body created a user");
    still_answers(&scim).await;
}

#[tokio::test]
async fn invalid_filters_are_invalid_filter_never_everything() {
    let server = Server::start().await;
    let scim = server.client();
    scim.create_user("alice@example.com").await;
    scim.create_group("Team", &[]).await;
    let long = format!("userName eq \"{}\"", "a".repeat(5_000));
    let deep = format!("{}userName eq \"a\"{}", "(".repeat(40), ")".repeat(40));
    let cases: Vec<(&str, String)> = vec![
        ("missing value", "userName eq".into()),
        ("unknown operator", "userName xx \"a\"".into()),
        ("unbalanced parenthesis", "(userName eq \"a\"".into()),
        ("dangling and", "userName eq \"a\" and".into()),
        ("unknown attribute", "foo eq \"a\"".into()),
        ("unclosed value path", "emails[type eq \"work\"".into()),
        ("unterminated string", "userName eq \"a".into()),
        ("5,000-character filter", long),
        ("40-deep nesting", deep),
    ];
    for (case, filter) in &cases {
        let r = scim.filter("/Users", filter).await;
        assert_error_in(&format!("GET /Users {case}"), &r, 400, &["invalidFilter"]);
        let r = scim
            .post(
                "/Users/.search",
                &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter}),
            )
            .await;
        assert_error_in(
            &format!("POST /Users/.search {case}"),
            &r,
            400,
            &["invalidFilter"],
        );
        let r = scim
            .post("/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter}))
            .await;
        assert_error_in(
            &format!("POST /.search {case}"),
            &r,
            400,
            &["invalidFilter"],
        );
    }
    // The same filter on Groups, where `userName` does not exist, is no better.
    let r = scim.filter("/Groups", "displayName eq").await;
    assert_error_in("GET /Groups missing value", &r, 400, &["invalidFilter"]);
    still_answers(&scim).await;
}

#[tokio::test]
async fn invalid_patch_requests_are_rejected_and_change_nothing() {
    let server = Server::start().await;
    let scim = server.client();
    let r = scim
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "pat@example.com", "title": "Before"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.id();
    let before = scim.get(&format!("/Users/{id}")).await.body;
    let cases: Vec<(&str, Value, &[&str])> = vec![
        (
            "unclosed filter in path",
            patch_body(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])),
            &["invalidPath", "invalidFilter"],
        ),
        (
            "unknown attribute path",
            patch_body(json!([{"op": "replace", "path": "nosuchattr", "value": "x"}])),
            &["invalidPath"],
        ),
        (
            "read-only id",
            patch_body(json!([{"op": "replace", "path": "id", "value": "other"}])),
            &["mutability"],
        ),
        (
            "unknown op",
            patch_body(json!([{"op": "frobnicate", "path": "title", "value": "x"}])),
            &["invalidValue", "invalidSyntax"],
        ),
        (
            "remove without path",
            patch_body(json!([{"op": "remove"}])),
            &["noTarget"],
        ),
        (
            "no PatchOp schema",
            json!({"schemas": [USER_SCHEMA], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
            &["invalidValue", "invalidSyntax"],
        ),
        (
            "Operations not an array",
            json!({"schemas": [PATCH_OP], "Operations": {"op": "add"}}),
            &["invalidValue", "invalidSyntax"],
        ),
        (
            "title as an object",
            patch_body(json!([{"op": "replace", "path": "title", "value": {"x": 1}}])),
            &["invalidValue", "invalidSyntax"],
        ),
    ];
    for (case, body, types) in &cases {
        let r = scim.patch(&format!("/Users/{id}"), body).await;
        assert_error_in(case, &r, 400, types);
    }
    let after = scim.get(&format!("/Users/{id}")).await.body;
    assert_eq!(after, before, "a rejected PATCH changed the user");
    still_answers(&scim).await;
}

#[tokio::test]
async fn oversized_bodies_are_413_and_close_the_connection() {
    let server = Server::start().await;
    let scim = server.client();
    let id = scim.create_user("small@example.com").await;
    let big = "x".repeat(1_536 * 1024);
    let user = json!({"schemas": [USER_SCHEMA], "userName": "big@example.com", "title": big});
    let patch = patch_body(json!([{"op": "replace", "path": "title", "value": big}]));
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                      "Operations": [{"method": "POST", "path": "/Users", "bulkId": "b", "data": user}]});
    let cases = [
        ("POST /Users", Method::POST, "/Users".to_string(), &user),
        (
            "PUT /Users/{id}",
            Method::PUT,
            format!("/Users/{id}"),
            &user,
        ),
        (
            "PATCH /Users/{id}",
            Method::PATCH,
            format!("/Users/{id}"),
            &patch,
        ),
        ("POST /Bulk", Method::POST, "/Bulk".to_string(), &bulk),
    ];
    for (case, method, path, body) in cases {
        let r = scim
            .raw(
                method,
                &path,
                "application/scim+json",
                body.to_string().into_bytes(),
            )
            .await;
        assert_error_in(case, &r, 413, &["tooMany", ""]);
        // The rest of the body was never read, so the connection cannot be reused; a client
        // that is not told so fails its next request on that connection.
        assert_eq!(
            r.header("connection")
                .map(|c| c.to_ascii_lowercase())
                .as_deref(),
            Some("close"),
            "{case}: a 413 that leaves the body unread must send Connection: close"
        );
    }
    let r = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["userName"],
        json!("small@example.com"),
        "an oversized write changed the user"
    );
    assert!(
        r.body.get("title").is_none(),
        "an oversized write changed the user: {}",
        r.text
    );
    assert_eq!(
        user_count(&scim).await,
        1,
        "an oversized POST created a user"
    );
    still_answers(&scim).await;
}

#[tokio::test]
async fn bulk_over_max_operations_is_413() {
    let server = Server::start().await;
    let scim = server.client();
    let ops: Vec<Value> = (0..1001)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                   "data": {"schemas": [USER_SCHEMA], "userName": format!("bulk{i}@example.com")}})
        })
        .collect();
    let r = scim
        .post("/Bulk", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}))
        .await;
    r.assert_error(413, None);
    assert_eq!(user_count(&scim).await, 0, "part of an over-limit Bulk ran");
    still_answers(&scim).await;
}

#[tokio::test]
async fn absurd_count_and_start_index_are_sane_or_invalid_value() {
    let server = Server::start().await;
    let scim = server.client();
    for i in 0..3 {
        scim.create_user(&format!("u{i}@example.com")).await;
    }
    let cases = [
        "count=-5",
        "count=99999999",
        "startIndex=0",
        "startIndex=-3",
        "startIndex=99999999999",
        "startIndex=99999999999999999999999",
        "count=abc",
        "count=1e400",
        "count=",
        "startIndex=1.5",
        "count=-9223372036854775808",
        "startIndex=-9223372036854775808&count=9223372036854775807",
    ];
    for case in cases {
        let r = scim.get(&format!("/Users?{case}")).await;
        assert!(r.status < 500, "{case}: 5xx {}", r.text);
        if r.status == 400 {
            assert_error_in(case, &r, 400, &["invalidValue"]);
            continue;
        }
        assert_eq!(r.status, 200, "{case}: {}", r.text);
        let total = r.body["totalResults"]
            .as_u64()
            .unwrap_or_else(|| panic!("{case}: totalResults: {}", r.text));
        let per_page = r.body["itemsPerPage"]
            .as_u64()
            .unwrap_or_else(|| panic!("{case}: itemsPerPage: {}", r.text));
        let start = r.body["startIndex"]
            .as_u64()
            .unwrap_or_else(|| panic!("{case}: startIndex: {}", r.text));
        let got = r.body["Resources"].as_array().map_or(0, Vec::len) as u64;
        assert_eq!(total, 3, "{case}: {}", r.text);
        assert!(start >= 1, "{case}: startIndex {start}");
        assert!(
            per_page <= 1000,
            "{case}: itemsPerPage {per_page} over the maximum page size"
        );
        assert_eq!(
            got, per_page,
            "{case}: itemsPerPage disagrees with Resources"
        );
        assert!(got <= total, "{case}: more resources than totalResults");
    }
    still_answers(&scim).await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let server = Server::start().await;
    let scim = server.client();
    let body = json!({"schemas": [USER_SCHEMA], "userName": "plain@example.com"})
        .to_string()
        .into_bytes();
    let r = scim
        .raw(Method::POST, "/Users", "text/plain", body.clone())
        .await;
    r.assert_error(415, None);
    let r = scim
        .raw(
            Method::POST,
            "/Users",
            "application/x-www-form-urlencoded",
            body,
        )
        .await;
    r.assert_error(415, None);
    assert_eq!(
        user_count(&scim).await,
        0,
        "a text/plain body created a user"
    );
    still_answers(&scim).await;
}

#[tokio::test]
async fn unknown_endpoints_and_methods_are_scim_errors() {
    let server = Server::start().await;
    let scim = server.client();
    let r = scim.get("/NoSuchThing").await;
    r.assert_error(404, None);
    let r = scim.get("/Users/no-such-id").await;
    r.assert_error(404, None);
    let r = scim.get("/Schemas/urn:example:nope").await;
    r.assert_error(404, None);
    let r = scim
        .put(
            "/ServiceProviderConfig",
            &json!({"patch": {"supported": false}}),
        )
        .await;
    r.assert_error(405, None);
    let r = scim.delete("/Schemas").await;
    r.assert_error(405, None);
    let r = scim.get("/Me").await;
    r.assert_error(501, None);
    let r = scim.get("/ServiceProviderConfig").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["patch"]["supported"],
        json!(true),
        "PUT changed the ServiceProviderConfig"
    );
    still_answers(&scim).await;
}

#[tokio::test]
async fn missing_or_invalid_bearer_is_401_with_www_authenticate() {
    let server = Server::start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/Users", server.scim_url());
    let cases: [(&str, Option<&str>); 5] = [
        ("no Authorization", None),
        ("unknown token", Some("Bearer scim_not_a_real_token")),
        ("empty bearer", Some("Bearer ")),
        ("basic scheme", Some("Basic dXNlcjpwYXNz")),
        ("token without scheme", Some(server.token.as_str())),
    ];
    for (case, auth) in cases {
        let mut req = http.get(&url);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let www = resp
            .headers()
            .get("WWW-Authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = resp.text().await.expect("body");
        let r = Resp {
            status,
            headers: reqwest::header::HeaderMap::new(),
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        };
        r.assert_error(401, None);
        assert!(
            www.is_some_and(|w| w.to_ascii_lowercase().starts_with("bearer")),
            "{case}: no WWW-Authenticate: Bearer"
        );
    }
    // A write without a token changes nothing.
    let resp = http
        .post(&url)
        .header("Content-Type", "application/scim+json")
        .body(json!({"schemas": [USER_SCHEMA], "userName": "anon@example.com"}).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 401);
    let scim = server.client();
    assert_eq!(
        user_count(&scim).await,
        0,
        "an unauthenticated POST created a user"
    );
    still_answers(&scim).await;
}

#[tokio::test]
async fn the_server_survives_everything_at_once() {
    let server = Server::start().await;
    let scim = server.client();
    let id = scim.create_user("survivor@example.com").await;
    let filter = url_encode("(((userName eq");
    let garbage: Vec<(Method, String, &str, Vec<u8>)> = vec![
        (
            Method::POST,
            "/Users".into(),
            "application/scim+json",
            b"{\"userName\":".to_vec(),
        ),
        (
            Method::POST,
            "/Groups".into(),
            "application/scim+json",
            b"[1,2,3]".to_vec(),
        ),
        (
            Method::PUT,
            format!("/Users/{id}"),
            "application/scim+json",
            b"\"x\"".to_vec(),
        ),
        (
            Method::PATCH,
            format!("/Users/{id}"),
            "application/scim+json",
            b"{}".to_vec(),
        ),
        (
            Method::POST,
            "/Bulk".into(),
            "application/scim+json",
            b"{\"Operations\":5}".to_vec(),
        ),
        (
            Method::POST,
            "/.search".into(),
            "application/scim+json",
            b"{\"filter\":5}".to_vec(),
        ),
        (
            Method::GET,
            format!("/Users?filter={filter}"),
            "application/scim+json",
            vec![],
        ),
        (
            Method::POST,
            "/Users".into(),
            "application/scim+json",
            vec![0xff, 0xfe, 0x00],
        ),
        (
            Method::POST,
            "/Users".into(),
            "application/scim+json",
            "{\"userName\": \"\u{0}\"}".as_bytes().to_vec(),
        ),
    ];
    for (method, path, ct, body) in garbage {
        let case = format!("{method} {path} {:?}", String::from_utf8_lossy(&body));
        let r = scim.raw(method, &path, ct, body).await;
        assert!(r.status < 500, "{case}: 5xx {}", r.text);
        assert_scim_4xx(&case, &r);
    }
    let r = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["userName"], json!("survivor@example.com"));
    still_answers(&scim).await;
}
