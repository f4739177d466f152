//! Request bodies: JSON under `application/scim+json` or `application/json`, read up to the
//! advertised `maxPayloadSize` (413 beyond it), parsed with a SCIM `invalidSyntax` error that
//! says where the JSON broke.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use scimitar_scim::{ScimError, ScimType};
use serde_json::Value;

use crate::error::ApiError;
use crate::AppState;

/// A parsed JSON request body.
pub struct ScimJson(pub Value);

impl FromRequest<AppState> for ScimJson {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        read_json(req, state).await.map_err(|e| {
            let too_large = e.0.status == 413;
            let mut resp = e.into_response();
            if too_large {
                // The rest of the body is never read, so this connection cannot carry another
                // request: tell the client to open a new one.
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            resp
        })
    }
}

async fn read_json(req: Request, state: &AppState) -> Result<ScimJson, ApiError> {
    let limit = state.directory.limits().max_payload_size;
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or_default().trim();
        if !(essence == "application/scim+json"
            || essence == "application/json"
            || essence.is_empty())
        {
            return Err(ApiError(ScimError::new(
                    415,
                    None,
                    format!("unsupported Content-Type '{essence}': send application/scim+json or application/json"),
                )));
        }
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        ApiError(ScimError::new(
            413,
            Some(ScimType::TooMany),
            format!("the request body is larger than maxPayloadSize ({limit} bytes)"),
        ))
    };
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(Body::new(req.into_body()), limit)
        .await
        .map_err(|_| too_large())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError(ScimError::invalid_syntax(
            "the request body is empty; a JSON object is required",
        )));
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError(ScimError::invalid_syntax(format!(
            "the request body is not valid JSON: {e}"
        )))
    })?;
    Ok(ScimJson(value))
}
