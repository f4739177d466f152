//! The TOML form of an app's mappings: what `scimitar app mappings export` prints and `import`
//! reads, meant to be edited by hand. One `[[users]]` or `[[groups]]` table per mapping:
//!
//! ```toml
//! [[users]]
//! target = "userName"
//! source = "[userName]"
//! matching = 1
//!
//! [[users]]
//! target = "name.formatted"
//! source = 'Join(" ", [name.givenName], [name.familyName])'
//!
//! [[users]]
//! target = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
//! reference = "manager"
//! ```
//!
//! `source` is written in the expression language (`[path]` is direct, `"text"` a constant);
//! `reference` (`manager`, `members`) replaces it for references; `default`, `apply`
//! (`always`, `on-create`) and `matching` are optional. Unknown keys are errors, and every error
//! names its line. Export then import gives back exactly the same mappings.

use scimitar_scim::schema::ResourceKind;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::error::MappingError;
use super::source::{MappingSource, ReferenceKind};
use super::validate::ObjectMappings;
use super::{ApplyWhen, AttributeMapping, TargetPath};

/// The first line of every export.
const HEADER: &str = "# Scimitar attribute mappings: one [[users]] or [[groups]] table per target \
attribute.\n# Keys: target, source (an expression: [path] is direct, \"text\" a constant) or \
reference\n# (manager, members), default, apply (always, on-create), matching. See \
docs/mappings.md.\n\n";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    #[serde(default)]
    users: Vec<RawMapping>,
    #[serde(default)]
    groups: Vec<RawMapping>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    target: Spanned<String>,
    source: Option<Spanned<String>>,
    reference: Option<Spanned<String>>,
    default: Option<String>,
    apply: Option<Spanned<String>>,
    matching: Option<u8>,
}

#[derive(Serialize)]
struct OutDocument<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    users: Vec<OutMapping<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<OutMapping<'a>>,
}

#[derive(Serialize)]
struct OutMapping<'a> {
    target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    apply: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matching: Option<u8>,
}

impl ObjectMappings {
    /// The mappings as a TOML document (see the module documentation for the format).
    pub fn to_toml(&self) -> Result<String, MappingError> {
        let document = OutDocument {
            users: self.users().iter().map(out_mapping).collect(),
            groups: self.groups().iter().map(out_mapping).collect(),
        };
        let body = toml::to_string(&document)
            .map_err(|e| MappingError::Toml(format!("cannot write the mappings as TOML: {e}")))?;
        Ok(format!("{HEADER}{body}"))
    }

    /// Read and check a TOML document. Every error says which line to fix.
    pub fn from_toml(text: &str) -> Result<ObjectMappings, MappingError> {
        let document: RawDocument = toml::from_str(text)
            .map_err(|e| MappingError::Toml(e.to_string().trim().to_string()))?;
        let users = read_list(text, ResourceKind::User, document.users)?;
        let groups = read_list(text, ResourceKind::Group, document.groups)?;
        let user_lines: Vec<usize> = users.iter().map(|(_, line)| *line).collect();
        let group_lines: Vec<usize> = groups.iter().map(|(_, line)| *line).collect();
        ObjectMappings::new(
            users.into_iter().map(|(m, _)| m).collect(),
            groups.into_iter().map(|(m, _)| m).collect(),
        )
        .map_err(|e| match &e {
            MappingError::Invalid { kind, index, .. } => {
                let lines = match kind {
                    ResourceKind::User => &user_lines,
                    ResourceKind::Group => &group_lines,
                };
                match lines.get(index.saturating_sub(1)) {
                    Some(line) => e.at_line(*line),
                    None => e,
                }
            }
            _ => e,
        })
    }
}

fn out_mapping(m: &AttributeMapping) -> OutMapping<'_> {
    let reference = match &m.source {
        MappingSource::Reference(kind) => Some(kind.as_str()),
        _ => None,
    };
    OutMapping {
        target: m.target.as_str(),
        source: m.source.expression_text(),
        reference,
        default: m.default.as_deref(),
        apply: (m.apply != ApplyWhen::Always).then_some(m.apply.as_str()),
        matching: m.matching,
    }
}

/// The mappings of one list, each with the line of its `target`.
fn read_list(
    text: &str,
    kind: ResourceKind,
    raw: Vec<RawMapping>,
) -> Result<Vec<(AttributeMapping, usize)>, MappingError> {
    raw.into_iter()
        .enumerate()
        .map(|(i, r)| {
            let line = line_of(text, r.target.span().start);
            read_one(text, kind, i + 1, r).map(|m| (m, line))
        })
        .collect()
}

fn read_one(
    text: &str,
    kind: ResourceKind,
    index: usize,
    raw: RawMapping,
) -> Result<AttributeMapping, MappingError> {
    let target_text = raw.target.get_ref().clone();
    let target_line = line_of(text, raw.target.span().start);
    let invalid = |message: String, line: usize| {
        MappingError::Invalid {
            kind,
            index,
            target: target_text.clone(),
            message,
        }
        .at_line(line)
    };
    let target = TargetPath::parse(&target_text).map_err(|e| {
        invalid(
            format!("the target is not a SCIM path: {}", e.detail),
            target_line,
        )
    })?;
    let source = match (&raw.source, &raw.reference) {
        (Some(source), None) => MappingSource::parse(source.get_ref()).map_err(|error| {
            MappingError::Expression {
                kind,
                index,
                target: target_text.clone(),
                error,
            }
            .at_line(line_of(text, source.span().start))
        })?,
        (None, Some(reference)) => {
            let name = reference.get_ref();
            let line = line_of(text, reference.span().start);
            MappingSource::Reference(ReferenceKind::parse(name).ok_or_else(|| {
                invalid(
                    format!("unknown reference {name:?}; the references are manager and members"),
                    line,
                )
            })?)
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                "give either source or reference, not both".to_string(),
                target_line,
            ))
        }
        (None, None) => {
            return Err(invalid(
                "missing source (an expression such as \"[userName]\") or reference".to_string(),
                target_line,
            ))
        }
    };
    let apply = match &raw.apply {
        None => ApplyWhen::Always,
        Some(apply) => ApplyWhen::parse(apply.get_ref()).ok_or_else(|| {
            invalid(
                format!(
                    "apply is \"always\" or \"on-create\", not {:?}",
                    apply.get_ref()
                ),
                line_of(text, apply.span().start),
            )
        })?,
    };
    Ok(AttributeMapping {
        target,
        source,
        default: raw.default,
        apply,
        matching: raw.matching,
    })
}

/// The 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(at)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
