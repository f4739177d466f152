//! Resource normalisation (placeholder; being written).
use crate::error::{ScimError, ScimResult};
use crate::policy::CompatPolicy;
use crate::schema::{AttributeDef, ResourceType};
use serde_json::Value;

/// Validate a client-supplied resource body against the resource type's schemas and return it in
/// canonical form.
pub fn normalize_resource(_rt: &ResourceType, _body: &Value, _policy: &CompatPolicy) -> ScimResult<Value> {
    Err(ScimError::invalid_syntax("not implemented"))
}

/// Validate and canonicalise one attribute's value. `Ok(None)` means "unassigned" (null / []).
pub fn normalize_attribute_value(
    _def: &AttributeDef,
    _value: &Value,
    _policy: &CompatPolicy,
) -> ScimResult<Option<Value>> {
    Err(ScimError::invalid_syntax("not implemented"))
}
