//! The values an expression computes, and the conversions every function shares.
//!
//! Entra ID's expression engine is string-centric: booleans travel as `"True"`/`"False"`, numbers
//! and dates turn into text whenever a string is needed. These conversions live here, once, so
//! every function converts the same way. Nothing here may panic: conversions that can fail
//! return a message for the caller to wrap in an [`EvalError`](super::EvalError).

use std::fmt;
use time::OffsetDateTime;

use super::dates::{format_entra_date, parse_date};

/// A value computed by an expression or read from the source object.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value: an absent attribute, an empty multi-valued attribute, or an omitted argument.
    Null,
    String(String),
    Boolean(bool),
    Number(Number),
    DateTime(OffsetDateTime),
    /// The values of a multi-valued attribute (or of `Split`); never nested.
    List(Vec<Value>),
}

/// A number: integers stay exact, anything else is a float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// The number as an integer, if it is one (`3.0` is; `3.5` is not).
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            Number::Float(_) => None,
        }
    }

    /// Read a number written as text: `42`, `-7`, `1.5`, or VBA hex `&HF7`.
    /// Rejects what Rust would otherwise accept but no admin means (`inf`, `NaN`, `1_000`).
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        if let Some(hex) = t.strip_prefix("&H").or_else(|| t.strip_prefix("&h")) {
            return i64::from_str_radix(hex, 16).ok().map(Number::Int);
        }
        let body = t.strip_prefix('-').unwrap_or(t);
        let plain = !body.is_empty()
            && body.starts_with(|c: char| c.is_ascii_digit())
            && body.chars().all(|c| c.is_ascii_digit() || c == '.');
        if !plain {
            return None;
        }
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Number::Float)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => match Number::Float(*x).as_i64() {
                Some(i) => write!(f, "{i}"),
                None => write!(f, "{x}"),
            },
        }
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Null, the empty string, or an empty list: what `IsNullOrEmpty` and `Coalesce` skip.
    pub fn is_null_or_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::List(items) => items.is_empty(),
            _ => false,
        }
    }

    /// A short description for error messages: `the text "abc"`, `a list of 3 values`.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::String(s) => format!("the text {s:?}"),
            Value::Boolean(b) => format!("the boolean {}", bool_text(*b)),
            Value::Number(n) => format!("the number {n}"),
            Value::DateTime(d) => format!("the date {}", format_entra_date(*d)),
            Value::List(items) => list_of(items.len()),
        }
    }

    /// The value as text, as Entra renders it: `True`/`False`, `42`, `3/16/2020 7:00:00 AM`.
    /// `Ok(None)` for null; an error message for a list, which has no single text.
    pub fn to_text(&self) -> Result<Option<String>, String> {
        Ok(Some(match self {
            Value::Null => return Ok(None),
            Value::String(s) => s.clone(),
            Value::Boolean(b) => bool_text(*b).to_string(),
            Value::Number(n) => n.to_string(),
            Value::DateTime(d) => format_entra_date(*d),
            Value::List(items) => {
                return Err(format!(
                    "got {} where one value is needed; pick one with Item(list, n) or combine \
                     them with Join(separator, list)",
                    list_of(items.len())
                ))
            }
        }))
    }

    /// The value as a number: numbers, and text that reads as one.
    pub fn to_number(&self) -> Result<Option<Number>, String> {
        match self {
            Value::Null => Ok(None),
            Value::Number(n) => Ok(Some(*n)),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Number::parse(s)
                .map(Some)
                .ok_or_else(|| format!("expected a number, got {}", self.describe())),
            other => Err(format!("expected a number, got {}", other.describe())),
        }
    }

    /// The value as a whole number (counts, positions, lengths).
    pub fn to_integer(&self) -> Result<Option<i64>, String> {
        match self.to_number()? {
            None => Ok(None),
            Some(n) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("expected a whole number, got {n}")),
        }
    }

    /// The value as a boolean the way Entra reads conditions: a boolean, `"True"`/`"False"` in
    /// any case, or a number (non-zero is true). Null is `None`; anything else is an error.
    pub fn to_bool(&self) -> Result<Option<bool>, String> {
        match self {
            Value::Null => Ok(None),
            Value::Boolean(b) => Ok(Some(*b)),
            Value::Number(n) => Ok(Some(n.as_f64() != 0.0)),
            Value::String(s) => {
                let t = s.trim();
                if t.eq_ignore_ascii_case("true") {
                    Ok(Some(true))
                } else if t.eq_ignore_ascii_case("false") {
                    Ok(Some(false))
                } else if t.is_empty() {
                    Ok(None)
                } else if let Some(n) = Number::parse(t) {
                    Ok(Some(n.as_f64() != 0.0))
                } else {
                    Err(format!(
                        "expected True or False (or a number, where 0 is False), got {}",
                        self.describe()
                    ))
                }
            }
            other => Err(format!("expected True or False, got {}", other.describe())),
        }
    }

    /// The value as a date: a date, or text in one of the forms `CDate` reads.
    pub fn to_date(&self) -> Result<Option<OffsetDateTime>, String> {
        match self {
            Value::Null => Ok(None),
            Value::DateTime(d) => Ok(Some(*d)),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => parse_date(s).map(Some),
            other => Err(format!("expected a date, got {}", other.describe())),
        }
    }

    /// The values of a list, or the value itself as the only one (none for null).
    pub fn items(&self) -> std::slice::Iter<'_, Value> {
        match self {
            Value::Null => [].iter(),
            Value::List(items) => items.iter(),
            other => std::slice::from_ref(other).iter(),
        }
    }

    /// The values of a list, or the value itself as a one-element list (none for null).
    pub fn into_items(self) -> Vec<Value> {
        match self {
            Value::Null => Vec::new(),
            Value::List(items) => items,
            other => vec![other],
        }
    }

    /// The value as JSON, for a connector to send: dates in RFC 3339, lists as arrays.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::String(s) => J::String(s.clone()),
            Value::Boolean(b) => J::Bool(*b),
            Value::Number(Number::Int(i)) => J::from(*i),
            Value::Number(Number::Float(f)) => {
                serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)
            }
            Value::DateTime(d) => d
                .format(&time::format_description::well_known::Rfc3339)
                .map_or(J::Null, J::String),
            Value::List(items) => J::Array(items.iter().map(Value::to_json).collect()),
        }
    }
}

fn list_of(n: usize) -> String {
    if n == 1 {
        "a list of 1 value".into()
    } else {
        format!("a list of {n} values")
    }
}

/// How Entra writes booleans when they become text.
pub fn bool_text(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Null => f.write_str("null"),
            Value::String(s) => write!(f, "{s:?}"),
            other => match other.to_text() {
                Ok(Some(t)) => f.write_str(&t),
                _ => Ok(()),
            },
        }
    }
}
