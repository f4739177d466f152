//! The limits and safety rails of an app (issue 5): set by `app set` and `PATCH
//! /api/v1/apps/{name}`, checked the same way by both, shown by `app show` and the API with
//! their defaults.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_api::Admin;
use crate::support::Server;

#[tokio::test]
async fn limits_are_set_checked_and_shown_by_the_cli_and_the_api() {
    let a = Server::start().await;
    let b = Server::start().await;
    a.connect_app("b", &b).await;
    let show = || async {
        let out = a
            .cli_ok(&["app", "show", "b", "--tenant", "default", "--json"])
            .await;
        serde_json::from_str::<Value>(out.trim()).unwrap()
    };
    // Defaults, shown.
    let shown = show().await;
    assert_eq!(shown["rateLimit"], Value::Null);
    assert_eq!(shown["timeout"], 30);
    assert_eq!(shown["attempts"], 4);
    assert_eq!(shown["escrowBase"], 60);
    assert_eq!(shown["quarantineAfter"], 3);
    assert_eq!(shown["deletionThreshold"], 500);
    assert_eq!(shown["deletionShare"], 0.2);

    a.cli_ok(&[
        "app",
        "set",
        "b",
        "--tenant",
        "default",
        "--rate-limit",
        "25",
        "--timeout",
        "5",
        "--attempts",
        "2",
        "--escrow-base",
        "10",
        "--quarantine-after",
        "5",
        "--deletion-threshold",
        "50",
        "--deletion-share",
        "0.1",
    ])
    .await;
    let shown = show().await;
    assert_eq!(shown["rateLimit"], 25.0);
    assert_eq!(shown["timeout"], 5);
    assert_eq!(shown["attempts"], 2);
    assert_eq!(shown["escrowBase"], 10);
    assert_eq!(shown["quarantineAfter"], 5);
    assert_eq!(shown["deletionThreshold"], 50);
    assert_eq!(shown["deletionShare"], 0.1);
    let text = a.cli_ok(&["app", "show", "b", "--tenant", "default"]).await;
    assert!(
        text.contains("rate limit:   25 requests per second"),
        "{text}"
    );

    // Refused with the allowed range; nothing changes.
    for (flag, value, says) in [
        ("--rate-limit", "200000", "from 0.01 to 100000"),
        ("--quarantine-share", "1.5", "at most 1"),
        ("--deletion-share", "2", "from 0 to 1"),
        ("--escrow-base", "0", "from 1 to 86400"),
    ] {
        let (ok, _, err) = a
            .cli(&["app", "set", "b", "--tenant", "default", flag, value])
            .await;
        assert!(!ok && err.contains(says), "{flag} {value}: {err}");
    }
    assert_eq!(show().await["rateLimit"], 25.0);
    // 0 removes the rate limit.
    a.cli_ok(&[
        "app",
        "set",
        "b",
        "--tenant",
        "default",
        "--rate-limit",
        "0",
    ])
    .await;
    assert_eq!(show().await["rateLimit"], Value::Null);

    // The API: the same checks and the same view.
    let admin = Admin::of(&a, "default").await;
    let (status, _, body) = admin
        .send(Method::PATCH, "/apps/b", Some(json!({"rateLimit": 0.001})))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("rate_limit"),
        "{body}"
    );
    let (status, _, body) = admin
        .send(
            Method::PATCH,
            "/apps/b",
            Some(json!({"rateLimit": 12.5, "probeInterval": 30, "escrowCap": 120})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, _, app) = admin.send(Method::GET, "/apps/b", None).await;
    assert_eq!(app["rateLimit"], 12.5, "{app}");
    assert_eq!(app["limits"]["probeInterval"], 30, "{app}");
    assert_eq!(app["limits"]["escrowCap"], 120, "{app}");
    assert_eq!(app["limits"]["deletionThreshold"], 50, "{app}");
    assert_eq!(show().await["probeInterval"], 30);
}
