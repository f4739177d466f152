//! Test helpers: a realistic directory user and group, the app's copy of them as Scimitar would
//! have created it, and one call that plans a list of states with the Entra default mappings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value as Json};
use time::macros::datetime;

use super::*;
use crate::mapping::{map_object, AttributeMapping, MappingSource, TargetPath};

pub const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const USER_ID: &str = "2819c223-7f76-453a-919d-413861904646";
pub const USER_NAME: &str = "Barbara.Jensen@contoso.com";
pub const APP_ID: &str = "app-user-7001";
/// The manager's directory id and app id.
pub const MANAGER_ID: &str = "6c5bb468-14b2-4183-baf2-06d523e03bd3";
pub const MANAGER_APP_ID: &str = "app-user-0042";
pub const GROUP_ID: &str = "e9e30dba-f08f-4109-8486-d5c6a331660a";

pub fn ctx() -> MappingContext {
    MappingContext {
        now: datetime!(2024-03-01 09:30:00 UTC),
        seed: Some(7),
    }
}

/// A user as Scimitar's directory holds it: name parts, work email, phones, work address, the
/// enterprise extension with a manager.
pub fn user() -> Json {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "id": USER_ID,
        "externalId": "bjensen",
        "userName": USER_NAME,
        "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "active": true,
        "emails": [
            {"value": "babs@jensen.org", "type": "home"},
            {"value": USER_NAME, "type": "work", "primary": true}
        ],
        "phoneNumbers": [
            {"value": "+1 555 555 0100", "type": "work"},
            {"value": "+1 555 555 0101", "type": "mobile"}
        ],
        "addresses": [{
            "type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
            "region": "CA", "postalCode": "91608", "country": "US", "primary": true
        }],
        ENT: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": MANAGER_ID}
        },
        "meta": {"resourceType": "User", "lastModified": "2024-02-13T04:42:34Z"}
    })
}

/// Another user, with a different id and userName.
pub fn user_n(n: u32) -> Json {
    let mut u = user();
    u["id"] = json!(format!("00000000-0000-0000-0000-{n:012}"));
    u["userName"] = json!(format!("user{n}@contoso.com"));
    u["emails"] = json!([{"value": format!("user{n}@contoso.com"), "type": "work"}]);
    u
}

pub fn group() -> Json {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": GROUP_ID,
        "displayName": "Tour Guides",
        "members": [
            {"value": USER_ID, "type": "User"},
            {"value": MANAGER_ID, "type": "User"}
        ]
    })
}

/// Directory id → app id for the user and the manager (the group's members).
pub fn links(id: &str) -> Option<String> {
    match id {
        USER_ID => Some(APP_ID.into()),
        MANAGER_ID => Some(MANAGER_APP_ID.into()),
        _ => None,
    }
}

/// The app's copy of `source`, exactly as the Entra default mappings would have created it
/// under `id`.
pub fn app_copy(kind: ResourceKind, source: &Json, id: &str) -> TargetObject {
    let mappings = ObjectMappings::entra_defaults();
    let mapped = map_object(&mappings, kind, source, &ctx(), true).unwrap();
    let mut body = mapped.to_scim_body(links).unwrap().body;
    body["id"] = json!(id);
    TargetObject {
        id: id.into(),
        body,
    }
}

/// An assigned user linked to `APP_ID`, whose app copy is `target`.
pub fn linked(source: Json, target: TargetObject, disabled: bool) -> SourceState {
    SourceState {
        link: Some(Linked {
            target_id: target.id.clone(),
            disabled,
        }),
        target: TargetState::Found(target),
        ..SourceState::new(source)
    }
}

/// A linked user whose app copy is up to date.
pub fn in_sync(source: Json) -> SourceState {
    let target = app_copy(ResourceKind::User, &source, APP_ID);
    linked(source, target, false)
}

/// Plan users with the Entra defaults, no scoping filters and the given policy.
pub fn plan_users(objects: &[SourceState], deprovision: Deprovision) -> Plan {
    plan_with(
        ResourceKind::User,
        objects,
        &ScopingFilters::everything(),
        deprovision,
    )
}

pub fn plan_with(
    kind: ResourceKind,
    objects: &[SourceState],
    scope: &ScopingFilters,
    deprovision: Deprovision,
) -> Plan {
    plan_mapped(
        kind,
        &ObjectMappings::entra_defaults(),
        objects,
        scope,
        deprovision,
    )
}

pub fn plan_mapped(
    kind: ResourceKind,
    mappings: &ObjectMappings,
    objects: &[SourceState],
    scope: &ScopingFilters,
    deprovision: Deprovision,
) -> Plan {
    plan_objects(&PlanInput {
        kind,
        mappings,
        scope,
        deprovision,
        run: RunKind::Incremental,
        context: ctx(),
        objects,
        resolve: &links,
    })
}

/// The only operation of a plan.
pub fn only(plan: &Plan) -> &Operation {
    assert_eq!(plan.operations.len(), 1, "{plan}");
    &plan.operations[0]
}

/// Every step's summary and details, one per line, to search.
pub fn steps_text(op: &Operation) -> String {
    let mut out = String::new();
    for step in &op.steps {
        out.push_str(&step.summary);
        out.push('\n');
        for d in &step.details {
            out.push_str(d);
            out.push('\n');
        }
    }
    out
}

/// A mapping from a target path and a source in the expression language.
pub fn m(target: &str, source: &str) -> AttributeMapping {
    AttributeMapping::new(
        TargetPath::parse(target).unwrap(),
        MappingSource::parse(source).unwrap(),
    )
}

/// The user changes of an update-like action.
pub fn changes(op: &Operation) -> &[crate::mapping::AttributeChange] {
    match &op.action {
        Action::Update { changes, .. }
        | Action::Link { changes, .. }
        | Action::Enable { changes, .. } => changes,
        other => panic!("no changes in {other:?}"),
    }
}
