//! The SCIM connector adapting to what an app supports: GET + PUT where there is no PATCH
//! (told by discovery, or found out from a 501), `If-Match` with a retry when the object
//! changed, discovery of apps that lack endpoints, and apps that cannot filter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod scim_connector_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use scim_connector_support::{
    list, scim, scim_error, Scimitar, Stub, ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA,
};
use scimitar_provisioning::connector::{
    AttributeChange, Auth, Capabilities, Connector, ConnectorError, ResourceKind, ScimConnector,
    Support,
};
use serde_json::json;

fn no_patch() -> Capabilities {
    Capabilities {
        patch: Support::Unsupported,
        ..Capabilities::unknown()
    }
}

#[tokio::test]
async fn without_patch_updates_are_a_get_and_a_put_of_the_whole_object() {
    let app = Scimitar::start().await;
    let proxy = Stub::proxy(&app).await;
    let mut config = proxy.connector_config();
    config.auth = Auth::bearer(app.token.clone());
    let connector = ScimConnector::new(config)
        .unwrap()
        .with_capabilities(no_patch());
    let id = app
        .post(
            "/Users",
            &json!({"schemas": [USER_SCHEMA], "userName": "ann", "nickName": "Annie",
                "name": {"givenName": "Ann", "familyName": "Lee"},
                "emails": [{"type": "work", "value": "ann@old.example"}]}),
        )
        .await;
    proxy.clear();
    connector
        .update(
            ResourceKind::User,
            &id,
            &[
                AttributeChange::set("name.givenName", json!("Anna")),
                AttributeChange::set(r#"emails[type eq "work"].value"#, json!("ann@new.example")),
                AttributeChange::set(format!("{ENTERPRISE}:employeeNumber"), json!("7")),
                AttributeChange::clear("nickName"),
            ],
        )
        .await
        .unwrap();
    let path = format!("/scim/v2/Users/{id}");
    assert_eq!(
        proxy.lines(),
        [format!("GET {path}"), format!("PUT {path}")]
    );
    let put = &proxy.recorded()[1];
    assert!(
        put.header("if-match").is_some(),
        "the PUT is conditional on the version read"
    );
    assert_eq!(put.header("content-type").unwrap(), "application/scim+json");
    assert!(
        put.json().get("meta").is_none(),
        "read-only meta is not sent back"
    );
    let (_, stored) = app.get(&format!("/Users/{id}")).await;
    assert_eq!(
        stored["name"],
        json!({"givenName": "Anna", "familyName": "Lee"})
    );
    assert_eq!(stored["emails"][0]["value"], "ann@new.example");
    assert_eq!(stored[ENTERPRISE]["employeeNumber"], "7");
    assert!(stored.get("nickName").is_none());

    proxy.clear();
    connector.disable(ResourceKind::User, &id).await.unwrap();
    assert_eq!(proxy.lines()[1], format!("PUT {path}"));
    assert_eq!(
        app.get(&format!("/Users/{id}")).await.1["active"],
        json!(false)
    );
}

#[tokio::test]
async fn without_patch_members_and_names_change_by_put() {
    let app = Scimitar::start().await;
    let proxy = Stub::proxy(&app).await;
    let mut config = proxy.connector_config();
    config.auth = Auth::bearer(app.token.clone());
    config.member_batch_size = 2;
    let connector = ScimConnector::new(config)
        .unwrap()
        .with_capabilities(no_patch());
    let mut users = Vec::new();
    for name in ["a", "b", "c", "d", "e"] {
        users.push(
            app.post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": name}),
            )
            .await,
        );
    }
    let group = app
        .post("/Groups", &json!({"schemas": [GROUP_SCHEMA], "displayName": "Ops", "members": [{"value": users[0]}]}))
        .await;
    proxy.clear();
    connector.add_members(&group, &users[1..]).await.unwrap();
    let methods: Vec<String> = proxy.recorded().iter().map(|r| r.method.clone()).collect();
    assert_eq!(
        methods,
        ["GET", "PUT"],
        "one read and one replace, whatever the batch size"
    );
    connector.remove_members(&group, &users[..2]).await.unwrap();
    connector.rename_group(&group, "Operations").await.unwrap();
    let (_, stored) = app.get(&format!("/Groups/{group}")).await;
    let mut members: Vec<&str> = stored["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort();
    let mut expected: Vec<&str> = users[2..].iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(members, expected);
    assert_eq!(stored["displayName"], "Operations");
    assert!(proxy.recorded().iter().all(|r| r.method != "PATCH"));
}

/// An app that answers PATCH with 501 and keeps one user in memory for GET and PUT; the
/// first PUT is refused with 412 when `conflict_once` is set.
async fn put_only_app(conflict_once: bool) -> Stub {
    let puts = Arc::new(AtomicUsize::new(0));
    Stub::start(move |req| match req.method.as_str() {
        "PATCH" => scim_error(501, None, "PATCH is not implemented"),
        "GET" => {
            let mut resp = scim(200, json!({"id": "1", "userName": "ann", "title": "Clerk", "meta": {"version": "W/\"3\""}}));
            resp.headers_mut().insert("etag", "W/\"3\"".parse().unwrap());
            resp
        }
        "PUT" if conflict_once && puts.fetch_add(1, Ordering::SeqCst) == 0 => {
            scim_error(412, None, "version mismatch")
        }
        "PUT" => scim(200, req.json()),
        _ => scim_error(405, None, "no"),
    })
    .await
}

#[tokio::test]
async fn an_app_answering_501_to_patch_is_updated_by_put_from_then_on() {
    let app = put_only_app(false).await;
    let connector = ScimConnector::new(app.connector_config()).unwrap();
    assert_eq!(connector.capabilities().patch, Support::Unknown);
    connector
        .update(
            ResourceKind::User,
            "1",
            &[AttributeChange::set("title", json!("Engineer"))],
        )
        .await
        .unwrap();
    assert_eq!(
        app.lines(),
        [
            "PATCH /scim/v2/Users/1",
            "GET /scim/v2/Users/1",
            "PUT /scim/v2/Users/1"
        ]
    );
    let put = app.recorded()[2].clone();
    assert_eq!(
        put.json(),
        json!({"id": "1", "userName": "ann", "title": "Engineer"})
    );
    assert_eq!(put.header("if-match").unwrap(), "W/\"3\"");
    assert_eq!(
        connector.capabilities().patch,
        Support::Unsupported,
        "remembered"
    );
    app.clear();
    connector.disable(ResourceKind::User, "1").await.unwrap();
    assert_eq!(
        app.lines(),
        ["GET /scim/v2/Users/1", "PUT /scim/v2/Users/1"],
        "no PATCH attempt again"
    );
    assert_eq!(app.recorded()[1].json()["active"], json!(false));
}

#[tokio::test]
async fn a_put_refused_with_412_is_read_and_tried_again() {
    let app = put_only_app(true).await;
    let connector = ScimConnector::new(app.connector_config())
        .unwrap()
        .with_capabilities(no_patch());
    connector
        .update(
            ResourceKind::User,
            "1",
            &[AttributeChange::set("title", json!("Engineer"))],
        )
        .await
        .unwrap();
    assert_eq!(
        app.lines(),
        [
            "GET /scim/v2/Users/1",
            "PUT /scim/v2/Users/1",
            "GET /scim/v2/Users/1",
            "PUT /scim/v2/Users/1"
        ]
    );
}

#[tokio::test]
async fn discovery_tolerates_an_app_without_schemas_or_resource_types() {
    let app = Stub::start(|req| match req.uri.as_str() {
        "/scim/v2/ServiceProviderConfig" => scim(
            200,
            json!({"patch": {"supported": false}, "filter": {"supported": true, "maxResults": 50}}),
        ),
        "/scim/v2/ResourceTypes" => scim(
            200,
            json!({"Resources": [{"name": "User", "endpoint": "/people", "schema": USER_SCHEMA}]}),
        ),
        "/scim/v2/Schemas" => scim_error(404, None, "no such endpoint"),
        uri if uri.starts_with("/scim/v2/people?") => list(vec![]),
        _ => scim_error(404, None, "unknown"),
    })
    .await;
    let connector = ScimConnector::new(app.connector_config()).unwrap();
    let caps = connector.discover().await.unwrap();
    assert_eq!(
        (caps.patch, caps.filter, caps.max_results),
        (Support::Unsupported, Support::Supported, Some(50))
    );
    assert_eq!(caps.etag, Support::Unknown);
    assert!(caps.resource_type("User").unwrap().attributes.is_none());
    assert_eq!(caps.notes.len(), 1);
    assert!(caps.notes[0].contains("/Schemas"), "{:?}", caps.notes);
    connector
        .test(ResourceKind::User, "userName")
        .await
        .unwrap();
    assert!(
        app.lines()
            .last()
            .unwrap()
            .starts_with("GET /scim/v2/people"),
        "the discovered endpoint is used"
    );

    let bare = Stub::start(|_| scim_error(404, None, "nothing here")).await;
    let caps = ScimConnector::new(bare.connector_config())
        .unwrap()
        .discover()
        .await
        .unwrap();
    assert_eq!(
        (caps.patch, caps.filter, caps.resource_types),
        (Support::Unknown, Support::Unknown, None)
    );
    assert_eq!(caps.notes.len(), 3);
}

#[tokio::test]
async fn an_app_that_cannot_filter_cannot_be_matched() {
    let app = Stub::start(|req| match req.uri.as_str() {
        "/scim/v2/ServiceProviderConfig" => scim(200, json!({"filter": {"supported": false}})),
        _ => list(vec![
            json!({"id": "1"}),
            json!({"id": "2"}),
            json!({"id": "3"}),
        ]),
    })
    .await;
    let connector = ScimConnector::new(app.connector_config()).unwrap();
    // Before discovery the connector tries, and sees that the filter was ignored.
    let err = connector
        .test(ResourceKind::User, "userName")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unsupported(d) if d.contains("cannot be matched by filter") && d.contains("ignores filters")),
        "{err:?}"
    );
    connector.discover().await.unwrap();
    app.clear();
    let err = connector
        .find(ResourceKind::User, "userName", "ann")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unsupported(d) if d.contains("cannot be matched by filter")),
        "{err:?}"
    );
    assert!(
        app.lines().is_empty(),
        "nothing is sent to an app known not to filter"
    );

    let refuses =
        Stub::start(|_| scim_error(400, Some("invalidFilter"), "filtering is not supported")).await;
    let err = ScimConnector::new(refuses.connector_config())
        .unwrap()
        .find(ResourceKind::User, "userName", "a")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unsupported(d) if d.contains("cannot be matched by filter")),
        "{err:?}"
    );
}

