//! The evaluator: walks an [`Expression`] against an [`EvalContext`] and produces an
//! [`Outcome`].
//!
//! `IIF`, `Switch` and `Coalesce` evaluate only the arguments they need, so an unused branch
//! cannot fail, draw a GUID or stop the flow. `IgnoreFlowIfNullOrEmpty` stops the whole
//! attribute from anywhere inside the expression. Recursion is bounded even for trees built by
//! hand, and nothing here panics.

use std::cmp::Ordering;

use super::args::{fail, Args, Flow, Stop};
use super::ast::{Call, CompareOp, Expression};
use super::context::{EvalContext, Outcome};
use super::error::EvalError;
use super::functions::Function;
use super::parser::MAX_DEPTH;
use super::value::Value;
use super::{convert, date_functions as dates, replace, text};

/// Evaluate `expr` for one source object.
///
/// `Ok(Outcome::Ignore)` and `Ok(Outcome::Candidates(..))` are normal results, not failures; an
/// `Err` means this object's attribute cannot be computed and says what to fix.
pub fn evaluate(expr: &Expression, ctx: &dyn EvalContext) -> Result<Outcome, EvalError> {
    let mut ev = Evaluator { ctx, depth: 0 };
    if let Expression::Call(call) = expr {
        if call.function == Function::SelectUniqueValue {
            return ev.candidates(call);
        }
    }
    match ev.eval(expr) {
        Ok(value) => Ok(Outcome::Value(value)),
        Err(Stop::Ignore) => Ok(Outcome::Ignore),
        Err(Stop::Error(e)) => Err(e),
    }
}

struct Evaluator<'c> {
    ctx: &'c dyn EvalContext,
    depth: usize,
}

