//! `/api/v1/apps/{name}/...` (issue 4), what is refused and what fails: bad settings, mappings,
//! scopes and assignments are 4xx problems that say what is wrong and change nothing; an app
//! that cannot be reached is a 502 with the connector's error and hint, and its failed run is
//! recorded and counted. The OpenAPI document lists every route.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_api::Admin;
use crate::support::Server;

fn detail(body: &Value) -> &str {
    body["detail"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn bad_input_is_refused_and_app_failures_explained() {
    let server = Server::start().await;
    let scim = server.client();
    let ada = scim.create_user("ada@example.com").await;
    let admin = Admin::of(&server, "default").await;
    // Nothing listens on port 9: every call to the app fails.
    let new = json!({"name": "down", "scimUrl": "http://127.0.0.1:9/scim/v2",
                     "auth": {"type": "bearer", "token": "t0123456789"}});
    let (status, _, _) = admin.send(Method::POST, "/apps", Some(new)).await;
    assert_eq!(status, 201);
    let (status, _, _) = admin
        .send(
            Method::POST,
            "/apps/down/assignments",
            Some(json!({"user": "ada@example.com"})),
        )
        .await;
    assert_eq!(status, 201);

    // The app's failures: 502 problems with the error and what to do.
    for (method, path) in [
        (Method::POST, "/apps/down/test"),
        (Method::POST, "/apps/down/plan"),
        (Method::POST, "/apps/down/sync"),
    ] {
        let (status, ctype, body) = admin.send(method, path, None).await;
        assert_eq!(status, 502, "{path}: {body}");
        assert_eq!(ctype, "application/problem+json");
        assert!(detail(&body).contains("\nhint: "), "{path}: {body}");
    }
    // The failed sync is recorded, with its error, and counted.
    let (status, _, log) = admin
        .send(Method::GET, "/apps/down/runs/latest", None)
        .await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log["run"]["state"], "finished");
    assert!(log["run"]["summary"]["error"].is_string(), "{log}");
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("scimitar_provisioning_runs_total{")
                && l.contains("app=\"down\"")
                && l.contains("result=\"error\"")
                && l.ends_with(" 1")),
        "{metrics}"
    );

    // PATCH: unknown fields, nothing to change and a bad policy are 400 and change nothing.
    for bad in [
        json!({"deprovision": "disable", "colour": "red"}),
        json!({}),
        json!({"deprovision": "explode"}),
        json!({"scimUrl": "ftp://app.example.com/scim"}),
        json!({"concurrency": 0}),
        json!({"concurrency": 65}),
    ] {
        let (status, _, body) = admin
            .send(Method::PATCH, "/apps/down", Some(bad.clone()))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(!detail(&body).is_empty(), "{body}");
    }
    let (_, _, app) = admin.send(Method::GET, "/apps/down", None).await;
    assert_eq!(
        (&app["deprovision"], &app["version"], &app["scimUrl"]),
        (
            &json!("disable"),
            &json!(1),
            &json!("http://127.0.0.1:9/scim/v2")
        ),
        "{app}"
    );
    let change = json!({"deprovision": "nothing", "scimUrl": "https://app.example.com/scim/v2/",
                        "auth": {"type": "basic", "user": "svc", "password": "pw-5678"}});
    let (status, _, changed) = admin.send(Method::PATCH, "/apps/DOWN", Some(change)).await;
    assert_eq!(status, 200, "{changed}");
    let (_, _, app) = admin.send(Method::GET, "/apps/down", None).await;
    assert_eq!(app, changed);
    assert_eq!(app["deprovision"], "nothing");
    assert_eq!(app["scimUrl"], "https://app.example.com/scim/v2");
    assert!(app["auth"].as_str().unwrap().contains("svc"), "{app}");
    assert!(!app.to_string().contains("pw-5678"), "{app}");
    assert_eq!(app["concurrency"], 8, "the default");
    let (status, _, changed) = admin
        .send(
            Method::PATCH,
            "/apps/down",
            Some(json!({"concurrency": 16})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let (_, _, app) = admin.send(Method::GET, "/apps/down", None).await;
    assert_eq!(app["concurrency"], 16);
    assert_eq!(app["deprovision"], "nothing", "kept");

    // Mappings: not TOML is 400, a broken rule 422, both naming the line; nothing is stored.
    let (_, _, before) = admin
        .send_text(Method::GET, "/apps/down/mappings", "", None)
        .await;
    let (status, ctype, body) = admin
        .send_text(
            Method::PUT,
            "/apps/down/mappings",
            "application/toml",
            Some("[[users]\ntarget = \"userName\"\n".into()),
        )
        .await;
    assert_eq!(
        (status, ctype.as_str()),
        (400, "application/problem+json"),
        "{body}"
    );
    assert!(body.contains("line"), "{body}");
    let unknown_target =
        "[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\nmatching = 1\n\n\
                          [[users]]\ntarget = \"noSuchAttribute\"\nsource = \"[title]\"\n";
    let (status, _, body) = admin
        .send_text(
            Method::PUT,
            "/apps/down/mappings",
            "application/toml",
            Some(unknown_target.into()),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("line 7") && body.contains("noSuchAttribute"),
        "{body}"
    );
    let (_, _, after) = admin
        .send_text(Method::GET, "/apps/down/mappings", "", None)
        .await;
    assert_eq!(before, after);

    // Scope: a filter that does not parse is 400, one on a multi-valued attribute 422, an
    // unknown field 400; nothing is stored. Then a good one, and clearing it.
    for (bad, want) in [
        (json!({"users": "department EQUALS Sales"}), 400),
        (json!({"users": "emails EQUALS \"x\""}), 422),
        (json!({"people": "active IS TRUE"}), 400),
        (
            json!({"users": "active IS TRUE", "groups": "displayName BOGUS"}),
            400,
        ),
    ] {
        let (status, _, body) = admin
            .send(Method::PUT, "/apps/down/scope", Some(bad.clone()))
            .await;
        assert_eq!(status, want, "{bad}: {body}");
        assert!(!detail(&body).is_empty(), "{body}");
    }
    let (_, _, scope) = admin.send(Method::GET, "/apps/down/scope", None).await;
    assert_eq!(scope, json!({"users": "", "groups": ""}));
    let (_, _, scope) = admin
        .send(
            Method::PUT,
            "/apps/down/scope",
            Some(json!({"groups": "displayName EQUALS \"Sales\""})),
        )
        .await;
    assert_eq!(
        scope,
        json!({"users": "", "groups": "displayName EQUALS \"Sales\""})
    );
    let (_, _, scope) = admin
        .send(
            Method::PUT,
            "/apps/down/scope",
            Some(json!({"users": "active IS TRUE"})),
        )
        .await;
    assert_eq!(
        scope,
        json!({"users": "active IS TRUE", "groups": "displayName EQUALS \"Sales\""})
    );
    let (_, _, scope) = admin
        .send(Method::PUT, "/apps/down/scope", Some(json!({"groups": ""})))
        .await;
    assert_eq!(scope, json!({"users": "active IS TRUE", "groups": ""}));

    // Assignments: unknown names 404, ambiguous requests 400; everyone is assigned and back.
    for (bad, want) in [
        (json!({"user": "nobody@example.com"}), 404),
        (json!({"group": "Nobody"}), 404),
        (json!({"user": "ada@example.com", "all": true}), 400),
        (json!({}), 400),
        (json!({"all": false}), 400),
    ] {
        let (status, _, body) = admin
            .send(Method::POST, "/apps/down/assignments", Some(bad.clone()))
            .await;
        assert_eq!(status, want, "{bad}: {body}");
    }
    let (status, _, all) = admin
        .send(
            Method::POST,
            "/apps/down/assignments",
            Some(json!({"all": true})),
        )
        .await;
    assert_eq!(status, 201, "{all}");
    let (_, _, listed) = admin
        .send(Method::GET, "/apps/down/assignments", None)
        .await;
    let ada_assigned = json!({"type": "user", "id": ada, "name": "ada@example.com"});
    assert_eq!(
        listed,
        json!([{"type": "all", "id": null, "name": null}, ada_assigned])
    );
    let (status, _, _) = admin
        .send(Method::DELETE, "/apps/down/assignments?all=true", None)
        .await;
    assert_eq!(status, 204);
    let (status, _, body) = admin
        .send(Method::DELETE, "/apps/down/assignments?all=true", None)
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, _, _) = admin
        .send(Method::DELETE, "/apps/down/assignments?everyone=1", None)
        .await;
    assert_eq!(status, 400);
    let (_, _, listed) = admin
        .send(Method::GET, "/apps/down/assignments", None)
        .await;
    assert_eq!(listed, json!([ada_assigned]));

    // Provisioning on demand needs exactly one known object.
    for (bad, want) in [
        (json!({}), 400),
        (json!({"user": "a", "group": "b"}), 400),
        (json!({"user": "nobody@example.com"}), 404),
    ] {
        let (status, _, body) = admin
            .send(Method::POST, "/apps/down/provision", Some(bad.clone()))
            .await;
        assert_eq!(status, want, "{bad}: {body}");
    }

    // Runs: limits are checked; unknown runs and apps are 404.
    let (status, _, _) = admin
        .send(Method::GET, "/apps/down/runs?limit=0", None)
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = admin
        .send(Method::GET, "/apps/down/runs?limit=1001", None)
        .await;
    assert_eq!(status, 400);
    let (status, _, runs) = admin
        .send(Method::GET, "/apps/down/runs?limit=1000", None)
        .await;
    assert_eq!((status, runs.as_array().map(Vec::len)), (200, Some(1)));
    let (status, _, _) = admin
        .send(Method::GET, "/apps/down/runs/no-such-run", None)
        .await;
    assert_eq!(status, 404);
    for (method, path) in [
        (Method::PATCH, "/apps/nope"),
        (Method::POST, "/apps/nope/test"),
        (Method::GET, "/apps/nope/schema"),
        (Method::GET, "/apps/nope/assignments"),
        (Method::GET, "/apps/nope/mappings"),
        (Method::GET, "/apps/nope/scope"),
        (Method::POST, "/apps/nope/plan"),
        (Method::POST, "/apps/nope/sync"),
        (Method::POST, "/apps/nope/start"),
        (Method::GET, "/apps/nope/runs"),
        (Method::GET, "/apps/nope/runs/latest"),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"deprovision": "delete"}));
        let (status, _, out) = admin.send(method, path, body).await;
        assert_eq!(status, 404, "{path}: {out}");
        assert!(
            detail(&out).contains("no app named 'nope'"),
            "{path}: {out}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_admin_route() {
    let server = Server::start().await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = &doc["paths"];
    for (path, methods) in [
        ("/api/v1/apps", &["get", "post"][..]),
        ("/api/v1/apps/{name}", &["get", "patch", "delete"]),
        ("/api/v1/apps/{name}/test", &["post"]),
        ("/api/v1/apps/{name}/schema", &["get"]),
        (
            "/api/v1/apps/{name}/assignments",
            &["get", "post", "delete"],
        ),
        ("/api/v1/apps/{name}/mappings", &["get", "put"]),
        ("/api/v1/apps/{name}/scope", &["get", "put"]),
        ("/api/v1/apps/{name}/plan", &["post"]),
        ("/api/v1/apps/{name}/sync", &["post"]),
        ("/api/v1/apps/{name}/provision", &["post"]),
        ("/api/v1/apps/{name}/start", &["post"]),
        ("/api/v1/apps/{name}/stop", &["post"]),
        ("/api/v1/apps/{name}/runs", &["get"]),
        ("/api/v1/apps/{name}/runs/latest", &["get"]),
        ("/api/v1/apps/{name}/runs/{id}", &["get"]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} missing: {paths}");
        }
    }
    // Request and response bodies are described.
    let schemas = &doc["components"]["schemas"];
    for name in [
        "AppChanges",
        "Target",
        "Scope",
        "SyncOut",
        "RunLog",
        "TestReport",
    ] {
        assert!(schemas[name].is_object(), "{name} missing");
    }
    assert!(
        paths["/api/v1/apps/{name}/mappings"]["put"]["requestBody"]["content"]["application/toml"]
            .is_object(),
        "{}",
        paths["/api/v1/apps/{name}/mappings"]
    );
    let delete = &paths["/api/v1/apps/{name}/assignments"]["delete"]["parameters"];
    let names: Vec<&str> = delete
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["name", "user", "group", "all"], "{delete}");
}
