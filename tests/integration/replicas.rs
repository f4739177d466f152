//! Scale-out: three `scimitar serve` replicas on one PostgreSQL database, driven through all
//! three at once. Everything a single node guarantees must hold across replicas: userName
//! uniqueness, concurrent membership changes, If-Match, and a change log that a follower reads
//! by position without missing a change or seeing one twice. Needs PostgreSQL (see
//! `Server::new_postgres_database`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::future::join_all;
use serde_json::json;

use crate::support::*;

async fn three_replicas() -> Option<(Vec<Server>, String)> {
    let url = Server::new_postgres_database()?;
    let mut first = Server::start_on(Some(url.clone())).await;
    first.own_database();
    let token = first.token.clone();
    let second = Server::start_on(Some(url.clone())).await;
    let third = Server::start_on(Some(url.clone())).await;
    assert!(
        second.token.is_empty() && third.token.is_empty(),
        "only the first start bootstraps"
    );
    Some((vec![first, second, third], token))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_keep_every_single_node_guarantee() {
    let Some((replicas, token)) = three_replicas().await else {
        return;
    };
    let clients: Vec<Scim> = replicas.iter().map(|r| r.client_with(&token)).collect();

    // A follower reads the change log by position while everything below writes.
    let stores = scimitar_store::open(replicas[0].database_url.as_deref().unwrap())
        .await
        .unwrap();
    let tenant = stores
        .tenants
        .tenant_by_name("default")
        .await
        .unwrap()
        .unwrap()
        .id;
    let done = Arc::new(AtomicBool::new(false));
    let follower = {
        let (directory, done) = (stores.directory.clone(), done.clone());
        tokio::spawn(async move {
            let (mut last, mut seen) = (0i64, Vec::new());
            loop {
                let finished = done.load(Ordering::SeqCst);
                let batch = directory.changes_since(tenant, last, 500).await.unwrap();
                for c in &batch {
                    seen.push(c.position);
                    last = c.position;
                }
                if finished && batch.is_empty() {
                    return seen;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };

    // 1. The same userName created on two replicas at once: exactly one 201, one 409.
    for i in 0..20 {
        let body = json!({"schemas": [USER_SCHEMA], "userName": format!("race{i}@example.com")});
        let (a, b) = tokio::join!(
            clients[i % 3].post("/Users", &body),
            clients[(i + 1) % 3].post("/Users", &body)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "race {i}: {} / {}", a.text, b.text);
        let loser = if a.status == 409 { &a } else { &b };
        loser.assert_error(409, Some("uniqueness"));
    }

    // 2. 300 distinct members added to one group through all three replicas at once.
    let group = clients[0].create_group("Everyone", &[]).await;
    let users: Vec<String> = join_all((0..300).map(|i| {
        let c = clients[i % 3].clone();
        async move { c.create_user(&format!("member{i}@example.com")).await }
    }))
    .await;
    let adds = join_all(users.iter().enumerate().map(|(i, u)| {
        let c = clients[i % 3].clone();
        let body = patch_body(json!([{"op": "add", "path": "members", "value": [{"value": u}]}]));
        let path = format!("/Groups/{group}");
        async move { c.patch(&path, &body).await.status }
    }))
    .await;
    assert!(adds.iter().all(|s| *s == 204), "{adds:?}");
    let mut expected = users.clone();
    expected.sort();
    for c in &clients {
        assert_eq!(
            c.member_ids(&group).await,
            expected,
            "every replica sees all 300 members"
        );
    }

    // 3. PUTs with the same If-Match raced through the replicas: one winner.
    let id = users[0].clone();
    let version = clients[0]
        .get(&format!("/Users/{id}"))
        .await
        .header("etag")
        .unwrap();
    let puts = join_all((0..30).map(|i| {
        let c = clients[i % 3].clone();
        let (path, version) = (format!("/Users/{id}"), version.clone());
        let body = json!({"schemas": [USER_SCHEMA], "userName": "member0@example.com", "title": format!("t{i}")});
        async move { c.send(reqwest::Method::PUT, &path, Some(&body), &[("If-Match", &version)]).await }
    }))
    .await;
    let winners: Vec<&Resp> = puts.iter().filter(|r| r.status == 200).collect();
    assert_eq!(winners.len(), 1, "exactly one PUT wins");
    assert!(puts.iter().all(|r| r.status == 200 || r.status == 412));
    let after = clients[2].get(&format!("/Users/{id}")).await;
    assert_eq!(
        after.body["title"], winners[0].body["title"],
        "the winner's state is what every replica sees"
    );

    // 4. The follower saw every change exactly once.
    done.store(true, Ordering::SeqCst);
    let seen = follower.await.unwrap();
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a change was delivered twice");
    let all = stores
        .directory
        .changes_since(tenant, 0, 100_000)
        .await
        .unwrap();
    let committed: HashSet<i64> = all.iter().map(|c| c.position).collect();
    assert_eq!(unique, committed, "the follower missed a change");
    // 20 users + 1 group + 300 users + 300 member adds + 1 PUT
    assert_eq!(committed.len(), 20 + 1 + 300 + 300 + 1);
}
