//! The PATCH engine (RFC 7644 §3.5.2): parse a PatchOp message into operations, and apply them
//! to a resource in canonical form, all or nothing.
//!
//! The engine edits the server's canonical copy (the output of `normalize_resource`, plus `id`
//! and `meta`), validates every value a client supplies with the same normaliser as POST/PUT,
//! and re-normalises the whole result, so a patched resource is indistinguishable from one that
//! was PUT. It never touches read-only top-level attributes (`id`, `meta`, `groups`): they are
//! set aside before and put back after. It knows nothing of storage; the service may translate
//! Group `members` operations to rows itself, but the engine handles them correctly on JSON too.

mod apply;
mod elements;
mod parse;
mod target;
mod write;

#[cfg(test)]
mod tests_apply;
#[cfg(test)]
mod tests_clients;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_parse;

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use crate::path::PatchPath;
use crate::policy::CompatPolicy;
use crate::resource::{check_required, lookup, normalize_stored, Ctx};
use crate::schema::{Mutability, ResourceType};

pub use parse::parse_patch_request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

impl PatchOpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }
}

/// One PATCH operation. `value` is kept as sent (`Some(Value::Null)` when the client sent
/// `"value": null`); it is validated when applied, against the attribute the path names.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Apply operations to a resource in canonical form, all or nothing: on error `resource` is left
/// exactly as it was. On success it is re-normalised (`schemas` follows the extensions in use),
/// its required attributes are checked, and `id`/`meta` (and any other read-only top-level
/// attribute) are as they were.
pub fn apply_patch(
    rt: &ResourceType,
    resource: &mut Value,
    ops: &[PatchOperation],
    policy: &CompatPolicy,
) -> ScimResult<()> {
    let Value::Object(current) = &*resource else {
        // The service hands us its own stored copy; anything but an object is a server bug.
        return Err(ScimError::internal());
    };
    let mut kept: Vec<(&'static str, String, Value)> = Vec::new();
    let mut rest = Map::new();
    for (key, value) in current {
        match lookup(rt, None, key) {
            Some(l) if l.def.mutability == Mutability::ReadOnly => {
                kept.push((l.def.name, key.clone(), value.clone()))
            }
            _ => {
                rest.insert(key.clone(), value.clone());
            }
        }
    }

    let mut doc = normalize_stored(rt, &rest, policy)?;
    let cx = Ctx::client(policy, Some(rt.name));
    for (i, op) in ops.iter().enumerate() {
        apply::apply_operation(rt, &mut doc, op, &cx).map_err(|e| numbered(e, i, ops.len()))?;
    }
    let patched = normalize_stored(rt, &doc.into_map(rt), policy)?.into_map(rt);
    check_required(rt, &Value::Object(patched.clone()))?;
    *resource = Value::Object(reassemble(patched, kept));
    Ok(())
}

/// `schemas`, `id`, the patched attributes, other read-only attributes, `meta` last.
fn reassemble(
    mut patched: Map<String, Value>,
    kept: Vec<(&'static str, String, Value)>,
) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(schemas) = patched.remove("schemas") {
        out.insert("schemas".to_string(), schemas);
    }
    let (first, others): (Vec<_>, Vec<_>) =
        kept.into_iter().partition(|(name, _, _)| *name == "id");
    let (last, middle): (Vec<_>, Vec<_>) =
        others.into_iter().partition(|(name, _, _)| *name == "meta");
    for (_, key, value) in first {
        out.insert(key, value);
    }
    out.extend(patched);
    for (_, key, value) in middle.into_iter().chain(last) {
        out.insert(key, value);
    }
    out
}

/// With several operations, say which one failed.
fn numbered(mut e: ScimError, index: usize, count: usize) -> ScimError {
    if count > 1 {
        e.detail = format!("operation {}: {}", index + 1, e.detail);
    }
    e
}
