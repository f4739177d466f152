//! The outbound provisioning engine: connected apps, connectors, scoping, matching, the planner
//! and the executor.
//!
//! Built so far: the mapping-expression language ([`expr`], Entra-compatible `Append(...)`,
//! `Switch(...)`, `IIF(...)`), attribute mappings ([`mapping`]), scoping filters ([`scope`]) and
//! connectors ([`connector`]). The planner, executor and scheduler are still to come.

pub mod connector;
pub mod expr;
pub mod mapping;
pub mod scope;
