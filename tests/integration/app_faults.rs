//! Provisioning into an app that fails (issue 5, acceptance 1): a fault-injecting target in
//! front of a real Scimitar (B) answers 500 before or after acting, 429, or too slowly, and the
//! engine still converges to exactly the right state in B (each user once, with its
//! attributes); `Retry-After` is waited exactly.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::faults::{Faults, FaultyTarget};
use crate::support::webhook::receiver;
use crate::support::{Scim, Server, USER_SCHEMA};

/// `n` users `user0000@example.com`, ... in A, by Bulk.
async fn users_in_a(sa: &Scim, n: usize) {
    sa.bulk_users(n, |i| {
        json!({"schemas": [USER_SCHEMA], "userName": format!("user{i:04}@example.com"),
               "displayName": format!("User {i}"), "active": true})
    })
    .await;
}

/// userName → the displayName of every account B has with it, read page by page.
async fn accounts_in_b(sb: &Scim) -> BTreeMap<String, Vec<Value>> {
    let mut seen: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut start = 1;
    loop {
        let page = sb
            .get(&format!(
                "/Users?startIndex={start}&count=1000&attributes=userName,displayName"
            ))
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        let items = page.body["Resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for u in &items {
            seen.entry(u["userName"].as_str().unwrap().to_string())
                .or_default()
                .push(u["displayName"].clone());
        }
        if items.is_empty() {
            return seen;
        }
        start += items.len();
    }
}

