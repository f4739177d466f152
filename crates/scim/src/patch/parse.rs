//! Reading a PatchOp message (RFC 7644 §3.5.2) into [`PatchOperation`]s: the envelope, each
//! operation's `op`, `path` and `value`. Only the shape is checked here; whether a path names a
//! real, writable attribute and whether a value fits it is decided when the operation is applied.

use serde_json::{Map, Value};

use super::{PatchOpKind, PatchOperation};
use crate::error::{ScimError, ScimResult, ScimType};
use crate::path::parse_patch_path;
use crate::policy::CompatPolicy;
use crate::resource::describe;
use crate::schema::PATCH_OP_SCHEMA;

/// Parse a PatchOp request body (RFC 7644 §3.5.2) into operations.
///
/// `Operations` and the per-operation keys are matched case-insensitively; `op` values are too
/// when the policy allows (`Add`, `Replace`, `Remove` from Entra ID). `remove` without a path is
/// `400 noTarget`; `add`/`replace` without a `value` is `400 invalidValue`.
pub fn parse_patch_request(body: &Value, policy: &CompatPolicy) -> ScimResult<Vec<PatchOperation>> {
    let obj = body.as_object().ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "a PATCH body must be a JSON object (a PatchOp message), got {}",
            describe(body)
        ))
    })?;
    check_schemas(obj, policy)?;
    let items = match get_ci(obj, "Operations") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => {
            return Err(ScimError::invalid_syntax(
                "'Operations' is empty; a PATCH needs at least one operation",
            ))
        }
        None | Some(Value::Null) => {
            return Err(ScimError::invalid_syntax(
                "a PATCH body needs an 'Operations' array",
            ))
        }
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "'Operations' must be an array, got {}",
                describe(other)
            )))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, op)| parse_operation(i + 1, op, policy))
        .collect()
}

fn check_schemas(obj: &Map<String, Value>, policy: &CompatPolicy) -> ScimResult<()> {
    let missing = || {
        if policy.missing_schemas_filled_in {
            Ok(())
        } else {
            Err(ScimError::invalid_value(format!(
                "a PATCH body needs \"schemas\": [\"{PATCH_OP_SCHEMA}\"]"
            )))
        }
    };
    let items = match get_ci(obj, "schemas") {
        None | Some(Value::Null) => return missing(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(ScimError::invalid_value(format!(
                "'schemas' must be an array of schema URNs, got {}",
                describe(other)
            )))
        }
    };
    for item in items {
        match item {
            Value::String(s) if s.eq_ignore_ascii_case(PATCH_OP_SCHEMA) => {}
            Value::String(s) => {
                return Err(ScimError::invalid_value(format!(
                    "unexpected schema '{s}' in a PATCH request; expected [\"{PATCH_OP_SCHEMA}\"]"
                )))
            }
            other => {
                return Err(ScimError::invalid_value(format!(
                    "'schemas' must contain schema URNs (strings), got {}",
                    describe(other)
                )))
            }
        }
    }
    if items.is_empty() {
        return missing();
    }
    Ok(())
}

fn parse_operation(n: usize, v: &Value, policy: &CompatPolicy) -> ScimResult<PatchOperation> {
    let obj = v.as_object().ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "operation {n} must be a JSON object, got {}",
            describe(v)
        ))
    })?;
    let op_name = match get_ci(obj, "op") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n} has no 'op'; expected add, remove or replace"
            )))
        }
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n}: 'op' must be add, remove or replace, got {}",
                describe(other)
            )))
        }
    };
    let op = parse_kind(op_name, policy).ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "operation {n}: unknown op {}; expected add, remove or replace",
            Value::String(op_name.clone())
        ))
    })?;
    let path = match get_ci(obj, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_patch_path(s).map_err(|e| {
            let detail = format!(
                "operation {n}: invalid path {}: {}",
                Value::String(s.clone()),
                e.detail
            );
            ScimError::new(400, Some(ScimType::InvalidPath), detail)
        })?),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "operation {n}: 'path' must be a string, got {}",
                describe(other)
            )))
        }
    };
    let value = get_ci(obj, "value").cloned();
    match op {
        PatchOpKind::Remove if path.is_none() => Err(ScimError::no_target(format!(
            "operation {n}: remove needs a 'path' naming what to remove"
        ))),
        PatchOpKind::Add | PatchOpKind::Replace if value.is_none() => Err(
            ScimError::invalid_value(format!("operation {n}: {} needs a 'value'", op.as_str())),
        ),
        _ => Ok(PatchOperation { op, path, value }),
    }
}

fn parse_kind(s: &str, policy: &CompatPolicy) -> Option<PatchOpKind> {
    [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
        .into_iter()
        .find(|k| {
            let name = k.as_str();
            s == name || (policy.case_insensitive_patch_ops && s.eq_ignore_ascii_case(name))
        })
}

/// `obj[key]`, the exact spelling first, then any case.
fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}
