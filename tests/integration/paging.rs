//! Paging, sorting, projection and conditional requests: index paging (RFC 7644 §3.4.2.4) and
//! cursor paging (RFC 9865) visit every resource exactly once in a stable order; `sortBy`
//! orders; `attributes`/`excludedAttributes` shape list, search and write responses; ETags make
//! reads conditional and stale writes fail without changing anything.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{patch_body, url_encode, Scim, Server, GROUP_SCHEMA, USER_SCHEMA};

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// 25 users `user00`..`user24`, each with a work email; returns (userName, id) in name order.
async fn seed(scim: &Scim) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..25 {
        let name = format!("user{i:02}");
        let r = scim
            .post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": name, "title": "Staff",
                        "emails": [{"value": format!("{name}@example.com"), "type": "work"}]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        out.push((name, r.id()));
    }
    out
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

fn names_in(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["userName"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<String> {
    sorted(
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default(),
    )
}

async fn index_pages(scim: &Scim, query: &str) -> Vec<String> {
    let mut all = Vec::new();
    for (start, want) in [(1, 10), (11, 10), (21, 5)] {
        let r = scim
            .get(&format!("/Users?{query}startIndex={start}&count=10"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body["totalResults"],
            json!(25),
            "startIndex={start}: {}",
            r.text
        );
        assert_eq!(
            r.body["itemsPerPage"],
            json!(want),
            "startIndex={start}: {}",
            r.text
        );
        assert_eq!(
            r.body["startIndex"],
            json!(start),
            "startIndex={start}: {}",
            r.text
        );
        let ids = ids_in(&r.body);
        assert_eq!(ids.len(), want, "startIndex={start}: {}", r.text);
        all.extend(ids);
    }
    all
}

#[tokio::test]
async fn index_paging_returns_every_user_once_in_stable_order() {
    let server = Server::start().await;
    let scim = server.client();
    let users = seed(&scim).await;
    let first = index_pages(&scim, "").await;
    let want = sorted(users.iter().map(|(_, id)| id.clone()).collect());
    assert_eq!(
        sorted(first.clone()),
        want,
        "pages do not hold every user exactly once"
    );
    let again = index_pages(&scim, "").await;
    assert_eq!(
        first, again,
        "the order changed between two identical page walks"
    );
    // Past the end: an empty page, still with the totals.
    let r = scim.get("/Users?startIndex=26&count=10").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], json!(25));
    assert_eq!(r.body["itemsPerPage"], json!(0));
    assert!(ids_in(&r.body).is_empty());
}

#[tokio::test]
async fn index_paging_with_a_filter_and_sort() {
    let server = Server::start().await;
    let scim = server.client();
    let users = seed(&scim).await;
    let filter = url_encode("title eq \"Staff\"");
    let pages = index_pages(&scim, &format!("filter={filter}&sortBy=userName&")).await;
    let want: Vec<String> = users.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(pages, want, "sorted pages are not in userName order");
}

#[tokio::test]
async fn count_zero_returns_only_the_total() {
    let server = Server::start().await;
    let scim = server.client();
    seed(&scim).await;
    let r = scim.get("/Users?count=0").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], json!(25));
    assert_eq!(r.body["itemsPerPage"], json!(0));
    assert!(
        ids_in(&r.body).is_empty(),
        "count=0 returned resources: {}",
        r.text
    );
    let r = scim
        .post("/Users/.search", &json!({"schemas": [SEARCH], "count": 0}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], json!(25));
    assert!(
        ids_in(&r.body).is_empty(),
        "count=0 returned resources: {}",
        r.text
    );
}

