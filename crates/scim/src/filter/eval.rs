//! In-memory filter evaluation (placeholder; being written).
use super::ast::{CompValue, CompareOp, Filter};
use crate::schema::{AttributeDef, ResourceType};
use serde_json::Value;

pub fn matches(_rt: &ResourceType, _resource: &Value, _filter: &Filter) -> bool {
    false
}
pub fn compare_values(_def: &AttributeDef, _actual: &Value, _op: CompareOp, _expected: &CompValue) -> bool {
    false
}
