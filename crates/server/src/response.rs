//! SCIM responses: `application/scim+json`, with `ETag` and `Location` where they apply.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scimitar_core::service::etag_for;
use serde_json::Value;

pub const SCIM_JSON: &str = "application/scim+json";

pub fn scim(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    resp
}

/// A response without a body (304, 204) that still carries the resource's ETag.
pub fn empty(status: StatusCode, version: i64) -> Response {
    with_etag(status.into_response(), version)
}

fn with_etag(mut resp: Response, version: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&etag_for(version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// A single resource: body, weak ETag, and `Location` on 201.
pub fn resource(status: StatusCode, body: &Value, version: i64) -> Response {
    let mut resp = with_etag(scim(status, body), version);
    if status == StatusCode::CREATED {
        if let Some(loc) = body.pointer("/meta/location").and_then(Value::as_str) {
            if let Ok(v) = HeaderValue::from_str(loc) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
        }
    }
    resp
}
