//! SCIM filters (RFC 7644 §3.4.2.2): the AST, the parser, and an in-memory evaluator.
//!
//! The store translates the same AST to SQL; the evaluator serves PATCH value-path selection and
//! the outbound connector. Parsing never panics and enforces length and depth limits.

mod ast;
mod attr_path;
mod compare;
mod eval;
mod lexer;
mod parser;
mod validate;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};
pub use compare::compare_values;
pub use eval::{matches, matches_value};
pub(crate) use parser::parse_patch_parts;
pub use parser::{parse_attr_path, parse_filter, FilterLimits};
pub use validate::validate_filter_paths;
