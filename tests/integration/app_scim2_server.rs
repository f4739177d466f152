//! Scimitar provisioning into the reference Python SCIM server (`scim2-server`, PyPI, installed
//! into `.venv` by `scripts/conformance.sh --setup`): users with Entra-style mappings, a group
//! with its members, an update, and deprovisioning, each read back from scim2-server over SCIM.
//! Without Python the test says so and passes, except under `CI=true`, where it fails.

use serde_json::{json, Value};

use crate::support::reference::reference_server;
use crate::support::{patch_body, Scim, Server, ENTERPRISE, USER_SCHEMA};

async fn sync(a: &Server, initial: bool) -> Value {
    let mut args = vec!["app", "sync", "ref", "--tenant", "default", "--json"];
    if initial {
        args.push("--initial");
    }
    let (ok, out, err) = a.cli(&args).await;
    assert!(ok, "sync failed: {err}\n{out}");
    serde_json::from_str(out.trim()).unwrap()
}

async fn user_in(r: &Scim, user_name: &str) -> Value {
    let found = r
        .filter("/Users", &format!("userName eq \"{user_name}\""))
        .await;
    assert_eq!(found.body["totalResults"], 1, "{user_name}: {}", found.body);
    found.body["Resources"][0].clone()
}

#[tokio::test]
async fn scimitar_provisions_into_the_reference_scim2_server() {
    let Some(reference) = reference_server().await else {
        return;
    };
    let r = Scim::new(&reference.url, &reference.token);
    let a = Server::start().await;
    let sa = a.client();
    let ada = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ada@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "displayName": "Ada Lovelace",
        "emails": [{"type": "work", "value": "ada@example.com"}],
        "phoneNumbers": [{"type": "work", "value": "+44 20 7946 0000"}],
        "title": "Analyst", ENTERPRISE: {"employeeNumber": "1815"}
    });
    let ada_id = sa.post("/Users", &ada).await.id();
    let grace = sa.create_user("grace@example.com").await;
    sa.create_group("Engines", &[ada_id.clone(), grace]).await;
    for args in [
        vec![
            "app",
            "create",
            "ref",
            "--tenant",
            "default",
            "--scim-url",
            reference.url.as_str(),
            "--bearer-token",
            reference.token.as_str(),
        ],
        vec!["app", "test", "ref", "--tenant", "default"],
        vec![
            "app", "assign", "ref", "--tenant", "default", "--group", "Engines",
        ],
    ] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let result = sync(&a, true).await;
    for part in ["users", "groups"] {
        let tally = &result[part];
        assert_eq!(tally["failed"], 0, "{part}: {result}");
        assert!(tally["objects"].as_u64().unwrap() > 0, "{part}: {result}");
        assert_eq!(tally["done"], tally["objects"], "{part}: {result}");
    }

    let ada_r = user_in(&r, "ada@example.com").await;
    assert_eq!(ada_r["name"]["formatted"], "Ada Lovelace");
    assert_eq!(ada_r["emails"][0]["value"], "ada@example.com");
    assert_eq!(ada_r["phoneNumbers"][0]["value"], "+44 20 7946 0000");
    assert_eq!(ada_r["title"], "Analyst");
    assert_eq!(ada_r[ENTERPRISE]["employeeNumber"], "1815");
    let grace_r = user_in(&r, "grace@example.com").await;
    let groups = r.filter("/Groups", "displayName eq \"Engines\"").await;
    assert_eq!(groups.body["totalResults"], 1, "{}", groups.body);
    let group = r
        .get(&format!(
            "/Groups/{}",
            groups.body["Resources"][0]["id"].as_str().unwrap()
        ))
        .await;
    let mut members: Vec<&str> = group.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort();
    let mut expected = vec![
        ada_r["id"].as_str().unwrap(),
        grace_r["id"].as_str().unwrap(),
    ];
    expected.sort();
    assert_eq!(members, expected);

    // An update reaches the reference server; nothing is re-created.
    let ops = json!([{"op": "replace", "path": "title", "value": "Chief Analyst"}]);
    assert_eq!(
        sa.patch(&format!("/Users/{ada_id}"), &patch_body(ops))
            .await
            .status,
        200
    );
    sync(&a, false).await;
    let again = user_in(&r, "ada@example.com").await;
    assert_eq!(again["title"], "Chief Analyst");
    assert_eq!(again["id"], ada_r["id"]);

    // Unassigned: users disabled, the group deleted.
    let (ok, _, err) = a
        .cli(&[
            "app", "unassign", "ref", "--tenant", "default", "--group", "Engines",
        ])
        .await;
    assert!(ok, "{err}");
    sync(&a, false).await;
    assert_eq!(user_in(&r, "ada@example.com").await["active"], false);
    assert_eq!(
        r.filter("/Groups", "displayName eq \"Engines\"").await.body["totalResults"],
        0
    );
}
