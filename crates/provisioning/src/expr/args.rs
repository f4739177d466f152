//! The evaluated arguments of one call, and how a function reports what went wrong with them.
//!
//! Every builtin reads its arguments through [`Args`], so conversion failures read the same
//! everywhere: `Left at column 1: argument 2 (numChars): expected a whole number, got the text
//! "x"`. Evaluation never stops by panicking: a failure is a [`Stop::Error`], and
//! `IgnoreFlowIfNullOrEmpty` travels up the same way as [`Stop::Ignore`].

use time::OffsetDateTime;

use super::ast::Position;
use super::error::EvalError;
use super::functions::Function;
use super::value::{Number, Value};

/// Why evaluation of an expression stopped early.
#[derive(Debug)]
pub(super) enum Stop {
    /// `IgnoreFlowIfNullOrEmpty` met null or empty: the whole attribute does not flow.
    Ignore,
    Error(EvalError),
}

impl From<EvalError> for Stop {
    fn from(e: EvalError) -> Self {
        Stop::Error(e)
    }
}

pub(super) type Flow<T> = Result<T, Stop>;

/// The evaluated arguments of a call; `None` where the argument was left empty.
pub(super) struct Args {
    pub function: Function,
    pub at: Position,
    pub values: Vec<Option<Value>>,
}

pub(super) fn fail(function: Function, at: Position, message: impl Into<String>) -> Stop {
    Stop::Error(EvalError {
        function: function.name().to_string(),
        at,
        message: message.into(),
    })
}

impl Args {
    /// An error of this call.
    pub fn fail(&self, message: impl Into<String>) -> Stop {
        fail(self.function, self.at, message)
    }

    /// An error about argument `i`, named as in the function's signature.
    pub fn bad(&self, i: usize, message: impl std::fmt::Display) -> Stop {
        self.fail(format!(
            "argument {} ({}): {message}",
            i + 1,
            self.function.param_name(i)
        ))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Argument `i`; null when it was left empty or not given.
    pub fn value(&self, i: usize) -> &Value {
        const NULL: Value = Value::Null;
        self.values.get(i).and_then(Option::as_ref).unwrap_or(&NULL)
    }

    /// Whether argument `i` was written (even if it evaluated to null).
    pub fn given(&self, i: usize) -> bool {
        matches!(self.values.get(i), Some(Some(_)))
    }

    pub fn text(&self, i: usize) -> Flow<Option<String>> {
        self.value(i).to_text().map_err(|m| self.bad(i, m))
    }

    /// Text where null counts as the empty string.
    pub fn text_or_empty(&self, i: usize) -> Flow<String> {
        Ok(self.text(i)?.unwrap_or_default())
    }

    pub fn number(&self, i: usize) -> Flow<Option<Number>> {
        self.value(i).to_number().map_err(|m| self.bad(i, m))
    }

    pub fn integer(&self, i: usize) -> Flow<Option<i64>> {
        self.value(i).to_integer().map_err(|m| self.bad(i, m))
    }

    /// A whole number that must be there.
    pub fn required_integer(&self, i: usize) -> Flow<i64> {
        self.integer(i)?
            .ok_or_else(|| self.bad(i, "expected a whole number, got null"))
    }

    pub fn boolean(&self, i: usize) -> Flow<Option<bool>> {
        self.value(i).to_bool().map_err(|m| self.bad(i, m))
    }

    pub fn date(&self, i: usize) -> Flow<Option<OffsetDateTime>> {
        self.value(i).to_date().map_err(|m| self.bad(i, m))
    }
}
