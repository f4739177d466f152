//! Test helpers: a realistic directory user and group as Scimitar stores them, a fixed mapping
//! context, and short ways to build mappings and id resolvers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value as Json};
use time::macros::datetime;

use super::*;

pub const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The directory id of the user's manager, and the manager's id in the app.
pub const MANAGER_ID: &str = "6c5bb468-14b2-4183-baf2-06d523e03bd3";
pub const MANAGER_APP_ID: &str = "app-user-0042";

pub fn ctx() -> MappingContext {
    MappingContext {
        now: datetime!(2024-03-01 09:30:00 UTC),
        seed: Some(7),
    }
}

/// A user as Scimitar's directory holds it after Entra ID provisioned it in: name parts, two
/// emails, four phone numbers, a work and a home address, the enterprise extension.
pub fn realistic_user() -> Json {
    json!({
        "schemas": [USER_SCHEMA, ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "Barbara.Jensen@contoso.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms."
        },
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "active": true,
        "emails": [
            {"value": "babs@jensen.org", "type": "home"},
            {"value": "Barbara.Jensen@contoso.com", "type": "work", "primary": true}
        ],
        "phoneNumbers": [
            {"value": "+1 555 555 0100", "type": "work"},
            {"value": "+1 555 555 0101", "type": "mobile"},
            {"value": "+1 555 555 0102", "type": "fax"},
            {"value": "+1 555 555 0199", "type": "home"}
        ],
        "addresses": [
            {
                "type": "work",
                "formatted": "Building 4, Floor 2",
                "streetAddress": "100 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "US",
                "primary": true
            },
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood"}
        ],
        ENT: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "department": "Tour Operations",
            "manager": {"value": MANAGER_ID, "displayName": "John Smith"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2023-01-23T04:56:22Z",
            "lastModified": "2024-02-13T04:42:34Z",
            "version": "W/\"a330bc54f0671c9\""
        }
    })
}

pub fn realistic_group() -> Json {
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "type": "User", "display": "Babs"},
            {"value": MANAGER_ID, "type": "User"},
            {"value": "fc348aa8-3835-40eb-a20b-c726e15c55b5", "type": "Group"}
        ],
        "meta": {"resourceType": "Group"}
    })
}

/// A resolver over a fixed table of directory id → app id.
pub fn resolver(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let table: HashMap<String, String> = pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    move |id: &str| table.get(id).cloned()
}

/// A resolver that knows nobody.
pub fn nobody(_: &str) -> Option<String> {
    None
}

/// A mapping from a target path and a source in the expression language.
pub fn m(target: &str, source: &str) -> AttributeMapping {
    AttributeMapping::new(
        TargetPath::parse(target).unwrap(),
        MappingSource::parse(source).unwrap(),
    )
}

/// A reference mapping.
pub fn r(target: &str, kind: ReferenceKind) -> AttributeMapping {
    AttributeMapping::new(
        TargetPath::parse(target).unwrap(),
        MappingSource::Reference(kind),
    )
}

/// User mappings: `userName` for matching plus the given ones.
pub fn users(extra: Vec<AttributeMapping>) -> ObjectMappings {
    let mut all = vec![m("userName", "[userName]").matching(1)];
    all.extend(extra);
    ObjectMappings::new(all, Vec::new()).unwrap()
}

/// Map `source` as a user on create.
pub fn map_user(mappings: &ObjectMappings, source: &Json) -> MappedObject {
    map_object(mappings, ResourceKind::User, source, &ctx(), true).unwrap()
}

/// The value mapped to `target`.
pub fn value_of<'a>(mapped: &'a MappedObject, target: &str) -> &'a MappedValue {
    &mapped.get(target).unwrap().value
}

/// The message of a validation error, whatever its kind.
pub fn rule_error(users: Vec<AttributeMapping>) -> String {
    ObjectMappings::new(users, Vec::new())
        .unwrap_err()
        .to_string()
}
