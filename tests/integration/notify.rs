//! Notifications (issue 5): `app set --notify-webhook/--notify-email`, the `notifications:`
//! line of `app show`, `app notify-test` delivering to a webhook receiver in the test (and
//! failing, non-zero, when a target does not receive it), and the same settings through
//! `PATCH /api/v1/apps/{name}` with bad values refused by field.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_api::Admin;
use crate::support::webhook::receiver;
use crate::support::Server;

async fn create_app(server: &Server, name: &str) {
    // Nothing listens on port 9: notifications do not need the app.
    server
        .cli_ok(&[
            "app",
            "create",
            name,
            "--tenant",
            "default",
            "--scim-url",
            "http://127.0.0.1:9/scim/v2",
            "--bearer-token",
            "t0123456789",
        ])
        .await;
}

#[tokio::test]
async fn notify_webhook_is_set_shown_and_tested_from_the_cli() {
    let server = Server::start().await;
    create_app(&server, "crm").await;
    let (url, got) = receiver().await;

    let out = server
        .cli_ok(&[
            "app",
            "set",
            "crm",
            "--tenant",
            "default",
            "--notify-webhook",
            &url,
        ])
        .await;
    assert!(
        out.contains(&format!("notifications: webhook {url} (all events)")),
        "{out}"
    );
    let show = server
        .cli_ok(&["app", "show", "crm", "--tenant", "default"])
        .await;
    assert!(
        show.lines()
            .any(|l| l == format!("notifications: webhook {url} (all events)")),
        "{show}"
    );

    let out = server
        .cli_ok(&["app", "notify-test", "crm", "--tenant", "default"])
        .await;
    let origin = url.trim_end_matches("/hooks/scimitar");
    assert!(out.contains(&format!("sent    webhook {origin}")), "{out}");
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "{received:?}");
    let n = &received[0];
    assert_eq!(n["event"], "test");
    assert_eq!(n["tenant"], "default");
    assert_eq!(n["app"], "crm");
    assert!(n["at"].as_str().unwrap().ends_with('Z'), "{n}");
    assert!(
        n["text"].as_str().unwrap().contains("test notification"),
        "{n}"
    );
    // The app's credentials are nowhere in it.
    assert!(!n.to_string().contains("t0123456789"), "{n}");

    // A bad URL or address is refused, naming the field, and changes nothing.
    for (flag, value, says) in [
        (
            "--notify-webhook",
            "ftp://x.example.com",
            "notifications.webhook",
        ),
        ("--notify-email", "nobody", "notifications.email"),
    ] {
        let (ok, _, err) = server
            .cli(&["app", "set", "crm", "--tenant", "default", flag, value])
            .await;
        assert!(!ok, "{flag} {value} was accepted");
        assert!(err.contains(says), "{err}");
    }

    // A recipient without an SMTP server, and a webhook nobody answers: both fail, non-zero.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    server
        .cli_ok(&[
            "app",
            "set",
            "crm",
            "--tenant",
            "default",
            "--notify-webhook",
            &dead,
            "--notify-email",
            "ops@example.com",
        ])
        .await;
    let (ok, out, err) = server
        .cli(&["app", "notify-test", "crm", "--tenant", "default"])
        .await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("FAILED  email ops@example.com: no SMTP server"),
        "{out}"
    );
    assert!(out.contains("FAILED  webhook http://127.0.0.1:"), "{out}");
    assert!(err.contains("not delivered to 2 of 2 targets"), "{err}");

    // Empty values clear; with no target, notify-test says how to set one.
    let out = server
        .cli_ok(&[
            "app",
            "set",
            "crm",
            "--tenant",
            "default",
            "--notify-webhook",
            "",
            "--notify-email",
            "",
        ])
        .await;
    assert!(out.contains("notifications: off"), "{out}");
    let (ok, _, err) = server
        .cli(&["app", "notify-test", "crm", "--tenant", "default"])
        .await;
    assert!(!ok);
    assert!(err.contains("no notification targets"), "{err}");
}

#[tokio::test]
async fn notifications_are_set_over_the_admin_api() {
    let server = Server::start().await;
    create_app(&server, "crm").await;
    let admin = Admin::of(&server, "default").await;

    let change = json!({"notifications": {"webhook": "https://hooks.example.com/x",
                                          "email": ["ops@example.com"],
                                          "events": ["threshold-stop", "quarantined"]}});
    let (status, _, app) = admin.send(Method::PATCH, "/apps/crm", Some(change)).await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(
        app["notifications"],
        json!({"webhook": "https://hooks.example.com/x", "email": ["ops@example.com"],
               "events": ["quarantined", "threshold-stop"]})
    );
    // Fields left out stay as they are.
    let change = json!({"notifications": {"email": []}});
    let (status, _, app) = admin.send(Method::PATCH, "/apps/crm", Some(change)).await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(
        app["notifications"]["webhook"],
        "https://hooks.example.com/x"
    );
    assert_eq!(app["notifications"]["email"], json!([]));

    for (bad, field) in [
        (
            json!({"webhook": "mailto:ops@example.com"}),
            "notifications.webhook",
        ),
        (
            json!({"email": ["ops@example.com", "not-an-address"]}),
            "notifications.email",
        ),
        (json!({"events": ["explode"]}), "notifications.events"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let (status, ctype, body) = admin
            .send(
                Method::PATCH,
                "/apps/crm",
                Some(json!({"notifications": bad})),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(ctype, "application/problem+json");
        assert!(
            body["detail"].as_str().unwrap().contains(field),
            "{bad}: {body}"
        );
    }
    let (status, _, app) = admin.send(Method::GET, "/apps/crm", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        app["notifications"]["webhook"],
        "https://hooks.example.com/x"
    );
    // The CLI sees what the API set.
    let show = server
        .cli_ok(&["app", "show", "crm", "--tenant", "default"])
        .await;
    assert!(
        show.contains(
            "notifications: webhook https://hooks.example.com/x (quarantined, threshold-stop)"
        ),
        "{show}"
    );

    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["NotificationsChange"].is_object(), "{schemas}");
    assert!(
        schemas["AppChanges"]["properties"]["notifications"].is_object(),
        "{schemas}"
    );
    assert!(
        schemas["AppOut"]["properties"]["notifications"].is_object(),
        "{schemas}"
    );
}
