//! The accidental-deletion threshold (issue 5, acceptance 2): a scoping change that would
//! disable 1,000 of 2,000 provisioned users stops before disabling any, logs each as held,
//! records the staged deletes, and disables them only after `app approve-deletes`.

use serde_json::{json, Value};

use crate::support::webhook::receiver;
use crate::support::{Scim, Server, USER_SCHEMA};

async fn users_in_a(sa: &Scim, n: usize) {
    sa.bulk_users(n, |i| {
        let title = if i % 2 == 0 { "Engineer" } else { "Sales" };
        json!({"schemas": [USER_SCHEMA], "userName": format!("user{i:04}@example.com"),
               "title": title, "active": true})
    })
    .await;
}

async fn disabled_in_b(sb: &Scim) -> u64 {
    let r = sb.filter("/Users", "active eq false").await;
    r.body["totalResults"].as_u64().unwrap()
}

#[tokio::test]
async fn a_mass_disable_waits_for_approval() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    users_in_a(&sa, 2_000).await;
    a.connect_app("b", &b).await;
    a.cli_ok(&["app", "assign", "b", "--tenant", "default", "--all"])
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
    let first: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(first["users"]["counts"]["create.done"], 2000, "{first}");
    assert!(first["staged"].is_null(), "{first}");

    // A scoping filter that leaves out half of them: 1,000 disables, over 20% of 2,000.
    a.cli_ok(&[
        "app",
        "scope",
        "b",
        "--tenant",
        "default",
        "--filter",
        r#"title EQUALS "Engineer""#,
    ])
    .await;
    let (ok, out, err) = a
        .cli(&["app", "sync", "b", "--tenant", "default", "--json"])
        .await;
    assert!(!ok, "a held run must not exit 0: {out}");
    assert!(
        err.contains("approve-deletes") && err.contains("20% of the 2000"),
        "{err}"
    );
    let held: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(held["users"]["held"], 1000, "{held}");
    assert_eq!(held["users"]["counts"]["disable.held"], 1000, "{held}");
    assert_eq!(held["failed"], 0, "{held}");
    assert_eq!(disabled_in_b(&sb).await, 0, "nothing may be disabled yet");
    // The admin is told, with what was held and what to do.
    let notices = received.lock().unwrap().clone();
    let stop: Vec<&Value> = notices
        .iter()
        .filter(|n| n["event"] == "threshold-stop")
        .collect();
    assert_eq!(stop.len(), 1, "{notices:?}");
    assert_eq!(stop[0]["app"], "b");
    assert_eq!(stop[0]["run"], held["run"]);
    assert_eq!(stop[0]["held"], 1000);
    assert_eq!(stop[0]["provisioned"], 2000);
    // Each held object is in the run's log; the app shows the staged deletes.
    let log = a
        .cli_ok(&[
            "app",
            "logs",
            "b",
            "--tenant",
            "default",
            "--run",
            held["run"].as_str().unwrap(),
            "--json",
        ])
        .await;
    let log: Value = serde_json::from_str(log.trim()).unwrap();
    let held_rows = log["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "held" && o["action"] == "disable")
        .count();
    assert_eq!(held_rows, 1000);
    let shown = a
        .cli_ok(&["app", "show", "b", "--tenant", "default", "--json"])
        .await;
    let shown: Value = serde_json::from_str(shown.trim()).unwrap();
    assert_eq!(shown["stagedDeletes"]["count"], 1000, "{shown}");
    assert_eq!(shown["stagedDeletes"]["run"], held["run"], "{shown}");

    // Another sync holds them again; nothing is disabled without approval.
    let (ok, _, _) = a.cli(&["app", "sync", "b", "--tenant", "default"]).await;
    assert!(!ok);
    assert_eq!(disabled_in_b(&sb).await, 0);

    // Approved: exactly the 1,000 out of scope are disabled, and the staged record is gone.
    let out = a
        .cli_ok(&[
            "app",
            "approve-deletes",
            "b",
            "--tenant",
            "default",
            "--json",
        ])
        .await;
    let approved: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        approved["users"]["counts"]["disable.done"], 1000,
        "{approved}"
    );
    assert_eq!(disabled_in_b(&sb).await, 1000);
    let sales = sb
        .filter("/Users", "userName eq \"user0001@example.com\"")
        .await;
    assert_eq!(sales.body["Resources"][0]["active"], false);
    let engineer = sb
        .filter("/Users", "userName eq \"user0000@example.com\"")
        .await;
    assert_eq!(engineer.body["Resources"][0]["active"], true);
    let shown = a
        .cli_ok(&["app", "show", "b", "--tenant", "default", "--json"])
        .await;
    let shown: Value = serde_json::from_str(shown.trim()).unwrap();
    assert!(shown["stagedDeletes"].is_null(), "{shown}");
}
