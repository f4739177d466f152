//! Schemas and attribute characteristics (RFC 7643 §2, §7).
//!
//! The attribute definitions here are the single source of truth: `/Schemas` publishes them, and
//! validation, projection, filtering (case rules), PATCH and mutability checks all read them.
//! Attribute names are matched case-insensitively, as RFC 7643 §2.1 requires.

mod attribute;
mod enterprise;
mod group;
mod meta;
mod render;
mod resource_type;
mod user;

pub use attribute::{AttrType, AttributeDef, Mutability, Returned, Uniqueness};
pub use render::{resource_type_json, schema_json};
pub use resource_type::{ResourceKind, ResourceType, Schema};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
pub const SP_CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

use std::sync::OnceLock;

/// All schemas this server knows, in publication order.
pub fn all_schemas() -> &'static [Schema] {
    static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        vec![
            user::schema(),
            group::schema(),
            enterprise::schema(),
            meta::service_provider_config(),
            meta::resource_type(),
            meta::schema(),
        ]
    })
}

pub fn schema_by_id(id: &str) -> Option<&'static Schema> {
    all_schemas().iter().find(|s| s.id.eq_ignore_ascii_case(id))
}

/// The resource types this server serves.
pub fn resource_types() -> &'static [ResourceType] {
    static TYPES: OnceLock<Vec<ResourceType>> = OnceLock::new();
    TYPES.get_or_init(|| {
        vec![
            ResourceType {
                kind: ResourceKind::User,
                name: "User",
                endpoint: "/Users",
                description: "User Account",
                schema: USER_SCHEMA,
                extensions: vec![(ENTERPRISE_USER_SCHEMA, false)],
            },
            ResourceType {
                kind: ResourceKind::Group,
                name: "Group",
                endpoint: "/Groups",
                description: "Group",
                schema: GROUP_SCHEMA,
                extensions: vec![],
            },
        ]
    })
}

pub fn resource_type(kind: ResourceKind) -> &'static ResourceType {
    let idx = match kind {
        ResourceKind::User => 0,
        ResourceKind::Group => 1,
    };
    &resource_types()[idx]
}

/// The common attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
pub fn common_attributes() -> &'static [AttributeDef] {
    static COMMON: OnceLock<Vec<AttributeDef>> = OnceLock::new();
    COMMON.get_or_init(attribute::common_attributes)
}
