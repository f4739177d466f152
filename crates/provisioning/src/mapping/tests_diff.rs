//! Differences between the app's copy and the mapped object: only what differs, with SCIM's
//! case rules, clears, booleans as text, member sets, and what is never a change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value as Json};

use super::test_support::*;
use super::*;

/// The Entra defaults applied to the realistic user, and the app's copy made from its body.
fn mapped_and_app_copy() -> (MappedObject, Json) {
    let mapped = map_object(
        &ObjectMappings::entra_defaults(),
        ResourceKind::User,
        &realistic_user(),
        &ctx(),
        false,
    )
    .unwrap();
    let mut app = mapped
        .to_scim_body(resolver(&[(MANAGER_ID, MANAGER_APP_ID)]))
        .unwrap()
        .body;
    app["id"] = json!("app-user-0001");
    app["meta"] = json!({"resourceType": "User", "version": "W/\"1\""});
    (mapped, app)
}

fn changes(mapped: &MappedObject, app: &Json) -> Vec<AttributeChange> {
    let d = diff(mapped, app, resolver(&[(MANAGER_ID, MANAGER_APP_ID)]));
    assert_eq!(d.unresolved, vec![]);
    d.changes
}

fn change(path: &str, old: Option<Json>, new: Option<Json>) -> AttributeChange {
    AttributeChange {
        path: path.to_string(),
        old,
        new,
        redacted: false,
    }
}

#[test]
fn the_app_copy_of_the_create_body_has_no_differences() {
    let (mapped, app) = mapped_and_app_copy();
    assert_eq!(changes(&mapped, &app), vec![]);
}

#[test]
fn differences_only_in_case_are_no_change_where_case_does_not_matter() {
    let (mapped, mut app) = mapped_and_app_copy();
    app["userName"] = json!("BARBARA.JENSEN@CONTOSO.COM");
    app["displayName"] = json!("babs jensen");
    app["name"]["givenName"] = json!("BARBARA");
    app["emails"][0]["value"] = json!("barbara.jensen@contoso.com");
    app["emails"][0]["type"] = json!("Work");
    app[ENT]["department"] = json!("tour operations");
    app[ENT]["manager"]["value"] = json!(MANAGER_APP_ID.to_uppercase());
    assert_eq!(changes(&mapped, &app), vec![]);
}

#[test]
fn case_exact_attributes_do_differ_in_case() {
    let (mapped, mut app) = mapped_and_app_copy();
    app["externalId"] = json!("BJensen");
    assert_eq!(
        changes(&mapped, &app),
        vec![change(
            "externalId",
            Some(json!("BJensen")),
            Some(json!("bjensen"))
        )]
    );
}

#[test]
fn real_differences_are_listed_with_old_and_new() {
    let (mapped, mut app) = mapped_and_app_copy();
    app["title"] = json!("Ticket Clerk");
    app["phoneNumbers"] = json!([{"type": "mobile", "value": "+1 555 555 0101"}]);
    app["active"] = json!(false);
    assert_eq!(
        changes(&mapped, &app),
        vec![
            change("active", Some(json!(false)), Some(json!(true))),
            change(
                "title",
                Some(json!("Ticket Clerk")),
                Some(json!("Tour Guide"))
            ),
            change(
                r#"phoneNumbers[type eq "work"].value"#,
                None,
                Some(json!("+1 555 555 0100"))
            ),
            change(
                r#"phoneNumbers[type eq "fax"].value"#,
                None,
                Some(json!("+1 555 555 0102"))
            ),
        ]
    );
}

#[test]
fn a_value_cleared_in_the_directory_is_cleared_in_the_app() {
    let (_, app) = mapped_and_app_copy();
    let mut user = realistic_user();
    user.as_object_mut().unwrap().remove("title");
    user[ENT].as_object_mut().unwrap().remove("manager");
    let mapped = map_object(
        &ObjectMappings::entra_defaults(),
        ResourceKind::User,
        &user,
        &ctx(),
        false,
    )
    .unwrap();
    assert_eq!(
        changes(&mapped, &app),
        vec![
            change("title", Some(json!("Tour Guide")), None),
            change(
                &format!("{ENT}:manager"),
                Some(json!({"value": MANAGER_APP_ID})),
                None
            ),
        ]
    );
    // Nothing to clear when the app has nothing either.
    let mut bare = app.clone();
    bare.as_object_mut().unwrap().remove("title");
    bare[ENT].as_object_mut().unwrap().remove("manager");
    assert_eq!(changes(&mapped, &bare), vec![]);
}