impl Evaluator<'_> {
    /// `SelectUniqueValue` at the top: each rule's value, skipping empty ones and repeats.
    fn candidates(&mut self, call: &Call) -> Result<Outcome, EvalError> {
        let mut out: Vec<String> = Vec::new();
        for (i, rule) in call.args.iter().enumerate() {
            let value = match rule
                .as_ref()
                .map(|r| self.eval(r))
                .unwrap_or(Ok(Value::Null))
            {
                Ok(v) => v,
                Err(Stop::Ignore) => continue,
                Err(Stop::Error(e)) => return Err(e),
            };
            let text = value.to_text().map_err(|m| EvalError {
                function: call.function.name().to_string(),
                at: call.at,
                message: format!("rule {}: {m}", i + 1),
            })?;
            if let Some(t) = text.filter(|t| !t.is_empty()) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        Ok(Outcome::Candidates(out))
    }

    fn eval(&mut self, expr: &Expression) -> Flow<Value> {
        // Twice the parser's limit: comparisons add a level between calls.
        if self.depth > 2 * MAX_DEPTH {
            return Err(Stop::Error(EvalError {
                function: "expression".into(),
                at: expr.at(),
                message: format!("nested more than {} levels deep", 2 * MAX_DEPTH),
            }));
        }
        self.depth += 1;
        let result = match expr {
            Expression::Literal { value, .. } => Ok(value.clone()),
            Expression::Attribute(a) => self.ctx.attribute(a).map_err(|e| {
                Stop::Error(EvalError {
                    function: format!("attribute [{}]", a.text),
                    at: a.at,
                    message: e.0,
                })
            }),
            Expression::Call(call) => self.call(call),
            Expression::Compare {
                op,
                left,
                right,
                at,
            } => {
                let (l, r) = (self.eval(left)?, self.eval(right)?);
                compare(*op, &l, &r).map(Value::Boolean).map_err(|message| {
                    Stop::Error(EvalError {
                        function: format!("comparison '{}'", op.symbol()),
                        at: *at,
                        message,
                    })
                })
            }
        };
        self.depth -= 1;
        result
    }

    fn arg(&mut self, call: &Call, i: usize) -> Flow<Value> {
        match call.args.get(i) {
            Some(Some(e)) => self.eval(e),
            _ => Ok(Value::Null),
        }
    }

    fn call(&mut self, call: &Call) -> Flow<Value> {
        let f = call.function;
        match f {
            Function::Iif => {
                let condition = self
                    .arg(call, 0)?
                    .to_bool()
                    .map_err(|m| fail(f, call.at, format!("argument 1 (condition): {m}")))?;
                return self.arg(call, if condition.unwrap_or(false) { 1 } else { 2 });
            }
            Function::Switch => return self.switch(call),
            Function::Coalesce => {
                let mut last = Value::Null;
                for i in 0..call.args.len() {
                    last = self.arg(call, i)?;
                    if !last.is_null_or_empty() {
                        return Ok(last);
                    }
                }
                return Ok(last);
            }
            Function::IgnoreFlowIfNullOrEmpty => {
                let value = self.arg(call, 0)?;
                return if value.is_null_or_empty() {
                    Err(Stop::Ignore)
                } else {
                    Ok(value)
                };
            }
            Function::SelectUniqueValue => {
                return Err(fail(
                    f,
                    call.at,
                    "SelectUniqueValue must be the whole expression; it cannot be nested",
                ))
            }
            _ => {}
        }
        let mut values = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            values.push(match arg {
                Some(e) => Some(self.eval(e)?),
                None => None,
            });
        }
        let a = Args {
            function: f,
            at: call.at,
            values,
        };
        let ctx = self.ctx;
        match f {
            Function::Append => text::append(&a),
            Function::BitAnd => convert::bit_and(&a),
            Function::CBool => convert::cbool(&a),
            Function::CDate => dates::cdate(&a),
            Function::ConvertToBase64 => text::to_base64(&a),
            Function::ConvertToUtf8Hex => text::to_utf8_hex(&a),
            Function::Count => Ok(convert::count(&a)),
            Function::CStr => convert::cstr(&a),
            Function::DateAdd => dates::add(&a),
            Function::DateDiff => dates::diff(&a),
            Function::DateFromNum => dates::from_num(&a),
            Function::FormatDateTime => dates::format_date_time(&a, ctx),
            Function::Guid => Ok(convert::guid(ctx)),
            Function::InStr => text::in_str(&a),
            Function::IsNull => Ok(convert::is_null(&a)),
            Function::IsNullOrEmpty => Ok(convert::is_null_or_empty(&a)),
            Function::IsPresent => Ok(convert::is_present(&a)),
            Function::IsString => Ok(convert::is_string(&a)),
            Function::Item => convert::item(&a),
            Function::Join => text::join(&a),
            Function::Left => text::left(&a),
            Function::Mid => text::mid(&a),
            Function::NormalizeDiacritics => text::normalize_diacritics(&a),
            Function::Not => convert::not(&a),
            Function::Now => Ok(dates::now(ctx)),
            Function::NumFromDate => dates::to_num(&a),
            Function::PCase => text::pcase(&a),
            Function::RandomString => convert::random_string(&a, ctx),
            Function::Redact => Ok(convert::redact(&a)),
            Function::RemoveDuplicates => Ok(convert::remove_duplicates(&a)),
            Function::Replace => replace::replace(&a, call.regex.as_ref().map(|r| &r.0)),
            Function::Split => text::split(&a),
            Function::StripSpaces => text::strip_spaces(&a),
            Function::ToLower => text::change_case(&a, false),
            Function::ToUpper => text::change_case(&a, true),
            Function::Word => text::word(&a),
            Function::Iif
            | Function::Switch
            | Function::Coalesce
            | Function::IgnoreFlowIfNullOrEmpty
            | Function::SelectUniqueValue => Ok(Value::Null), // handled above
        }
    }

    /// `Switch(source, defaultValue, key1, value1, ...)`: exact, case-sensitive text match; a
    /// null source matches the key "" (Entra's advice for empty values).
    fn switch(&mut self, call: &Call) -> Flow<Value> {
        let as_text = |v: Value, i: usize| {
            v.to_text().map(Option::unwrap_or_default).map_err(|m| {
                fail(
                    call.function,
                    call.at,
                    format!("argument {} ({}): {m}", i + 1, call.function.param_name(i)),
                )
            })
        };
        let source = as_text(self.arg(call, 0)?, 0)?;
        let mut i = 2;
        while i + 1 < call.args.len() {
            if as_text(self.arg(call, i)?, i)? == source {
                return self.arg(call, i + 1);
            }
            i += 2;
        }
        self.arg(call, 1)
    }
}

