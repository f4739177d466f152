//! `scimitar app sync` (issue 4): Scimitar A provisions into Scimitar B (another process, its
//! own database) over SCIM. The run does exactly what the plan said; B's final state is read
//! back over SCIM after creates, adoption, updates, clearing, disabling and re-enabling.

use serde_json::{json, Value};

use crate::support::{patch_body, Scim, Server, ENTERPRISE, USER_SCHEMA};

async fn cli_json(server: &Server, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let (ok, out, err) = server.cli(&all).await;
    assert!(ok, "{args:?}: {err}\n{out}");
    serde_json::from_str(out.trim()).unwrap()
}

/// (source id, action) of every operation, in order.
fn actions(ops: &Value) -> Vec<(String, String)> {
    ops.as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let action = o["action"]["action"]
                .as_str()
                .or(o["action"].as_str())
                .unwrap_or("?");
            (
                o["source_id"].as_str().unwrap().to_string(),
                action.to_string(),
            )
        })
        .collect()
}

/// The log of run `run` of app `b` for `kind` (`User` or `Group`): (source id, action,
/// status, steps) of every object, in order.
async fn logged(a: &Server, run: &Value, kind: &str) -> Vec<(String, String, String, Value)> {
    let run = run.as_str().unwrap();
    let log = cli_json(
        a,
        &["app", "logs", "b", "--tenant", "default", "--run", run],
    )
    .await;
    log["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == kind)
        .map(|o| {
            (
                o["sourceId"].as_str().unwrap().to_string(),
                o["action"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
                o["steps"].clone(),
            )
        })
        .collect()
}

async fn user_in_b(b: &Scim, user_name: &str) -> Value {
    let found = b
        .filter("/Users", &format!("userName eq \"{user_name}\""))
        .await;
    assert_eq!(
        found.body["totalResults"], 1,
        "{user_name} in B: {}",
        found.body
    );
    found.body["Resources"][0].clone()
}

#[tokio::test]
async fn a_provisions_into_b_exactly_as_planned() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    let carol = sa.create_user("carol@example.com").await;
    let ada_body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ada@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "displayName": "Ada Lovelace",
        "emails": [{"type": "work", "value": "ada@example.com", "primary": true}],
        "phoneNumbers": [{"type": "mobile", "value": "+44 20 7946 0000"}],
        "title": "Analyst",
        ENTERPRISE: {"employeeNumber": "1815", "department": "Engines", "manager": {"value": carol}}
    });
    let ada = sa.post("/Users", &ada_body).await.id();
    sa.create_user("bob@example.com").await;
    // Carol already has an account in B: adopted, never duplicated.
    let carol_in_b = sb.create_user("Carol@Example.com").await;

    a.connect_app("b", &b).await;
    for args in [
        vec![
            "app",
            "assign",
            "b",
            "--tenant",
            "default",
            "--user",
            "ada@example.com",
        ],
        vec![
            "app",
            "assign",
            "b",
            "--tenant",
            "default",
            "--user",
            "carol@example.com",
        ],
    ] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }

    // The run does what the plan said.
    let plan = cli_json(
        &a,
        &["app", "plan", "b", "--tenant", "default", "--initial"],
    )
    .await;
    let sync = cli_json(
        &a,
        &["app", "sync", "b", "--tenant", "default", "--initial"],
    )
    .await;
    // The run's log holds, object by object and in order, the plan's action and steps.
    let log = logged(&a, &sync["run"], "User").await;
    let done: Vec<(String, String)> = log
        .iter()
        .map(|(id, a, _, _)| (id.clone(), a.clone()))
        .collect();
    assert_eq!(done, actions(&plan["users"]["operations"]));
    let planned_steps: Vec<Value> = plan["users"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["steps"].clone())
        .collect();
    let logged_steps: Vec<Value> = log.iter().map(|(_, _, _, s)| s.clone()).collect();
    assert_eq!(logged_steps, planned_steps);
    assert!(done.contains(&(ada.clone(), "create".into())), "{done:?}");
    assert!(done.contains(&(carol.clone(), "link".into())), "{done:?}");
    assert!(
        log.iter().all(|(_, _, status, _)| status != "failed"),
        "{log:?}"
    );
    assert_eq!(sync["failed"], 0, "{sync}");
    assert_eq!(sync["users"]["counts"]["create.done"], 1, "{sync}");
    assert_eq!(sync["users"]["counts"]["link.done"], 1, "{sync}");

    // B has Ada as the Entra-style mappings say, and one Carol; never Bob.
    let ada_b = user_in_b(&sb, "ada@example.com").await;
    assert_eq!(ada_b["name"]["formatted"], "Ada Lovelace");
    assert_eq!(ada_b["name"]["givenName"], "Ada");
    assert_eq!(ada_b["emails"][0]["value"], "ada@example.com");
    assert_eq!(ada_b["title"], "Analyst");
    assert_eq!(ada_b[ENTERPRISE]["employeeNumber"], "1815");
    assert_eq!(ada_b["active"], true);
    assert_eq!(sb.get("/Users").await.body["totalResults"], 2);
    assert_eq!(user_in_b(&sb, "carol@example.com").await["id"], carol_in_b);

    // Carol is linked now, so the next run gives Ada her manager, by B's id.
    cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    let ada_b = user_in_b(&sb, "ada@example.com").await;
    assert_eq!(ada_b[ENTERPRISE]["manager"]["value"], carol_in_b, "{ada_b}");
    // Nothing left to do.
    let again = cli_json(&a, &["app", "plan", "b", "--tenant", "default"]).await;
    assert!(
        actions(&again["users"]["operations"])
            .iter()
            .all(|(_, act)| act == "skip"),
        "{again}"
    );

    // A change, then a cleared attribute, reach B.
    let ops = json!([{"op": "replace", "path": "title", "value": "Chief Analyst"}]);
    assert_eq!(
        sa.patch(&format!("/Users/{ada}"), &patch_body(ops))
            .await
            .status,
        200
    );
    cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    assert_eq!(
        user_in_b(&sb, "ada@example.com").await["title"],
        "Chief Analyst"
    );
    let ops = json!([{"op": "remove", "path": "title"}]);
    assert_eq!(
        sa.patch(&format!("/Users/{ada}"), &patch_body(ops))
            .await
            .status,
        200
    );
    cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    assert_eq!(user_in_b(&sb, "ada@example.com").await.get("title"), None);

    // Unassigned: disabled in B (the default policy). Assigned again: enabled, not duplicated.
    let (ok, _, err) = a
        .cli(&[
            "app",
            "unassign",
            "b",
            "--tenant",
            "default",
            "--user",
            "ada@example.com",
        ])
        .await;
    assert!(ok, "{err}");
    cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    assert_eq!(user_in_b(&sb, "ada@example.com").await["active"], false);
    let (ok, _, err) = a
        .cli(&[
            "app",
            "assign",
            "b",
            "--tenant",
            "default",
            "--user",
            "ada@example.com",
        ])
        .await;
    assert!(ok, "{err}");
    let sync = cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    let log = logged(&a, &sync["run"], "User").await;
    assert!(
        log.iter()
            .any(|(id, action, status, _)| id == &ada && action == "enable" && status == "done"),
        "{log:?}"
    );
    let ada_b = user_in_b(&sb, "ada@example.com").await;
    assert_eq!(ada_b["active"], true);
    assert_eq!(sb.get("/Users").await.body["totalResults"], 2);
}

