//! Comparing one attribute's value with a filter literal, by the attribute's rules: `caseExact`
//! for strings, numeric order for numbers, instants for `dateTime` (RFC 7644 §3.4.2.2).
//!
//! The choices RFC 7644 leaves open are made here, once:
//! - `ne` is exactly `not eq`: true when the attribute is absent, and for a multi-valued
//!   attribute true only when *no* value equals the literal.
//! - `eq null` means "not present" and `ne null` means "present", with presence as in `pr`:
//!   not null, not an empty string, not an empty array or object.
//! - `co`/`sw`/`ew` apply to string-valued JSON only (strings, references, binary, dateTime);
//!   on booleans and numbers they are false. `gt`/`ge`/`lt`/`le` on booleans are false.
//! - A type mismatch between the data and the literal is simply false, never an error.

use super::ast::{CompValue, CompareOp};
use crate::schema::{AttrType, AttributeDef};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Compare `actual` (the value of the attribute `def`; an array for a multi-valued attribute,
/// `null` when absent) with `expected` under `op`.
pub fn compare_values(
    def: &AttributeDef,
    actual: &Value,
    op: CompareOp,
    expected: &CompValue,
) -> bool {
    compare_all(def, &[actual], op, expected)
}

/// Compare a set of candidate values (e.g. `emails[*].value`): true when any satisfies `op`,
/// except `ne` and `eq null`, which are the negations of `eq` and of `pr` over the whole set.
pub(super) fn compare_all(
    def: &AttributeDef,
    values: &[&Value],
    op: CompareOp,
    expected: &CompValue,
) -> bool {
    match (op, expected) {
        (CompareOp::Ne, _) => !compare_all(def, values, CompareOp::Eq, expected),
        (CompareOp::Eq, CompValue::Null) => !values.iter().any(|v| is_present(v)),
        (_, CompValue::Null) => false,
        _ => values.iter().any(|v| match v {
            Value::Array(items) => items
                .iter()
                .any(|item| compare_one(def, item, op, expected)),
            other => compare_one(def, other, op, expected),
        }),
    }
}

/// Presence as `pr` sees it (RFC 7644: "If the attribute has a non-empty value").
pub(super) fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(map) => map.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// One scalar against a non-null literal; `op` is never `ne` here.
fn compare_one(def: &AttributeDef, actual: &Value, op: CompareOp, expected: &CompValue) -> bool {
    match (actual, expected) {
        (Value::String(a), CompValue::Str(e)) => {
            if def.attr_type == AttrType::DateTime {
                if let Some(order) = instant_order(a, e) {
                    return satisfies(op, order);
                }
            }
            compare_strings(def.case_exact, a, op, e)
        }
        (Value::Bool(a), CompValue::Bool(e)) => op == CompareOp::Eq && a == e,
        // `active eq "true"`: some clients quote booleans.
        (Value::Bool(a), CompValue::Str(e)) => {
            op == CompareOp::Eq && parse_bool(e).is_some_and(|e| e == *a)
        }
        (Value::Number(a), CompValue::Number(e)) => {
            number_order(a, e).is_some_and(|o| satisfies(op, o))
        }
        _ => false,
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Whether `order` (actual compared with expected) satisfies an ordering operator.
fn satisfies(op: CompareOp, order: Ordering) -> bool {
    match op {
        CompareOp::Eq => order == Ordering::Equal,
        CompareOp::Gt => order == Ordering::Greater,
        CompareOp::Ge => order != Ordering::Less,
        CompareOp::Lt => order == Ordering::Less,
        CompareOp::Le => order != Ordering::Greater,
        CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_strings(case_exact: bool, actual: &str, op: CompareOp, expected: &str) -> bool {
    let (a, e): (Cow<str>, Cow<str>) = if case_exact {
        (Cow::Borrowed(actual), Cow::Borrowed(expected))
    } else {
        (
            Cow::Owned(actual.to_lowercase()),
            Cow::Owned(expected.to_lowercase()),
        )
    };
    match op {
        CompareOp::Co => a.contains(e.as_ref()),
        CompareOp::Sw => a.starts_with(e.as_ref()),
        CompareOp::Ew => a.ends_with(e.as_ref()),
        _ => satisfies(op, a.cmp(&e)),
    }
}

/// Integers compare exactly; anything else as f64 (NaN cannot occur in JSON).
fn number_order(a: &serde_json::Number, e: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), e.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), e.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&e.as_f64()?)
}

/// Both sides as RFC 3339 instants, or `None` to fall back to comparing the strings.
fn instant_order(actual: &str, expected: &str) -> Option<Ordering> {
    let a = OffsetDateTime::parse(actual, &Rfc3339).ok()?;
    let e = OffsetDateTime::parse(expected, &Rfc3339).ok()?;
    Some(a.cmp(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use CompareOp::*;

    fn string(case_exact: bool) -> AttributeDef {
        let d = AttributeDef::string("s");
        if case_exact {
            d.case_exact()
        } else {
            d
        }
    }

    fn s(v: &str) -> CompValue {
        CompValue::Str(v.into())
    }

    fn n(v: serde_json::Value) -> CompValue {
        match v {
            Value::Number(n) => CompValue::Number(n),
            _ => panic!(),
        }
    }

    #[test]
    fn strings_honour_case_exact() {
        let (ci, cs) = (string(false), string(true));
        assert!(compare_values(&ci, &json!("BJensen"), Eq, &s("bjensen")));
        assert!(!compare_values(&cs, &json!("BJensen"), Eq, &s("bjensen")));
        assert!(compare_values(&ci, &json!("Ünïcode"), Eq, &s("üNÏCODE")));
        assert!(compare_values(
            &ci,
            &json!("bjensen@Example.com"),
            Co,
            &s("@example.")
        ));
        assert!(!compare_values(
            &cs,
            &json!("bjensen@Example.com"),
            Co,
            &s("@example.")
        ));
        assert!(compare_values(&ci, &json!("Barbara"), Sw, &s("bar")));
        assert!(compare_values(&ci, &json!("Barbara"), Ew, &s("ARA")));
        assert!(compare_values(&ci, &json!("b"), Gt, &s("A")));
        assert!(!compare_values(&cs, &json!("b"), Lt, &s("A")));
        assert!(compare_values(&ci, &json!("a"), Le, &s("A")));
        assert!(compare_values(&ci, &json!("a"), Ge, &s("A")));
    }

    #[test]
    fn ne_is_not_eq_and_null_means_absent() {
        let d = string(false);
        assert!(compare_values(&d, &json!("x"), Ne, &s("y")));
        assert!(!compare_values(&d, &json!("x"), Ne, &s("X")));
        assert!(compare_values(&d, &Value::Null, Ne, &s("y")));
        assert!(!compare_values(&d, &Value::Null, Eq, &s("y")));
        assert!(compare_values(&d, &Value::Null, Eq, &CompValue::Null));
        assert!(compare_values(&d, &json!(""), Eq, &CompValue::Null));
        assert!(compare_values(&d, &json!([]), Eq, &CompValue::Null));
        assert!(compare_values(&d, &json!("x"), Ne, &CompValue::Null));
        assert!(!compare_values(&d, &json!("x"), Gt, &CompValue::Null));
        // Multi-valued: any for eq, none for ne.
        assert!(compare_values(&d, &json!(["a", "b"]), Eq, &s("b")));
        assert!(!compare_values(&d, &json!(["a", "b"]), Ne, &s("b")));
        assert!(compare_values(&d, &json!(["a", "b"]), Ne, &s("c")));
    }

    #[test]
    fn numbers_and_booleans() {
        let int = AttributeDef::new("i", AttrType::Integer);
        assert!(compare_values(&int, &json!(5), Gt, &n(json!(4))));
        assert!(compare_values(&int, &json!(5), Eq, &n(json!(5.0))));
        assert!(compare_values(
            &int,
            &json!(-1),
            Lt,
            &n(json!(18446744073709551615u64))
        ));
        assert!(compare_values(
            &int,
            &json!(9007199254740993i64),
            Gt,
            &n(json!(9007199254740992i64))
        ));
        assert!(!compare_values(&int, &json!(5), Co, &n(json!(5))));
        assert!(!compare_values(&int, &json!(5), Eq, &s("5")));
        let b = AttributeDef::boolean("active");
        assert!(compare_values(&b, &json!(true), Eq, &CompValue::Bool(true)));
        assert!(compare_values(
            &b,
            &json!(false),
            Ne,
            &CompValue::Bool(true)
        ));
        assert!(compare_values(&b, &json!(true), Eq, &s("True")));
        assert!(!compare_values(
            &b,
            &json!(true),
            Gt,
            &CompValue::Bool(false)
        ));
        assert!(!compare_values(&b, &json!(true), Co, &s("t")));
        assert!(!compare_values(
            &string(false),
            &json!("true"),
            Eq,
            &CompValue::Bool(true)
        ));
    }

    #[test]
    fn datetimes_compare_as_instants_else_as_strings() {
        let d = AttributeDef::datetime("created");
        let t = json!("2011-08-01T18:29:49.793Z");
        assert!(compare_values(&d, &t, Gt, &s("2011-08-01T18:29:49Z")));
        assert!(compare_values(
            &d,
            &t,
            Eq,
            &s("2011-08-01T20:29:49.793+02:00")
        ));
        assert!(compare_values(&d, &t, Lt, &s("2012-01-01T00:00:00Z")));
        assert!(!compare_values(&d, &t, Ge, &s("2012-01-01T00:00:00Z")));
        // Not an instant: string order.
        assert!(compare_values(&d, &t, Gt, &s("2011")));
        assert!(compare_values(&d, &t, Sw, &s("2011-08")));
    }

    #[test]
    fn presence() {
        assert!(!is_present(&json!(null)));
        assert!(!is_present(&json!("")));
        assert!(!is_present(&json!([])));
        assert!(!is_present(&json!({})));
        assert!(!is_present(&json!({"a": null})));
        assert!(is_present(&json!(false)));
        assert!(is_present(&json!(0)));
        assert!(is_present(&json!([{"value": "x"}])));
    }
}
