//! PATCH paths (RFC 7644 §3.5.2): `attrPath`, `valuePath` (`emails[type eq "work"]`) and
//! `valuePath.subAttr` (`emails[type eq "work"].value`).

use crate::error::ScimResult;
use crate::filter::Filter;

/// A parsed PATCH path: `[urn:]name[.sub]` or `[urn:]name[filter][.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub urn: Option<String>,
    pub name: String,
    /// The value filter between brackets, with paths relative to the attribute.
    pub filter: Option<Filter>,
    pub sub_attr: Option<String>,
}

/// Parse a PATCH `path`. Errors are `400 invalidPath`.
pub fn parse_patch_path(_input: &str) -> ScimResult<PatchPath> {
    Err(crate::ScimError::invalid_path("not implemented"))
}
