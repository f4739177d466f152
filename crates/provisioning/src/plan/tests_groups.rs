//! Groups through the same planner: create with members resolved to the app's ids, membership
//! changes as a `members` change, unresolved members reported, deprovisioning by deletion.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

const GROUP_APP_ID: &str = "app-group-12";

fn plan_groups(objects: &[SourceState], deprovision: Deprovision) -> Plan {
    plan_with(
        ResourceKind::Group,
        objects,
        &ScopingFilters::everything(),
        deprovision,
    )
}

fn linked_group(source: serde_json::Value, members: serde_json::Value) -> SourceState {
    let mut target = app_copy(ResourceKind::Group, &group(), GROUP_APP_ID);
    target.body["members"] = members;
    linked(source, target, false)
}

#[test]
fn a_new_group_is_created_with_its_members_app_ids() {
    let state = SourceState {
        matched: MatchResult::NotFound,
        ..SourceState::new(group())
    };
    let plan = plan_groups(&[state], Deprovision::Disable);
    let op = only(&plan);
    assert_eq!(op.name.as_deref(), Some("Tour Guides"));
    let Action::Create(create) = &op.action else {
        panic!("{op}");
    };
    assert_eq!(create.body["displayName"], json!("Tour Guides"));
    assert_eq!(create.body["externalId"], json!(GROUP_ID));
    assert_eq!(
        create.body["members"],
        json!([{"value": APP_ID}, {"value": MANAGER_APP_ID}])
    );
    assert!(steps_text(op).contains("In scope: assigned, no scoping filters"));
    assert!(steps_text(op).contains("No account in the app matches displayName eq \"Tour Guides\""));
}

#[test]
fn a_member_not_in_the_app_is_reported_not_dropped() {
    let mut g = group();
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "out-of-scope-user", "type": "User"}));
    let state = SourceState {
        matched: MatchResult::NotFound,
        ..SourceState::new(g)
    };
    let plan = plan_groups(&[state], Deprovision::Disable);
    let op = only(&plan);
    let Action::Create(create) = &op.action else {
        panic!("{op}");
    };
    assert_eq!(create.body["members"].as_array().unwrap().len(), 2);
    assert_eq!(op.unresolved.len(), 1);
    assert_eq!(
        (op.unresolved[0].path.as_str(), op.unresolved[0].id.as_str()),
        ("members", "out-of-scope-user")
    );
}

#[test]
fn membership_changes_are_one_members_change_read_as_adds_and_removes() {
    let state = linked_group(
        group(),
        json!([{"value": APP_ID}, {"value": "app-user-left"}]),
    );
    let plan = plan_groups(&[state], Deprovision::Disable);
    let op = only(&plan);
    let c = changes(op);
    assert_eq!(c.len(), 1, "{op}");
    assert_eq!(c[0].path, "members");
    assert_eq!(
        c[0].new,
        Some(json!([{"value": APP_ID}, {"value": MANAGER_APP_ID}]))
    );
    let text = steps_text(op);
    assert!(
        text.contains("members: +app-user-0042 −app-user-left"),
        "{text}"
    );
}

#[test]
fn the_same_members_in_another_order_are_unchanged() {
    let state = linked_group(
        group(),
        json!([{"value": MANAGER_APP_ID}, {"value": APP_ID}]),
    );
    let plan = plan_groups(&[state], Deprovision::Disable);
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::Unchanged
        }
    );
}

#[test]
fn a_renamed_group_is_updated() {
    let mut g = group();
    g["displayName"] = json!("Senior Tour Guides");
    let state = linked_group(g, json!([{"value": APP_ID}, {"value": MANAGER_APP_ID}]));
    let plan = plan_groups(&[state], Deprovision::Disable);
    let c = changes(only(&plan));
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].path.as_str(), c[0].new.clone()),
        ("displayName", Some(json!("Senior Tour Guides")))
    );
}

#[test]
fn a_group_leaving_scope_is_deleted_unless_the_policy_is_nothing() {
    let state = SourceState {
        assigned: false,
        ..linked_group(group(), json!([]))
    };
    for policy in [Deprovision::Disable, Deprovision::Delete] {
        let plan = plan_groups(std::slice::from_ref(&state), policy);
        assert_eq!(
            only(&plan).action,
            Action::Delete {
                target_id: GROUP_APP_ID.into()
            }
        );
    }
    let plan = plan_groups(&[state], Deprovision::Nothing);
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::DeprovisionNothing
        }
    );
}

#[test]
fn groups_have_no_active_to_leave_scope_by() {
    let mut g = group();
    g["active"] = json!(false);
    let state = linked_group(g, json!([{"value": APP_ID}, {"value": MANAGER_APP_ID}]));
    let plan = plan_groups(&[state], Deprovision::Disable);
    assert_eq!(
        only(&plan).action,
        Action::Skip {
            reason: SkipReason::Unchanged
        }
    );
}
