//! Mapping expressions: the language an admin writes to compute a target attribute from a
//! source user or group, compatible in names and behaviour with Microsoft Entra ID's attribute
//! mapping expressions, so what works there can be pasted here.
//!
//! ```text
//! Join("@", NormalizeDiacritics(StripSpaces([name.givenName])), "contoso.com")
//! IIF([addresses[type eq "work"].country]="US", "America/New_York", "Europe/Paris")
//! Switch([IsSoftDeleted], , "False", "True", "True", "False")
//! ```
//!
//! - [`parse`] turns text into an [`Expression`] or a [`ParseError`] that points at the column;
//!   everything that can be checked without a source object is checked there.
//! - [`evaluate`] computes an [`Outcome`] for one source object through an [`EvalContext`]:
//!   [`ScimSource`] reads a SCIM 2.0 resource; the time and randomness are supplied, never read.
//!
//! The language reference for admins is `docs/expressions.md`.
//!
//! This module is pure: no I/O, no async, no database, no clock, and it must never panic,
//! whatever the expression or the source object.

mod args;
mod ast;
mod context;
mod convert;
mod date_format;
mod date_functions;
mod date_parse;
mod dates;
mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod replace;
mod scim_source;
mod text;
mod value;

pub use ast::{AttributeRef, Call, CompareOp, CompiledRegex, Expression, Position};
pub use context::{EvalContext, Outcome};
pub use error::{AttributeError, EvalError, ParseError};
pub use eval::evaluate;
pub use functions::{Function, Signature};
pub use parser::{parse, MAX_DEPTH, MAX_EXPRESSION_CHARS};
pub use scim_source::{entra_alias, ScimSource};
pub use value::{Number, Value};

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_dates;
#[cfg(test)]
mod tests_entra;
#[cfg(test)]
mod tests_flow;
#[cfg(test)]
mod tests_functions;
#[cfg(test)]
mod tests_parse;
#[cfg(test)]
mod tests_replace;
#[cfg(test)]
mod tests_robustness;
#[cfg(test)]
mod tests_scim;
