//! The outbound provisioning engine: connected apps, connectors, scoping, matching, the planner
//! and the executor.
//!
//! Built so far: the mapping-expression language ([`expr`], Entra-compatible `Append(...)`,
//! `Switch(...)`, `IIF(...)`), attribute mappings ([`mapping`]), scoping filters ([`scope`]),
//! connectors ([`connector`]) and the planner ([`plan`]: state in, plan out). The executor and
//! scheduler are still to come.

pub mod connector;
pub mod engine;
pub mod expr;
pub mod mapping;
pub mod plan;
pub mod scope;
