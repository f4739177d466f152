//! Discovery (RFC 7644 §4): ServiceProviderConfig, Schemas, ResourceTypes. Everything here is
//! generated from the same schema definitions that drive validation, so what we advertise is
//! what we enforce.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use scimitar_core::TenantContext;
use scimitar_scim::schema::{
    all_schemas, resource_type_json, resource_types as all_resource_types, schema_by_id,
    schema_json, LIST_RESPONSE_SCHEMA, SP_CONFIG_SCHEMA,
};
use scimitar_scim::ScimError;
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::response::scim;
use crate::AppState;

fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "itemsPerPage": resources.len(),
        "startIndex": 1,
        "Resources": resources,
    })
}

pub async fn service_provider_config(
    State(state): State<AppState>,
    Extension(ctx): Extension<TenantContext>,
) -> Response {
    let l = state.directory.limits();
    let body = json!({
        "schemas": [SP_CONFIG_SCHEMA],
        "documentationUri": "https://github.com/scimitar/scimitar#readme",
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": l.bulk_max_operations, "maxPayloadSize": l.max_payload_size},
        "filter": {"supported": true, "maxResults": l.max_page_size},
        "changePassword": {"supported": true},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "pagination": {
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": l.default_page_size,
            "maxPageSize": l.max_page_size,
        },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token issued by `scimitar token create`.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", ctx.base_url),
        },
    });
    scim(StatusCode::OK, &body)
}

pub async fn schemas(Extension(ctx): Extension<TenantContext>) -> Response {
    let list = all_schemas()
        .iter()
        .map(|s| schema_json(s, &ctx.base_url))
        .collect();
    scim(StatusCode::OK, &list_response(list))
}

pub async fn schema(
    Extension(ctx): Extension<TenantContext>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let s = schema_by_id(&id).ok_or_else(|| ScimError::not_found(format!("no schema '{id}'")))?;
    Ok(scim(StatusCode::OK, &schema_json(s, &ctx.base_url)))
}

pub async fn resource_types(Extension(ctx): Extension<TenantContext>) -> Response {
    let list = all_resource_types()
        .iter()
        .map(|rt| resource_type_json(rt, &ctx.base_url))
        .collect();
    scim(StatusCode::OK, &list_response(list))
}

pub async fn resource_type(
    Extension(ctx): Extension<TenantContext>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let rt = all_resource_types()
        .iter()
        .find(|rt| rt.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| ScimError::not_found(format!("no resource type '{name}'")))?;
    Ok(scim(StatusCode::OK, &resource_type_json(rt, &ctx.base_url)))
}