#[tokio::test]
async fn cursor_paging_returns_every_user_once() {
    let server = Server::start().await;
    let scim = server.client();
    let users = seed(&scim).await;
    let mut all = Vec::new();
    let mut url = "/Users?cursor&count=10".to_string();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 10, "cursor paging did not end after 10 pages");
        let r = scim.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.text);
        if !r.body["totalResults"].is_null() {
            assert_eq!(r.body["totalResults"], json!(25), "{}", r.text);
        }
        let ids = ids_in(&r.body);
        assert!(ids.len() <= 10, "page larger than count: {}", r.text);
        assert_eq!(r.body["itemsPerPage"], json!(ids.len()), "{}", r.text);
        all.extend(ids);
        match r.body["nextCursor"].as_str() {
            Some(next) => url = format!("/Users?cursor={}&count=10", url_encode(next)),
            None => break,
        }
    }
    assert_eq!(pages, 3, "25 users in pages of 10 take 3 pages");
    let want = sorted(users.iter().map(|(_, id)| id.clone()).collect());
    assert_eq!(
        sorted(all),
        want,
        "cursor pages do not hold every user exactly once"
    );
}

#[tokio::test]
async fn cursor_paging_through_search() {
    let server = Server::start().await;
    let scim = server.client();
    let users = seed(&scim).await;
    let mut all = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let r = scim
            .post(
                "/Users/.search",
                &json!({"schemas": [SEARCH], "cursor": cursor, "count": 7, "sortBy": "userName"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        all.extend(names_in(&r.body));
        match r.body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    let want: Vec<String> = users.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        all, want,
        "sorted cursor pages are not every user once in order"
    );
}

#[tokio::test]
async fn invalid_cursor_is_invalid_cursor() {
    let server = Server::start().await;
    let scim = server.client();
    seed(&scim).await;
    for cursor in ["not-a-cursor", "AAAA", "%00%ff", "eyJ4IjoxfQ"] {
        let r = scim.get(&format!("/Users?cursor={cursor}&count=10")).await;
        assert_eq!(r.status, 400, "cursor {cursor}: {}", r.text);
        r.assert_error(400, Some("invalidCursor"));
    }
    // A cursor and startIndex together is ambiguous.
    let r = scim.get("/Users?cursor&startIndex=1").await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn sort_descending_orders_by_user_name() {
    let server = Server::start().await;
    let scim = server.client();
    let users = seed(&scim).await;
    let r = scim
        .get("/Users?sortBy=userName&sortOrder=descending&count=100")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut want: Vec<String> = users.iter().map(|(n, _)| n.clone()).collect();
    want.reverse();
    assert_eq!(names_in(&r.body), want);
    let r = scim
        .get("/Users?sortBy=userName&sortOrder=ascending&count=5")
        .await;
    assert_eq!(
        names_in(&r.body),
        ["user00", "user01", "user02", "user03", "user04"]
    );
    let r = scim
        .get("/Users?sortBy=userName&sortOrder=descending&startIndex=21&count=10")
        .await;
    assert_eq!(
        names_in(&r.body),
        ["user04", "user03", "user02", "user01", "user00"]
    );
}

#[tokio::test]
async fn sort_by_unknown_attribute_or_order_is_400() {
    let server = Server::start().await;
    let scim = server.client();
    seed(&scim).await;
    for q in [
        "sortBy=shoeSize",
        "sortBy=userName&sortOrder=sideways",
        "sortBy=emails[type",
    ] {
        let r = scim.get(&format!("/Users?{q}")).await;
        assert_eq!(r.status, 400, "{q}: {}", r.text);
        r.assert_error(400, None);
    }
}

#[tokio::test]
async fn attributes_and_excluded_attributes_on_lists_and_search() {
    let server = Server::start().await;
    let scim = server.client();
    seed(&scim).await;
    let only_name = ["id", "schemas", "userName"];
    let r = scim.get("/Users?attributes=userName&count=3").await;
    assert_eq!(r.status, 200, "{}", r.text);
    for res in r.body["Resources"].as_array().expect("Resources") {
        assert_eq!(keys(res), only_name, "attributes=userName: {res}");
    }
    let r = scim
        .get("/Users?excludedAttributes=emails,title&count=3")
        .await;
    for res in r.body["Resources"].as_array().expect("Resources") {
        assert!(
            res.get("emails").is_none() && res.get("title").is_none(),
            "excluded attributes returned: {res}"
        );
        assert!(
            res.get("userName").is_some() && res.get("id").is_some(),
            "{res}"
        );
    }
    let r = scim.get("/Users?attributes=emails.value&count=3").await;
    for res in r.body["Resources"].as_array().expect("Resources") {
        assert_eq!(keys(res), ["emails", "id", "schemas"], "{res}");
        assert_eq!(keys(&res["emails"][0]), ["value"], "{res}");
    }
    let r = scim
        .post(
            "/Users/.search",
            &json!({"schemas": [SEARCH], "attributes": ["userName"], "count": 3}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["Resources"].as_array().map(Vec::len),
        Some(3),
        "{}",
        r.text
    );
    for res in r.body["Resources"].as_array().expect("Resources") {
        assert_eq!(keys(res), only_name, ".search attributes: {res}");
    }
    let r = scim
        .post(
            "/Users/.search",
            &json!({"schemas": [SEARCH], "excludedAttributes": ["emails"], "count": 3}),
        )
        .await;
    for res in r.body["Resources"].as_array().expect("Resources") {
        assert!(
            res.get("emails").is_none(),
            ".search excludedAttributes: {res}"
        );
    }
    let r = scim.get("/Users?attributes=noSuchAttribute").await;
    assert!(r.status == 200 || r.status == 400, "{}", r.text);
}

#[tokio::test]
async fn attributes_on_write_responses() {
    let server = Server::start().await;
    let scim = server.client();
    let r = scim
        .post(
            "/Users?attributes=userName",
            &json!({"schemas": [USER_SCHEMA], "userName": "writer", "title": "T",
                    "emails": [{"value": "w@example.com"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        ["id", "schemas", "userName"],
        "POST ?attributes=userName: {}",
        r.text
    );
    let id = r.id();
    let r = scim
        .put(
            &format!("/Users/{id}?excludedAttributes=emails"),
            &json!({"schemas": [USER_SCHEMA], "userName": "writer", "title": "T2",
                    "emails": [{"value": "w@example.com"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body.get("emails").is_none(),
        "PUT excludedAttributes: {}",
        r.text
    );
    assert_eq!(r.body["title"], json!("T2"));
    let r = scim
        .patch(
            &format!("/Users/{id}?attributes=title"),
            &patch_body(json!([{"op": "replace", "path": "title", "value": "T3"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        ["id", "schemas", "title"],
        "PATCH ?attributes=title: {}",
        r.text
    );
    assert_eq!(r.body["title"], json!("T3"));
    // The projection shapes the response only: the stored user is whole.
    let full = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(
        full.body["emails"][0]["value"],
        json!("w@example.com"),
        "{}",
        full.text
    );
    assert_eq!(full.body["title"], json!("T3"));
    // Group PATCH is 204 unless attributes are asked for.
    let g = scim.create_group("Projected", &[]).await;
    let add = patch_body(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]));
    let r = scim.patch(&format!("/Groups/{g}"), &add).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let rename = patch_body(json!([{"op": "replace", "path": "displayName", "value": "Renamed"}]));
    let r = scim
        .patch(&format!("/Groups/{g}?attributes=displayName"), &rename)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.body),
        ["displayName", "id", "schemas"],
        "{}",
        r.text
    );
    let r = scim
        .post(
            "/Groups?excludedAttributes=members",
            &json!({"schemas": [GROUP_SCHEMA], "displayName": "Quiet", "members": [{"value": id}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body.get("members").is_none(), "{}", r.text);
    assert_eq!(scim.member_ids(&r.id()).await, vec![id]);
}

#[tokio::test]
async fn if_none_match_with_current_etag_is_304() {
    let server = Server::start().await;
    let scim = server.client();
    let id = scim.create_user("cached").await;
    let r = scim.get(&format!("/Users/{id}")).await;
    let etag = r.header("etag").expect("ETag header");
    assert_eq!(
        r.body["meta"]["version"],
        json!(etag),
        "ETag and meta.version disagree"
    );
    let r = scim
        .send(
            Method::GET,
            &format!("/Users/{id}"),
            None,
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    assert_eq!(r.status, 304, "{}", r.text);
    assert!(r.text.is_empty(), "304 with a body: {}", r.text);
    scim.patch(
        &format!("/Users/{id}"),
        &patch_body(json!([{"op": "replace", "path": "title", "value": "New"}])),
    )
    .await;
    let r = scim
        .send(
            Method::GET,
            &format!("/Users/{id}"),
            None,
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    assert_eq!(
        r.status, 200,
        "a stale If-None-Match must return the resource: {}",
        r.text
    );
    assert_eq!(r.body["title"], json!("New"));
    assert_ne!(r.header("etag"), Some(etag));
}

#[tokio::test]
async fn stale_if_match_on_patch_put_delete_is_412_and_changes_nothing() {
    let server = Server::start().await;
    let scim = server.client();
    let r = scim
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "guarded", "title": "One"}),
        )
        .await;
    let id = r.id();
    let stale = r.header("etag").expect("ETag");
    let path = format!("/Users/{id}");
    let r = scim
        .patch(
            &path,
            &patch_body(json!([{"op": "replace", "path": "title", "value": "Two"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let before = scim.get(&path).await.body;

    let patch = patch_body(json!([{"op": "replace", "path": "title", "value": "Stale"}]));
    let put = json!({"schemas": [USER_SCHEMA], "userName": "guarded", "title": "Stale"});
    for (method, body) in [
        (Method::PATCH, Some(&patch)),
        (Method::PUT, Some(&put)),
        (Method::DELETE, None),
    ] {
        for tag in [stale.as_str(), "W/\"999999\"", "garbage"] {
            let r = scim
                .send(method.clone(), &path, body, &[("If-Match", tag)])
                .await;
            assert_eq!(r.status, 412, "{method} If-Match {tag}: {}", r.text);
            r.assert_error(412, None);
        }
    }
    let after = scim.get(&path).await;
    assert_eq!(
        after.status, 200,
        "a stale DELETE removed the user: {}",
        after.text
    );
    assert_eq!(after.body, before, "a stale write changed the user");

    // The current ETag (and `*`) pass.
    let current = after.header("etag").expect("ETag");
    let r = scim
        .send(
            Method::PATCH,
            &path,
            Some(&patch),
            &[("If-Match", current.as_str())],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let current = r.header("etag").expect("ETag");
    let r = scim
        .send(
            Method::DELETE,
            &path,
            None,
            &[("If-Match", current.as_str())],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    scim.get(&path).await.assert_error(404, None);
}

#[tokio::test]
async fn group_list_paging_and_excluded_members() {
    let server = Server::start().await;
    let scim = server.client();
    let users = seed(&scim).await;
    let members: Vec<String> = users.iter().map(|(_, id)| id.clone()).collect();
    for i in 0..5 {
        scim.create_group(&format!("group{i}"), &members).await;
    }
    let r = scim
        .get("/Groups?excludedAttributes=members&sortBy=displayName&count=2&startIndex=2")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["totalResults"], json!(5));
    assert_eq!(r.body["startIndex"], json!(2));
    let names: Vec<&str> = r.body["Resources"]
        .as_array()
        .expect("Resources")
        .iter()
        .map(|g| {
            assert!(g.get("members").is_none(), "members returned: {g}");
            g["displayName"].as_str().expect("displayName")
        })
        .collect();
    assert_eq!(names, ["group1", "group2"]);
    let r = scim
        .get("/Groups?filter=displayName%20eq%20%22group0%22")
        .await;
    assert_eq!(
        r.body["Resources"][0]["members"].as_array().map(Vec::len),
        Some(25),
        "{}",
        r.text
    );
}
