//! Continuous provisioning (`scimitar app start`, issue 4): the running server provisions the
//! directory's changes into the app within seconds, without anyone running `sync`; `app stop`
//! stops it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{patch_body, Scim, Server};

/// The user's resource in the app once `check` holds for it, within `limit`.
async fn eventually(
    b: &Scim,
    user_name: &str,
    limit: Duration,
    check: impl Fn(&serde_json::Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let found = b
            .filter("/Users", &format!("userName eq \"{user_name}\""))
            .await;
        if found.body["totalResults"] == 1 && check(&found.body["Resources"][0]) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{user_name} not provisioned as expected within {limit:?}: {}",
            found.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn changes_reach_the_app_within_seconds() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    sa.create_user("ada@example.com").await;
    a.connect_app("b", &b).await;
    for args in [
        vec!["app", "assign", "b", "--tenant", "default", "--all"],
        vec!["app", "start", "b", "--tenant", "default"],
    ] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let limit = Duration::from_secs(15);
    eventually(&sb, "ada@example.com", limit, |_| true).await;

    // A new user and a changed one arrive without a sync.
    let bob = sa.create_user("bob@example.com").await;
    let took = eventually(&sb, "bob@example.com", limit, |_| true).await;
    eprintln!("a new user reached the app in {took:?}");
    let ops = json!([{"op": "replace", "path": "title", "value": "Engineer"}]);
    assert_eq!(
        sa.patch(&format!("/Users/{bob}"), &patch_body(ops))
            .await
            .status,
        200
    );
    eventually(&sb, "bob@example.com", limit, |u| u["title"] == "Engineer").await;
    // That run planned only what changed (bob), not the whole directory.
    let (ok, out, err) = a
        .cli(&["app", "logs", "b", "--tenant", "default", "--json"])
        .await;
    assert!(ok, "{err}");
    let logs: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(logs["run"]["kind"], "incremental", "{logs}");
    let objects = logs["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 1, "{logs}");
    assert_eq!(objects[0]["sourceId"], bob);

    // The server counts its runs and objects per app for Prometheus.
    let metrics = reqwest::get(format!("{}/metrics", a.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let created = metrics.lines().find(|l| {
        l.starts_with("scimitar_provisioning_objects_total{")
            && l.contains("app=\"b\"")
            && l.contains("action=\"create\"")
            && l.contains("status=\"done\"")
    });
    let count: f64 = created
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no create counter for app b in:\n{metrics}"));
    assert!(count >= 2.0, "ada and bob were created: {count}");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("scimitar_provisioning_runs_total{")
                && l.contains("result=\"ok\"")),
        "{metrics}"
    );

    // A new group (everyone is assigned, groups too) arrives with its member.
    let team = sa.create_group("Team", std::slice::from_ref(&bob)).await;
    let started = Instant::now();
    loop {
        let found = sb.filter("/Groups", "displayName eq \"Team\"").await;
        if found.body["totalResults"] == 1 {
            let id = found.body["Resources"][0]["id"]
                .as_str()
                .unwrap()
                .to_string();
            if sb.member_ids(&id).await.len() == 1 {
                break;
            }
        }
        assert!(
            started.elapsed() < limit,
            "group {team} not provisioned: {}",
            found.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Stopped: nothing more flows.
    let (ok, _, err) = a.cli(&["app", "stop", "b", "--tenant", "default"]).await;
    assert!(ok, "{err}");
    sa.create_user("carol@example.com").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let found = sb
        .filter("/Users", "userName eq \"carol@example.com\"")
        .await;
    assert_eq!(
        found.body["totalResults"], 0,
        "a stopped app was provisioned"
    );
}

/// The latest run's log of app `b`, as `scimitar app logs --json` prints it.
async fn latest_log(a: &Server) -> serde_json::Value {
    let (ok, out, err) = a
        .cli(&["app", "logs", "b", "--tenant", "default", "--json"])
        .await;
    assert!(ok, "{err}");
    serde_json::from_str(out.trim()).unwrap()
}

#[tokio::test]
async fn a_group_change_provisions_only_the_users_it_moves() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    let dan = sa.create_user("dan@example.com").await;
    let eve = sa.create_user("eve@example.com").await;
    sa.create_user("fay@example.com").await;
    let sales = sa.create_group("Sales", std::slice::from_ref(&dan)).await;
    a.connect_app("b", &b).await;
    for args in [
        vec![
            "app", "assign", "b", "--tenant", "default", "--group", "Sales",
        ],
        vec!["app", "start", "b", "--tenant", "default"],
    ] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let limit = Duration::from_secs(15);
    eventually(&sb, "dan@example.com", limit, |u| u["active"] == true).await;
    let fay = sb.filter("/Users", "userName eq \"fay@example.com\"").await;
    assert_eq!(fay.body["totalResults"], 0, "fay is not assigned");

    // Eve joins Sales: she is provisioned, and that run planned her and the group only.
    let add = json!([{"op": "add", "path": "members", "value": [{"value": eve}]}]);
    let resp = sa
        .patch(&format!("/Groups/{sales}"), &patch_body(add))
        .await;
    assert!(resp.status == 200 || resp.status == 204, "{}", resp.body);
    eventually(&sb, "eve@example.com", limit, |u| u["active"] == true).await;
    let started = Instant::now();
    let planned = loop {
        let log = latest_log(&a).await;
        let ids: Vec<String> = log["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["sourceId"].as_str().unwrap().to_string())
            .collect();
        if ids.contains(&sales) || started.elapsed() > limit {
            break ids;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut expected = vec![eve.clone(), sales.clone()];
    expected.sort();
    let mut got = planned.clone();
    got.sort();
    assert_eq!(got, expected, "the run planned more than what moved");

    // Dan leaves Sales: his account is disabled in the app (the default policy).
    let remove = json!([{"op": "remove", "path": format!("members[value eq \"{dan}\"]")}]);
    let resp = sa
        .patch(&format!("/Groups/{sales}"), &patch_body(remove))
        .await;
    assert!(resp.status == 200 || resp.status == 204, "{}", resp.body);
    eventually(&sb, "dan@example.com", limit, |u| u["active"] == false).await;
    let fay = sb.filter("/Users", "userName eq \"fay@example.com\"").await;
    assert_eq!(fay.body["totalResults"], 0, "fay was never assigned");
}
