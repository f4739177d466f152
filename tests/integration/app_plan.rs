//! `scimitar app plan` (issue 4): the dry run against a real SCIM app (this server, as another
//! tenant): assigned users are created or adopted by userName, unassigned ones are left out,
//! and nothing changes in the app.

use serde_json::{json, Value};

use crate::support::{Scim, Server, USER_SCHEMA};

#[tokio::test]
async fn plan_says_what_a_run_would_do_and_changes_nothing() {
    let server = Server::start().await;
    let scim = server.client();
    let target_token = server.new_tenant("target").await;
    let target = Scim::new(&server.scim_url(), &target_token);
    let ada = json!({"schemas": [USER_SCHEMA], "userName": "ada@example.com",
                     "name": {"givenName": "Ada", "familyName": "Lovelace"}, "displayName": "Ada"});
    let ada_id = scim.post("/Users", &ada).await.id();
    let carol_id = scim.create_user("carol@example.com").await;
    scim.create_user("bob@example.com").await;
    // Carol already has an account in the app: it is adopted, not duplicated.
    let existing = target.create_user("CAROL@example.com").await;

    let url = server.scim_url();
    for args in [
        vec![
            "app",
            "create",
            "self",
            "--tenant",
            "default",
            "--scim-url",
            url.as_str(),
            "--bearer-token",
            target_token.as_str(),
        ],
        vec![
            "app",
            "assign",
            "self",
            "--tenant",
            "default",
            "--user",
            "ada@example.com",
        ],
        vec![
            "app",
            "assign",
            "self",
            "--tenant",
            "default",
            "--user",
            "carol@example.com",
        ],
    ] {
        let (ok, _, err) = server.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let (ok, out, err) = server
        .cli(&[
            "app",
            "plan",
            "self",
            "--tenant",
            "default",
            "--initial",
            "--json",
        ])
        .await;
    assert!(ok, "{err}");
    let plan: Value = serde_json::from_str(out.trim()).unwrap();
    let ops = plan["users"]["operations"].as_array().unwrap();
    assert_eq!(
        plan["groups"]["operations"],
        json!([]),
        "no group is assigned"
    );
    assert_eq!(ops.len(), 2, "only assigned users are planned: {plan}");
    let by_id = |id: &str| ops.iter().find(|o| o["source_id"] == id).cloned().unwrap();
    let ada_op = by_id(&ada_id);
    assert_eq!(ada_op["action"]["action"], "create", "{ada_op}");
    assert_eq!(ada_op["action"]["body"]["userName"], "ada@example.com");
    assert_eq!(
        ada_op["action"]["body"]["name"]["formatted"],
        "Ada Lovelace"
    );
    let carol_op = by_id(&carol_id);
    assert_eq!(carol_op["action"]["action"], "link", "{carol_op}");
    assert_eq!(carol_op["action"]["target_id"], existing);

    // The human form says the same, and the app is untouched.
    let (ok, text, err) = server
        .cli(&["app", "plan", "self", "--tenant", "default"])
        .await;
    assert!(ok, "{err}");
    assert!(
        text.contains("+ create") && text.contains("ada@example.com"),
        "{text}"
    );
    let listed = target.get("/Users").await;
    assert_eq!(listed.body["totalResults"], 1, "the plan changed the app");
}
