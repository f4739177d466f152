//! Connectors: how the engine talks to a connected app. The `Connector` trait is the set of
//! app-side operations the planner's operations turn into; the SCIM 2.0 connector implements it
//! over HTTP with the same `scim` crate the server uses.
