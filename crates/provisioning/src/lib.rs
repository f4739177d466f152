//! The outbound provisioning engine: connected apps, connectors, scoping, matching, the planner
//! and the executor.
//!
//! For now it holds only the mapping-expression language ([`expr`]), the Entra-compatible
//! `Append(...)`/`Switch(...)`/`IIF(...)` expressions that turn a source user or group into the
//! value of one target attribute. The engine that runs them is still to come.

pub mod expr;
