//! The `/scim/v2` routes (RFC 7644 §3.2), all behind bearer authentication.

mod discovery;
mod params;
mod resources;
mod search;

use axum::routing::{get, post};
use axum::Router;
use scimitar_scim::schema::ResourceKind;

use crate::error::{method_not_allowed, ApiError};
use crate::AppState;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(resource_routes(ResourceKind::User))
        .merge(resource_routes(ResourceKind::Group))
        .route("/.search", post(search::search_root))
        .route("/Bulk", post(search::bulk))
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{name}", get(discovery::resource_type))
        .route("/Me", axum::routing::any(me))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(crate::error::not_found_fallback)
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::auth::require_bearer,
        ))
}

fn resource_routes(kind: ResourceKind) -> Router<AppState> {
    let base = format!("/{}", kind.endpoint());
    Router::new()
        .route(
            &base,
            get(move |s, c, q, h| resources::list(kind, s, c, q, h))
                .post(move |s, c, q, h, b| resources::create(kind, s, c, q, h, b)),
        )
        .route(
            &format!("{base}/.search"),
            post(move |s, c, b| search::search(kind, s, c, b)),
        )
        .route(
            &format!("{base}/{{id}}"),
            get(move |s, c, p, q, h| resources::get(kind, s, c, p, q, h))
                .put(move |s, c, p, q, h, b| resources::replace(kind, s, c, p, q, h, b))
                .patch(move |s, c, p, q, h, b| resources::patch(kind, s, c, p, q, h, b))
                .delete(move |s, c, p, h| resources::delete(kind, s, c, p, h)),
        )
}

async fn me() -> ApiError {
    ApiError(scimitar_scim::ScimError::new(
        501,
        None,
        "/Me is not implemented: tokens identify a provisioning client, not a user",
    ))
}
