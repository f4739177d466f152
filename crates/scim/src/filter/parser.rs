//! Filter parser (placeholder; being written).
use super::ast::{AttrPath, Filter};
use crate::error::{ScimError, ScimResult};

#[derive(Debug, Clone, Copy)]
pub struct FilterLimits {
    pub max_length: usize,
    pub max_depth: usize,
}
impl Default for FilterLimits {
    fn default() -> Self {
        FilterLimits { max_length: 4096, max_depth: 32 }
    }
}
pub fn parse_filter(_input: &str, _limits: FilterLimits) -> ScimResult<Filter> {
    Err(ScimError::invalid_filter("not implemented"))
}
pub fn parse_attr_path(_input: &str) -> ScimResult<AttrPath> {
    Err(ScimError::invalid_filter("not implemented"))
}
