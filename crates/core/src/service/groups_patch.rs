//! Group PATCH without loading the group: member operations become row operations.
//!
//! Entra ID and Okta change membership with `add members`, `remove members[value eq "id"]`,
//! `remove members` with a value list, and `replace members`. Each of those is translated into
//! a [`MemberOp`] that the store applies with a handful of indexed row writes, so adding one
//! member costs the same for a group of 10 or 1,000,000. Anything more exotic (a filter on
//! `type`, a sub-attribute path) takes the general route: load, apply, replace.

use scimitar_scim::filter::{CompValue, CompareOp, Filter};
use scimitar_scim::patch::{PatchOpKind, PatchOperation};
use scimitar_scim::resource::normalize_attribute_value;
use scimitar_scim::schema::{resource_type, ResourceKind, GROUP_SCHEMA};
use scimitar_scim::{CompatPolicy, ScimError, ScimResult};
use serde_json::{Map, Value};

use crate::resource::{MemberOp, MemberRef};

pub(super) enum GroupPatchPlan {
    /// Member changes as row operations, plus operations on the other attributes.
    Rows {
        member_ops: Vec<MemberOp>,
        attr_ops: Vec<PatchOperation>,
    },
    /// Needs the whole member list.
    General,
}

fn is_members(urn: Option<&str>, name: &str) -> bool {
    name.eq_ignore_ascii_case("members") && urn.is_none_or(|u| u.eq_ignore_ascii_case(GROUP_SCHEMA))
}

/// Member references from a (raw or normalised) `members` value: an array or a single object.
pub(super) fn member_refs(value: &Value) -> ScimResult<Vec<MemberRef>> {
    let def = resource_type(ResourceKind::Group)
        .attribute(None, "members")
        .map(|l| l.def)
        .ok_or_else(ScimError::internal)?;
    let as_array = match value {
        Value::Array(_) => value.clone(),
        Value::Null => return Ok(vec![]),
        other => Value::Array(vec![other.clone()]),
    };
    let normalized = normalize_attribute_value(def, &as_array, &CompatPolicy::compatible())?;
    let Some(Value::Array(items)) = normalized else {
        return Ok(vec![]);
    };
    items
        .iter()
        .map(|item| {
            let value = item.get("value").and_then(Value::as_str).ok_or_else(|| {
                ScimError::invalid_value("each member needs a 'value' with the member's id")
            })?;
            let kind = match item.get("type").and_then(Value::as_str) {
                None => None,
                Some(t) if t.eq_ignore_ascii_case("User") => Some(ResourceKind::User),
                Some(t) if t.eq_ignore_ascii_case("Group") => Some(ResourceKind::Group),
                Some(t) => {
                    return Err(ScimError::invalid_value(format!(
                        "member type '{t}' is not 'User' or 'Group'"
                    )))
                }
            };
            Ok(MemberRef {
                value: value.to_string(),
                kind,
            })
        })
        .collect()
}

/// `value eq "a"` or `value eq "a" or value eq "b"` → the ids.
fn value_eq_ids(f: &Filter, out: &mut Vec<String>) -> bool {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(s),
        } if path.urn.is_none()
            && path.sub_attr.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            out.push(s.clone());
            true
        }
        Filter::Or(a, b) => value_eq_ids(a, out) && value_eq_ids(b, out),
        _ => false,
    }
}

fn check_size(n: usize, max: usize) -> ScimResult<()> {
    if n > max {
        return Err(ScimError::too_many(format!(
            "one operation may change at most {max} members; this one has {n}; split it"
        )));
    }
    Ok(())
}

pub(super) fn plan_group_patch(
    ops: &[PatchOperation],
    policy: &CompatPolicy,
    max_members: usize,
) -> ScimResult<GroupPatchPlan> {
    let mut member_ops = Vec::new();
    let mut attr_ops = Vec::new();
    for op in ops {
        match (&op.path, op.op) {
            (Some(p), kind) if is_members(p.urn.as_deref(), &p.name) => {
                if p.sub_attr.is_some() {
                    return Ok(GroupPatchPlan::General);
                }
                if let Some(f) = &p.filter {
                    let mut ids = Vec::new();
                    if kind == PatchOpKind::Remove && value_eq_ids(f, &mut ids) {
                        check_size(ids.len(), max_members)?;
                        member_ops.push(MemberOp::Remove(ids));
                        continue;
                    }
                    return Ok(GroupPatchPlan::General);
                }
                let refs = match &op.value {
                    Some(v) => member_refs(v)?,
                    None => vec![],
                };
                check_size(refs.len(), max_members)?;
                match kind {
                    PatchOpKind::Add => member_ops.push(MemberOp::Add(refs)),
                    PatchOpKind::Replace => member_ops.push(MemberOp::ReplaceAll(refs)),
                    PatchOpKind::Remove
                        if op.value.is_some() && policy.remove_with_value_removes_listed =>
                    {
                        member_ops.push(MemberOp::Remove(
                            refs.into_iter().map(|r| r.value).collect(),
                        ))
                    }
                    PatchOpKind::Remove => member_ops.push(MemberOp::ReplaceAll(vec![])),
                }
            }
            (None, kind @ (PatchOpKind::Add | PatchOpKind::Replace)) => {
                let Some(Value::Object(obj)) = &op.value else {
                    attr_ops.push(op.clone());
                    continue;
                };
                let mut rest = Map::new();
                for (k, v) in obj {
                    if is_members(None, k) {
                        let refs = member_refs(v)?;
                        check_size(refs.len(), max_members)?;
                        member_ops.push(if kind == PatchOpKind::Add {
                            MemberOp::Add(refs)
                        } else {
                            MemberOp::ReplaceAll(refs)
                        });
                    } else if k.to_ascii_lowercase().starts_with("members") {
                        return Ok(GroupPatchPlan::General);
                    } else {
                        rest.insert(k.clone(), v.clone());
                    }
                }
                if !rest.is_empty() {
                    attr_ops.push(PatchOperation {
                        op: kind,
                        path: None,
                        value: Some(Value::Object(rest)),
                    });
                }
            }
            _ => attr_ops.push(op.clone()),
        }
    }
    Ok(GroupPatchPlan::Rows {
        member_ops,
        attr_ops,
    })
}
