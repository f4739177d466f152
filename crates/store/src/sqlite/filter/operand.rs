//! One comparison: an SQL expression holding an attribute's value, an operator and a literal.
//!
//! This is where the schema's rules meet SQL: which operators a type allows, what literal it
//! accepts (booleans also as "true"/"false" strings, which Entra ID sends), how a literal is
//! folded or canonicalised to match the `*_ci` columns and the `search` document, and how each
//! operator is written so that LIKE wildcards in user text can never change its meaning. The
//! literal is always a bind, never SQL text.

use scimitar_scim::filter::{CompValue, CompareOp};
use scimitar_scim::schema::{AttrType, AttributeDef};
use scimitar_scim::{ScimError, ScimResult};

use super::super::search_doc::{canonical_datetime, fold_case};
use super::{Bind, SqlFragment};

/// An SQL expression yielding one value of an attribute (NULL when absent).
#[derive(Debug)]
pub(super) struct Operand {
    pub(super) sql: String,
    /// The attribute (or sub-attribute) whose value this is: its type and case rule.
    pub(super) def: &'static AttributeDef,
    /// Canonical name for messages, e.g. `name.givenName`.
    pub(super) label: String,
    /// Fold string literals with `fold_case` (the stored side is folded already).
    pub(super) fold: bool,
    /// The expression can be NULL.
    pub(super) nullable: bool,
}

impl Operand {
    pub(super) fn new(sql: impl Into<String>, def: &'static AttributeDef, label: String) -> Self {
        let fold =
            matches!(def.attr_type, AttrType::String | AttrType::Reference) && !def.case_exact;
        Operand {
            sql: sql.into(),
            def,
            label,
            fold,
            nullable: true,
        }
    }
    pub(super) fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }
    /// Compare literals as given, whatever the schema's caseExact says.
    pub(super) fn exact(mut self) -> Self {
        self.fold = false;
        self
    }
}

/// `pr`: present and not empty. Never NULL.
pub(super) fn present(o: &Operand) -> SqlFragment {
    let x = &o.sql;
    if o.nullable {
        SqlFragment::text(format!("({x} IS NOT NULL AND {x} <> '')"))
    } else {
        SqlFragment::text(format!("{x} <> ''"))
    }
}

/// `o <op> value` for a non-null literal. `negated`: the result sits under a NOT, so it must be
/// 0/1 and never NULL.
pub(super) fn compare(
    o: &Operand,
    op: CompareOp,
    value: &CompValue,
    negated: bool,
) -> ScimResult<SqlFragment> {
    check_operator(o, op)?;
    let bind = literal(o, value)?;
    let x = &o.sql;
    let (sql, binds) = match op {
        CompareOp::Eq => (format!("{x} = ?"), vec![bind]),
        // `ne` is `not eq`: an absent value is "not equal".
        CompareOp::Ne if o.nullable => (format!("({x} IS NULL OR {x} <> ?)"), vec![bind]),
        CompareOp::Ne => (format!("{x} <> ?"), vec![bind]),
        CompareOp::Co => (format!("instr({x}, ?) > 0"), vec![bind]),
        // A range lets an index seek (`userName sw "ab"`); it is exact (see `prefix_end`).
        CompareOp::Sw => match prefix_end(&bind) {
            Some(end) => (format!("({x} >= ? AND {x} < ?)"), vec![bind, end]),
            None => (
                format!("substr({x}, 1, length(?)) = ?"),
                vec![bind.clone(), bind],
            ),
        },
        // Taking the last length(?) characters; a literal longer than the value can't be equal.
        CompareOp::Ew => (
            format!("substr({x}, length({x}) - length(?) + 1) = ?"),
            vec![bind.clone(), bind],
        ),
        CompareOp::Gt => (format!("{x} > ?"), vec![bind]),
        CompareOp::Ge => (format!("{x} >= ?"), vec![bind]),
        CompareOp::Lt => (format!("{x} < ?"), vec![bind]),
        CompareOp::Le => (format!("{x} <= ?"), vec![bind]),
    };
    let frag = SqlFragment::new(sql, binds);
    Ok(if negated && o.nullable && op != CompareOp::Ne {
        frag.wrap("COALESCE(", ", 0)")
    } else {
        frag
    })
}

