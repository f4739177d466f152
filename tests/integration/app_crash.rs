//! Crash safety (issue 5, acceptance 3): `kill -9` of `scimitar serve` in the middle of an
//! initial run of 10,000 users, a restart on the same data, and continuous provisioning
//! finishes the job: the app holds each user exactly once, with the right attributes. Accounts
//! created in the app just before the kill (their link never written) are found again by the
//! matching attribute and adopted, never created twice; the dead process's run is taken over
//! at once (its owner is gone), not after its lease.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{Scim, Server, USER_SCHEMA};

const USERS: usize = 10_000;

async fn users_in_a(sa: &Scim) {
    sa.bulk_users(USERS, |i| {
        json!({"schemas": [USER_SCHEMA], "userName": format!("user{i:05}@example.com"),
               "displayName": format!("User {i}"), "title": format!("Title {}", i % 7),
               "active": true})
    })
    .await;
}

async fn total(sb: &Scim) -> u64 {
    sb.get("/Users?count=0").await.body["totalResults"]
        .as_u64()
        .unwrap()
}

/// userName → every account B has with it (displayName, title).
async fn accounts(sb: &Scim) -> BTreeMap<String, Vec<(Value, Value)>> {
    let mut seen: BTreeMap<String, Vec<(Value, Value)>> = BTreeMap::new();
    let mut start = 1;
    loop {
        let page = sb
            .get(&format!(
                "/Users?startIndex={start}&count=1000&attributes=userName,displayName,title"
            ))
            .await;
        let items = page.body["Resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if items.is_empty() {
            return seen;
        }
        for u in &items {
            seen.entry(u["userName"].as_str().unwrap().to_string())
                .or_default()
                .push((u["displayName"].clone(), u["title"].clone()));
        }
        start += items.len();
    }
}

#[tokio::test]
async fn kill_9_in_the_middle_of_an_initial_run_loses_nothing_and_duplicates_nothing() {
    let mut a = Server::start().await;
    let b = Server::start().await;
    let sb = b.client();
    users_in_a(&a.client()).await;
    a.connect_app("b", &b).await;
    a.cli_ok(&["app", "assign", "b", "--tenant", "default", "--all"])
        .await;
    a.cli_ok(&["app", "start", "b", "--tenant", "default"])
        .await;

    // Kill while the run is well under way.
    let started = Instant::now();
    loop {
        let n = total(&sb).await;
        if n >= 2_500 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the run did not get going: {n} users in B"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.kill_and_restart().await;
    let at_kill = total(&sb).await;
    assert!(at_kill < USERS as u64, "the run finished before the kill");

    // The restarted server finishes the job by itself.
    let started = Instant::now();
    loop {
        let runs = a
            .cli_ok(&["app", "logs", "b", "--tenant", "default", "--json"])
            .await;
        let latest: Value = serde_json::from_str(runs.trim()).unwrap();
        let finished =
            latest["run"]["state"] == "finished" && latest["run"]["summary"].get("error").is_none();
        if finished && total(&sb).await >= USERS as u64 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "not done after the restart: {} users in B; latest run {}",
            total(&sb).await,
            latest["run"]
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let held = accounts(&sb).await;
    let twice: Vec<_> = held.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(
        twice.is_empty(),
        "duplicates: {:?}",
        &twice[..twice.len().min(5)]
    );
    assert_eq!(held.len(), USERS);
    for i in 0..USERS {
        let name = format!("user{i:05}@example.com");
        let got = held.get(&name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(
            got[0],
            (
                json!(format!("User {i}")),
                json!(format!("Title {}", i % 7))
            ),
            "{name}"
        );
    }
    // The killed run is on record as abandoned; one later run finished.
    let runs = a
        .cli_ok(&["app", "logs", "b", "--tenant", "default", "--json"])
        .await;
    let latest: Value = serde_json::from_str(runs.trim()).unwrap();
    assert_eq!(latest["run"]["state"], "finished");
}
