//! `/api/v1/apps/{name}/...` (issue 4): Scimitar A provisions into Scimitar B (another
//! process, its own database) driven through A's admin API only, once the tokens exist: create,
//! test, discover, assign by name, mappings and scope, plan (B untouched), sync (B read back
//! over SCIM), run logs, on-demand provisioning, unassigning (disabled in B), start and stop.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_api::Admin;
use crate::support::{patch_body, url_encode, Scim, Server, USER_SCHEMA};

async fn user_in_b(b: &Scim, user_name: &str) -> Value {
    let found = b
        .filter("/Users", &format!("userName eq \"{user_name}\""))
        .await;
    assert_eq!(found.body["totalResults"], 1, "{user_name}: {}", found.body);
    found.body["Resources"][0].clone()
}

/// (name, action) of each operation of a plan.
fn actions(plan: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = plan["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap_or("?").to_string(),
                o["action"]["action"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn an_app_is_provisioned_through_the_admin_api() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    let person = |user_name: &str, given: &str, family: &str, title: &str| {
        json!({"schemas": [USER_SCHEMA], "userName": user_name,
               "name": {"givenName": given, "familyName": family},
               "emails": [{"type": "work", "value": user_name, "primary": true}],
               "title": title})
    };
    let ada = sa
        .post(
            "/Users",
            &person("ada@example.com", "Ada", "Lovelace", "Analyst"),
        )
        .await
        .id();
    let carol = sa
        .post(
            "/Users",
            &person("carol@example.com", "Carol", "Shaw", "Engineer"),
        )
        .await
        .id();
    let dave = sa
        .post(
            "/Users",
            &person("dave@example.com", "Dave", "Cutler", "Contractor"),
        )
        .await
        .id();
    sa.create_user("bob@example.com").await;
    let eng = sa.create_group("Engineering", &[carol.clone(), dave]).await;
    let admin = Admin::of(&a, "default").await;

    // Connect B; the connection test and discovery work.
    let new = json!({"name": "b", "scimUrl": b.scim_url(),
                     "auth": {"type": "bearer", "token": b.token}});
    let (status, _, app) = admin.send(Method::POST, "/apps", Some(new)).await;
    assert_eq!(status, 201, "{app}");
    let (status, _, test) = admin.send(Method::POST, "/apps/B/test", None).await;
    assert_eq!(status, 200, "{test}");
    assert_eq!(test["ok"], true);
    assert!(
        test["endpoint"]
            .as_str()
            .unwrap()
            .starts_with(&b.scim_url()),
        "{test}"
    );
    assert!(
        test["filter"].as_str().unwrap().starts_with("userName eq"),
        "{test}"
    );
    assert!(!test["checks"].as_array().unwrap().is_empty(), "{test}");
    let (status, _, schema) = admin.send(Method::GET, "/apps/b/schema", None).await;
    assert_eq!(status, 200, "{schema}");
    assert_eq!(schema["patch"], "supported", "{schema}");
    assert_eq!(schema["filter"], "supported", "{schema}");
    let mut types: Vec<&str> = schema["resource_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, ["Group", "User"], "{schema}");

    // Assign Ada and Engineering by name; listed by name, with ids.
    let ada_by_name = json!({"user": "ADA@example.com"});
    let (status, _, out) = admin
        .send(
            Method::POST,
            "/apps/b/assignments",
            Some(ada_by_name.clone()),
        )
        .await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(
        out,
        json!({"type": "user", "id": ada, "name": "ADA@example.com"})
    );
    let (status, _, _) = admin
        .send(Method::POST, "/apps/b/assignments", Some(ada_by_name))
        .await;
    assert_eq!(status, 200, "already assigned");
    let (status, _, out) = admin
        .send(
            Method::POST,
            "/apps/b/assignments",
            Some(json!({"group": "Engineering"})),
        )
        .await;
    assert_eq!(status, 201, "{out}");
    let (_, _, mut listed) = admin.send(Method::GET, "/apps/b/assignments", None).await;
    listed
        .as_array_mut()
        .unwrap()
        .sort_by_key(|a| a["type"].to_string());
    assert_eq!(
        listed,
        json!([{"type": "group", "id": eng, "name": "Engineering"},
               {"type": "user", "id": ada, "name": "ada@example.com"}])
    );

    // Mappings: the defaults come back as TOML; a changed title mapping goes in.
    let (status, ctype, toml) = admin
        .send_text(Method::GET, "/apps/b/mappings", "", None)
        .await;
    assert_eq!(status, 200, "{toml}");
    assert!(ctype.starts_with("application/toml"), "{ctype}");
    assert!(toml.contains("source = \"[title]\""), "{toml}");
    let changed = toml.replace(
        "source = \"[title]\"",
        "source = 'Append([title], \" (from A)\")'",
    );
    let (status, _, out) = admin
        .send_text(
            Method::PUT,
            "/apps/b/mappings",
            "application/toml",
            Some(changed),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    let out: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["app"], "b");
    assert!(out["users"].as_u64().unwrap() > 5, "{out}");
    let (_, _, stored) = admin
        .send_text(Method::GET, "/apps/b/mappings", "", None)
        .await;
    assert!(stored.contains("Append([title]"), "{stored}");

    // Scope: contractors stay out.
    let scope = json!({"users": "title NOT EQUALS \"Contractor\""});
    let (status, _, out) = admin.send(Method::PUT, "/apps/b/scope", Some(scope)).await;
    assert_eq!(status, 200, "{out}");
    let expected = json!({"users": "title NOT EQUALS \"Contractor\"", "groups": ""});
    assert_eq!(out, expected);
    let (_, _, out) = admin.send(Method::GET, "/apps/b/scope", None).await;
    assert_eq!(out, expected);

    // The plan says what will happen, and changes nothing in B.
    let (status, _, plan) = admin
        .send(Method::POST, "/apps/b/plan", Some(json!({"initial": true})))
        .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(
        actions(&plan["users"]),
        pairs(&[
            ("ada@example.com", "create"),
            ("carol@example.com", "create"),
            ("dave@example.com", "skip"),
        ]),
        "{plan}"
    );
    assert_eq!(
        actions(&plan["groups"]),
        pairs(&[("Engineering", "create")])
    );
    assert_eq!(sb.get("/Users").await.body["totalResults"], 0);
    assert_eq!(sb.get("/Groups").await.body["totalResults"], 0);

    // The run does it; B has Ada and Carol as the mappings say, and the group with Carol.
    let (status, _, sync) = admin
        .send(Method::POST, "/apps/b/sync", Some(json!({"initial": true})))
        .await;
    assert_eq!(status, 200, "{sync}");
    assert_eq!(sync["failed"], 0, "{sync}");
    let run = sync["run"].as_str().unwrap().to_string();
    assert_eq!(sync["users"]["counts"]["create.done"], 2, "{sync}");
    assert_eq!(sync["groups"]["counts"]["create.done"], 1, "{sync}");
    // The run's log says, object by object, what the plan said.
    let (_, _, log) = admin
        .send(Method::GET, &format!("/apps/b/runs/{run}"), None)
        .await;
    let mut logged: Vec<(String, String)> = log["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "User")
        .map(|o| {
            (
                o["name"].as_str().unwrap_or("?").to_string(),
                o["action"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect();
    logged.sort();
    assert_eq!(logged, actions(&plan["users"]), "{log}");
    let ada_b = user_in_b(&sb, "ada@example.com").await;
    assert_eq!(ada_b["title"], "Analyst (from A)");
    assert_eq!(ada_b["name"]["givenName"], "Ada");
    assert_eq!(ada_b["name"]["formatted"], "Ada Lovelace");
    assert_eq!(ada_b["emails"][0]["value"], "ada@example.com");
    assert_eq!(ada_b["active"], true);
    let carol_b = user_in_b(&sb, "carol@example.com").await;
    assert_eq!(carol_b["title"], "Engineer (from A)");
    assert_eq!(
        sb.get("/Users").await.body["totalResults"],
        2,
        "no Dave, no Bob"
    );
    let groups = sb.get("/Groups").await.body;
    assert_eq!(groups["totalResults"], 1, "{groups}");
    let group = &groups["Resources"][0];
    assert_eq!(group["displayName"], "Engineering");
    let members: Vec<&Value> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["value"])
        .collect();
    assert_eq!(members, [&carol_b["id"]], "{group}");

    // Counted for Prometheus like the scheduler's runs.
    let metrics = reqwest::get(format!("{}/metrics", a.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let counter = |prefix: &str, labels: &[&str]| -> f64 {
        metrics
            .lines()
            .find(|l| {
                l.starts_with(prefix)
                    && l.contains("tenant=\"default\"")
                    && l.contains("app=\"b\"")
                    && labels.iter().all(|x| l.contains(x))
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {prefix} {labels:?} in:\n{metrics}"))
    };
    assert_eq!(
        counter("scimitar_provisioning_runs_total{", &["result=\"ok\""]),
        1.0
    );
    // Ada, Carol and Engineering.
    assert_eq!(
        counter(
            "scimitar_provisioning_objects_total{",
            &["action=\"create\"", "status=\"done\""]
        ),
        3.0
    );

    // The run's log: every object, then only the failures (none).
    let (status, _, runs) = admin.send(Method::GET, "/apps/b/runs", None).await;
    assert_eq!(status, 200, "{runs}");
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(runs[0]["id"], run.as_str());
    assert_eq!(runs[0]["kind"], "initial");
    assert_eq!(runs[0]["state"], "finished");
    let (status, _, log) = admin
        .send(Method::GET, &format!("/apps/b/runs/{run}"), None)
        .await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log["run"]["id"], run.as_str());
    let ada_log = log["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["sourceId"] == ada.as_str())
        .unwrap_or_else(|| panic!("no Ada in {log}"));
    assert_eq!(
        (&ada_log["action"], &ada_log["status"], &ada_log["targetId"]),
        (&json!("create"), &json!("done"), &ada_b["id"])
    );
    assert!(ada_log["steps"].as_array().is_some_and(|s| !s.is_empty()));
    let (_, _, failed) = admin
        .send(
            Method::GET,
            &format!("/apps/b/runs/{run}?failed=true"),
            None,
        )
        .await;
    assert_eq!(failed["objects"], json!([]), "{failed}");
    let (_, _, latest) = admin.send(Method::GET, "/apps/b/runs/latest", None).await;
    assert_eq!(latest["run"]["id"], run.as_str());

    // A change in A reaches B on demand, with its steps.
    let ops = json!([{"op": "replace", "path": "title", "value": "Chief Analyst"}]);
    assert_eq!(
        sa.patch(&format!("/Users/{ada}"), &patch_body(ops))
            .await
            .status,
        200
    );
    let (status, _, one) = admin
        .send(
            Method::POST,
            "/apps/b/provision",
            Some(json!({"user": "ada@example.com"})),
        )
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["results"]["objects"][0]["action"], "update", "{one}");
    assert_eq!(one["results"]["objects"][0]["status"], "done", "{one}");
    assert_eq!(
        user_in_b(&sb, "ada@example.com").await["title"],
        "Chief Analyst (from A)"
    );
    let (_, _, runs) = admin.send(Method::GET, "/apps/b/runs?limit=1", None).await;
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(
        (&runs[0]["id"], &runs[0]["kind"]),
        (&one["run"], &json!("on-demand"))
    );

    // Unassigned: 204, gone from the list, and the next run disables Ada in B.
    let path = format!("/apps/b/assignments?user={}", url_encode("ada@example.com"));
    let (status, _, _) = admin.send(Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, _, out) = admin.send(Method::DELETE, &path, None).await;
    assert_eq!(status, 404, "{out}");
    assert!(
        out["detail"].as_str().unwrap().contains("is not assigned"),
        "{out}"
    );
    let (_, _, listed) = admin.send(Method::GET, "/apps/b/assignments", None).await;
    assert_eq!(
        listed,
        json!([{"type": "group", "id": eng, "name": "Engineering"}])
    );
    let (status, _, sync) = admin.send(Method::POST, "/apps/b/sync", None).await;
    assert_eq!(status, 200, "{sync}");
    assert_eq!(sync["failed"], 0, "{sync}");
    assert_eq!(user_in_b(&sb, "ada@example.com").await["active"], false);
    assert_eq!(user_in_b(&sb, "carol@example.com").await["active"], true);

    // Start and stop continuous provisioning: the app says its state.
    let (status, _, started) = admin.send(Method::POST, "/apps/b/start", None).await;
    assert_eq!((status, &started["state"]), (200, &json!("running")));
    let (status, _, stopped) = admin.send(Method::POST, "/apps/b/stop", None).await;
    assert_eq!((status, &stopped["state"]), (200, &json!("stopped")));
    let (_, _, shown) = admin.send(Method::GET, "/apps/b", None).await;
    assert_eq!(shown["state"], "stopped");
    assert_eq!(shown["id"], app["id"]);
}
