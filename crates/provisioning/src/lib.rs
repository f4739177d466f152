//! The outbound provisioning engine: connected apps, connectors, scoping, matching, the planner
//! and the executor.
//!
//! The mapping-expression language ([`expr`], Entra-compatible `Append(...)`, `Switch(...)`,
//! `IIF(...)`), attribute mappings ([`mapping`]), scoping filters ([`scope`]), connectors
//! ([`connector`]), the planner ([`plan`]: state in, plan out), the engine that gathers and
//! executes ([`engine`]) and runs as the CLI, the admin API and the scheduler start them
//! ([`runs`]), the notifications that tell admins when an app needs them ([`notify`]), and
//! OAuth 2.0 access tokens for apps that need them ([`oauth`]).

pub mod connector;
pub mod engine;
pub mod expr;
pub mod mapping;
pub mod notify;
pub mod oauth;
pub mod plan;
pub mod runs;
pub mod scope;