#[test]
fn booleans_as_text_and_numbers_as_text_compare_by_value() {
    let (mapped, mut app) = mapped_and_app_copy();
    app["active"] = json!("True");
    assert_eq!(changes(&mapped, &app), vec![]);
    app["active"] = json!("false");
    assert_eq!(changes(&mapped, &app).len(), 1);
}

#[test]
fn the_primary_work_entry_is_the_one_compared() {
    let (mapped, mut app) = mapped_and_app_copy();
    app["emails"] = json!([
        {"type": "work", "value": "old@contoso.com"},
        {"type": "work", "value": "Barbara.Jensen@contoso.com", "primary": true},
    ]);
    assert_eq!(changes(&mapped, &app), vec![]);
    app["emails"][1]["primary"] = json!(false);
    assert_eq!(
        changes(&mapped, &app),
        vec![change(
            r#"emails[type eq "work"].value"#,
            Some(json!("old@contoso.com")),
            Some(json!("Barbara.Jensen@contoso.com"))
        )]
    );
}

#[test]
fn members_compare_as_a_set_and_unresolved_members_are_reported() {
    let groups = ObjectMappings::entra_defaults();
    let mapped = map_object(
        &groups,
        ResourceKind::Group,
        &realistic_group(),
        &ctx(),
        false,
    )
    .unwrap();
    let all = resolver(&[
        ("2819c223-7f76-453a-919d-413861904646", "a1"),
        (MANAGER_ID, "a2"),
        ("fc348aa8-3835-40eb-a20b-c726e15c55b5", "a3"),
    ]);
    let mut app = json!({
        "id": "app-group-1",
        "displayName": "Tour Guides",
        "externalId": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "members": [{"value": "a3"}, {"value": "a1", "display": "Babs"}, {"value": "a2"}]
    });
    assert_eq!(diff(&mapped, &app, &all), Diff::default());
    app["members"] = json!([{"value": "a1"}, {"value": "a9"}]);
    let d = diff(&mapped, &app, &all);
    assert_eq!(
        d.changes,
        vec![change(
            "members",
            Some(json!([{"value": "a1"}, {"value": "a9"}])),
            Some(json!([{"value": "a1"}, {"value": "a2"}, {"value": "a3"}]))
        )]
    );
    let partial = resolver(&[("2819c223-7f76-453a-919d-413861904646", "a1")]);
    let d = diff(
        &mapped,
        &json!({"displayName": "Tour Guides", "externalId": "e9e30dba-f08f-4109-8486-d5c6a331660a", "members": [{"value": "a1"}]}),
        partial,
    );
    assert_eq!(d.changes, vec![]);
    let missing: Vec<&str> = d.unresolved.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(
        missing,
        vec![MANAGER_ID, "fc348aa8-3835-40eb-a20b-c726e15c55b5"]
    );
}

#[test]
fn volatile_ignored_and_on_create_targets_are_never_changes() {
    let mappings = users(vec![
        m("nickName", "Guid()"),
        m("title", "IgnoreFlowIfNullOrEmpty([title])"),
        m("userType", "\"Employee\"").on_create_only(),
    ]);
    let mut user = realistic_user();
    user["title"] = json!(null);
    let mapped = map_object(&mappings, ResourceKind::User, &user, &ctx(), false).unwrap();
    let app = json!({"userName": "Barbara.Jensen@contoso.com", "nickName": "x", "title": "Old", "userType": "Contractor"});
    assert_eq!(diff(&mapped, &app, nobody), Diff::default());
}

#[test]
fn redacted_changes_are_marked() {
    let mappings = users(vec![m("nickName", "Redact([title])")]);
    let mapped = map_user(&mappings, &realistic_user());
    let d = diff(
        &mapped,
        &json!({"userName": "Barbara.Jensen@contoso.com"}),
        nobody,
    );
    assert_eq!(d.changes.len(), 1);
    assert!(d.changes[0].redacted);
}

#[test]
fn a_malformed_app_object_is_a_difference_not_a_panic() {
    let (mapped, _) = mapped_and_app_copy();
    for app in [
        json!(null),
        json!([]),
        json!("x"),
        json!({"emails": "x", "name": [1], ENT: 5}),
    ] {
        let d = diff(&mapped, &app, resolver(&[(MANAGER_ID, MANAGER_APP_ID)]));
        assert_eq!(d.changes.len(), 22, "every target differs: {app}");
        assert!(d.changes.iter().all(|c| c.old.is_none() && c.new.is_some()));
    }
}
