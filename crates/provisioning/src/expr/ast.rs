//! The parsed form of an expression: literals, attribute references, function calls and the
//! comparisons Entra allows in a condition (`[country]="USA"`).
//!
//! Every node remembers where it was written, so evaluation errors can point at the call that
//! failed. `Display` writes the expression back in canonical form (Entra spelling of function
//! names, escaped strings), which parses to the same tree.

use regex::Regex;
use scimitar_scim::path::PatchPath;
use std::fmt;

use super::functions::Function;
use super::value::{bool_text, Value};

/// Where something was written: 1-based line and 1-based column, counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line <= 1 {
            write!(f, "column {}", self.column)
        } else {
            write!(f, "line {}, column {}", self.line, self.column)
        }
    }
}

/// A parsed mapping expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    /// A string, number or boolean written in the expression.
    Literal {
        value: Value,
        at: Position,
    },
    /// `[name.givenName]`: an attribute of the source object.
    Attribute(AttributeRef),
    Call(Call),
    /// `left op right`, as in `IIF([country]="USA", ...)`.
    Compare {
        op: CompareOp,
        left: Box<Expression>,
        right: Box<Expression>,
        at: Position,
    },
}

/// An attribute reference: the SCIM path between the brackets, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeRef {
    /// The path as written, e.g. `emails[type eq "work"].value`.
    pub text: String,
    pub path: PatchPath,
    pub at: Position,
}

/// A function call. `args[i]` is `None` where the argument was left empty (`Replace([x], , ...)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub function: Function,
    pub args: Vec<Option<Expression>>,
    pub at: Position,
    /// `Replace`'s regex, compiled at parse time when it is written as a literal.
    pub regex: Option<CompiledRegex>,
}

/// A compiled regular expression, compared by its pattern.
#[derive(Debug, Clone)]
pub struct CompiledRegex(pub Regex);

impl PartialEq for CompiledRegex {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// The comparison operators Entra documents for conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

impl Expression {
    pub fn at(&self) -> Position {
        match self {
            Expression::Literal { at, .. } | Expression::Compare { at, .. } => *at,
            Expression::Attribute(a) => a.at,
            Expression::Call(c) => c.at,
        }
    }

    /// Every attribute the expression reads, in the order written; for the engine to know
    /// which source changes matter and for an editor to check names against the schema.
    pub fn attributes(&self) -> Vec<&AttributeRef> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expression::Attribute(a) = e {
                out.push(a);
            }
        });
        out
    }

    /// Whether the expression uses `Redact`: its value must then never appear in logs.
    pub fn redacts(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            found |= matches!(e, Expression::Call(c) if c.function == Function::Redact);
        });
        found
    }

    /// Whether the expression reads anything that changes between evaluations (`Now`, `Guid`,
    /// `RandomString`): a plan must not treat a new value of such a mapping as a change.
    pub fn is_volatile(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            found |= matches!(e, Expression::Call(c)
                if matches!(c.function, Function::Now | Function::Guid | Function::RandomString));
        });
        found
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Expression)) {
        // An explicit stack: a hand-built tree may be deeper than the parser allows.
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            f(e);
            match e {
                Expression::Call(c) => stack.extend(c.args.iter().rev().flatten()),
                Expression::Compare { left, right, .. } => {
                    stack.push(right);
                    stack.push(left);
                }
                _ => {}
            }
        }
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expression::Literal { value, .. } => write_literal(f, value),
            Expression::Attribute(a) => write!(f, "[{}]", a.text),
            Expression::Call(c) => {
                write!(f, "{}(", c.function.name())?;
                for (i, arg) in c.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if let Some(arg) = arg {
                        write!(f, "{arg}")?;
                    }
                }
                f.write_str(")")
            }
            Expression::Compare {
                op, left, right, ..
            } => write!(f, "{left} {} {right}", op.symbol()),
        }
    }
}

fn write_literal(f: &mut fmt::Formatter<'_>, value: &Value) -> fmt::Result {
    match value {
        Value::String(s) => {
            f.write_str("\"")?;
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\"")
        }
        Value::Boolean(b) => f.write_str(bool_text(*b)),
        other => write!(f, "{other}"),
    }
}