fn check_operator(o: &Operand, op: CompareOp) -> ScimResult<()> {
    use CompareOp::*;
    let t = o.def.attr_type;
    let allowed = match t {
        AttrType::String | AttrType::Reference => true,
        AttrType::Binary => !matches!(op, Gt | Ge | Lt | Le),
        AttrType::Boolean => matches!(op, Eq | Ne),
        AttrType::Integer | AttrType::Decimal | AttrType::DateTime => !matches!(op, Co | Sw | Ew),
        AttrType::Complex => false,
    };
    if allowed {
        return Ok(());
    }
    if t == AttrType::Complex {
        return Err(ScimError::invalid_filter(format!(
            "attribute '{}' is complex: compare one of its sub-attributes instead",
            o.label
        )));
    }
    Err(ScimError::invalid_filter(format!(
        "operator {} is not defined for {} attribute '{}'",
        op.as_str(),
        t.as_str(),
        o.label
    )))
}

/// The literal as the stored side holds it: folded, canonicalised, or 1/0 for a boolean.
fn literal(o: &Operand, value: &CompValue) -> ScimResult<Bind> {
    let t = o.def.attr_type;
    let mismatch = || {
        let article = if t == AttrType::Integer { "an" } else { "a" };
        ScimError::invalid_filter(format!(
            "attribute '{}' is {article} {}: {value} is not {article} {}",
            o.label,
            t.as_str(),
            t.as_str()
        ))
    };
    match (t, value) {
        (AttrType::Boolean, CompValue::Bool(b)) => Ok(Bind::Int(i64::from(*b))),
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(Bind::Int(1))
        }
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(Bind::Int(0))
        }
        (AttrType::Integer | AttrType::Decimal, CompValue::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Bind::Int(i)),
            None => n.as_f64().map(Bind::Real).ok_or_else(mismatch),
        },
        (AttrType::DateTime, CompValue::Str(s)) => match canonical_datetime(s) {
            Some(c) => Ok(Bind::Text(c)),
            None => Err(ScimError::invalid_filter(format!(
                "{value} is not a dateTime (attribute '{}' expects RFC 3339, \
                 e.g. \"2024-01-31T12:00:00Z\")",
                o.label
            ))),
        },
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::Str(s)) => {
            Ok(Bind::Text(if o.fold { fold_case(s) } else { s.clone() }))
        }
        _ => Err(mismatch()),
    }
}

/// The least string greater than every string that starts with the text `prefix`: the prefix
/// with its last character replaced by the next one. SQLite compares text as UTF-8 bytes, which
/// is code point order, so `x >= prefix AND x < end` holds exactly when `x` starts with
/// `prefix`. `None` for an empty prefix or one ending in U+10FFFF.
fn prefix_end(prefix: &Bind) -> Option<Bind> {
    let Bind::Text(p) = prefix else {
        return None;
    };
    let mut chars = p.chars();
    let last = u32::from(chars.next_back()?) + 1;
    // Skip the surrogate range, which has no chars.
    let next = char::from_u32(if last == 0xD800 { 0xE000 } else { last })?;
    let mut end = chars.as_str().to_string();
    end.push(next);
    Some(Bind::Text(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(p: &str) -> Option<String> {
        match prefix_end(&Bind::Text(p.into())) {
            Some(Bind::Text(s)) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn prefix_end_is_the_next_string() {
        assert_eq!(end("ab").as_deref(), Some("ac"));
        assert_eq!(end("é").as_deref(), Some("ê"));
        assert_eq!(end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(end("a\u{10FFFF}"), None);
        assert_eq!(end(""), None);
        assert_eq!(prefix_end(&Bind::Int(1)), None);
    }
}
