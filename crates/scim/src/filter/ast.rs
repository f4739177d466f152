//! The filter AST. Attribute names are kept as written; resolution against a schema (and its
//! case rules) happens in the evaluator and the SQL translator.

use std::fmt;

/// An attribute path: `[urn:]name[.subAttr]`.
///
/// For a URN-qualified name such as
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, `urn` is the part
/// before the last `:` (`...:2.0:User`), `name` is `manager` and `sub_attr` is `value`.
/// A path that is exactly an extension URN (e.g. a PATCH path naming the whole extension) parses
/// as `urn = "...:2.0"`, `name = "User"`; callers check [`AttrPath::full_urn`] against their
/// schemas for that case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub_attr: Option<String>,
}

impl AttrPath {
    pub fn simple(name: &str) -> Self {
        AttrPath {
            urn: None,
            name: name.to_string(),
            sub_attr: None,
        }
    }
    pub fn with_sub(name: &str, sub: &str) -> Self {
        AttrPath {
            urn: None,
            name: name.to_string(),
            sub_attr: Some(sub.to_string()),
        }
    }
    /// `urn:name` when qualified and no sub-attribute: the candidate whole-extension URN.
    pub fn full_urn(&self) -> Option<String> {
        match (&self.urn, &self.sub_attr) {
            (Some(u), None) => Some(format!("{u}:{}", self.name)),
            _ => None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.urn {
            write!(f, "{u}:")?;
        }
        write!(f, "{}", self.name)?;
        if let Some(s) = &self.sub_attr {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }
}

/// A comparison literal: `null`, `true`/`false`, a JSON number, or a JSON string.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(String),
}

/// A filter expression.
///
/// Inside [`Filter::ValuePath`], the inner filter's paths are relative to the complex attribute:
/// in `emails[type eq "work"]` the inner path is `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => write!(f, "null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::Str(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {} {value}", op.as_str()),
            Filter::Present(p) => write!(f, "{p} pr"),
            Filter::And(a, b) => write!(f, "({a} and {b})"),
            Filter::Or(a, b) => write!(f, "({a} or {b})"),
            Filter::Not(a) => write!(f, "not ({a})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}
