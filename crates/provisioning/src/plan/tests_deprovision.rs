//! Users leaving scope (unassigned, filtered out, deactivated, deleted) under each deprovision
//! policy, and users coming back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

fn unassigned(state: SourceState) -> SourceState {
    SourceState {
        assigned: false,
        ..state
    }
}

fn deleted_linked(disabled: bool) -> SourceState {
    SourceState {
        object: DirectoryObject::Deleted { id: USER_ID.into() },
        link: Some(Linked {
            target_id: APP_ID.into(),
            disabled,
        }),
        ..SourceState::new(user())
    }
}

#[test]
fn out_of_scope_and_never_provisioned_is_skipped() {
    let plan = plan_users(
        &[unassigned(SourceState::new(user()))],
        Deprovision::Disable,
    );
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Skip {
            reason: SkipReason::OutOfScope
        }
    );
    let text = steps_text(op);
    assert!(text.contains("not assigned to the app"), "{text}");
    assert!(text.contains("Scimitar never provisioned it"), "{text}");
}

#[test]
fn a_user_filtered_out_by_a_scoping_clause_is_disabled_and_the_clause_named() {
    let scope = ScopingFilters::parse(r#"department EQUALS "Sales""#).unwrap();
    let plan = plan_with(
        ResourceKind::User,
        &[in_sync(user())],
        &scope,
        Deprovision::Disable,
    );
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Disable {
            target_id: APP_ID.into()
        }
    );
    let text = steps_text(op);
    assert!(text.contains("Out of scope"), "{text}");
    assert!(
        text.contains(r#"scoping filter 1: department EQUALS "Sales" is not true"#),
        "{text}"
    );
    assert!(
        text.contains("Disable account app-user-7001 in the app (active → false)"),
        "{text}"
    );
}

#[test]
fn a_user_passing_a_scoping_filter_says_which() {
    let scope = ScopingFilters::parse(r#"department EQUALS "Sales" OR title IS NOT NULL"#).unwrap();
    let plan = plan_with(
        ResourceKind::User,
        &[in_sync(user())],
        &scope,
        Deprovision::Disable,
    );
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Skip {
            reason: SkipReason::Unchanged
        }
    );
    assert!(steps_text(op).contains("passes scoping filter 2 (title IS NOT NULL)"));
}

#[test]
fn a_user_deactivated_in_the_directory_is_disabled() {
    let mut u = user();
    u["active"] = json!(false);
    let state = linked(u, app_copy(ResourceKind::User, &user(), APP_ID), false);
    let plan = plan_users(&[state], Deprovision::Disable);
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Disable {
            target_id: APP_ID.into()
        }
    );
    assert!(steps_text(op).contains("deactivated in the directory (active is false)"));
}

#[test]
fn a_user_disabled_already_is_not_disabled_again() {
    let mut u = user();
    u["active"] = json!(false);
    let state = linked(u, app_copy(ResourceKind::User, &user(), APP_ID), true);
    let plan = plan_users(&[state], Deprovision::Disable);
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::AlreadyDisabled
        }
    );
    // The app's own copy saying active=false counts too.
    let mut target = app_copy(ResourceKind::User, &user(), APP_ID);
    target.body["active"] = json!(false);
    let plan = plan_users(
        &[unassigned(linked(user(), target, false))],
        Deprovision::Disable,
    );
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::AlreadyDisabled
        }
    );
}

#[test]
fn a_deleted_user_with_policy_delete_is_deleted_without_reading_the_app() {
    let plan = plan_users(&[deleted_linked(false)], Deprovision::Delete);
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Delete {
            target_id: APP_ID.into()
        }
    );
    assert_eq!(op.name, None);
    assert_eq!(op.source_id, USER_ID);
    let text = steps_text(op);
    assert!(text.contains("was deleted in the directory"), "{text}");
    assert!(
        text.contains("Delete account app-user-7001 in the app"),
        "{text}"
    );
    // A user deleted after being disabled is still deleted.
    let plan = plan_users(&[deleted_linked(true)], Deprovision::Delete);
    assert_eq!(
        only(&plan).action,
        Action::Delete {
            target_id: APP_ID.into()
        }
    );
}

#[test]
fn a_deleted_user_with_policy_disable_is_disabled() {
    let plan = plan_users(&[deleted_linked(false)], Deprovision::Disable);
    assert_eq!(
        only(&plan).action,
        Action::Disable {
            target_id: APP_ID.into()
        }
    );
}

#[test]
fn policy_nothing_leaves_the_account_and_says_so() {
    let plan = plan_users(&[deleted_linked(false)], Deprovision::Nothing);
    let op = only(&plan);
    assert_eq!(
        op.action,
        Action::Skip {
            reason: SkipReason::DeprovisionNothing
        }
    );
    assert!(steps_text(op).contains("the deprovision policy is 'nothing'"));
}

#[test]
fn an_account_the_app_already_lost_needs_no_deprovisioning() {
    let state = SourceState {
        target: TargetState::NotFound,
        ..deleted_linked(false)
    };
    let plan = plan_users(&[state], Deprovision::Delete);
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::AlreadyGone
        }
    );
}

#[test]
fn a_user_back_in_scope_is_enabled_and_updated_never_recreated() {
    let mut target = app_copy(ResourceKind::User, &user(), APP_ID);
    target.body["active"] = json!(false);
    let mut u = user();
    u["title"] = json!("Head Tour Guide");
    let plan = plan_users(&[linked(u, target, true)], Deprovision::Disable);
    let op = only(&plan);
    let Action::Enable { target_id, changes } = &op.action else {
        panic!("{op}");
    };
    assert_eq!(target_id, APP_ID);
    let summary: Vec<(&str, Option<&serde_json::Value>)> = changes
        .iter()
        .map(|c| (c.path.as_str(), c.new.as_ref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("active", Some(&json!(true))),
            ("title", Some(&json!("Head Tour Guide")))
        ]
    );
    let text = steps_text(op);
    assert!(
        text.contains("Enable account app-user-7001 (back in scope) and update 2 attributes"),
        "{text}"
    );
    assert!(text.contains("active: false → true"), "{text}");
}

#[test]
fn an_enable_sends_active_even_when_the_mappings_do_not_map_it() {
    let mappings =
        ObjectMappings::new(vec![m("userName", "[userName]").matching(1)], vec![]).unwrap();
    let target = TargetObject {
        id: APP_ID.into(),
        body: json!({"id": APP_ID, "userName": USER_NAME}),
    };
    let plan = plan_mapped(
        ResourceKind::User,
        &mappings,
        &[linked(user(), target, true)],
        &ScopingFilters::everything(),
        Deprovision::Disable,
    );
    let c = changes(only(&plan));
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].path.as_str(), c[0].new.clone()),
        ("active", Some(json!(true)))
    );
}
