//! Request bodies: JSON under `application/scim+json` or `application/json`, read up to the
//! advertised `maxPayloadSize` (413 beyond it), parsed with a SCIM `invalidSyntax` error that
//! says where the JSON broke.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use scimitar_scim::{ScimError, ScimType};
use serde_json::Value;

use crate::error::ApiError;
use crate::AppState;

/// A parsed JSON request body.
pub struct ScimJson(pub Value);

impl FromRequest<AppState> for ScimJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.directory.limits().max_payload_size;
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
            let essence = ct.split(';').next().unwrap_or_default().trim();
            if !(essence == "application/scim+json" || essence == "application/json" || essence.is_empty()) {
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
        let bytes = axum::body::to_bytes(Body::new(req.into_body()), limit).await.map_err(|_| too_large())?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError(ScimError::invalid_syntax("the request body is empty; a JSON object is required")));
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError(ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))))?;
        Ok(ScimJson(value))
    }
}
