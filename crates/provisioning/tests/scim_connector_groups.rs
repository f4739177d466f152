//! The SCIM connector's group and reconcile operations against a real SCIM server
//! (Scimitar's own, in-process, over HTTP): member changes in batches, rename, matching a group,
//! and paging through everything. Results are read back through the server; a recording proxy
//! in front of it shows how many requests each operation cost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod scim_connector_support;

use scim_connector_support::{Scimitar, Stub, GROUP_SCHEMA, USER_SCHEMA};
use scimitar_core::Limits;
use scimitar_provisioning::connector::{
    Auth, Connector, DeleteOutcome, PageRequest, ResourceKind, ScimConnector, ScimConnectorConfig,
};
use serde_json::{json, Value};

#[tokio::test]
async fn groups_are_created_renamed_found_and_members_change_in_batches() {
    let app = Scimitar::start().await;
    let proxy = Stub::proxy(&app).await;
    let mut config = ScimConnectorConfig::new(proxy.url.clone(), Auth::bearer(app.token.clone()));
    config.member_batch_size = 50;
    let connector = ScimConnector::new(config).unwrap();
    let mut users = Vec::new();
    for i in 0..120 {
        users.push(
            app.post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": format!("u{i}")}),
            )
            .await,
        );
    }
    let group = connector
        .create(
            ResourceKind::Group,
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": []}),
        )
        .await
        .unwrap();
    proxy.clear();
    connector.add_members(&group.id, &users).await.unwrap();
    let patches = proxy.lines();
    assert_eq!(
        patches,
        vec![format!("PATCH /scim/v2/Groups/{}", group.id); 3],
        "120 members in batches of 50"
    );
    let sizes: Vec<usize> = proxy
        .recorded()
        .iter()
        .map(|r| r.json()["Operations"][0]["value"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    let members = |g: &Value| -> Vec<String> {
        let mut ids: Vec<String> = g["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    };
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(
        members(&app.get(&format!("/Groups/{}", group.id)).await.1),
        expected
    );

    proxy.clear();
    connector
        .remove_members(&group.id, &users[..70])
        .await
        .unwrap();
    assert_eq!(proxy.lines().len(), 2, "70 removals in batches of 50");
    let mut left = users[70..].to_vec();
    left.sort();
    assert_eq!(
        members(&app.get(&format!("/Groups/{}", group.id)).await.1),
        left,
        "only the listed members left"
    );

    connector
        .rename_group(&group.id, "Engineering")
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/Groups/{}", group.id)).await.1["displayName"],
        "Engineering"
    );
    proxy.clear();
    let found = connector
        .find(ResourceKind::Group, "displayName", "Engineering")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, group.id);
    assert!(
        found.body.get("members").is_none(),
        "matching leaves members out"
    );
    assert!(proxy.recorded()[0]
        .uri
        .contains("excludedAttributes=members"));
    assert!(connector.add_members(&group.id, &[]).await.is_ok());
    assert_eq!(proxy.recorded().len(), 1, "no members, no request");

    assert_eq!(
        connector
            .delete(ResourceKind::Group, &group.id)
            .await
            .unwrap(),
        DeleteOutcome::Deleted
    );
    assert_eq!(app.get(&format!("/Groups/{}", group.id)).await.0, 404);
}

#[tokio::test]
async fn list_pages_through_everything_within_the_servers_page_size() {
    // The server caps pages at 7 (its itemsPerPage), below the 10 the connector asks for.
    let limits = Limits {
        max_page_size: 7,
        ..Limits::default()
    };
    let app = Scimitar::start_with(limits).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(
            app.post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": format!("p{i:02}")}),
            )
            .await,
        );
    }
    let connector = app.connector();
    let mut page = Some(PageRequest::first(10));
    let (mut seen, mut sizes) = (Vec::new(), Vec::new());
    while let Some(request) = page {
        let result = connector.list(ResourceKind::User, request).await.unwrap();
        assert_eq!(result.total_results, 25);
        sizes.push(result.objects.len());
        seen.extend(result.objects.into_iter().map(|o| o.id));
        page = result.next;
        assert!(sizes.len() < 10, "paging must end");
    }
    assert_eq!(sizes, [7, 7, 7, 4]);
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids, "every user exactly once");

    // What discovery says about maxResults bounds the page size too.
    let capped = app.connector();
    capped.discover().await.unwrap();
    assert_eq!(capped.capabilities().max_results, Some(7));
    let first = capped
        .list(ResourceKind::User, PageRequest::first(1000))
        .await
        .unwrap();
    assert_eq!(
        (first.objects.len(), first.next),
        (
            7,
            Some(PageRequest {
                start_index: 8,
                count: 7
            })
        )
    );
    let empty = capped
        .list(ResourceKind::Group, PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(
        (empty.objects.len(), empty.total_results, empty.next),
        (0, 0, None)
    );
}
