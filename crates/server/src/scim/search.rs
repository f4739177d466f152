//! POST `.search` (RFC 7644 §3.4.3), per resource type and at the root, and `/Bulk`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use scimitar_core::service::{BulkRequest, ListParams};
use scimitar_core::TenantContext;
use scimitar_scim::schema::{ResourceKind, SEARCH_REQUEST_SCHEMA};
use scimitar_scim::ScimError;
use serde_json::Value;

use crate::body::ScimJson;
use crate::error::ApiResult;
use crate::response::scim;
use crate::AppState;

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn string_field(body: &Value, name: &str) -> Result<Option<String>, ScimError> {
    match field(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ScimError::invalid_value(format!(
            "'{name}' must be a string"
        ))),
    }
}

fn int_field(body: &Value, name: &str) -> Result<Option<i64>, ScimError> {
    match field(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| ScimError::invalid_value(format!("'{name}' must be an integer"))),
    }
}

/// `attributes` as an array of strings (RFC) or a comma-separated string (lenient).
fn list_field(body: &Value, name: &str) -> Result<Option<String>, ScimError> {
    match field(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Array(items)) => {
            let parts: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            parts.map(|p| Some(p.join(","))).ok_or_else(|| {
                ScimError::invalid_value(format!("'{name}' must be an array of strings"))
            })
        }
        Some(_) => Err(ScimError::invalid_value(format!(
            "'{name}' must be an array of strings"
        ))),
    }
}

fn search_params(body: &Value) -> Result<ListParams, ScimError> {
    if !body.is_object() {
        return Err(ScimError::invalid_syntax(
            "a SearchRequest must be a JSON object",
        ));
    }
    if let Some(schemas) = field(body, "schemas").and_then(Value::as_array) {
        if !schemas.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))
        }) {
            return Err(ScimError::invalid_value(format!(
                "a SearchRequest must have schemas [\"{SEARCH_REQUEST_SCHEMA}\"]"
            )));
        }
    }
    Ok(ListParams {
        filter: string_field(body, "filter")?,
        sort_by: string_field(body, "sortBy")?,
        sort_order: string_field(body, "sortOrder")?,
        start_index: int_field(body, "startIndex")?,
        count: int_field(body, "count")?,
        cursor: string_field(body, "cursor")?,
        attributes: list_field(body, "attributes")?,
        excluded_attributes: list_field(body, "excludedAttributes")?,
    })
}

pub async fn search(
    kind: ResourceKind,
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    ScimJson(body): ScimJson,
) -> ApiResult<Response> {
    let params = search_params(&body)?;
    let out = state.directory.list(&ctx, kind, &params).await?;
    Ok(scim(StatusCode::OK, &out))
}

pub async fn search_root(
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    ScimJson(body): ScimJson,
) -> ApiResult<Response> {
    let params = search_params(&body)?;
    let out = state.directory.search_all(&ctx, &params).await?;
    Ok(scim(StatusCode::OK, &out))
}

pub async fn bulk(
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
    ScimJson(body): ScimJson,
) -> ApiResult<Response> {
    let req = BulkRequest::parse(&body, state.directory.limits().bulk_max_operations)?;
    let out = state.directory.bulk(&ctx, req).await?;
    Ok(scim(StatusCode::OK, &out))
}
