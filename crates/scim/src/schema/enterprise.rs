//! The EnterpriseUser extension (RFC 7643 §4.3).

use super::attribute::AttributeDef as A;
use super::{Schema, ENTERPRISE_USER_SCHEMA};

pub(super) fn schema() -> Schema {
    Schema {
        id: ENTERPRISE_USER_SCHEMA,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: vec![
            A::string("employeeNumber")
                .desc("Numeric or alphanumeric identifier assigned to a person."),
            A::string("costCenter").desc("Identifies the name of a cost center."),
            A::string("organization").desc("Identifies the name of an organization."),
            A::string("division").desc("Identifies the name of a division."),
            A::string("department").desc("Identifies the name of a department."),
            A::complex(
                "manager",
                vec![
                    A::string("value")
                        .desc("The id of the SCIM resource representing the User's manager."),
                    A::reference("$ref", &["User"])
                        .desc("The URI of the SCIM resource representing the User's manager."),
                    A::string("displayName")
                        .mutability(super::Mutability::ReadOnly)
                        .desc("The displayName of the User's manager."),
                ],
            )
            .desc("The User's manager."),
        ],
    }
}
