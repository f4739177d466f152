//! The plan as people and scripts see it: determinism, the JSON form (redaction included),
//! the text form and the summary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

/// One of each: create, update, disable, delete, skip, error, lookup.
fn mixed() -> Vec<SourceState> {
    let mut changed = user_n(2);
    let target = app_copy(ResourceKind::User, &changed, "app-2");
    changed["title"] = json!("Chief");
    vec![
        SourceState {
            matched: MatchResult::NotFound,
            ..SourceState::new(user_n(1))
        },
        linked(changed, target, false),
        SourceState {
            assigned: false,
            ..in_sync(user_n(3))
        },
        SourceState {
            object: DirectoryObject::Deleted {
                id: "00000000-0000-0000-0000-000000000004".into(),
            },
            link: Some(Linked {
                target_id: "app-4".into(),
                disabled: true,
            }),
            ..SourceState::new(user())
        },
        SourceState {
            assigned: false,
            ..SourceState::new(user_n(5))
        },
        SourceState {
            matched: MatchResult::Ambiguous {
                ids: vec!["x".into(), "y".into()],
            },
            ..SourceState::new(user_n(6))
        },
        SourceState::new(user_n(7)),
    ]
}

fn plan_mixed(objects: &[SourceState]) -> Plan {
    plan_users(objects, Deprovision::Disable)
}

#[test]
fn the_same_input_in_any_order_gives_byte_identical_json() {
    let objects = mixed();
    let first = serde_json::to_string(&plan_mixed(&objects)).unwrap();
    let again = serde_json::to_string(&plan_mixed(&objects)).unwrap();
    assert_eq!(first, again);
    let mut reversed = objects.clone();
    reversed.reverse();
    assert_eq!(
        first,
        serde_json::to_string(&plan_mixed(&reversed)).unwrap()
    );
    assert_eq!(
        plan_mixed(&objects).to_string(),
        plan_mixed(&reversed).to_string()
    );
}

#[test]
fn operations_are_ordered_by_directory_id() {
    let plan = plan_mixed(&mixed());
    let ids: Vec<&str> = plan
        .operations
        .iter()
        .map(|o| o.source_id.as_str())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

#[test]
fn the_summary_counts_by_action() {
    let s = plan_mixed(&mixed()).summary();
    let expected = Summary {
        create: 1,
        update: 1,
        disable: 1,
        delete: 0,
        skip: 2,
        error: 1,
        needs_lookup: 1,
        ..Summary::default()
    };
    assert_eq!(s, expected);
    assert_eq!(
        s.to_string(),
        "1 to create, 1 to update, 1 to disable, 2 skipped, 1 in error, 1 awaiting lookup"
    );
}

#[test]
fn the_text_plan_has_one_signed_block_per_object() {
    let text = plan_mixed(&mixed()).to_string();
    assert!(text.starts_with("Plan: 7 users, incremental run"), "{text}");
    assert!(
        text.contains("+ create user \"user1@contoso.com\""),
        "{text}"
    );
    assert!(text.contains("~ update user \"user2@contoso.com\" (00000000-0000-0000-0000-000000000002) → app app-2"), "{text}");
    assert!(
        text.contains("      title: \"Tour Guide\" → \"Chief\""),
        "{text}"
    );
    assert!(
        text.contains("- disable user \"user3@contoso.com\""),
        "{text}"
    );
    assert!(
        text.contains("= skip user (deleted) (00000000-0000-0000-0000-000000000004)"),
        "{text}"
    );
    assert!(
        text.contains("! error user \"user6@contoso.com\""),
        "{text}"
    );
    assert!(
        text.contains("? needs lookup user \"user7@contoso.com\""),
        "{text}"
    );
    assert!(text.contains("    scope:  Out of scope"), "{text}");
    assert!(
        text.contains("\"userName\": \"user1@contoso.com\""),
        "the create body is shown: {text}"
    );
    let deleted = plan_users(
        &[SourceState {
            object: DirectoryObject::Deleted { id: USER_ID.into() },
            link: Some(Linked {
                target_id: APP_ID.into(),
                disabled: false,
            }),
            ..SourceState::new(user())
        }],
        Deprovision::Delete,
    );
    assert!(deleted.to_string().contains("x delete user (deleted)"));
}

#[test]
fn the_json_plan_tags_actions_and_reasons() {
    let v = plan_mixed(&mixed()).to_json();
    assert_eq!(v["kind"], json!("User"));
    assert_eq!(v["run"], json!("incremental"));
    let ops = v["operations"].as_array().unwrap();
    let actions: Vec<&str> = ops
        .iter()
        .map(|o| o["action"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "update",
            "disable",
            "skip",
            "skip",
            "skip",
            "needs-lookup"
        ]
    );
    assert_eq!(
        ops[0]["action"]["body"]["userName"],
        json!("user1@contoso.com")
    );
    assert_eq!(
        ops[1]["action"]["changes"][0],
        json!({"path": "title", "old": "Tour Guide", "new": "Chief", "redacted": false})
    );
    assert_eq!(
        ops[3]["action"]["reason"],
        json!({"reason": "already-disabled"})
    );
    assert_eq!(
        ops[5]["action"]["reason"],
        json!({"reason": "ambiguous-match", "ids": ["x", "y"]})
    );
    assert_eq!(
        ops[6]["action"]["lookup"]["keys"][0]["path"],
        json!("userName")
    );
    assert_eq!(ops[0]["steps"][0]["stage"], json!("source"));
}

#[test]
fn redacted_values_never_reach_the_json_or_the_text() {
    let mappings = ObjectMappings::new(
        vec![
            m("userName", "[userName]").matching(1),
            m("nickName", "Redact([title])"),
            m("password", r#""Secret-Pa55""#).on_create_only(),
        ],
        vec![],
    )
    .unwrap();
    let target = TargetObject {
        id: APP_ID.into(),
        body: json!({"id": APP_ID, "userName": USER_NAME, "nickName": "Old title"}),
    };
    let objects = [
        linked(user(), target, false),
        SourceState {
            matched: MatchResult::NotFound,
            ..SourceState::new(user_n(1))
        },
    ];
    let plan = plan_mapped(
        ResourceKind::User,
        &mappings,
        &objects,
        &ScopingFilters::everything(),
        Deprovision::Disable,
    );
    let json = serde_json::to_string(&plan).unwrap();
    let text = plan.to_string();
    for secret in ["Old title", "Tour Guide", "Secret-Pa55"] {
        assert!(!json.contains(secret), "{secret} in {json}");
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("nickName: [redacted] → [redacted]"), "{text}");
    assert!(text.contains("password: [redacted]"), "{text}");
    // The executor still has the real values.
    let create = plan.operations.iter().find_map(|o| match &o.action {
        Action::Create(c) => Some(c),
        _ => None,
    });
    let create = create.unwrap();
    assert_eq!(create.body["password"], json!("Secret-Pa55"));
    assert_eq!(create.redacted, ["nickName", "password"]);
    assert!(create.shown_body().get("password").is_none());
}