#[tokio::test]
async fn requests_carry_scim_headers_and_basic_credentials() {
    let app = Stub::start(|req| match req.method.as_str() {
        "POST" => scim(201, json!({"id": "9", "userName": "ann"})),
        _ => scim_error(404, None, "x"),
    })
    .await;
    let mut config = app.connector_config();
    config.auth = Auth::basic("svc", "pa:ss");
    let connector = ScimConnector::new(config).unwrap();
    let created = connector
        .create(ResourceKind::User, json!({"userName": "ann"}))
        .await
        .unwrap();
    assert_eq!(created.id, "9");
    let post = &app.recorded()[0];
    assert_eq!(
        post.header("content-type").unwrap(),
        "application/scim+json"
    );
    assert_eq!(
        post.header("authorization").unwrap(),
        "Basic c3ZjOnBhOnNz",
        "base64(svc:pa:ss)"
    );
    assert_eq!(
        post.header("user-agent").unwrap(),
        concat!("scimitar/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(post.json(), json!({"userName": "ann"}));
    // Ids are path segments: one that contains '/' or '?' cannot reach another resource.
    let _ = connector.get(ResourceKind::User, "../Groups/1?x=1").await;
    assert_eq!(
        app.recorded()[1].uri,
        "/scim/v2/Users/..%2FGroups%2F1%3Fx=1"
    );
}