/// Compare two values for `=`, `<>`, `<`, `<=`, `>`, `>=`.
///
/// Null and "" are equal to each other and to nothing else, and make every ordering false.
/// A date or number on either side compares as a date or number; a boolean compares with
/// True/False text in any case; two texts compare exactly, and order as numbers when both are.
pub(super) fn compare(op: CompareOp, l: &Value, r: &Value) -> Result<bool, String> {
    if matches!(l, Value::List(_)) || matches!(r, Value::List(_)) {
        return Err(
            "cannot compare a list; pick one value with Item(list, n) or compare \
                    Count(list)"
                .into(),
        );
    }
    let (l_empty, r_empty) = (l.is_null_or_empty(), r.is_null_or_empty());
    if l_empty || r_empty {
        let both = l_empty && r_empty;
        return Ok(match op {
            CompareOp::Eq => both,
            CompareOp::Ne => !both,
            _ => false,
        });
    }
    let mismatch = |why: String| -> Result<Option<Ordering>, String> {
        match op {
            CompareOp::Eq | CompareOp::Ne => Ok(None),
            _ => Err(format!(
                "cannot order {} against {}: {why}",
                l.describe(),
                r.describe()
            )),
        }
    };
    let ordering = if matches!(l, Value::DateTime(_)) || matches!(r, Value::DateTime(_)) {
        match (l.to_date(), r.to_date()) {
            (Ok(Some(a)), Ok(Some(b))) => Some(a.cmp(&b)),
            (Err(m), _) | (_, Err(m)) => mismatch(m)?,
            _ => None,
        }
    } else if matches!(l, Value::Number(_)) || matches!(r, Value::Number(_)) {
        match (l.to_number(), r.to_number()) {
            (Ok(Some(a)), Ok(Some(b))) => number_order(a, b),
            (Err(m), _) | (_, Err(m)) => mismatch(m)?,
            _ => None,
        }
    } else if matches!(l, Value::Boolean(_)) || matches!(r, Value::Boolean(_)) {
        match (l.to_bool(), r.to_bool()) {
            (Ok(Some(a)), Ok(Some(b))) => Some(a.cmp(&b)),
            (Err(m), _) | (_, Err(m)) => mismatch(m)?,
            _ => None,
        }
    } else {
        let (a, b) = (
            l.to_text().ok().flatten().unwrap_or_default(),
            r.to_text().ok().flatten().unwrap_or_default(),
        );
        match op {
            CompareOp::Eq | CompareOp::Ne => Some(a.cmp(&b)),
            _ => match (
                Value::String(a.clone()).to_number(),
                Value::String(b.clone()).to_number(),
            ) {
                (Ok(Some(x)), Ok(Some(y))) => number_order(x, y),
                _ => Some(a.cmp(&b)),
            },
        }
    };
    Ok(match (op, ordering) {
        (CompareOp::Eq, o) => o == Some(Ordering::Equal),
        (CompareOp::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (CompareOp::Lt, Some(o)) => o == Ordering::Less,
        (CompareOp::Le, Some(o)) => o != Ordering::Greater,
        (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
        (CompareOp::Ge, Some(o)) => o != Ordering::Less,
    })
}

fn number_order(a: super::value::Number, b: super::value::Number) -> Option<Ordering> {
    use super::value::Number::Int;
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(&y)),
        _ => a.as_f64().partial_cmp(&b.as_f64()),
    }
}
