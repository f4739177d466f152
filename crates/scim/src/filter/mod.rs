//! SCIM filters (RFC 7644 §3.4.2.2): the AST, the parser, and an in-memory evaluator.
//!
//! The store translates the same AST to SQL; the evaluator serves PATCH value-path selection and
//! the outbound connector. Parsing never panics and enforces length and depth limits.

mod ast;
mod eval;
mod parser;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};
pub use eval::{compare_values, matches};
pub use parser::{parse_attr_path, parse_filter, FilterLimits};
