//! The core Group schema (RFC 7643 §4.2, §8.7.1).

use super::attribute::{AttributeDef as A, Mutability::*};
use super::{Schema, GROUP_SCHEMA};

pub(super) fn schema() -> Schema {
    Schema {
        id: GROUP_SCHEMA,
        name: "Group",
        description: "Group",
        attributes: vec![
            A::string("displayName").required().desc("A human-readable name for the Group."),
            A::complex(
                "members",
                vec![
                    A::string("value").mutability(Immutable).desc("Identifier of the member of this Group."),
                    A::reference("$ref", &["User", "Group"]).mutability(Immutable).desc("The URI corresponding to a SCIM resource that is a member of this Group."),
                    A::string("display").mutability(ReadOnly).desc("A human-readable name of the member."),
                    A::string("type").canonical(&["User", "Group"]).mutability(Immutable).desc("A label indicating the type of resource, e.g., 'User' or 'Group'."),
                ],
            )
            .multi()
            .desc("A list of members of the Group."),
        ],
    }
}
