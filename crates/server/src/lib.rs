//! HTTP for Scimitar: `/scim/v2` (RFC 7644), `/api/v1` (admin, OpenAPI), `/healthz`,
//! `/livez`, `/metrics`, and `/oauth/callback` (an app's OAuth authorization comes back here).
//!
//! Handlers are thin: they parse HTTP (headers, query, body) into service calls and render the
//! results. Errors become RFC 7644 error bodies in exactly one place ([`error`]); internal error
//! text is logged, never returned.

pub mod admin;
pub mod auth;
pub mod body;
pub mod error;
pub mod metrics;
pub mod oauth_callback;
pub mod ops;
pub mod response;
pub mod scim;

use std::sync::Arc;

use axum::Router;
use scimitar_core::service::{Directory, TenantAdmin};
use scimitar_provisioning::runs::Provisioner;

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
    /// App administration and runs for `/api/v1`: the provisioner carries the app
    /// administration (`.admin`) and starts plans, runs and on-demand provisioning as the CLI
    /// and the scheduler do. `None` where the server has no secret key (tests that only need
    /// SCIM), and the admin API then answers 503.
    pub apps: Option<Provisioner>,
    pub config: Arc<HttpConfig>,
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    // Install the metrics recorder before the first request is counted.
    metrics::handle();
    Router::new()
        .merge(ops::routes())
        .merge(oauth_callback::routes())
        .nest("/scim/v2", scim::routes(state.clone()))
        .nest("/api/v1", admin::routes(state.clone()))
        .fallback(error::not_found_fallback)
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}
