//! Scoping filters: which directory objects an app receives, with Entra ID's clause operators
//! (clauses AND-ed within a filter, filters OR-ed).
//!
//! A [`ScopingClause`] tests one attribute of the directory object (a SCIM path, read the way
//! mapping expressions read it, so Entra names such as `userPrincipalName` work too) with one
//! [`ScopingOperator`]. A [`ScopingFilter`] holds when all its clauses do; [`ScopingFilters`]
//! let an object through when any filter holds, and everything through when there are none.
//!
//! The one-line form for the CLI (`department EQUALS "Sales" AND active IS TRUE OR title IS
//! NULL`) is read by [`ScopingFilters::parse`] with errors that point at the column and written
//! back by `Display`; the TOML form is in `toml_form`. Semantics, including what every operator
//! does with a missing value or a value of another type, are in `eval` and `docs/mappings.md`.
//! Pure, and never panics: regular expressions are compiled once, with a size limit.

mod eval;
mod operator;
mod text;
mod toml_form;

#[cfg(test)]
mod tests_eval;
#[cfg(test)]
mod tests_text;
#[cfg(test)]
mod tests_toml;

pub use operator::{Operand, ScopingOperator};

use regex::RegexBuilder;
use scimitar_scim::path::parse_patch_path;
use scimitar_scim::schema::ResourceKind;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use time::OffsetDateTime;

use crate::expr::{AttributeRef, CompiledRegex, Position, ScimSource};
use crate::mapping::resolve_source;

/// The longest regular expression a clause may hold, in characters.
pub const MAX_PATTERN_CHARS: usize = 1024;
/// The largest compiled size of a clause's regular expression, in bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The scoping filters of one object kind of an app: OR-ed; none means everything is in scope.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScopingFilters(Vec<ScopingFilter>);

/// Clauses that must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "toml_form::RawFilter", into = "toml_form::RawFilter")]
pub struct ScopingFilter {
    clauses: Vec<ScopingClause>,
}

/// One test of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "toml_form::RawClause")]
pub struct ScopingClause {
    attribute: AttributeRef,
    operator: ScopingOperator,
    value: ClauseValue,
}

/// A clause's operand, checked and prepared for its operator.
#[derive(Debug, Clone, PartialEq)]
enum ClauseValue {
    None,
    Text(String),
    Integer(i64),
    Pattern(CompiledRegex),
}

impl ScopingFilters {
    pub fn new(filters: Vec<ScopingFilter>) -> ScopingFilters {
        ScopingFilters(filters)
    }

    /// No filters: every object is in scope.
    pub fn everything() -> ScopingFilters {
        ScopingFilters(Vec::new())
    }

    pub fn filters(&self) -> &[ScopingFilter] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `resource` (a SCIM resource of `kind` from the directory) is in scope.
    pub fn in_scope(&self, kind: ResourceKind, resource: &Json) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let source = source(kind, resource);
        self.0.iter().any(|f| f.failing(&source).is_none())
    }

    /// Check every clause's attribute against the schema of `kind`: it must exist, and hold one
    /// value (Entra does not filter on multi-valued attributes either).
    pub fn check(&self, kind: ResourceKind) -> Result<(), ScopeError> {
        for (f, filter) in self.0.iter().enumerate() {
            for (c, clause) in filter.clauses.iter().enumerate() {
                let error = |message: String| ScopeError::Attribute {
                    kind,
                    filter: f + 1,
                    clause: c + 1,
                    text: clause.to_string(),
                    message,
                };
                let shape = resolve_source(kind, &clause.attribute.path).map_err(error)?;
                if shape.multi_valued {
                    return Err(error(format!(
                        "'{}' holds several values; a clause tests one, such as \
                         emails[type eq \"work\"].value",
                        clause.attribute.text
                    )));
                }
            }
        }
        Ok(())
    }
}

impl ScopingFilter {
    /// A filter of `clauses`, which must not be empty.
    pub fn new(clauses: Vec<ScopingClause>) -> Result<ScopingFilter, ScopeError> {
        if clauses.is_empty() {
            return Err(ScopeError::EmptyFilter { filter: 1 });
        }
        Ok(ScopingFilter { clauses })
    }

    pub fn clauses(&self) -> &[ScopingClause] {
        &self.clauses
    }

    /// Whether every clause holds for `resource`.
    pub fn matches(&self, kind: ResourceKind, resource: &Json) -> bool {
        self.failing(&source(kind, resource)).is_none()
    }

    /// The first clause that does not hold for `resource`, to say why it is out of scope.
    pub fn failing_clause(&self, kind: ResourceKind, resource: &Json) -> Option<&ScopingClause> {
        self.failing(&source(kind, resource))
    }

