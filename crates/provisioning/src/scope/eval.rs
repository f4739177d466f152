//! What each clause operator means for one directory object, following Entra ID's documented
//! semantics ("Attribute-based application provisioning with scoping filters"):
//!
//! - every operator except IS NULL and IS NOT NULL is false when the attribute has no value
//!   (absent, null, empty text): Entra's "scoping filters return false if the value is null or
//!   empty", which also makes NOT EQUALS and NOT REGEX MATCH false there;
//! - EQUALS, NOT EQUALS, REGEX MATCH, NOT REGEX MATCH, Includes and ENDS_WITH compare text
//!   case-sensitively; a boolean equals `"True"`/`"False"` in any case, a number equals the
//!   same number however written, a date the same instant;
//! - IS TRUE / IS FALSE hold for a boolean (or the text `True`/`False`, any case), nothing else;
//! - Greater_Than and Greater_Than_OR_EQUALS compare integers: a number, or text that is a
//!   whole number (`"1500000"`, as an employee id often is); anything else is false;
//! - REGEX MATCH finds the pattern anywhere in the value (anchor it with `^...$` for a whole
//!   match), as .NET's `Regex.IsMatch` does;
//! - an attribute with several values never matches (Entra does not filter on them; `check`
//!   refuses such clauses up front).

use time::OffsetDateTime;

use super::{ClauseValue, ScopingClause, ScopingOperator};
use crate::expr::{EvalContext, Number, ScimSource, Value};

impl ScopingClause {
    /// Whether the clause holds for the object `source` reads.
    pub(super) fn holds(&self, source: &ScimSource<'_>) -> bool {
        // An attribute that cannot be read is treated as absent.
        let value = source.attribute(&self.attribute).unwrap_or(Value::Null);
        holds(self.operator, &self.value, &value)
    }
}

/// The clause `operator operand` against one attribute value.
pub(super) fn holds(operator: ScopingOperator, operand: &ClauseValue, value: &Value) -> bool {
    use ScopingOperator as Op;
    let empty = value.is_null_or_empty();
    match operator {
        Op::IsNull => return empty,
        Op::IsNotNull => return !empty,
        _ if empty || matches!(value, Value::List(_)) => return false,
        _ => {}
    }
    match (operator, operand) {
        (Op::IsTrue, _) => as_bool(value) == Some(true),
        (Op::IsFalse, _) => as_bool(value) == Some(false),
        (Op::Equals, ClauseValue::Text(t)) => equals(value, t),
        (Op::NotEquals, ClauseValue::Text(t)) => !equals(value, t),
        (Op::Includes, ClauseValue::Text(t)) => text(value).is_some_and(|v| v.contains(t.as_str())),
        (Op::EndsWith, ClauseValue::Text(t)) => {
            text(value).is_some_and(|v| v.ends_with(t.as_str()))
        }
        (Op::RegexMatch, ClauseValue::Pattern(p)) => text(value).is_some_and(|v| p.0.is_match(&v)),
        (Op::NotRegexMatch, ClauseValue::Pattern(p)) => {
            text(value).is_some_and(|v| !p.0.is_match(&v))
        }
        (Op::GreaterThan, ClauseValue::Integer(n)) => integer(value).is_some_and(|v| v > *n),
        (Op::GreaterThanOrEquals, ClauseValue::Integer(n)) => {
            integer(value).is_some_and(|v| v >= *n)
        }
        // A clause is built with the operand its operator needs, so nothing else occurs.
        _ => false,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Boolean(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// EQUALS by the value's type: exact text; booleans and numbers by value; dates by instant.
fn equals(value: &Value, operand: &str) -> bool {
    match value {
        Value::String(s) => s == operand,
        Value::Boolean(b) => as_bool(&Value::string(operand)) == Some(*b),
        Value::Number(n) => Number::parse(operand).is_some_and(|o| o.as_f64() == n.as_f64()),
        Value::DateTime(d) => instant(operand).is_some_and(|o| o == *d),
        Value::Null | Value::List(_) => false,
    }
}

fn instant(text: &str) -> Option<OffsetDateTime> {
    Value::string(text).to_date().ok().flatten()
}

/// The value as text for the text operators (booleans `True`/`False`, dates as Entra writes
/// them); `None` for a list.
fn text(value: &Value) -> Option<String> {
    value.to_text().ok().flatten()
}

/// The value as a whole number: an integer, or text that is one.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}
