//! Reconcile (issue 5, acceptance 4): drift made in the app behind Scimitar's back — an account
//! deleted, an account edited, a group's members changed, an account deactivated while active
//! here, an account that stands for nothing here — is shown by `app reconcile --plan` (which
//! changes nothing) and repaired by `app reconcile` (the orphan is reported and left alone).
//! Against a real Scimitar (B) and the reference Python `scim2-server`.

use serde_json::{json, Value};

use crate::support::reference::reference_server;
use crate::support::{patch_body, Scim, Server, USER_SCHEMA};

async fn one(target: &Scim, endpoint: &str, filter: &str) -> Value {
    let found = target.filter(endpoint, filter).await;
    assert_eq!(found.body["totalResults"], 1, "{filter}: {}", found.body);
    found.body["Resources"][0].clone()
}

async fn count(target: &Scim, filter: &str) -> u64 {
    target.filter("/Users", filter).await.body["totalResults"]
        .as_u64()
        .unwrap()
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn cli_json(a: &Server, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let (ok, out, err) = a.cli(&all).await;
    assert!(ok, "{args:?}: {err}\n{out}");
    serde_json::from_str(out.trim()).unwrap()
}

/// (name, action) of each planned operation.
fn planned(plan: &Value) -> Vec<(String, String)> {
    plan["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap_or("-").to_string(),
                o["action"]["action"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

/// The whole story against `target` (the app at `url` with `token`).
async fn drift_is_shown_then_repaired(target: &Scim, url: &str, token: &str) {
    let a = Server::start().await;
    let sa = a.client();
    let user = |name: &str, display: &str| json!({"schemas": [USER_SCHEMA], "userName": name, "displayName": display, "active": true});
    let ada = sa
        .post("/Users", &user("ada@example.com", "Ada"))
        .await
        .id();
    let bob = sa
        .post("/Users", &user("bob@example.com", "Bob"))
        .await
        .id();
    sa.post("/Users", &user("carl@example.com", "Carl"))
        .await
        .id();
    sa.create_group("Team", &[ada, bob]).await;
    a.connect_app_at("app", url, token).await;
    a.cli_ok(&["app", "assign", "app", "--tenant", "default", "--all"])
        .await;
    a.cli_ok(&["app", "sync", "app", "--tenant", "default", "--initial"])
        .await;
    let t_ada = one(target, "/Users", "userName eq \"ada@example.com\"").await;
    let t_bob = one(target, "/Users", "userName eq \"bob@example.com\"").await;
    let t_carl = one(target, "/Users", "userName eq \"carl@example.com\"").await;
    let t_team = one(target, "/Groups", "displayName eq \"Team\"").await;
    let (ada_id, bob_id, carl_id, team_id) = (
        t_ada["id"].as_str().unwrap(),
        t_bob["id"].as_str().unwrap(),
        t_carl["id"].as_str().unwrap(),
        t_team["id"].as_str().unwrap(),
    );

    // Drift, made directly in the app.
    let r = target.delete(&format!("/Users/{ada_id}")).await;
    assert!(r.status == 204 || r.status == 200, "{}", r.text);
    let edit = json!([{"op": "replace", "path": "displayName", "value": "Robert"}]);
    let r = target
        .patch(&format!("/Users/{bob_id}"), &patch_body(edit))
        .await;
    assert!(r.status < 300, "{}", r.text);
    let off = json!([{"op": "replace", "path": "active", "value": false}]);
    let r = target
        .patch(&format!("/Users/{carl_id}"), &patch_body(off))
        .await;
    assert!(r.status < 300, "{}", r.text);
    let drop_bob = json!([{"op": "remove", "path": format!("members[value eq \"{bob_id}\"]")}]);
    let r = target
        .patch(&format!("/Groups/{team_id}"), &patch_body(drop_bob))
        .await;
    assert!(r.status < 300, "{}", r.text);
    let stranger = target
        .post("/Users", &user("stranger@example.com", "Stranger"))
        .await
        .id();

    // The plan shows every repair and the orphan, and changes nothing.
    let plan = cli_json(
        &a,
        &["app", "reconcile", "app", "--tenant", "default", "--plan"],
    )
    .await;
    let users = planned(&plan["plan"]["users"]);
    for expected in [
        ("ada@example.com", "create"),
        ("bob@example.com", "update"),
        ("carl@example.com", "update"),
    ] {
        assert!(
            users.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {users:?}"
        );
    }
    let groups = planned(&plan["plan"]["groups"]);
    assert!(
        groups.contains(&("Team".to_string(), "update".to_string())),
        "{groups:?}"
    );
    assert_eq!(plan["orphans"]["count"], 1, "{}", plan["orphans"]);
    assert_eq!(plan["orphans"]["first"][0]["id"], stranger.as_str());
    assert_eq!(plan["orphans"]["first"][0]["name"], "stranger@example.com");
    assert_eq!(count(target, "userName eq \"ada@example.com\"").await, 0);
    let still = one(target, "/Users", "userName eq \"bob@example.com\"").await;
    assert_eq!(still["displayName"], "Robert", "the plan changed the app");

    // The reconcile repairs it all; the orphan is reported and left.
    let done = cli_json(&a, &["app", "reconcile", "app", "--tenant", "default"]).await;
    assert_eq!(done["failed"], 0, "{done}");
    assert_eq!(done["orphans"]["count"], 1, "{done}");
    let new_ada = one(target, "/Users", "userName eq \"ada@example.com\"").await;
    assert_eq!(new_ada["displayName"], "Ada");
    let bob_now = one(target, "/Users", "userName eq \"bob@example.com\"").await;
    assert_eq!(bob_now["displayName"], "Bob");
    let carl_now = one(target, "/Users", "userName eq \"carl@example.com\"").await;
    assert_eq!(carl_now["active"], true);
    let team = target.get(&format!("/Groups/{team_id}")).await.body;
    let mut expected = vec![
        new_ada["id"].as_str().unwrap().to_string(),
        bob_id.to_string(),
    ];
    expected.sort();
    assert_eq!(member_ids(&team), expected, "{team}");
    assert_eq!(
        count(target, "userName eq \"stranger@example.com\"").await,
        1
    );
    // Nothing twice: four users in all (three from here, the stranger).
    let all = target.get("/Users").await.body;
    assert_eq!(all["totalResults"], 4, "{all}");

    // A second reconcile finds nothing left to repair.
    let again = cli_json(&a, &["app", "reconcile", "app", "--tenant", "default"]).await;
    assert_eq!(again["users"]["done"], 0, "{again}");
    assert_eq!(again["groups"]["done"], 0, "{again}");
}

#[tokio::test]
async fn drift_in_a_scimitar_app_is_shown_then_repaired() {
    let b = Server::start().await;
    drift_is_shown_then_repaired(&b.client(), &b.scim_url(), &b.token).await;
}

#[tokio::test]
async fn drift_in_the_reference_scim2_server_is_shown_then_repaired() {
    let Some(reference) = reference_server().await else {
        return;
    };
    let target = Scim::new(&reference.url, &reference.token);
    drift_is_shown_then_repaired(&target, &reference.url, &reference.token).await;
}

/// Wait until the app has ada, within 30 s.
async fn ada_arrives(target: &Scim, what: &str) {
    let started = std::time::Instant::now();
    while count(target, "userName eq \"ada@example.com\"").await != 1 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A continuously provisioned app reconciles by itself: an account deleted in the app comes
/// back within the reconcile interval, with no change in the directory to trigger a run.
#[tokio::test]
async fn a_running_app_reconciles_on_its_interval() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    sa.create_user("ada@example.com").await;
    a.connect_app("app", &b).await;
    a.cli_ok(&["app", "assign", "app", "--tenant", "default", "--all"])
        .await;
    a.cli_ok(&[
        "app",
        "set",
        "app",
        "--tenant",
        "default",
        "--reconcile-interval",
        "2",
    ])
    .await;
    a.cli_ok(&["app", "start", "app", "--tenant", "default"])
        .await;
    ada_arrives(&sb, "the initial run").await;
    let id = one(&sb, "/Users", "userName eq \"ada@example.com\"").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = sb.delete(&format!("/Users/{id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    ada_arrives(&sb, "the scheduled reconcile").await;
    let shown: Value = serde_json::from_str(
        a.cli_ok(&["app", "show", "app", "--tenant", "default", "--json"])
            .await
            .trim(),
    )
    .unwrap();
    assert!(shown["reconciled"]["at"].is_string(), "{shown}");
    assert_eq!(shown["reconciled"]["orphans"], 0, "{shown}");
}
