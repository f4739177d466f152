//! `scimitar app logs` (issue 4): every sync and on-demand provisioning is a run with one log
//! line per object (action, status, the plan's steps, error and hint); a run that cannot reach
//! the app says why and what to do.

use serde_json::Value;

use crate::support::Server;

async fn cli_json(server: &Server, args: &[&str]) -> (bool, Value, String) {
    let mut all = args.to_vec();
    all.push("--json");
    let (ok, out, err) = server.cli(&all).await;
    (
        ok,
        serde_json::from_str(out.trim()).unwrap_or(Value::Null),
        err,
    )
}

#[tokio::test]
async fn runs_are_logged_per_object_with_their_steps() {
    let a = Server::start().await;
    let b = Server::start().await;
    let sa = a.client();
    let ada = sa.create_user("ada@example.com").await;
    let url = b.scim_url();
    a.connect_app("b", &b).await;
    for args in [
        vec![
            "app",
            "create",
            "broken",
            "--tenant",
            "default",
            "--scim-url",
            url.as_str(),
            "--bearer-token",
            "scim_wrong-token",
        ],
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
            "broken",
            "--tenant",
            "default",
            "--user",
            "ada@example.com",
        ],
    ] {
        let (ok, _, err) = a.cli(&args).await;
        assert!(ok, "{args:?}: {err}");
    }
    let (ok, _, err) = a.cli(&["app", "logs", "b", "--tenant", "default"]).await;
    assert!(!ok && err.contains("has not run yet"), "{err}");

    let (ok, sync, err) = cli_json(
        &a,
        &["app", "sync", "b", "--tenant", "default", "--initial"],
    )
    .await;
    assert!(ok, "{err}");
    let (ok, logs, err) = cli_json(&a, &["app", "logs", "b", "--tenant", "default"]).await;
    assert!(ok, "{err}");
    assert_eq!(logs["run"]["id"], sync["run"]);
    assert_eq!(logs["run"]["state"], "finished");
    assert_eq!(logs["run"]["kind"], "initial");
    assert_eq!(logs["run"]["summary"]["create.done"], 1, "{logs}");
    let objects = logs["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["sourceId"], ada);
    assert_eq!(
        (objects[0]["action"].as_str(), objects[0]["status"].as_str()),
        (Some("create"), Some("done"))
    );
    let steps = objects[0]["steps"].to_string();
    assert!(
        steps.contains("In scope") && steps.contains("userName eq"),
        "{steps}"
    );
    // Nothing failed in that run.
    let (ok, failed, _) =
        cli_json(&a, &["app", "logs", "b", "--tenant", "default", "--failed"]).await;
    assert!(ok);
    assert_eq!(failed["objects"].as_array().map(Vec::len), Some(0));

    // A second run: the log of the first stays reachable by id.
    let (ok, _, err) = cli_json(&a, &["app", "sync", "b", "--tenant", "default"]).await;
    assert!(ok, "{err}");
    let (ok, first, _) = cli_json(
        &a,
        &[
            "app",
            "logs",
            "b",
            "--tenant",
            "default",
            "--run",
            sync["run"].as_str().unwrap(),
        ],
    )
    .await;
    assert!(ok);
    assert_eq!(first["objects"][0]["action"], "create");

    // An app that refuses the credentials: the sync fails with a hint, and the run says why.
    let (ok, _, err) = a
        .cli(&["app", "sync", "broken", "--tenant", "default"])
        .await;
    assert!(!ok && err.contains("hint:"), "{err}");
    let (ok, logs, err) = cli_json(&a, &["app", "logs", "broken", "--tenant", "default"]).await;
    assert!(ok, "{err}");
    let error = logs["run"]["summary"]["error"].as_str().unwrap_or_default();
    assert!(error.to_lowercase().contains("credential"), "{logs}");
}
