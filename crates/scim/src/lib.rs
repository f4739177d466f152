//! SCIM 2.0 as data (RFC 7643, RFC 7644): schemas and attribute characteristics, resource
//! normalisation, the filter and path parsers and evaluator, the PATCH engine, projection, list
//! and error types.
//!
//! Pure: no I/O, no async, no database, no HTTP. The server (inbound) and the outbound SCIM
//! connector share this crate, so both directions speak exactly the same SCIM.

pub mod error;
pub mod filter;
pub mod list;
pub mod patch;
pub mod path;
pub mod policy;
pub mod projection;
pub mod resource;
pub mod schema;

pub use error::{ScimError, ScimResult, ScimType};
pub use policy::CompatPolicy;
