//! Users in scope, with the Entra default mappings: lookups, create, adopt, update, unchanged,
//! clears, case rules, references, ambiguity, SelectUniqueValue and on-create mappings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

#[test]
fn an_unlinked_user_not_looked_up_asks_for_a_search_by_the_matching_attribute() {
    let plan = plan_users(&[SourceState::new(user())], Deprovision::Disable);
    let op = only(&plan);
    let Action::NeedsLookup {
        lookup: Lookup::Match { keys },
    } = &op.action
    else {
        panic!("{op}");
    };
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].filter(), format!("userName eq \"{USER_NAME}\""));
    assert!(!plan.is_complete());
    assert_eq!(plan.pending_lookups().count(), 1);
    assert_eq!(plan.summary().needs_lookup, 1);
}

#[test]
fn a_user_not_found_in_the_app_is_created_with_the_manager_resolved() {
    let state = SourceState {
        matched: MatchResult::NotFound,
        ..SourceState::new(user())
    };
    let plan = plan_users(&[state], Deprovision::Disable);
    let op = only(&plan);
    let Action::Create(create) = &op.action else {
        panic!("{op}");
    };
    assert_eq!(create.body["userName"], json!(USER_NAME));
    assert_eq!(create.body["name"]["formatted"], json!("Barbara Jensen"));
    assert_eq!(
        create.body[ENT]["manager"],
        json!({"value": MANAGER_APP_ID})
    );
    assert_eq!(create.body[ENT]["employeeNumber"], json!("701984"));
    assert!(op.unresolved.is_empty());
    assert!(plan.is_complete());
    let text = steps_text(op);
    assert!(
        text.contains("In scope: assigned, active, no scoping filters"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "No account in the app matches userName eq \"{USER_NAME}\""
        )),
        "{text}"
    );
}

#[test]
fn an_unresolved_manager_is_left_out_of_the_body_and_reported() {
    let mut u = user();
    u[ENT]["manager"] = json!({"value": "not-provisioned-yet"});
    let state = SourceState {
        matched: MatchResult::NotFound,
        ..SourceState::new(u)
    };
    let plan = plan_users(&[state], Deprovision::Disable);
    let op = only(&plan);
    let Action::Create(create) = &op.action else {
        panic!("{op}");
    };
    assert!(create.body[ENT].get("manager").is_none(), "{}", create.body);
    assert_eq!(op.unresolved.len(), 1);
    assert_eq!(op.unresolved[0].id, "not-provisioned-yet");
    assert!(op.unresolved[0].path.ends_with(":manager"));
    assert!(steps_text(op).contains("user not-provisioned-yet is not in the app yet"));
}

#[test]
fn a_matched_account_is_linked_and_updated_never_duplicated() {
    let mut found = app_copy(ResourceKind::User, &user(), "existing-9");
    found.body["title"] = json!("Intern");
    let state = SourceState {
        matched: MatchResult::Found(found),
        ..SourceState::new(user())
    };
    let plan = plan_users(&[state], Deprovision::Disable);
    let op = only(&plan);
    let Action::Link { target_id, changes } = &op.action else {
        panic!("{op}");
    };
    assert_eq!(target_id, "existing-9");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path, "title");
    assert_eq!(changes[0].new, Some(json!("Tour Guide")));
    let text = steps_text(op);
    assert!(
        text.contains(&format!(
            "Matched account existing-9 in the app by userName eq \"{USER_NAME}\""
        )),
        "{text}"
    );
    assert!(
        text.contains("title: \"Intern\" → \"Tour Guide\""),
        "{text}"
    );
}

#[test]
fn an_unchanged_user_is_skipped_as_unchanged() {
    let plan = plan_users(&[in_sync(user())], Deprovision::Disable);
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Skip {
            reason: SkipReason::Unchanged
        }
    );
    assert!(steps_text(op).contains("Linked to account app-user-7001"));
    assert_eq!(plan.summary().skip, 1);
}

#[test]
fn a_changed_attribute_is_the_only_change_with_old_and_new() {
    let target = app_copy(ResourceKind::User, &user(), APP_ID);
    let mut u = user();
    u["title"] = json!("Senior Tour Guide");
    u[ENT]["department"] = json!("Sales");
    let plan = plan_users(&[linked(u, target, false)], Deprovision::Disable);
    let op = only(&plan);
    let paths: Vec<&str> = changes(op).iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["title", &format!("{ENT}:department")]);
    assert!(matches!(&op.action, Action::Update { target_id, .. } if target_id == APP_ID));
    let text = steps_text(op);
    assert!(
        text.contains("Update 2 attributes of account app-user-7001"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{ENT}:department: \"Tour Operations\" → \"Sales\""
        )),
        "{text}"
    );
}

