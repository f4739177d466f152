//! The PATCH engine (placeholder; being written).
use crate::error::{ScimError, ScimResult};
use crate::path::PatchPath;
use crate::policy::CompatPolicy;
use crate::schema::ResourceType;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parse a PatchOp request body (RFC 7644 §3.5.2) into operations.
pub fn parse_patch_request(_body: &Value, _policy: &CompatPolicy) -> ScimResult<Vec<PatchOperation>> {
    Err(ScimError::invalid_syntax("not implemented"))
}

/// Apply operations to a normalised resource, all or nothing.
pub fn apply_patch(
    _rt: &ResourceType,
    _resource: &mut Value,
    _ops: &[PatchOperation],
    _policy: &CompatPolicy,
) -> ScimResult<()> {
    Err(ScimError::invalid_syntax("not implemented"))
}
