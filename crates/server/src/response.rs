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

/// A single resource: body, weak ETag, and `Location` on 201.
pub fn resource(status: StatusCode, body: &Value, version: i64) -> Response {
    let mut resp = scim(status, body);
    if let Ok(v) = HeaderValue::from_str(&etag_for(version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED {
        if let Some(loc) = body.pointer("/meta/location").and_then(Value::as_str) {
            if let Ok(v) = HeaderValue::from_str(loc) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
        }
    }
    resp
}