#[test]
fn clearing_an_attribute_in_the_directory_clears_it_in_the_app() {
    let target = app_copy(ResourceKind::User, &user(), APP_ID);
    let mut u = user();
    u.as_object_mut().unwrap().remove("title");
    let plan = plan_users(&[linked(u, target, false)], Deprovision::Disable);
    let op = only(&plan);
    let c = changes(op);
    assert_eq!(c.len(), 1, "{op}");
    assert_eq!((c[0].path.as_str(), c[0].new.as_ref()), ("title", None));
    assert!(steps_text(op).contains("title: \"Tour Guide\" → (cleared)"));
}

#[test]
fn a_case_only_difference_on_a_case_insensitive_attribute_is_unchanged() {
    let mut target = app_copy(ResourceKind::User, &user(), APP_ID);
    target.body["userName"] = json!(USER_NAME.to_lowercase());
    target.body["displayName"] = json!("BABS JENSEN");
    let plan = plan_users(&[linked(user(), target, false)], Deprovision::Disable);
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::Unchanged
        }
    );
}

#[test]
fn a_changed_manager_is_sent_as_the_managers_app_id() {
    let mut target = app_copy(ResourceKind::User, &user(), APP_ID);
    target.body[ENT]["manager"] = json!({"value": "app-user-old-boss"});
    let plan = plan_users(&[linked(user(), target, false)], Deprovision::Disable);
    let c = changes(only(&plan));
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].new, Some(json!({"value": MANAGER_APP_ID})));
}

#[test]
fn an_unresolved_manager_is_reported_and_not_cleared_in_the_app() {
    let target = app_copy(ResourceKind::User, &user(), APP_ID);
    let mut u = user();
    u[ENT]["manager"] = json!({"value": "new-boss-not-in-app"});
    let plan = plan_users(&[linked(u, target, false)], Deprovision::Disable);
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Skip {
            reason: SkipReason::Unchanged
        },
        "{op}"
    );
    assert_eq!(op.unresolved.len(), 1);
    assert_eq!(op.unresolved[0].id, "new-boss-not-in-app");
}

#[test]
fn a_linked_user_not_read_asks_for_a_read() {
    let state = SourceState {
        link: Some(Linked {
            target_id: APP_ID.into(),
            disabled: false,
        }),
        ..SourceState::new(user())
    };
    let plan = plan_users(&[state], Deprovision::Disable);
    let lookup = Lookup::Read {
        target_id: APP_ID.into(),
    };
    assert_eq!(only(&plan).action, Action::NeedsLookup { lookup });
}

#[test]
fn a_linked_account_the_app_lost_is_matched_again_then_created() {
    let state = SourceState {
        link: Some(Linked {
            target_id: APP_ID.into(),
            disabled: false,
        }),
        target: TargetState::NotFound,
        matched: MatchResult::NotFound,
        ..SourceState::new(user())
    };
    let plan = plan_users(&[state], Deprovision::Disable);
    let op = only(&plan);
    assert!(matches!(op.action, Action::Create(_)), "{op}");
    assert!(steps_text(op).contains("but the app no longer has it"));
}

#[test]
fn an_ambiguous_match_is_an_error_naming_the_accounts() {
    let state = SourceState {
        matched: MatchResult::Ambiguous {
            ids: vec!["a-1".into(), "a-2".into()],
        },
        ..SourceState::new(user())
    };
    let plan = plan_users(&[state], Deprovision::Disable);
    let op = only(&plan);
    let reason = SkipReason::AmbiguousMatch {
        ids: vec!["a-1".into(), "a-2".into()],
    };
    assert_eq!(op.action, Action::Skip { reason });
    assert!(steps_text(op).contains("2 accounts in the app match userName eq"));
    assert!(steps_text(op).contains("a-1, a-2"));
    assert_eq!(plan.summary().error, 1);
}

