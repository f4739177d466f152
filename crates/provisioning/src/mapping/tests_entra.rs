//! Entra ID's default mappings: the table itself, and the SCIM bodies they produce for a
//! realistic user and group, written out in full.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

fn targets(mappings: &[AttributeMapping]) -> Vec<&str> {
    mappings.iter().map(|m| m.target.as_str()).collect()
}

#[test]
fn the_default_table_in_entra_order() {
    let defaults = ObjectMappings::entra_defaults();
    assert_eq!(
        targets(defaults.users()),
        vec![
            "userName",
            "active",
            "displayName",
            "title",
            r#"emails[type eq "work"].value"#,
            "preferredLanguage",
            "name.givenName",
            "name.familyName",
            "name.formatted",
            r#"addresses[type eq "work"].formatted"#,
            r#"addresses[type eq "work"].streetAddress"#,
            r#"addresses[type eq "work"].locality"#,
            r#"addresses[type eq "work"].region"#,
            r#"addresses[type eq "work"].postalCode"#,
            r#"addresses[type eq "work"].country"#,
            r#"phoneNumbers[type eq "work"].value"#,
            r#"phoneNumbers[type eq "mobile"].value"#,
            r#"phoneNumbers[type eq "fax"].value"#,
            "externalId",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ]
    );
    assert_eq!(
        targets(defaults.groups()),
        vec!["displayName", "externalId", "members"]
    );
    let user_matching = defaults.matching(ResourceKind::User);
    assert_eq!(
        targets(&user_matching.into_iter().cloned().collect::<Vec<_>>()),
        vec!["userName"]
    );
    let group_matching = defaults.matching(ResourceKind::Group);
    assert_eq!(group_matching.len(), 1);
    assert_eq!(group_matching[0].target.as_str(), "displayName");
    let sources: Vec<String> = defaults
        .users()
        .iter()
        .map(|m| m.source.to_string())
        .collect();
    assert_eq!(sources[0], "[userName]");
    assert_eq!(
        sources[8],
        r#"Join(" ", [name.givenName], [name.familyName])"#
    );
    assert_eq!(defaults.users()[1].default.as_deref(), Some("True"));
    assert_eq!(
        defaults.users()[21].source,
        MappingSource::Reference(ReferenceKind::Manager)
    );
    assert_eq!(defaults.groups()[1].source.to_string(), "[id]");
    assert!(defaults
        .users()
        .iter()
        .chain(defaults.groups())
        .all(|m| m.apply == ApplyWhen::Always));
}

#[test]
fn a_realistic_user_becomes_the_body_entra_sends() {
    let mapped = map_user(&ObjectMappings::entra_defaults(), &realistic_user());
    let body = mapped
        .to_scim_body(resolver(&[(MANAGER_ID, MANAGER_APP_ID)]))
        .unwrap();
    assert_eq!(body.unresolved, vec![]);
    assert_eq!(
        body.body,
        json!({
            "schemas": [USER_SCHEMA, ENT],
            "userName": "Barbara.Jensen@contoso.com",
            "active": true,
            "displayName": "Babs Jensen",
            "title": "Tour Guide",
            "emails": [{"type": "work", "value": "Barbara.Jensen@contoso.com"}],
            "preferredLanguage": "en-US",
            "name": {
                "givenName": "Barbara",
                "familyName": "Jensen",
                "formatted": "Barbara Jensen"
            },
            "addresses": [{
                "type": "work",
                "formatted": "Building 4, Floor 2",
                "streetAddress": "100 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "US"
            }],
            "phoneNumbers": [
                {"type": "work", "value": "+1 555 555 0100"},
                {"type": "mobile", "value": "+1 555 555 0101"},
                {"type": "fax", "value": "+1 555 555 0102"}
            ],
            "externalId": "bjensen",
            ENT: {
                "employeeNumber": "701984",
                "department": "Tour Operations",
                "manager": {"value": MANAGER_APP_ID}
            }
        })
    );
}

#[test]
fn a_manager_not_yet_in_the_app_is_reported_not_dropped() {
    let mapped = map_user(&ObjectMappings::entra_defaults(), &realistic_user());
    let body = mapped.to_scim_body(nobody).unwrap();
    assert_eq!(
        body.unresolved,
        vec![UnresolvedReference {
            target: format!("{ENT}:manager"),
            id: MANAGER_ID.to_string(),
            kind: ResourceKind::User,
        }]
    );
    assert_eq!(
        body.body[ENT],
        json!({"employeeNumber": "701984", "department": "Tour Operations"})
    );
    assert_eq!(
        mapped.references(),
        vec![&DirectoryRef {
            id: MANAGER_ID.to_string(),
            kind: ResourceKind::User
        }]
    );
}

#[test]
fn a_minimal_user_is_active_and_leaves_out_what_it_lacks() {
    let user = json!({"schemas": [USER_SCHEMA], "id": "u1", "userName": "min@contoso.com"});
    let mapped = map_user(&ObjectMappings::entra_defaults(), &user);
    let body = mapped.to_scim_body(nobody).unwrap();
    assert_eq!(
        body.body,
        json!({"schemas": [USER_SCHEMA], "userName": "min@contoso.com", "active": true})
    );
    assert_eq!(value_of(&mapped, "title"), &MappedValue::Clear);
    assert_eq!(value_of(&mapped, "name.formatted"), &MappedValue::Clear);

    let mut disabled = user.clone();
    disabled["active"] = json!(false);
    let mapped = map_user(&ObjectMappings::entra_defaults(), &disabled);
    assert_eq!(value_of(&mapped, "active"), &MappedValue::Set(json!(false)));
}

#[test]
fn a_group_becomes_the_body_entra_sends() {
    let mapped = map_object(
        &ObjectMappings::entra_defaults(),
        ResourceKind::Group,
        &realistic_group(),
        &ctx(),
        true,
    )
    .unwrap();
    let body = mapped
        .to_scim_body(resolver(&[
            ("2819c223-7f76-453a-919d-413861904646", "app-user-0001"),
            ("fc348aa8-3835-40eb-a20b-c726e15c55b5", "app-group-0007"),
        ]))
        .unwrap();
    assert_eq!(
        body.body,
        json!({
            "schemas": [GROUP_SCHEMA],
            "displayName": "Tour Guides",
            "externalId": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "members": [{"value": "app-user-0001"}, {"value": "app-group-0007"}]
        })
    );
    assert_eq!(
        body.unresolved,
        vec![UnresolvedReference {
            target: "members".to_string(),
            id: MANAGER_ID.to_string(),
            kind: ResourceKind::User,
        }]
    );
    let kinds: Vec<ResourceKind> = mapped.references().iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![ResourceKind::User, ResourceKind::User, ResourceKind::Group]
    );
}

#[test]
fn an_empty_group_is_created_without_members() {
    let group = json!({"schemas": [GROUP_SCHEMA], "id": "g1", "displayName": "Empty"});
    let mapped = map_object(
        &ObjectMappings::entra_defaults(),
        ResourceKind::Group,
        &group,
        &ctx(),
        true,
    )
    .unwrap();
    assert_eq!(value_of(&mapped, "members"), &MappedValue::Clear);
    assert_eq!(
        mapped.to_scim_body(nobody).unwrap().body,
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Empty", "externalId": "g1"})
    );
}
