//! The storage-trait test suite: behaviour every backend must have, written against the traits
//! only (`DirectoryStore`, `TenantStore`), and run on SQLite and on PostgreSQL.
//!
//! PostgreSQL: `SCIMITAR_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names a server on which each test creates, and afterwards drops, its own database. Without a
//! reachable server the PostgreSQL tests say so and pass, except under `CI=true`, where they
//! fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_core::{
    ChangeOp, MemberOp, MemberRef, NewResource, PasswordChange, ResourceUpdate, StoreError,
    TenantId,
};
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

#[path = "directory/backends.rs"]
#[allow(dead_code)]
mod backends;
use backends::Backend;

const NOW: &str = "2026-01-01T00:00:00.000000Z";

async fn tenant(b: &Backend, name: &str) -> TenantId {
    b.tenants.create_tenant(name, NOW).await.unwrap().id
}

fn user(id: &str, user_name: &str) -> NewResource {
    NewResource {
        kind: ResourceKind::User,
        id: id.into(),
        data: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name}),
        password_hash: None,
        members: vec![],
        now: NOW.into(),
    }
}

fn group(id: &str, members: &[&str]) -> NewResource {
    NewResource {
        kind: ResourceKind::Group,
        id: id.into(),
        data: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": id}),
        password_hash: None,
        members: members
            .iter()
            .map(|m| MemberRef {
                value: m.to_string(),
                kind: None,
            })
            .collect(),
        now: NOW.into(),
    }
}

fn members_only(ops: Vec<MemberOp>) -> ResourceUpdate {
    ResourceUpdate {
        expected_version: None,
        data: None,
        password: PasswordChange::Keep,
        members: ops,
        now: NOW.into(),
    }
}

async fn every_write_appends_to_the_change_log_in_order(b: &Backend) {
    let t = tenant(b, "a").await;
    let other = tenant(b, "b").await;
    b.directory.create(t, user("u1", "one")).await.unwrap();
    b.directory.create(other, user("x1", "one")).await.unwrap();
    b.directory.create(t, group("g1", &["u1"])).await.unwrap();
    b.directory
        .update(
            t,
            ResourceKind::Group,
            "g1",
            members_only(vec![MemberOp::Remove(vec!["u1".into()])]),
        )
        .await
        .unwrap();
    b.directory
        .delete(t, ResourceKind::User, "u1", None, NOW)
        .await
        .unwrap();
    let changes = b.directory.changes_since(t, 0, 100).await.unwrap();
    let seen: Vec<(ResourceKind, &str, ChangeOp)> = changes
        .iter()
        .map(|c| (c.kind, c.resource_id.as_str(), c.op))
        .collect();
    assert_eq!(
        seen,
        vec![
            (ResourceKind::User, "u1", ChangeOp::Create),
            (ResourceKind::Group, "g1", ChangeOp::Create),
            (ResourceKind::Group, "g1", ChangeOp::Update),
            (ResourceKind::User, "u1", ChangeOp::Delete),
        ]
    );
    assert!(changes.windows(2).all(|w| w[0].position < w[1].position));
    // Following by position: nothing after the last one, and the other tenant's change is not here.
    let last = changes.last().unwrap().position;
    assert!(b
        .directory
        .changes_since(t, last, 100)
        .await
        .unwrap()
        .is_empty());
    let theirs = b.directory.changes_since(other, 0, 100).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].resource_id, "x1");
}

async fn deleting_a_member_updates_its_groups_in_the_change_log(b: &Backend) {
    let t = tenant(b, "a").await;
    b.directory.create(t, user("u1", "one")).await.unwrap();
    b.directory.create(t, group("g1", &["u1"])).await.unwrap();
    let before = b
        .directory
        .get(t, ResourceKind::Group, "g1", true)
        .await
        .unwrap()
        .unwrap();
    let pos = b
        .directory
        .changes_since(t, 0, 100)
        .await
        .unwrap()
        .last()
        .unwrap()
        .position;
    b.directory
        .delete(t, ResourceKind::User, "u1", None, NOW)
        .await
        .unwrap();
    let after = b
        .directory
        .get(t, ResourceKind::Group, "g1", true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.members.unwrap(), vec![]);
    assert_eq!(after.version, before.version + 1);
    let ops: Vec<(String, ChangeOp)> = b
        .directory
        .changes_since(t, pos, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.resource_id, c.op))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("g1".to_string(), ChangeOp::Update),
            ("u1".to_string(), ChangeOp::Delete)
        ]
    );
}