#[test]
fn select_unique_value_takes_the_first_candidate_the_app_does_not_have() {
    let mappings = ObjectMappings::new(
        vec![
            m("externalId", "[id]").matching(1),
            m(
                "userName",
                r#"SelectUniqueValue(Join("@", [name.givenName], "x.com"), Join("@", [name.familyName], "x.com"))"#,
            )
            .on_create_only(),
        ],
        vec![],
    )
    .unwrap();
    let plan_with = |taken: Option<TakenValues>| {
        let state = SourceState {
            matched: MatchResult::NotFound,
            taken,
            ..SourceState::new(user())
        };
        plan_mapped(
            ResourceKind::User,
            &mappings,
            &[state],
            &ScopingFilters::everything(),
            Deprovision::Disable,
        )
    };
    // Not asked yet: the planner wants the candidates checked in the app, in order.
    let plan = plan_with(None);
    let Action::NeedsLookup {
        lookup: Lookup::Unique { candidates },
    } = &only(&plan).action
    else {
        panic!("{plan}");
    };
    assert_eq!(
        candidates,
        &vec![UniqueCandidates {
            path: "userName".into(),
            values: vec!["Barbara@x.com".into(), "Jensen@x.com".into()],
        }]
    );
    // The app has none: the first, with the second to try on a conflict.
    let plan = plan_with(Some(TakenValues::from([(
        "userName".to_string(),
        Default::default(),
    )])));
    let Action::Create(create) = &only(&plan).action else {
        panic!("{plan}");
    };
    assert_eq!(create.body["userName"], json!("Barbara@x.com"));
    let choice = UniqueChoice {
        path: "userName".into(),
        chosen: "Barbara@x.com".into(),
        alternatives: vec!["Jensen@x.com".into()],
    };
    assert_eq!(create.unique, vec![choice]);
    assert_eq!(create.retry_bodies().len(), 1);
    assert_eq!(create.retry_bodies()[0]["userName"], json!("Jensen@x.com"));
    assert_eq!(create.retry_bodies()[0]["externalId"], json!(USER_ID));
    // The app has the first: the second, and nothing left to retry with.
    let plan = plan_with(Some(TakenValues::from([(
        "userName".to_string(),
        ["Barbara@x.com".to_string()].into(),
    )])));
    let op = only(&plan);
    let Action::Create(create) = &op.action else {
        panic!("{plan}");
    };
    assert_eq!(create.body["userName"], json!("Jensen@x.com"));
    assert!(create.retry_bodies().is_empty());
    assert!(
        steps_text(op)
            .contains(r#"userName: the app already has "Barbara@x.com"; "Jensen@x.com" is free"#),
        "{}",
        steps_text(op)
    );
    // The app has both: an error naming them, and nothing is sent.
    let plan = plan_with(Some(TakenValues::from([(
        "userName".to_string(),
        ["Barbara@x.com".to_string(), "Jensen@x.com".to_string()].into(),
    )])));
    let op = only(&plan);
    let Action::Skip {
        reason: SkipReason::MappingFailed { message },
    } = &op.action
    else {
        panic!("{plan}");
    };
    assert!(
        message.contains(r#"the app already has every SelectUniqueValue candidate ("Barbara@x.com", "Jensen@x.com")"#),
        "{message}"
    );
}

#[test]
fn on_create_only_mappings_never_appear_in_updates() {
    let mappings = ObjectMappings::new(
        vec![
            m("userName", "[userName]").matching(1),
            m("title", "[title]").on_create_only(),
        ],
        vec![],
    )
    .unwrap();
    let target = TargetObject {
        id: APP_ID.into(),
        body: json!({"id": APP_ID, "userName": USER_NAME, "title": "Something else"}),
    };
    let plan = plan_mapped(
        ResourceKind::User,
        &mappings,
        &[linked(user(), target, false)],
        &ScopingFilters::everything(),
        Deprovision::Disable,
    );
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::Unchanged
        }
    );
}

#[test]
fn a_mapping_that_fails_is_an_error_not_a_silent_skip() {
    let mut u = user();
    u.as_object_mut().unwrap().remove("userName");
    let state = SourceState {
        matched: MatchResult::NotFound,
        ..SourceState::new(u)
    };
    let plan = plan_users(&[state], Deprovision::Disable);
    let op = only(&plan);
    assert!(
        matches!(&op.action, Action::Skip { reason } if reason.is_error()),
        "{op}"
    );
    assert!(steps_text(op).contains("Error:"));
}
