//! The SCIM connector against a real SCIM server (Scimitar's own, in-process, over HTTP):
//! every trait operation, with the result read back through the server, not the connector.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod scim_connector_support;

use scim_connector_support::{Scimitar, Stub, ENTERPRISE, USER_SCHEMA};
use scimitar_provisioning::connector::{
    AttributeChange, Auth, Connector, ConnectorError, DeleteOutcome, ResourceKind, ScimConnector,
    ScimConnectorConfig, Support,
};
use serde_json::{json, Value};

fn user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "userName": user_name,
        "externalId": format!("ext-{user_name}"),
        "active": true,
        "displayName": "Ann Lee",
        "nickName": "Annie",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"type": "work", "value": "ann@old.example", "primary": true}],
        ENTERPRISE: {"department": "Sales"}
    })
}

#[tokio::test]
async fn discover_reads_what_the_real_server_advertises() {
    let app = Scimitar::start().await;
    let connector = app.connector();
    let caps = connector.discover().await.unwrap();
    let (_, spc) = app.get("/ServiceProviderConfig").await;
    assert_eq!(spc["patch"]["supported"], json!(true));
    assert_eq!(
        caps.patch,
        Support::Supported,
        "patch.supported read from the document"
    );
    assert_eq!(
        (caps.filter, caps.etag, caps.bulk),
        (Support::Supported, Support::Supported, Support::Supported)
    );
    assert_eq!(caps.max_results, spc["filter"]["maxResults"].as_u64());
    assert!(caps.notes.is_empty(), "{:?}", caps.notes);
    let users = caps.resource_type("User").unwrap();
    assert_eq!(users.endpoint, "/Users");
    assert_eq!(users.extensions, [ENTERPRISE]);
    let attrs = users.attributes.as_ref().unwrap();
    let user_name = attrs.iter().find(|a| a.name == "userName").unwrap();
    assert!(user_name.required);
    assert!(attrs
        .iter()
        .any(|a| a.name == format!("{ENTERPRISE}:employeeNumber")));
    let groups = caps.resource_type("Group").unwrap();
    assert!(groups
        .attributes
        .as_ref()
        .unwrap()
        .iter()
        .any(|a| a.name == "members"));
    assert_eq!(
        connector.capabilities(),
        caps,
        "the connector keeps what it discovered"
    );
}

#[tokio::test]
async fn test_connection_queries_the_matching_attribute_and_expects_nothing() {
    let app = Scimitar::start().await;
    let proxy = Stub::proxy(&app).await;
    let connector = ScimConnector::new(ScimConnectorConfig::new(
        format!("{}/", proxy.url),
        Auth::bearer(app.token.clone()),
    ))
    .unwrap();
    let report = connector
        .test(ResourceKind::User, "userName")
        .await
        .unwrap();
    assert!(
        report.filter.starts_with("userName eq \""),
        "{}",
        report.filter
    );
    assert_eq!(report.endpoint, format!("{}/Users", proxy.url));
    assert_eq!(report.checks.len(), 3);
    let sent = proxy.recorded();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0]
            .uri
            .starts_with("/scim/v2/Users?filter=userName%20eq%20%22"),
        "{}",
        sent[0].uri
    );
    assert_eq!(
        sent[0].header("authorization").unwrap(),
        format!("Bearer {}", app.token)
    );
    assert!(sent[0]
        .header("user-agent")
        .unwrap()
        .starts_with("scimitar/"));
    assert!(sent[0]
        .header("accept")
        .unwrap()
        .contains("application/scim+json"));

    let group = connector
        .test(ResourceKind::Group, "displayName")
        .await
        .unwrap();
    assert!(group.endpoint.ends_with("/Groups"));

    let wrong = ScimConnector::new(ScimConnectorConfig::new(
        app.scim_url(),
        Auth::bearer("nope"),
    ))
    .unwrap();
    let err = wrong
        .test(ResourceKind::User, "userName")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.hint().contains("check the token"));
}