/// `scimitar app provision --user`: one user now, with its steps; an unassigned user is not
/// provisioned, and the plan says why.
#[tokio::test]
async fn one_user_is_provisioned_on_demand() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    sa.create_user("dave@example.com").await;
    sa.create_user("erin@example.com").await;
    a.connect_app("b", &b).await;
    for args in [vec![
        "app",
        "assign",
        "b",
        "--tenant",
        "default",
        "--user",
        "dave@example.com",
    ]] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let (ok, out, err) = a
        .cli(&[
            "app",
            "provision",
            "b",
            "--tenant",
            "default",
            "--user",
            "dave@example.com",
        ])
        .await;
    assert!(ok, "{err}");
    assert!(
        out.contains("+ create") && out.contains("done: create"),
        "{out}"
    );
    user_in_b(&sb, "dave@example.com").await;

    let (ok, out, err) = a
        .cli(&[
            "app",
            "provision",
            "b",
            "--tenant",
            "default",
            "--user",
            "erin@example.com",
        ])
        .await;
    assert!(ok, "{err}");
    assert!(
        out.contains("not assigned") || out.contains("Out of scope"),
        "{out}"
    );
    assert_eq!(sb.get("/Users").await.body["totalResults"], 1);
}

/// Groups: created empty and filled by member adds, members as the app's ids; a member
/// removed in the directory is removed in the app; a group unassigned is deleted there.
#[tokio::test]
async fn groups_and_memberships_follow_the_directory() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    let ada = sa.create_user("ada@example.com").await;
    let carol = sa.create_user("carol@example.com").await;
    let eng = sa
        .create_group("Engineering", &[ada.clone(), carol.clone()])
        .await;
    a.connect_app("b", &b).await;
    for args in [vec![
        "app",
        "assign",
        "b",
        "--tenant",
        "default",
        "--group",
        "Engineering",
    ]] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let sync = cli_json(
        &a,
        &["app", "sync", "b", "--tenant", "default", "--initial"],
    )
    .await;
    let log = logged(&a, &sync["run"], "Group").await;
    assert!(
        log.iter()
            .any(|(id, action, status, _)| id == &eng && action == "create" && status == "done"),
        "{log:?}"
    );
    // The group's members are users assigned through it: both created first.
    let ada_b = user_in_b(&sb, "ada@example.com").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let carol_b = user_in_b(&sb, "carol@example.com").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let group_b = |sb: Scim| async move {
        let found = sb.filter("/Groups", "displayName eq \"Engineering\"").await;
        assert_eq!(found.body["totalResults"], 1, "{}", found.body);
        let id = found.body["Resources"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut members = sb.member_ids(&id).await;
        members.sort();
        (id, members)
    };
    let (gid, members) = group_b(b.client()).await;
    let mut expected = vec![ada_b.clone(), carol_b.clone()];
    expected.sort();
    assert_eq!(members, expected);

    // Carol leaves the group here: she leaves it in B (and, no longer assigned, is disabled).
    let ops = json!([{"op": "remove", "path": format!("members[value eq \"{carol}\"]")}]);
    assert!(
        sa.patch(&format!("/Groups/{eng}"), &patch_body(ops))
            .await
            .status
            < 300
    );
    cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    let (gid2, members) = group_b(b.client()).await;
    assert_eq!(gid2, gid, "the group was re-created instead of updated");
    assert_eq!(members, vec![ada_b.clone()]);
    assert_eq!(user_in_b(&sb, "carol@example.com").await["active"], false);

    // Unassigned: the group is deleted in B (groups have no `active`).
    let (ok, _, err) = a
        .cli(&[
            "app",
            "unassign",
            "b",
            "--tenant",
            "default",
            "--group",
            "Engineering",
        ])
        .await;
    assert!(ok, "{err}");
    cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    let found = sb.filter("/Groups", "displayName eq \"Engineering\"").await;
    assert_eq!(found.body["totalResults"], 0, "{}", found.body);
}

