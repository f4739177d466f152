//! HTTP for Scimitar: `/scim/v2` (RFC 7644), `/healthz`, `/livez`, `/metrics`.
//!
//! Handlers are thin: they parse HTTP (headers, query, body) into service calls and render the
//! results. Errors become RFC 7644 error bodies in exactly one place ([`error`]); internal error
//! text is logged, never returned.

pub mod auth;
pub mod body;
pub mod error;
pub mod metrics;
pub mod ops;
pub mod response;
pub mod scim;

use std::sync::Arc;

use axum::Router;
use scimitar_core::service::{Directory, TenantAdmin};

/// Settings the HTTP layer needs.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// Public base URL (e.g. `https://scim.example.com`) used in `meta.location`; when unset,
    /// it is derived from the request's `Host` header.
    pub public_url: Option<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub directory: Directory,
    pub tenants: TenantAdmin,
    pub config: Arc<HttpConfig>,
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    // Install the metrics recorder before the first request is counted.
    metrics::handle();
    Router::new()
        .merge(ops::routes())
        .nest("/scim/v2", scim::routes(state.clone()))
        .fallback(error::not_found_fallback)
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}
