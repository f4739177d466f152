//! The validated set of mappings of one app: every target exists in the target schema and can be
//! written, every source reads attributes the directory has, each target is mapped once, and
//! there is something to match existing accounts by. An [`ObjectMappings`] only exists once all
//! of that holds, so the engine never meets a mapping it cannot apply.

use std::collections::HashMap;

use scimitar_scim::schema::{Mutability, ResourceKind};

use super::error::MappingError;
use super::schema_path::{resolve_source, resolve_target, TargetSlot};
use super::source::MappingSource;
use super::{ApplyWhen, AttributeMapping};
use crate::expr::{Expression, Function};

/// The mappings of one app: how directory users and groups become the app's users and groups.
/// An empty list means that kind of object is not provisioned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectMappings {
    users: Vec<AttributeMapping>,
    groups: Vec<AttributeMapping>,
}

impl ObjectMappings {
    /// Check both lists and keep them. The first rule broken is the error.
    pub fn new(
        users: Vec<AttributeMapping>,
        groups: Vec<AttributeMapping>,
    ) -> Result<ObjectMappings, MappingError> {
        check_list(ResourceKind::User, &users)?;
        check_list(ResourceKind::Group, &groups)?;
        Ok(ObjectMappings { users, groups })
    }

    pub fn users(&self) -> &[AttributeMapping] {
        &self.users
    }

    pub fn groups(&self) -> &[AttributeMapping] {
        &self.groups
    }

    pub fn for_kind(&self, kind: ResourceKind) -> &[AttributeMapping] {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    /// The matching mappings of `kind`, by precedence (1 first).
    pub fn matching(&self, kind: ResourceKind) -> Vec<&AttributeMapping> {
        let mut out: Vec<&AttributeMapping> = self
            .for_kind(kind)
            .iter()
            .filter(|m| m.matching.is_some())
            .collect();
        out.sort_by_key(|m| m.matching);
        out
    }

    /// The two lists, to edit and check again with [`ObjectMappings::new`].
    pub fn into_parts(self) -> (Vec<AttributeMapping>, Vec<AttributeMapping>) {
        (self.users, self.groups)
    }
}

/// Check the mappings of one object kind.
pub(super) fn check_list(
    kind: ResourceKind,
    mappings: &[AttributeMapping],
) -> Result<(), MappingError> {
    let mut targets: HashMap<String, usize> = HashMap::new();
    let mut precedences: HashMap<u8, usize> = HashMap::new();
    for (i, mapping) in mappings.iter().enumerate() {
        let index = i + 1;
        let invalid = |message: String| MappingError::Invalid {
            kind,
            index,
            target: mapping.target.as_str().to_string(),
            message,
        };
        let slot = resolve_target(kind, mapping.target.path()).map_err(&invalid)?;
        check_mapping(kind, mapping, &slot).map_err(&invalid)?;
        if let Some(first) = targets.insert(slot.key(), index) {
            return Err(invalid(format!(
                "mapping {first} already writes this target; a target is mapped once"
            )));
        }
        if let Some(p) = mapping.matching {
            if let Some(first) = precedences.insert(p, index) {
                return Err(invalid(format!(
                    "mapping {first} already has matching precedence {p}; give each matching \
                     attribute its own precedence"
                )));
            }
        }
    }
    if !mappings.is_empty() && precedences.is_empty() {
        return Err(MappingError::Set {
            kind,
            message: "no mapping is marked for matching; mark at least one (such as userName \
                      or displayName) with a matching precedence, so existing accounts are \
                      found instead of duplicated"
                .to_string(),
        });
    }
    Ok(())
}

/// The rules that tie one mapping's source, options and target together.
fn check_mapping(
    kind: ResourceKind,
    mapping: &AttributeMapping,
    slot: &TargetSlot<'_>,
) -> Result<(), String> {
    let complex_whole = slot.sub.is_none() && slot.attribute.is_complex();
    match &mapping.source {
        MappingSource::Reference(reference) => {
            if reference.object_kind() != kind {
                return Err(format!(
                    "a reference to the {reference} belongs to {} mappings",
                    reference.object_kind().as_str()
                ));
            }
            let fits = complex_whole
                && slot.attribute.sub("value").is_some()
                && slot.attribute.multi_valued == reference.is_multi_valued();
            if !fits {
                return Err(format!(
                    "a reference to the {reference} is written to an attribute that holds {} \
                     by its 'value', such as {}",
                    if reference.is_multi_valued() {
                        "ids"
                    } else {
                        "an id"
                    },
                    match reference {
                        super::ReferenceKind::Manager =>
                            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                        super::ReferenceKind::Members => "members",
                    }
                ));
            }
            if mapping.default.is_some() {
                return Err("a reference has no default value".to_string());
            }
        }
        source => {
            if complex_whole {
                return Err(format!(
                    "'{}' is made of parts; map one part (such as {}.{}){}",
                    slot.attribute.name,
                    slot.attribute.name,
                    slot.attribute
                        .sub_attributes
                        .first()
                        .map_or("value", |s| s.name),
                    if slot.attribute.sub("value").is_some() {
                        ", or use a reference"
                    } else {
                        ""
                    }
                ));
            }
            if matches!(source, MappingSource::Constant(_)) && mapping.default.is_some() {
                return Err(
                    "a constant is never null, so a default value would never be used".to_string(),
                );
            }
            let takes_list =
                slot.attribute.multi_valued && slot.filter.is_none() && slot.sub.is_none();
            check_source_attributes(kind, source, takes_list)?;
        }
    }
    if let Some(e) = mapping.source.parsed_expression() {
        if is_select_unique_value(e) && mapping.apply != ApplyWhen::OnCreateOnly {
            return Err(
                "SelectUniqueValue picks a value when the account is created; apply this \
                        mapping on create only"
                    .to_string(),
            );
        }
    }
    if slot.leaf().mutability == Mutability::WriteOnly && mapping.apply != ApplyWhen::OnCreateOnly {
        return Err(format!(
            "'{}' is write-only: the app never returns it, so changes cannot be detected; apply \
             it on create only",
            slot.leaf().name
        ));
    }
    if let Some(p) = mapping.matching {
        if p == 0 {
            return Err("matching precedence starts at 1".to_string());
        }
        let why = match &mapping.source {
            MappingSource::Constant(_) => Some("a constant is the same for every object"),
            MappingSource::Reference(_) => Some("a reference is not a value the app can search"),
            _ if mapping.apply == ApplyWhen::OnCreateOnly => {
                Some("a matching attribute must be applied always, or accounts drift apart")
            }
            _ => None,
        };
        if let Some(why) = why {
            return Err(format!("cannot be used for matching: {why}"));
        }
    }
    Ok(())
}

/// Every attribute a direct or expression source reads must exist in the directory's schema; a
/// direct source of several values cannot fill a target of one.
fn check_source_attributes(
    kind: ResourceKind,
    source: &MappingSource,
    target_multi_valued: bool,
) -> Result<(), String> {
    for reference in source.attributes() {
        let shape = resolve_source(kind, &reference.path)
            .map_err(|e| format!("the source reads [{}]: {e}", reference.text))?;
        let direct = matches!(source, MappingSource::Direct(_));
        if direct && shape.multi_valued && !target_multi_valued {
            return Err(format!(
                "[{}] holds several values and the target one; pick one with a filter, such as \
                 [emails[type eq \"work\"].value], or use Join or Item in an expression",
                reference.text
            ));
        }
    }
    Ok(())
}

fn is_select_unique_value(e: &Expression) -> bool {
    matches!(e, Expression::Call(c) if c.function == Function::SelectUniqueValue)
}
