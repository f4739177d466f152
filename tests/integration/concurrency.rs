//! Concurrent writers (acceptance 5): nothing is lost, nothing is doubled, and conditional or
//! unique writes have exactly one winner. Each test fires its requests at once on a
//! multi-threaded runtime and then reads the resulting state back.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{patch_body, Resp, Scim, Server, USER_SCHEMA};

/// Create `n` users concurrently; returns their ids sorted.
async fn create_users(scim: &Scim, prefix: &str, n: usize) -> Vec<String> {
    let futs = (0..n).map(|i| {
        let scim = scim.clone();
        let name = format!("{prefix}{i:03}@example.com");
        async move { scim.create_user(&name).await }
    });
    let mut ids = join_all(futs).await;
    ids.sort();
    ids
}

fn statuses(resps: &[Resp]) -> Vec<u16> {
    let mut s: Vec<u16> = resps.iter().map(|r| r.status).collect();
    s.sort_unstable();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_member_adds_keep_every_member_once() {
    let server = Server::start().await;
    let scim = server.client();
    let users = create_users(&scim, "member", 200).await;
    let group = scim.create_group("Everyone", &[]).await;
    let futs = users.iter().map(|u| {
        let scim = scim.clone();
        let path = format!("/Groups/{group}");
        let body = patch_body(json!([{"op": "add", "path": "members", "value": [{"value": u}]}]));
        async move { scim.patch(&path, &body).await }
    });
    let resps = join_all(futs).await;
    for r in &resps {
        assert_eq!(r.status, 204, "member add failed: {}", r.text);
    }
    let members = scim.member_ids(&group).await;
    assert_eq!(
        members.len(),
        200,
        "expected 200 members, got {}",
        members.len()
    );
    assert_eq!(
        members, users,
        "the member list is not exactly the 200 users, each once"
    );
    // Each user sees the group exactly once too.
    let r = scim.get(&format!("/Users/{}", users[0])).await;
    let groups: Vec<&Value> = r.body["groups"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    assert_eq!(groups.len(), 1, "{}", r.text);
    assert_eq!(groups[0]["value"], json!(group));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_with_one_if_match_have_exactly_one_winner() {
    let server = Server::start().await;
    let scim = server.client();
    let id = scim.create_user("race@example.com").await;
    let r = scim.get(&format!("/Users/{id}")).await;
    let version = r.body["meta"]["version"]
        .as_str()
        .expect("meta.version")
        .to_string();
    assert_eq!(
        r.header("etag").as_deref(),
        Some(version.as_str()),
        "ETag and meta.version disagree"
    );
    let futs = (0..20).map(|i| {
        let scim = scim.clone();
        let path = format!("/Users/{id}");
        let version = version.clone();
        let body = json!({"schemas": [USER_SCHEMA], "userName": "race@example.com", "title": format!("writer {i}")});
        async move { scim.send(Method::PUT, &path, Some(&body), &[("If-Match", version.as_str())]).await }
    });
    let resps = join_all(futs).await;
    let winners: Vec<&Resp> = resps.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        winners.len(),
        1,
        "expected exactly one 200, got statuses {:?}",
        statuses(&resps)
    );
    for r in resps.iter().filter(|r| r.status != 200) {
        r.assert_error(412, None);
    }
    let winner = winners[0];
    let after = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(
        after.body["title"], winner.body["title"],
        "GET does not show the winner's write"
    );
    let new_version = after.body["meta"]["version"]
        .as_str()
        .expect("meta.version");
    assert_ne!(new_version, version, "the version did not change");
    assert_eq!(
        Some(new_version),
        winner.body["meta"]["version"].as_str(),
        "the version moved after the winner's write: a loser wrote too"
    );
    // Bumped once: the winner's version is current, the original is stale.
    let body = json!({"schemas": [USER_SCHEMA], "userName": "race@example.com", "title": "stale"});
    let stale = scim
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(&body),
            &[("If-Match", version.as_str())],
        )
        .await;
    stale.assert_error(412, None);
    let body = json!({"schemas": [USER_SCHEMA], "userName": "race@example.com", "title": "fresh"});
    let fresh = scim
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(&body),
            &[("If-Match", new_version)],
        )
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_user_name_have_exactly_one_winner() {
    let server = Server::start().await;
    let scim = server.client();
    let futs = (0..20).map(|i| {
        let scim = scim.clone();
        let body = json!({"schemas": [USER_SCHEMA], "userName": "twin@example.com", "externalId": format!("ext{i}")});
        async move { scim.post("/Users", &body).await }
    });
    let resps = join_all(futs).await;
    let created: Vec<&Resp> = resps.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        created.len(),
        1,
        "expected exactly one 201, got statuses {:?}",
        statuses(&resps)
    );
    for r in resps.iter().filter(|r| r.status != 201) {
        r.assert_error(409, Some("uniqueness"));
    }
    let r = scim
        .filter("/Users", "userName eq \"twin@example.com\"")
        .await;
    assert_eq!(r.body["totalResults"], json!(1), "{}", r.text);
    assert_eq!(r.body["Resources"][0]["id"], json!(created[0].id()));
    let r = scim.get("/Users?count=0").await;
    assert_eq!(
        r.body["totalResults"],
        json!(1),
        "a losing create left a user behind: {}",
        r.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patch_adds_of_distinct_emails_lose_nothing() {
    let server = Server::start().await;
    let scim = server.client();
    let id = scim.create_user("many.mails@example.com").await;
    let futs = (0..50).map(|i| {
        let scim = scim.clone();
        let path = format!("/Users/{id}");
        let body = patch_body(json!([{"op": "add", "path": "emails",
                                      "value": [{"value": format!("mail{i:02}@example.com"), "type": "other"}]}]));
        async move { scim.patch(&path, &body).await }
    });
    let resps = join_all(futs).await;
    let r = scim.get(&format!("/Users/{id}")).await;
    let mut got: Vec<String> = r.body["emails"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    got.sort();
    // An acknowledged write is never lost, whatever happened to the others.
    for (i, resp) in resps.iter().enumerate() {
        let mail = format!("mail{i:02}@example.com");
        if resp.status == 200 {
            assert!(
                got.contains(&mail),
                "{mail} was acknowledged with 200 but is missing"
            );
        }
    }
    let failed: Vec<&str> = resps
        .iter()
        .filter(|r| r.status != 200)
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 50 concurrent PATCH adds failed (optimistic retries must absorb contention); statuses {:?}; first: {}",
        failed.len(),
        statuses(&resps),
        failed[0]
    );
    let want: Vec<String> = (0..50).map(|i| format!("mail{i:02}@example.com")).collect();
    assert_eq!(got, want, "concurrent PATCH adds lost or doubled emails");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patch_replaces_of_different_attributes_lose_nothing() {
    let server = Server::start().await;
    let scim = server.client();
    let id = scim.create_user("many.attrs@example.com").await;
    let attrs = [
        ("title", "Engineer"),
        ("nickName", "Nick"),
        ("displayName", "Display"),
        ("userType", "Employee"),
        ("preferredLanguage", "en-GB"),
        ("locale", "en-GB"),
        ("timezone", "Europe/London"),
        ("profileUrl", "https://example.com/p"),
        ("name.givenName", "Given"),
        ("name.familyName", "Family"),
        ("externalId", "ext-1"),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "42",
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "R&D",
        ),
    ];
    let futs = attrs.iter().map(|(path, value)| {
        let scim = scim.clone();
        let url = format!("/Users/{id}");
        let body = patch_body(json!([{"op": "replace", "path": path, "value": value}]));
        async move { scim.patch(&url, &body).await }
    });
    let resps = join_all(futs).await;
    for (r, (path, _)) in resps.iter().zip(attrs.iter()) {
        assert_eq!(r.status, 200, "PATCH replace {path} failed: {}", r.text);
    }
    let r = scim.get(&format!("/Users/{id}")).await;
    let ent = &r.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    for (path, value) in attrs {
        let got = if let Some(attr) =
            path.strip_prefix("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:")
        {
            &ent[attr]
        } else if let Some((outer, inner)) = path.split_once('.') {
            &r.body[outer][inner]
        } else {
            &r.body[path]
        };
        assert_eq!(got, &json!(value), "{path} was lost: {}", r.text);
    }
    assert_eq!(r.body["userName"], json!("many.attrs@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deletes_of_one_user_have_one_204() {
    let server = Server::start().await;
    let scim = server.client();
    let id = scim.create_user("gone@example.com").await;
    let group = scim
        .create_group("Holders", std::slice::from_ref(&id))
        .await;
    let futs = (0..10).map(|_| {
        let scim = scim.clone();
        let path = format!("/Users/{id}");
        async move { scim.delete(&path).await }
    });
    let resps = join_all(futs).await;
    assert_eq!(
        resps.iter().filter(|r| r.status == 204).count(),
        1,
        "statuses {:?}",
        statuses(&resps)
    );
    for r in resps.iter().filter(|r| r.status != 204) {
        r.assert_error(404, None);
    }
    scim.get(&format!("/Users/{id}"))
        .await
        .assert_error(404, None);
    assert!(
        scim.member_ids(&group).await.is_empty(),
        "the deleted user is still a member"
    );
}
