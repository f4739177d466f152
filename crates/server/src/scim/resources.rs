//! Users and Groups: list, create, get, replace, patch, delete (RFC 7644 §3.3–§3.6).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use scimitar_core::TenantContext;
use scimitar_scim::schema::ResourceKind;

use super::params::{if_match, if_none_match_hits, Params};
use crate::body::ScimJson;
use crate::error::ApiResult;
use crate::response::{empty, resource, scim};
use crate::AppState;

pub async fn list(
    kind: ResourceKind,
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    query: RawQuery,
    _headers: HeaderMap,
) -> ApiResult<Response> {
    let params = Params::from_raw(query).list_params()?;
    let body = state.directory.list(&ctx, kind, &params).await?;
    Ok(scim(StatusCode::OK, &body))
}

pub async fn create(
    kind: ResourceKind,
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    query: RawQuery,
    _headers: HeaderMap,
    ScimJson(body): ScimJson,
) -> ApiResult<Response> {
    let projection = Params::from_raw(query).projection(kind)?;
    let w = state
        .directory
        .create(&ctx, kind, &body, &projection)
        .await?;
    let json = w.rendered.map(|r| r.json).unwrap_or_default();
    Ok(resource(StatusCode::CREATED, &json, w.version))
}

pub async fn get(
    kind: ResourceKind,
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    Path(id): Path<String>,
    query: RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let projection = Params::from_raw(query).projection(kind)?;
    let r = state.directory.get(&ctx, kind, &id, &projection).await?;
    if if_none_match_hits(&headers, r.version) {
        return Ok(empty(StatusCode::NOT_MODIFIED, r.version));
    }
    Ok(resource(StatusCode::OK, &r.json, r.version))
}

pub async fn replace(
    kind: ResourceKind,
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    Path(id): Path<String>,
    query: RawQuery,
    headers: HeaderMap,
    ScimJson(body): ScimJson,
) -> ApiResult<Response> {
    let projection = Params::from_raw(query).projection(kind)?;
    let expected = if_match(&headers)?;
    let w = state
        .directory
        .replace(&ctx, kind, &id, &body, expected, &projection)
        .await?;
    let json = w.rendered.map(|r| r.json).unwrap_or_default();
    Ok(resource(StatusCode::OK, &json, w.version))
}

/// PATCH answers 200 with the resource for Users; for Groups 204 unless the request asks for
/// `attributes`/`excludedAttributes`, so a membership change never reads the member list back.
pub async fn patch(
    kind: ResourceKind,
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    Path(id): Path<String>,
    query: RawQuery,
    headers: HeaderMap,
    ScimJson(body): ScimJson,
) -> ApiResult<Response> {
    let params = Params::from_raw(query);
    let projection = params.projection(kind)?;
    let want_body = kind == ResourceKind::User || params.has_projection();
    let expected = if_match(&headers)?;
    let w = state
        .directory
        .patch(&ctx, kind, &id, &body, expected, &projection, want_body)
        .await?;
    match w.rendered {
        Some(r) => Ok(resource(StatusCode::OK, &r.json, r.version)),
        None => Ok(empty(StatusCode::NO_CONTENT, w.version)),
    }
}

pub async fn delete(
    kind: ResourceKind,
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    state.directory.delete(&ctx, kind, &id, expected).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