async fn escrow_len(a: &Server) -> usize {
    let out = a
        .cli_ok(&["app", "escrow", "b", "--tenant", "default", "--json"])
        .await;
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    v["entries"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_target_failing_one_call_in_five_still_gets_exactly_the_right_users() {
    const USERS: usize = 5_000;
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    users_in_a(&sa, USERS).await;
    let target = FaultyTarget::start(
        &b.base,
        Faults {
            error_before: 0.08,
            error_after: 0.06,
            throttle: 0.04,
            retry_after: 0,
            slow: 0.02,
            hang: Duration::from_millis(1500),
        },
    )
    .await;
    a.connect_app_at("b", &target.scim_url(), &b.token).await;
    a.cli_ok(&["app", "assign", "b", "--tenant", "default", "--all"])
        .await;
    a.cli_ok(&[
        "app",
        "set",
        "b",
        "--tenant",
        "default",
        "--concurrency",
        "16",
        "--timeout",
        "1",
        "--escrow-base",
        "1",
        "--escrow-cap",
        "2",
    ])
    .await;
    // One run by hand: most users arrive; what failed is held in the escrow, never lost.
    let (_, out, err) = a
        .cli(&[
            "app",
            "sync",
            "b",
            "--tenant",
            "default",
            "--initial",
            "--json",
        ])
        .await;
    let first: Value = serde_json::from_str(out.trim()).unwrap_or_else(|_| panic!("{out}{err}"));
    let failed = first["failed"].as_u64().unwrap() as usize;
    assert!(
        failed > 0,
        "20% of calls failing made no object fail: {first}"
    );
    assert_eq!(escrow_len(&a).await, failed.min(1000));
    // Continuous provisioning retries the escrow as entries fall due, until nothing is left.
    a.cli_ok(&["app", "start", "b", "--tenant", "default"])
        .await;
    let started = Instant::now();
    while escrow_len(&a).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the escrow did not drain: {}",
            a.cli_ok(&["app", "escrow", "b", "--tenant", "default"])
                .await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    a.cli_ok(&["app", "stop", "b", "--tenant", "default"]).await;
    // B holds every user exactly once: no duplicate from a create the app performed while
    // its answer was lost, none missing.
    let accounts = accounts_in_b(&sb).await;
    let expected: BTreeMap<String, Vec<Value>> = (0..USERS)
        .map(|i| {
            (
                format!("user{i:04}@example.com"),
                vec![json!(format!("User {i}"))],
            )
        })
        .collect();
    let twice: Vec<_> = accounts.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(twice.is_empty(), "duplicates in B: {twice:?}");
    assert_eq!(accounts.len(), USERS);
    assert_eq!(accounts, expected);
    // The faults really happened, each kind of them.
    let seen = target.seen();
    for status in [500, 429, 0] {
        assert!(
            seen.iter().any(|s| s.status == status),
            "no request answered {status}"
        );
    }
}

#[tokio::test]
async fn retry_after_is_waited_exactly_before_the_next_request() {
    let a = Server::start().await;
    let b = Server::start().await;
    users_in_a(&a.client(), 12).await;
    let target = FaultyTarget::start(
        &b.base,
        Faults {
            throttle: 0.3,
            retry_after: 1,
            ..Faults::default()
        },
    )
    .await;
    a.connect_app_at("b", &target.scim_url(), &b.token).await;
    a.cli_ok(&["app", "assign", "b", "--tenant", "default", "--all"])
        .await;
    a.cli_ok(&[
        "app",
        "set",
        "b",
        "--tenant",
        "default",
        "--concurrency",
        "1",
        "--attempts",
        "10",
    ])
    .await;
    let out = a
        .cli_ok(&[
            "app",
            "sync",
            "b",
            "--tenant",
            "default",
            "--initial",
            "--json",
        ])
        .await;
    let run: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(run["failed"], 0, "{run}");
    assert_eq!(accounts_in_b(&b.client()).await.len(), 12);
    let seen = target.seen();
    let throttled: Vec<usize> = (0..seen.len())
        .filter(|&i| seen[i].status == 429 && i + 1 < seen.len())
        .collect();
    assert!(throttled.len() >= 3, "{seen:?}");
    for i in throttled {
        let gap = seen[i + 1].at - seen[i].at;
        assert!(
            gap >= Duration::from_millis(1000) && gap < Duration::from_millis(2000),
            "after the 429 at #{i}, the next request came {gap:?} later"
        );
    }
}

async fn app_state(a: &Server) -> Value {
    let out = a
        .cli_ok(&["app", "show", "b", "--tenant", "default", "--json"])
        .await;
    serde_json::from_str(out.trim()).unwrap()
}

/// Wait until `check` holds for `app show --json`, within `limit`.
async fn until_app(a: &Server, limit: Duration, check: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let shown = app_state(a).await;
        if check(&shown) {
            return shown;
        }
        assert!(
            started.elapsed() < limit,
            "not reached within {limit:?}: {shown}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_target_that_is_down_is_quarantined_and_comes_back_by_itself() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    users_in_a(&sa, 3).await;
    let target = FaultyTarget::start(&b.base, Faults::default()).await;
    a.connect_app_at("b", &target.scim_url(), &b.token).await;
    a.cli_ok(&["app", "assign", "b", "--tenant", "default", "--all"])
        .await;
    a.cli_ok(&[
        "app",
        "set",
        "b",
        "--tenant",
        "default",
        "--attempts",
        "1",
        "--escrow-base",
        "1",
        "--escrow-cap",
        "1",
        "--quarantine-after",
        "2",
        "--probe-interval",
        "1",
    ])
    .await;
    let (hook, received) = receiver().await;
    a.cli_ok(&[
        "app",
        "set",
        "b",
        "--tenant",
        "default",
        "--notify-webhook",
        &hook,
        "--notify-events",
        "quarantined,recovered",
    ])
    .await;
    a.cli_ok(&["app", "start", "b", "--tenant", "default"])
        .await;
    let started = Instant::now();
    while accounts_in_b(&sb).await.len() < 3 {
        assert!(started.elapsed() < Duration::from_secs(30), "initial run");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Down: the new user's runs fail (connection refused), twice in a row → quarantined, with
    // the reason shown.
    target.down();
    sa.create_user("late@example.com").await;
    let shown = until_app(&a, Duration::from_secs(60), |v| v["state"] == "quarantined").await;
    let error = shown["health"]["lastError"].as_str().unwrap_or_default();
    assert!(error.contains("connect"), "{shown}");
    assert!(
        shown["health"]["failingRuns"].as_u64().unwrap() >= 2,
        "{shown}"
    );
    let text = a.cli_ok(&["app", "show", "b", "--tenant", "default"]).await;
    assert!(text.contains("state:        quarantined"), "{text}");

    // Back up: the next probe passes, the app runs again and the held user arrives.
    target.up().await;
    until_app(&a, Duration::from_secs(30), |v| {
        v["state"] == "running" && v["health"].is_null()
    })
    .await;
    let started = Instant::now();
    while !accounts_in_b(&sb).await.contains_key("late@example.com") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the held user did not arrive: {}",
            a.cli_ok(&["app", "escrow", "b", "--tenant", "default"])
                .await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(accounts_in_b(&sb).await.len(), 4);
    // The admin was told both ways, in order, with the reason.
    let events: Vec<Value> = received.lock().unwrap().clone();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["quarantined", "recovered"], "{events:?}");
    assert!(
        events[0]["reason"].as_str().unwrap().contains("connect"),
        "{events:?}"
    );
}
