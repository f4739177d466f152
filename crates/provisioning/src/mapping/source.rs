//! Where a mapped value comes from: an attribute of the directory object as it is, a constant,
//! an expression, or a reference to another directory object that must become the app's id.
//!
//! Direct, constant and expression sources share one written form, the expression language:
//! `[userName]` is direct, `"Sales"` is a constant, anything else is an expression. Reading that
//! form ([`MappingSource::parse`]) and writing it back ([`MappingSource::expression_text`]) are
//! exact inverses, which is what makes the TOML export round-trip.

use std::fmt;

use scimitar_scim::schema::ResourceKind;

use scimitar_scim::path::parse_patch_path;
use scimitar_scim::ScimError;

use crate::expr::{parse, AttributeRef, Expression, ParseError, Position, Value};

/// The source of one mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum MappingSource {
    /// `[path]`: the value of one attribute of the directory object.
    Direct(AttributeRef),
    /// A fixed text, the same for every object.
    Constant(String),
    /// Any other expression: `Join(" ", [name.givenName], [name.familyName])`.
    Expression(SourceExpression),
    /// Ids of other directory objects (the manager, the members), which the engine turns into
    /// the app's ids once those objects exist there.
    Reference(ReferenceKind),
}

/// A parsed expression and the text it was written as (kept, so an export shows what the admin
/// wrote, line breaks and all).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceExpression {
    text: String,
    expression: Expression,
}

impl SourceExpression {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn expression(&self) -> &Expression {
        &self.expression
    }
}

/// Which directory references a [`MappingSource::Reference`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceKind {
    /// The user's manager: the enterprise extension's `manager.value`, a user id.
    Manager,
    /// The group's members: every `members.value`, user or group ids (by each member's `type`).
    Members,
}

impl ReferenceKind {
    /// The spelling in the TOML format.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Manager => "manager",
            ReferenceKind::Members => "members",
        }
    }

    pub fn parse(text: &str) -> Option<ReferenceKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "manager" => Some(ReferenceKind::Manager),
            "members" => Some(ReferenceKind::Members),
            _ => None,
        }
    }

    /// The kind of object whose mappings may use this reference.
    pub fn object_kind(self) -> ResourceKind {
        match self {
            ReferenceKind::Manager => ResourceKind::User,
            ReferenceKind::Members => ResourceKind::Group,
        }
    }

    /// Whether the target holds several references (members) or one (manager).
    pub fn is_multi_valued(self) -> bool {
        self == ReferenceKind::Members
    }
}

impl fmt::Display for ReferenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl MappingSource {
    /// Read a source written in the expression language and classify it: a bare `[path]` is
    /// [`Direct`](MappingSource::Direct), a lone string literal is
    /// [`Constant`](MappingSource::Constant), anything else an
    /// [`Expression`](MappingSource::Expression). Errors point at the column.
    pub fn parse(text: &str) -> Result<MappingSource, ParseError> {
        Ok(match parse(text)? {
            Expression::Attribute(a) => MappingSource::Direct(AttributeRef {
                at: Position::default(),
                ..a
            }),
            Expression::Literal {
                value: Value::String(s),
                ..
            } => MappingSource::Constant(s),
            expression => MappingSource::Expression(SourceExpression {
                text: text.to_string(),
                expression,
            }),
        })
    }

    /// A direct source: the attribute at `path` (`userName`, `emails[type eq "work"].value`).
    /// Errors are the PATCH path parser's `invalidPath` messages.
    pub fn direct(path: &str) -> Result<MappingSource, ScimError> {
        let text = path.trim();
        Ok(MappingSource::Direct(AttributeRef {
            path: parse_patch_path(text)?,
            text: text.to_string(),
            at: Position::default(),
        }))
    }

    pub fn constant(value: impl Into<String>) -> MappingSource {
        MappingSource::Constant(value.into())
    }

    /// The source in the expression language, or `None` for a reference.
    /// [`MappingSource::parse`] of this text gives this source back.
    pub fn expression_text(&self) -> Option<String> {
        match self {
            MappingSource::Direct(a) => Some(format!("[{}]", a.text)),
            MappingSource::Constant(s) => Some(quote(s)),
            MappingSource::Expression(e) => Some(e.text.clone()),
            MappingSource::Reference(_) => None,
        }
    }

    /// The expression to evaluate, if the source is an expression.
    pub fn parsed_expression(&self) -> Option<&Expression> {
        match self {
            MappingSource::Expression(e) => Some(&e.expression),
            _ => None,
        }
    }

    /// Every directory attribute the source reads.
    pub fn attributes(&self) -> Vec<&AttributeRef> {
        match self {
            MappingSource::Direct(a) => vec![a],
            MappingSource::Expression(e) => e.expression.attributes(),
            MappingSource::Constant(_) | MappingSource::Reference(_) => Vec::new(),
        }
    }
}

impl fmt::Display for MappingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expression_text() {
            Some(text) => f.write_str(&text),
            None => match self {
                MappingSource::Reference(kind) => write!(f, "reference to the {kind}"),
                _ => Ok(()),
            },
        }
    }
}

/// A string literal of the expression language: `\"` and `\\` escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
