//! The schemas that describe discovery itself (RFC 7643 §5, §6, §7, §8.7.2): published at
//! `/Schemas` so clients can validate ServiceProviderConfig, ResourceType and Schema documents.
//! They are not resource types: nothing is created or filtered with them.

use super::attribute::{AttrType, AttributeDef as A, Mutability::ReadOnly};
use super::{Schema, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SP_CONFIG_SCHEMA};

fn ro(a: A) -> A {
    a.mutability(ReadOnly)
}

fn supported(name: &'static str, extra: Vec<A>) -> A {
    let mut subs = vec![ro(A::boolean("supported")
        .required()
        .desc("Whether the operation is supported."))];
    subs.extend(extra);
    ro(A::complex(name, subs).required())
}

fn integer(name: &'static str, desc: &'static str) -> A {
    ro(A::new(name, AttrType::Integer).desc(desc))
}

pub(super) fn service_provider_config() -> Schema {
    Schema {
        id: SP_CONFIG_SCHEMA,
        name: "ServiceProviderConfig",
        description: "Schema for representing the service provider's configuration",
        attributes: vec![
            ro(A::reference("documentationUri", &["external"]).desc("An HTTP-addressable URL pointing to the service provider's human-consumable help documentation.")),
            supported("patch", vec![]),
            supported(
                "bulk",
                vec![
                    integer("maxOperations", "An integer value specifying the maximum number of operations."),
                    integer("maxPayloadSize", "An integer value specifying the maximum payload size in bytes."),
                ],
            ),
            supported("filter", vec![integer("maxResults", "An integer value specifying the maximum number of resources returned in a response.")]),
            supported("changePassword", vec![]),
            supported("sort", vec![]),
            supported("etag", vec![]),
            ro(A::complex(
                "authenticationSchemes",
                vec![
                    ro(A::string("type").required().desc("The authentication scheme.")),
                    ro(A::string("name").required().desc("The common authentication scheme name.")),
                    ro(A::string("description").required().desc("A description of the authentication scheme.")),
                    ro(A::reference("specUri", &["external"]).desc("An HTTP-addressable URL pointing to the authentication scheme's specification.")),
                    ro(A::reference("documentationUri", &["external"]).desc("An HTTP-addressable URL pointing to the authentication scheme's usage documentation.")),
                    ro(A::boolean("primary").desc("Whether this is the preferred authentication scheme.")),
                ],
            )
            .multi()
            .required()
            .desc("A complex type that specifies supported authentication scheme properties.")),
        ],
    }
}

pub(super) fn resource_type() -> Schema {
    Schema {
        id: RESOURCE_TYPE_SCHEMA,
        name: "ResourceType",
        description: "Specifies the schema that describes a SCIM resource type",
        attributes: vec![
            ro(A::string("id").desc("The resource type's server unique id.")),
            ro(A::string("name").required().desc("The resource type name.")),
            ro(A::string("description").desc("The resource type's human-readable description.")),
            ro(A::reference("endpoint", &["uri"])
                .required()
                .desc("The resource type's HTTP-addressable endpoint relative to the Base URL.")),
            ro(A::reference("schema", &["uri"])
                .required()
                .case_exact()
                .desc("The resource type's primary/base schema URI.")),
            ro(A::complex(
                "schemaExtensions",
                vec![
                    ro(A::reference("schema", &["uri"])
                        .required()
                        .case_exact()
                        .desc("The URI of a schema extension.")),
                    ro(A::boolean("required")
                        .required()
                        .desc("Whether the extension is required.")),
                ],
            )
            .multi()
            .desc("A list of URIs of the resource type's schema extensions.")),
        ],
    }
}

fn attribute_subs(with_sub_attributes: bool) -> Vec<A> {
    let mut subs = vec![
        ro(A::string("name")
            .required()
            .case_exact()
            .desc("The attribute's name.")),
        ro(A::string("type")
            .required()
            .canonical(&[
                "string",
                "complex",
                "boolean",
                "decimal",
                "integer",
                "dateTime",
                "reference",
                "binary",
            ])
            .desc("The attribute's data type.")),
        ro(A::boolean("multiValued")
            .required()
            .desc("Whether the attribute is multi-valued.")),
        ro(A::string("description").desc("A human-readable description of the attribute.")),
        ro(A::boolean("required").desc("Whether the attribute is required.")),
        ro(A::string("canonicalValues")
            .multi()
            .case_exact()
            .desc("A collection of canonical values.")),
        ro(A::boolean("caseExact").desc("Whether string values are case sensitive.")),
        ro(A::string("mutability")
            .case_exact()
            .canonical(&["readOnly", "readWrite", "immutable", "writeOnly"])
            .desc("Whether the attribute is modifiable.")),
        ro(A::string("returned")
            .case_exact()
            .canonical(&["always", "never", "default", "request"])
            .desc("When the attribute is returned in a response.")),
        ro(A::string("uniqueness")
            .case_exact()
            .canonical(&["none", "server", "global"])
            .desc("How the service provider enforces uniqueness.")),
        ro(A::string("referenceTypes")
            .multi()
            .case_exact()
            .desc("The names of the resource types that may be referenced.")),
    ];
    if with_sub_attributes {
        subs.push(ro(A::complex("subAttributes", attribute_subs(false))
            .multi()
            .desc("The sub-attributes of a complex attribute.")));
    }
    subs
}

pub(super) fn schema() -> Schema {
    Schema {
        id: SCHEMA_SCHEMA,
        name: "Schema",
        description: "Specifies the schema attribute",
        attributes: vec![
            ro(A::reference("id", &["uri"])
                .required()
                .desc("The unique URI of the schema.")),
            ro(A::string("name").desc("The schema's human-readable name.")),
            ro(A::string("description").desc("The schema's human-readable description.")),
            ro(A::complex("attributes", attribute_subs(true))
                .multi()
                .required()
                .desc("A complex attribute that includes the attributes of a schema.")),
        ],
    }
}