    fn failing(&self, source: &ScimSource<'_>) -> Option<&ScopingClause> {
        self.clauses.iter().find(|c| !c.holds(source))
    }
}

impl ScopingClause {
    /// A clause testing the attribute at `attribute` (a SCIM path) with `operator`. `value` is
    /// required by every operator but IS TRUE, IS FALSE, IS NULL and IS NOT NULL, which take
    /// none; Greater_Than and Greater_Than_OR_EQUALS take an integer, the REGEX operators a
    /// regular expression.
    pub fn new(
        attribute: &str,
        operator: ScopingOperator,
        value: Option<&str>,
    ) -> Result<ScopingClause, ScopeError> {
        let text = attribute.trim();
        let clause_error = |message: String| ScopeError::Clause {
            attribute: text.to_string(),
            message,
        };
        let path = parse_patch_path(text)
            .map_err(|e| clause_error(format!("not a SCIM path: {}", e.detail)))?;
        let value = clause_value(operator, value).map_err(clause_error)?;
        Ok(ScopingClause {
            attribute: AttributeRef {
                text: text.to_string(),
                path,
                at: Position::default(),
            },
            operator,
            value,
        })
    }

    /// The attribute's path, as written.
    pub fn attribute(&self) -> &str {
        &self.attribute.text
    }

    pub fn operator(&self) -> ScopingOperator {
        self.operator
    }

    /// The operand as written: text, pattern or integer; `None` for the operators without one.
    pub fn value(&self) -> Option<String> {
        match &self.value {
            ClauseValue::None => None,
            ClauseValue::Text(s) => Some(s.clone()),
            ClauseValue::Integer(i) => Some(i.to_string()),
            ClauseValue::Pattern(p) => Some(p.0.as_str().to_string()),
        }
    }
}

/// Check and prepare the operand of `operator`; a message for the clause error otherwise.
fn clause_value(operator: ScopingOperator, value: Option<&str>) -> Result<ClauseValue, String> {
    match (operator.operand(), value) {
        (Operand::None, None) => Ok(ClauseValue::None),
        (Operand::None, Some(_)) => Err(format!("{operator} takes no value")),
        (_, None) => Err(format!("{operator} needs a value")),
        (Operand::Text, Some(v)) => Ok(ClauseValue::Text(v.to_string())),
        (Operand::Integer, Some(v)) => v
            .trim()
            .parse::<i64>()
            .map(ClauseValue::Integer)
            .map_err(|_| format!("{operator} compares whole numbers, and {v:?} is not one")),
        (Operand::Pattern, Some(v)) => {
            if v.chars().count() > MAX_PATTERN_CHARS {
                return Err(format!(
                    "the regular expression is longer than {MAX_PATTERN_CHARS} characters"
                ));
            }
            RegexBuilder::new(v)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map(|r| ClauseValue::Pattern(CompiledRegex(r)))
                .map_err(|e| format!("{v:?} is not a regular expression Scimitar can run: {e}"))
        }
    }
}

/// The directory object as the expression language reads it. Clauses read no time and no
/// randomness, so both are fixed.
fn source(kind: ResourceKind, resource: &Json) -> ScimSource<'_> {
    ScimSource::new(kind, resource, OffsetDateTime::UNIX_EPOCH).with_seed(0)
}

/// A scoping filter that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// The one-line text form does not parse.
    #[error("error at column {column}: {message}\n{excerpt}")]
    Syntax {
        /// 1-based, in characters.
        column: usize,
        message: String,
        /// The text and a caret line under the column.
        excerpt: String,
    },
    /// A clause whose operator and value do not fit together.
    #[error("clause on {attribute}: {message}")]
    Clause { attribute: String, message: String },
    /// A filter with no clauses (it would let everything through).
    #[error("scoping filter {filter} has no clauses; a filter needs at least one")]
    EmptyFilter { filter: usize },
    /// A clause names an attribute the object kind does not have, or one with several values.
    #[error("{} scoping filter {filter}, clause {clause} ({text}): {message}", kind.as_str())]
    Attribute {
        kind: ResourceKind,
        filter: usize,
        clause: usize,
        text: String,
        message: String,
    },
    /// The TOML form is wrong; the message names the line.
    #[error("{0}")]
    Toml(String),
}

impl ScopeError {
    /// A syntax error at `column` (1-based, characters) of `input`.
    fn syntax(input: &str, column: usize, message: impl Into<String>) -> ScopeError {
        let line: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        ScopeError::Syntax {
            column,
            message: message.into(),
            excerpt: format!("{line}\n{}^", " ".repeat(column.saturating_sub(1))),
        }
    }
}