/// A run over more users than one batch (1,000): every user is provisioned once, the log holds
/// each of them in order, and a user deleted here is found by the walk over the app's links
/// after the directory's pages.
#[tokio::test]
async fn a_run_larger_than_a_batch_covers_everyone_once() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    const USERS: usize = 2_300;
    sa.bulk_users(
        USERS,
        |n| json!({"schemas": [USER_SCHEMA], "userName": format!("user{n:04}@example.com")}),
    )
    .await;
    a.connect_app("b", &b).await;
    for args in [
        vec!["app", "assign", "b", "--tenant", "default", "--all"],
        vec![
            "app",
            "set",
            "b",
            "--tenant",
            "default",
            "--deprovision",
            "delete",
        ],
    ] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let sync = cli_json(
        &a,
        &["app", "sync", "b", "--tenant", "default", "--initial"],
    )
    .await;
    assert_eq!(sync["users"]["counts"]["create.done"], USERS, "{sync}");
    assert_eq!(sync["users"]["objects"], USERS, "{sync}");
    assert_eq!(sb.get("/Users?count=0").await.body["totalResults"], USERS);
    let log = logged(&a, &sync["run"], "User").await;
    let mut ids: Vec<&String> = log.iter().map(|(id, _, _, _)| id).collect();
    assert_eq!(ids.len(), USERS);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), USERS, "a user was logged twice");

    // Delete one user here: the next full run finds it through the links and deletes it there.
    let gone = sa
        .filter("/Users", "userName eq \"user1234@example.com\"")
        .await
        .body["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sa.delete(&format!("/Users/{gone}")).await.status, 204);
    let sync = cli_json(
        &a,
        &["app", "sync", "b", "--tenant", "default", "--initial"],
    )
    .await;
    assert_eq!(sync["users"]["counts"]["delete.done"], 1, "{sync}");
    assert_eq!(sync["users"]["counts"]["skip.skipped"], USERS - 1, "{sync}");
    assert_eq!(
        sb.get("/Users?count=0").await.body["totalResults"],
        USERS - 1
    );
    let found = sb
        .filter("/Users", "userName eq \"user1234@example.com\"")
        .await;
    assert_eq!(found.body["totalResults"], 0);
}