#[tokio::test]
async fn users_are_created_found_updated_disabled_enabled_and_deleted() {
    let app = Scimitar::start().await;
    let connector = app.connector();
    let created = connector
        .create(ResourceKind::User, user("ann"))
        .await
        .unwrap();
    let (status, stored) = app.get(&format!("/Users/{}", created.id)).await;
    assert_eq!((status, stored["userName"].as_str()), (200, Some("ann")));
    assert_eq!(created.body["userName"], "ann");

    let found = connector
        .find(ResourceKind::User, "userName", "ANN")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found.id, created.id,
        "userName matches case-insensitively, as the server says"
    );
    let by_ext = connector
        .find(ResourceKind::User, "externalId", "ext-ann")
        .await
        .unwrap();
    assert_eq!(by_ext.map(|o| o.id), Some(created.id.clone()));
    assert_eq!(
        connector
            .find(ResourceKind::User, "userName", "bob")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        connector
            .get(ResourceKind::User, &created.id)
            .await
            .unwrap()
            .body["displayName"],
        "Ann Lee"
    );

    connector
        .update(
            ResourceKind::User,
            &created.id,
            &[
                AttributeChange::set("title", json!("Engineer")),
                AttributeChange::set("name.givenName", json!("Anna")),
                AttributeChange::set(r#"emails[type eq "work"].value"#, json!("ann@new.example")),
                AttributeChange::set(format!("{ENTERPRISE}:employeeNumber"), json!("42")),
                AttributeChange::clear("nickName"),
                AttributeChange::clear(format!("{ENTERPRISE}:department")),
            ],
        )
        .await
        .unwrap();
    let (_, stored) = app.get(&format!("/Users/{}", created.id)).await;
    assert_eq!(stored["title"], "Engineer");
    assert_eq!(stored["name"]["givenName"], "Anna");
    assert_eq!(stored["name"]["familyName"], "Lee");
    assert_eq!(stored["emails"][0]["value"], "ann@new.example");
    assert_eq!(stored[ENTERPRISE]["employeeNumber"], "42");
    assert!(stored.get("nickName").is_none(), "cleared: {stored}");
    assert!(
        stored[ENTERPRISE].get("department").is_none(),
        "cleared: {stored}"
    );

    connector
        .disable(ResourceKind::User, &created.id)
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/Users/{}", created.id)).await.1["active"],
        json!(false)
    );
    connector
        .enable(ResourceKind::User, &created.id)
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/Users/{}", created.id)).await.1["active"],
        json!(true)
    );

    let dup = connector
        .create(ResourceKind::User, user("ann"))
        .await
        .unwrap_err();
    assert!(matches!(dup, ConnectorError::Conflict(_)), "{dup:?}");

    assert_eq!(
        connector
            .delete(ResourceKind::User, &created.id)
            .await
            .unwrap(),
        DeleteOutcome::Deleted
    );
    assert_eq!(app.get(&format!("/Users/{}", created.id)).await.0, 404);
    assert_eq!(
        connector
            .delete(ResourceKind::User, &created.id)
            .await
            .unwrap(),
        DeleteOutcome::AlreadyGone
    );
    let gone = connector
        .get(ResourceKind::User, &created.id)
        .await
        .unwrap_err();
    assert!(matches!(gone, ConnectorError::NotFound(_)), "{gone:?}");
    let bad = connector
        .update(
            ResourceKind::User,
            &created.id,
            &[AttributeChange::set("title", json!("x"))],
        )
        .await;
    assert!(matches!(bad, Err(ConnectorError::NotFound(_))), "{bad:?}");
}

#[tokio::test]
async fn matching_values_with_quotes_backslashes_and_url_characters_round_trip() {
    let app = Scimitar::start().await;
    let connector = app.connector();
    let tricky = [
        r#"o"brien\x"#,
        "a&b=c+d#e?f",
        "zoë ünïcode",
        "100%",
        "sp ace/slash",
    ];
    let mut ids = Vec::new();
    for name in tricky {
        ids.push(
            app.post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": name}),
            )
            .await,
        );
    }
    for (name, id) in tricky.iter().zip(&ids) {
        let found = connector
            .find(ResourceKind::User, "userName", name)
            .await
            .unwrap();
        assert_eq!(found.map(|o| o.id).as_ref(), Some(id), "{name}");
    }
    let report = connector
        .test(ResourceKind::User, "userName")
        .await
        .unwrap();
    assert_eq!(report.checks.len(), 3);
}
