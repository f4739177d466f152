//! The one mapping from errors to HTTP: every failure is an RFC 7644 §3.12 body with
//! `Content-Type: application/scim+json`. 5xx bodies never carry internal text.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scimitar_core::CoreError;
use scimitar_scim::ScimError;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub ScimError);

impl From<ScimError> for ApiError {
    fn from(e: ScimError) -> Self {
        ApiError(e)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Scim(s) => ApiError(s),
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                ApiError(ScimError::internal())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::warn!(status = self.0.status, detail = %self.0.detail, "request failed");
        } else {
            tracing::debug!(status = self.0.status, detail = %self.0.detail, "request rejected");
        }
        let mut resp = (status, self.0.to_json().to_string()).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::response::SCIM_JSON),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"scimitar\""),
            );
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub async fn not_found_fallback(uri: axum::http::Uri) -> ApiError {
    ApiError(ScimError::not_found(format!(
        "no endpoint at {}",
        uri.path()
    )))
}

pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError(ScimError::new(
        405,
        None,
        format!("{method} is not supported on {}", uri.path()),
    ))
}
