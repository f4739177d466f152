//! Attribute mappings: how a user or group of the directory becomes the object written into an
//! app (direct, constant, expression, default, apply-on-create), the Entra ID default mappings,
//! their TOML form, and the difference between what the app has and what it should have.
//!
//! - An [`AttributeMapping`] names a target SCIM path in the app and where its value comes from
//!   ([`MappingSource`]); an [`ObjectMappings`] is the validated set for users and groups
//!   ([`ObjectMappings::new`], [`ObjectMappings::entra_defaults`], [`ObjectMappings::from_toml`]).
//! - [`map_object`] computes, for one directory object, what every target should be: a value, an
//!   explicit clear, "leave it alone", candidates for `SelectUniqueValue`, or directory ids the
//!   engine still has to turn into the app's ids ([`MappedValue`]).
//! - [`MappedObject::to_scim_body`] builds the body of a create; [`diff`] lists what differs from
//!   the app's copy, with SCIM's case rules, for the plan, the logs and a PATCH.
//!
//! Pure: no I/O, no async, no database; time and randomness come in through [`MappingContext`].
//! Every path is read with the `scim` crate's path parser and resolved against its schemas, and
//! create bodies are assembled by its PATCH engine, so both directions speak the same SCIM.
//! The reference for admins is `docs/mappings.md`.

mod apply;
mod body;
mod diff;
mod entra;
mod error;
mod schema_path;
mod source;
mod toml_format;
mod validate;

pub use apply::{
    map_object, DirectoryRef, MappedAttribute, MappedObject, MappedValue, MappingContext,
};
pub use body::{ScimBody, UnresolvedReference};
pub use diff::{diff, AttributeChange, Diff};
pub use error::MappingError;
pub use source::{MappingSource, ReferenceKind, SourceExpression};
pub use validate::ObjectMappings;

pub(crate) use schema_path::resolve_source;

use scimitar_scim::path::{parse_patch_path, PatchPath};
use scimitar_scim::ScimError;
use std::fmt;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_apply;
#[cfg(test)]
mod tests_diff;
#[cfg(test)]
mod tests_entra;
#[cfg(test)]
mod tests_toml;
#[cfg(test)]
mod tests_validate;

/// One target attribute of the app's object and where its value comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeMapping {
    /// The SCIM path in the app: `name.givenName`, `emails[type eq "work"].value`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
    pub target: TargetPath,
    pub source: MappingSource,
    /// Written when the source value is null (or empty text). Text, converted to the target's
    /// type like any other value (`"True"` for a boolean).
    pub default: Option<String>,
    pub apply: ApplyWhen,
    /// Matching precedence: the engine looks for an existing account in the app by the mapping
    /// with precedence 1 first, then 2, and so on. `None`: not a matching attribute.
    pub matching: Option<u8>,
}

impl AttributeMapping {
    /// A mapping applied always, with no default and not used for matching.
    pub fn new(target: TargetPath, source: MappingSource) -> Self {
        AttributeMapping {
            target,
            source,
            default: None,
            apply: ApplyWhen::Always,
            matching: None,
        }
    }

    /// The same mapping used for matching, with the given precedence (1 first).
    pub fn matching(mut self, precedence: u8) -> Self {
        self.matching = Some(precedence);
        self
    }

    /// The same mapping with a default value for when the source is null.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// The same mapping, applied only when the app's object is created.
    pub fn on_create_only(mut self) -> Self {
        self.apply = ApplyWhen::OnCreateOnly;
        self
    }
}

/// When a mapping is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplyWhen {
    /// On create and on every update.
    #[default]
    Always,
    /// Only in the body that creates the object; later changes of the source are not sent.
    OnCreateOnly,
}

impl ApplyWhen {
    /// The spelling in the TOML format: `always`, `on-create`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyWhen::Always => "always",
            ApplyWhen::OnCreateOnly => "on-create",
        }
    }

    pub fn parse(text: &str) -> Option<ApplyWhen> {
        match text.trim().to_ascii_lowercase().as_str() {
            "always" => Some(ApplyWhen::Always),
            "on-create" | "on_create" | "oncreate" | "on-create-only" => {
                Some(ApplyWhen::OnCreateOnly)
            }
            _ => None,
        }
    }
}

/// A target path, parsed with the `scim` crate's PATCH path parser (RFC 7644 §3.5.2). Whether
/// it names an attribute of the target schema is checked by [`ObjectMappings::new`], which knows
/// whether the object is a user or a group.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetPath {
    text: String,
    path: PatchPath,
}

impl TargetPath {
    /// Parse `text` (surrounding spaces are dropped). Errors are the PATCH parser's
    /// `invalidPath` messages.
    pub fn parse(text: &str) -> Result<TargetPath, ScimError> {
        let text = text.trim();
        Ok(TargetPath {
            path: parse_patch_path(text)?,
            text: text.to_string(),
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn path(&self) -> &PatchPath {
        &self.path
    }
}

impl fmt::Display for TargetPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
