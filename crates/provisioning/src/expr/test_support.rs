//! Test helpers: a context over a plain map of attribute names (as Entra's examples use them),
//! with a fixed time and counting GUIDs, and short ways to parse and evaluate.

use std::cell::Cell;
use std::collections::HashMap;
use time::macros::datetime;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

/// The fixed "now" of every test: 8/25/2021 5:41:18 PM UTC (a Wednesday), as in Entra's
/// DateDiff examples.
pub const NOW: OffsetDateTime = datetime!(2021-08-25 17:41:18 UTC);

/// Attributes by name (case-insensitive), as an Entra source object has them.
pub struct MapSource {
    attributes: HashMap<String, Value>,
    counter: Cell<u64>,
}

impl MapSource {
    pub fn new(pairs: &[(&str, Value)]) -> Self {
        MapSource {
            attributes: pairs
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            counter: Cell::new(0),
        }
    }

    /// Attributes that are all text.
    pub fn text(pairs: &[(&str, &str)]) -> Self {
        let pairs: Vec<(&str, Value)> =
            pairs.iter().map(|(k, v)| (*k, Value::string(*v))).collect();
        Self::new(&pairs)
    }
}

impl EvalContext for MapSource {
    fn attribute(&self, reference: &AttributeRef) -> Result<Value, AttributeError> {
        if reference.text == "broken" {
            return Err(AttributeError("cannot be read".into()));
        }
        Ok(self
            .attributes
            .get(&reference.text.to_ascii_lowercase())
            .cloned()
            .unwrap_or(Value::Null))
    }

    fn now(&self) -> OffsetDateTime {
        NOW
    }

    fn new_guid(&self) -> Uuid {
        self.counter.set(self.counter.get() + 1);
        Uuid::from_u128(u128::from(self.counter.get()))
    }

    fn random_u64(&self) -> u64 {
        // A fixed linear congruential sequence: deterministic, good enough to spread picks.
        let next = self
            .counter
            .get()
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.counter.set(next);
        next >> 11
    }
}

/// A source with a few attributes of each kind.
pub fn sample() -> MapSource {
    MapSource::new(&[
        ("givenName", s("John")),
        ("surname", s("Doe")),
        ("empty", s("")),
        (
            "proxyAddresses",
            list(&["smtp:a@x", "SMTP:b@x", "smtp:a@x"]),
        ),
        ("flag", Value::Boolean(true)),
        ("n", Value::int(42)),
    ])
}

pub fn parse_ok(input: &str) -> Expression {
    match parse(input) {
        Ok(e) => e,
        Err(e) => panic!("{input}\n{e}"),
    }
}

/// Evaluate `input` against `ctx`; panics on a parse or evaluation error.
pub fn outcome_in(ctx: &dyn EvalContext, input: &str) -> Outcome {
    match evaluate(&parse_ok(input), ctx) {
        Ok(o) => o,
        Err(e) => panic!("{input}: {e}"),
    }
}

/// The value of `input` against `ctx`.
pub fn eval_in(ctx: &dyn EvalContext, input: &str) -> Value {
    match outcome_in(ctx, input) {
        Outcome::Value(v) => v,
        other => panic!("{input}: expected a value, got {other:?}"),
    }
}

/// The value of `input` with no attributes.
pub fn eval(input: &str) -> Value {
    eval_in(&MapSource::new(&[]), input)
}

/// The text `input` gives with no attributes.
pub fn text(input: &str) -> String {
    match eval(input) {
        Value::String(s) => s,
        other => panic!("{input}: expected text, got {other:?}"),
    }
}

/// The evaluation error of `input` against `ctx`.
pub fn eval_err_in(ctx: &dyn EvalContext, input: &str) -> EvalError {
    match evaluate(&parse_ok(input), ctx) {
        Err(e) => e,
        Ok(o) => panic!("{input}: expected an error, got {o:?}"),
    }
}

pub fn eval_err(input: &str) -> EvalError {
    eval_err_in(&MapSource::new(&[]), input)
}

pub fn parse_err(input: &str) -> ParseError {
    match parse(input) {
        Err(e) => e,
        Ok(e) => panic!("{input}: expected a parse error, got {e:?}"),
    }
}

pub fn s(text: &str) -> Value {
    Value::string(text)
}

pub fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|t| Value::string(*t)).collect())
}