async fn versions_guard_updates_and_deletes(b: &Backend) {
    let t = tenant(b, "a").await;
    let created = b.directory.create(t, user("u1", "one")).await.unwrap();
    assert_eq!(created.version, 1);
    let stale = ResourceUpdate {
        expected_version: Some(7),
        data: Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "two"}),
        ),
        password: PasswordChange::Keep,
        members: vec![],
        now: NOW.into(),
    };
    assert!(matches!(
        b.directory
            .update(t, ResourceKind::User, "u1", stale.clone())
            .await,
        Err(StoreError::VersionMismatch)
    ));
    let ok = ResourceUpdate {
        expected_version: Some(1),
        ..stale
    };
    assert_eq!(
        b.directory
            .update(t, ResourceKind::User, "u1", ok)
            .await
            .unwrap()
            .version,
        2
    );
    assert!(matches!(
        b.directory
            .delete(t, ResourceKind::User, "u1", Some(1), NOW)
            .await,
        Err(StoreError::VersionMismatch)
    ));
    b.directory
        .delete(t, ResourceKind::User, "u1", Some(2), NOW)
        .await
        .unwrap();
    assert!(b
        .directory
        .get(t, ResourceKind::User, "u1", false)
        .await
        .unwrap()
        .is_none());
}

async fn user_names_are_unique_per_tenant_case_insensitively(b: &Backend) {
    let t = tenant(b, "a").await;
    let other = tenant(b, "b").await;
    b.directory.create(t, user("u1", "Élodie@x")).await.unwrap();
    assert!(matches!(
        b.directory.create(t, user("u2", "éLODIE@X")).await,
        Err(StoreError::Conflict(_))
    ));
    b.directory
        .create(other, user("u3", "élodie@x"))
        .await
        .unwrap();
}

async fn members_are_checked_within_the_tenant_and_never_form_a_cycle(b: &Backend) {
    let t = tenant(b, "a").await;
    let other = tenant(b, "b").await;
    b.directory
        .create(other, user("theirs", "x"))
        .await
        .unwrap();
    assert!(matches!(
        b.directory.create(t, group("g1", &["theirs"])).await,
        Err(StoreError::InvalidReference(_))
    ));
    assert!(
        b.directory
            .get(t, ResourceKind::Group, "g1", false)
            .await
            .unwrap()
            .is_none(),
        "nothing half-created"
    );
    b.directory.create(t, group("g1", &[])).await.unwrap();
    b.directory.create(t, group("g2", &["g1"])).await.unwrap();
    b.directory.create(t, group("g3", &["g2"])).await.unwrap();
    let cycle = members_only(vec![MemberOp::Add(vec![MemberRef {
        value: "g3".into(),
        kind: None,
    }])]);
    assert!(matches!(
        b.directory
            .update(t, ResourceKind::Group, "g1", cycle)
            .await,
        Err(StoreError::InvalidReference(_))
    ));
    let groups = b.directory.groups_of(t, &["g1".to_string()]).await.unwrap();
    let mut ids: Vec<(String, bool)> = groups["g1"]
        .iter()
        .map(|g| (g.group_id.clone(), g.direct))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![("g2".to_string(), true), ("g3".to_string(), false)]
    );
}

async fn member_operations_apply_in_order(b: &Backend) {
    let t = tenant(b, "a").await;
    for i in 0..4 {
        b.directory
            .create(t, user(&format!("u{i}"), &format!("n{i}")))
            .await
            .unwrap();
    }
    b.directory
        .create(t, group("g", &["u0", "u1"]))
        .await
        .unwrap();
    let r = |id: &str| MemberRef {
        value: id.into(),
        kind: Some(ResourceKind::User),
    };
    let ops = vec![
        MemberOp::ReplaceAll(vec![r("u2")]),
        MemberOp::Add(vec![r("u3"), r("u2")]),
        MemberOp::Remove(vec!["u2".into(), "nope".into()]),
    ];
    b.directory
        .update(t, ResourceKind::Group, "g", members_only(ops))
        .await
        .unwrap();
    let ids: Vec<String> = b
        .directory
        .members(t, "g")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.value)
        .collect();
    assert_eq!(ids, vec!["u3".to_string()]);
    let wrong_kind = members_only(vec![MemberOp::Add(vec![MemberRef {
        value: "u0".into(),
        kind: Some(ResourceKind::Group),
    }])]);
    assert!(matches!(
        b.directory
            .update(t, ResourceKind::Group, "g", wrong_kind)
            .await,
        Err(StoreError::InvalidReference(_))
    ));
}

backends::on_every_backend!(every_write_appends_to_the_change_log_in_order);
backends::on_every_backend!(deleting_a_member_updates_its_groups_in_the_change_log);
backends::on_every_backend!(versions_guard_updates_and_deletes);
backends::on_every_backend!(user_names_are_unique_per_tenant_case_insensitively);
backends::on_every_backend!(members_are_checked_within_the_tenant_and_never_form_a_cycle);
backends::on_every_backend!(member_operations_apply_in_order);
