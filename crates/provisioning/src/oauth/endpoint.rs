//! The OAuth 2.0 wire (RFC 6749): the authorization URL an administrator opens, and the token
//! endpoint requests (client credentials, refresh token, authorization code), with their
//! answers turned into a [`TokenAnswer`] or a [`TokenError`] that says what went wrong.
//!
//! Token endpoint bodies carry secrets: they are never logged, and error text taken from them
//! is limited to the OAuth `error` code and `error_description`. Zoho answers some errors with
//! `200 OK` and an `error` member, so an `error` member is an error whatever the status.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use scimitar_core::{ClientAuth, OAuthSettings};
use serde::Deserialize;
use url::Url;

use crate::connector::{ConnectorError, Secret};

/// Per token request, including reading the answer.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest token endpoint answer read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// A token endpoint's successful answer.
#[derive(Debug)]
pub struct TokenAnswer {
    pub access_token: Secret,
    /// Seconds the access token is valid for, when the server said.
    pub expires_in: Option<u64>,
    /// A (new) refresh token, when the server issued one.
    pub refresh_token: Option<Secret>,
}

/// Why a token request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// The server answered with an OAuth error (`invalid_grant`, `invalid_client`, ...).
    Refused {
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// No usable answer: the connection failed, timed out, or the server failed (5xx, 429).
    Unavailable(String),
    /// An answer that is not a token response.
    Invalid(String),
}

impl TokenError {
    /// The refresh token (or code) is no longer valid: revoked, expired or used. Zoho says
    /// `invalid_code` for a refresh token it no longer accepts.
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, TokenError::Refused { error, .. } if error == "invalid_grant" || error == "invalid_code")
    }

    /// A one-line description without secrets.
    pub fn describe(&self) -> String {
        match self {
            TokenError::Refused {
                status,
                error,
                description,
            } => format!(
                "the token endpoint refused the request ({status} {error}{})",
                description
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
            TokenError::Unavailable(why) => format!("the token endpoint is unavailable: {why}"),
            TokenError::Invalid(why) => format!("the token endpoint answered badly: {why}"),
        }
    }

    /// The connector error for a failure that is not a revoked grant.
    pub fn into_connector_error(self) -> ConnectorError {
        let detail = self.describe();
        match self {
            TokenError::Unavailable(_) => ConnectorError::Transient(detail),
            TokenError::Invalid(_) => ConnectorError::InvalidResponse(detail),
            TokenError::Refused { .. } => ConnectorError::Unauthorized {
                status: 401,
                detail,
            },
        }
    }
}

#[derive(Deserialize)]
struct RawAnswer {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// An HTTP client for token requests: no redirects (a secret must not follow one elsewhere).
pub fn client() -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .user_agent(concat!("scimitar/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| ConnectorError::InvalidConfig(format!("cannot build an HTTP client: {e}")))
}

/// App-supplied text made safe to show: printable, one line, at most 200 characters.
fn clean(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    one_line.trim().to_string()
}

/// The `client_id:client_secret` pair of HTTP Basic client authentication, each part
/// form-urlencoded first (RFC 6749 §2.3.1), so a `:` or a non-ASCII character in either
/// cannot be misread by the authorization server.
fn basic_credentials(client_id: &str, client_secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("{}:{}", encode(client_id), encode(client_secret))
}

/// POST `params` to the token endpoint with the client's credentials.
pub async fn request_token(
    client: &reqwest::Client,
    settings: &OAuthSettings,
    params: &[(&str, &str)],
) -> Result<TokenAnswer, TokenError> {
    let mut form: Vec<(&str, &str)> = params.to_vec();
    let mut request = client
        .post(&settings.token_url)
        .timeout(TOKEN_TIMEOUT)
        .header(reqwest::header::ACCEPT, "application/json");
    match settings.client_auth {
        ClientAuth::Basic => {
            let pair = basic_credentials(&settings.client_id, &settings.client_secret);
            request = request.header(
                reqwest::header::AUTHORIZATION,
                format!("Basic {}", B64.encode(pair)),
            );
        }
        ClientAuth::Body => {
            form.push(("client_id", &settings.client_id));
            form.push(("client_secret", &settings.client_secret));
        }
    }
    let response = request.form(&form).send().await.map_err(|e| {
        TokenError::Unavailable(if e.is_timeout() {
            "timed out".into()
        } else {
            "could not connect or the connection failed".into()
        })
    })?;
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(TokenError::Invalid("the answer is too large".into()));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|_| TokenError::Unavailable("the answer was cut off".into()))?;
    if bytes.len() > MAX_ANSWER_BYTES {
        return Err(TokenError::Invalid("the answer is too large".into()));
    }
    let raw: Option<RawAnswer> = serde_json::from_slice(&bytes).ok();
    if let Some(RawAnswer {
        error: Some(error), ..
    }) = &raw
    {
        return Err(TokenError::Refused {
            status,
            error: clean(error),
            description: raw
                .as_ref()
                .and_then(|r| r.error_description.as_deref())
                .map(clean),
        });
    }
    if status == 429 || status >= 500 {
        return Err(TokenError::Unavailable(format!("it answered {status}")));
    }
    if !(200..300).contains(&status) {
        return Err(TokenError::Refused {
            status,
            error: "error".into(),
            description: Some(format!("it answered {status} without an OAuth error")),
        });
    }
    let raw = raw.ok_or_else(|| TokenError::Invalid("the answer is not JSON".into()))?;
    let access_token = raw
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TokenError::Invalid("the answer has no access_token".into()))?;
    // RFC 6749 says a number; some servers send a string.
    let expires_in = match raw.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(TokenAnswer {
        access_token: Secret::new(access_token),
        expires_in,
        refresh_token: raw.refresh_token.filter(|t| !t.is_empty()).map(Secret::new),
    })
}

/// The URL an administrator opens to authorize Scimitar (authorization code grant).
/// `access_type=offline` and `prompt=consent` make Zoho (and Google) issue a refresh token;
/// other servers ignore parameters they do not know (RFC 6749 §3.1).
pub fn authorization_url(
    settings: &OAuthSettings,
    state: &str,
    redirect_uri: &str,
) -> Result<String, ConnectorError> {
    let base = settings.authorize_url.as_deref().ok_or_else(|| {
        ConnectorError::InvalidConfig("the app has no OAuth authorization URL".into())
    })?;
    let mut url = Url::parse(base).map_err(|e| {
        ConnectorError::InvalidConfig(format!("the authorization URL {base:?}: {e}"))
    })?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", redirect_uri);
        if let Some(scope) = &settings.scope {
            query.append_pair("scope", scope);
        }
        query
            .append_pair("state", state)
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent");
    }
    Ok(url.into())
}

#[cfg(test)]
mod basic_tests {
    use super::basic_credentials;

    #[test]
    fn basic_credentials_are_form_urlencoded_first() {
        assert_eq!(basic_credentials("1000.ABC", "s3cret"), "1000.ABC:s3cret");
        assert_eq!(
            basic_credentials("client:1", "p@ss word/é"),
            "client%3A1:p%40ss+word%2F%C3%A9"
        );
    }
}
