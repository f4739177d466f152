//! The mappings Microsoft Entra ID applies by default to a custom (non-gallery) SCIM app, as
//! Scimitar's defaults, so an app moved from Entra to Scimitar receives the same users and
//! groups.
//!
//! Entra's sources are Entra attribute names; Scimitar's source is its own SCIM directory, so
//! each Entra source is replaced by the SCIM attribute that carries it when Entra provisions
//! into a SCIM directory (`userPrincipalName` is `userName`, `mail` is the work email, and so
//! on). The table with notes is in `docs/mappings.md`.

use super::error::MappingError;
use super::source::{MappingSource, ReferenceKind};
use super::validate::ObjectMappings;
use super::{AttributeMapping, TargetPath};

/// How one default is written: target, source (in the expression language, or a reference),
/// default value, matching precedence.
struct Row {
    target: &'static str,
    source: Source,
    default: Option<&'static str>,
    matching: Option<u8>,
}

enum Source {
    Text(&'static str),
    Reference(ReferenceKind),
}

/// A direct mapping from the same path in the directory.
const fn same(path: &'static str) -> Row {
    Row {
        target: path,
        source: Source::Text(""),
        default: None,
        matching: None,
    }
}

const fn with(target: &'static str, source: &'static str) -> Row {
    Row {
        target,
        source: Source::Text(source),
        default: None,
        matching: None,
    }
}

/// Entra's default user mappings, in Entra's order. The Entra source is in each comment.
fn user_defaults() -> Vec<Row> {
    vec![
        // userPrincipalName
        Row {
            matching: Some(1),
            ..same("userName")
        },
        // Switch([IsSoftDeleted], , "False", "True", "True", "False"): active unless soft
        // deleted, so a user without `active` is active.
        Row {
            default: Some("True"),
            ..same("active")
        },
        same("displayName"),                     // displayName
        same("title"),                           // jobTitle
        same(r#"emails[type eq "work"].value"#), // mail
        same("preferredLanguage"),               // preferredLanguage
        same("name.givenName"),                  // givenName
        same("name.familyName"),                 // surname
        with(
            "name.formatted",
            r#"Join(" ", [name.givenName], [name.familyName])"#,
        ), // Join(" ", [givenName], [surname])
        same(r#"addresses[type eq "work"].formatted"#), // physicalDeliveryOfficeName
        same(r#"addresses[type eq "work"].streetAddress"#), // streetAddress
        same(r#"addresses[type eq "work"].locality"#), // city
        same(r#"addresses[type eq "work"].region"#), // state
        same(r#"addresses[type eq "work"].postalCode"#), // postalCode
        same(r#"addresses[type eq "work"].country"#), // country
        same(r#"phoneNumbers[type eq "work"].value"#), // telephoneNumber
        same(r#"phoneNumbers[type eq "mobile"].value"#), // mobile
        same(r#"phoneNumbers[type eq "fax"].value"#), // facsimileTelephoneNumber
        same("externalId"),                      // mailNickname
        same(concat!(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            ":employeeNumber"
        )), // employeeId
        same(concat!(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            ":department"
        )), // department
        Row {
            target: concat!(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                ":manager"
            ),
            source: Source::Reference(ReferenceKind::Manager),
            default: None,
            matching: None,
        }, // manager
    ]
}

/// Entra's default group mappings.
fn group_defaults() -> Vec<Row> {
    vec![
        // displayName
        Row {
            matching: Some(1),
            ..same("displayName")
        },
        // objectId: the group's id in the directory
        with("externalId", "[id]"),
        // members
        Row {
            target: "members",
            source: Source::Reference(ReferenceKind::Members),
            default: None,
            matching: None,
        },
    ]
}

impl ObjectMappings {
    /// The mappings Entra ID applies by default to a custom SCIM app: 22 for users, matched by
    /// `userName`; 3 for groups, matched by `displayName`.
    pub fn entra_defaults() -> ObjectMappings {
        let build = |defaults: Vec<Row>| -> Result<Vec<AttributeMapping>, MappingError> {
            defaults.into_iter().map(build_one).collect()
        };
        // The table above is fixed and covered by tests; an error here would be a programming
        // error, and an empty set (nothing provisioned) is the safe answer to it.
        build(user_defaults())
            .and_then(|users| {
                build(group_defaults()).and_then(|groups| ObjectMappings::new(users, groups))
            })
            .unwrap_or_default()
    }
}

fn build_one(d: Row) -> Result<AttributeMapping, MappingError> {
    let invalid = |message: String| MappingError::Value {
        target: d.target.to_string(),
        message,
    };
    let target = TargetPath::parse(d.target).map_err(|e| invalid(e.detail))?;
    let source = match d.source {
        Source::Reference(kind) => MappingSource::Reference(kind),
        Source::Text("") => MappingSource::direct(d.target).map_err(|e| invalid(e.detail))?,
        Source::Text(text) => MappingSource::parse(text).map_err(|e| invalid(e.to_string()))?,
    };
    let mut mapping = AttributeMapping::new(target, source);
    mapping.default = d.default.map(str::to_string);
    mapping.matching = d.matching;
    Ok(mapping)
}
