//! The HTTP side of the SCIM connector: its settings, the one `reqwest` client, and the single
//! function every request goes through, which turns whatever comes back into JSON or a typed
//! [`ConnectorError`].
//!
//! It enforces what an app must never be able to do to the engine: exhaust its memory (bodies
//! are capped), hang it (every request has a timeout), send it elsewhere (redirects are not
//! followed, so credentials never leave for another host), or leak credentials into logs
//! (secrets are redacted in `Debug`, and bodies are never logged).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, DATE, ETAG, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;
use url::Url;

use super::capabilities::get_ci;
use super::error::{clean, parse_http_date, parse_retry_after, ConnectorError};
use super::pacing::{Pacer, RetryPolicy};

pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MEMBER_BATCH_SIZE: usize = 50;
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// A secret (token, password): usable, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the connector authenticates to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic base64(user:pass)`.
    Basic { user: String, pass: Secret },
    /// `Authorization: Bearer <access token>` from the app's OAuth 2.0 token endpoint.
    OAuth(Arc<crate::oauth::TokenSource>),
}

impl Auth {
    pub fn bearer(token: impl Into<String>) -> Self {
        Auth::Bearer(Secret::new(token))
    }
    pub fn basic(user: impl Into<String>, pass: impl Into<String>) -> Self {
        Auth::Basic {
            user: user.into(),
            pass: Secret::new(pass),
        }
    }
}

/// The settings of a [`super::ScimConnector`].
#[derive(Debug, Clone)]
pub struct ScimConnectorConfig {
    /// The SCIM base URL, e.g. `https://app.example.com/scim/v2`.
    pub base_url: String,
    pub auth: Auth,
    /// Per request, including reading the body (default 30 s).
    pub timeout: Duration,
    /// Members added or removed per PATCH request (default 50).
    pub member_batch_size: usize,
    /// Largest response body accepted (default 16 MiB).
    pub max_response_bytes: usize,
    /// When failed requests are sent again (`pacing.rs`).
    pub retry: RetryPolicy,
    /// Requests per second at most; `None`: no limit.
    pub rate_limit: Option<f64>,
}

impl ScimConnectorConfig {
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Self {
        ScimConnectorConfig {
            base_url: base_url.into(),
            auth,
            timeout: DEFAULT_TIMEOUT,
            member_batch_size: DEFAULT_MEMBER_BATCH_SIZE,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryPolicy::default(),
            rate_limit: None,
        }
    }
}

/// `http(s)://host[:port]/path` without a trailing slash, or a clear error.
pub fn normalize_base_url(input: &str) -> Result<Url, ConnectorError> {
    let bad = |why: &str| ConnectorError::InvalidConfig(format!("SCIM base URL '{input}': {why}"));
    let mut url = Url::parse(input.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not contain credentials; give them as the app's authentication",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query (?...) or fragment (#...)"));
    }
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

/// A successful response: its status, JSON body (none for `204` or an empty body), and ETag.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub etag: Option<String>,
}

/// The client and settings behind a SCIM connector.
#[derive(Debug)]
pub(crate) struct Transport {
    pub base: Url,
    pub auth: Auth,
    pub timeout: Duration,
    pub max_response_bytes: usize,
    retry: RetryPolicy,
    pacer: Pacer,
    client: reqwest::Client,
}

/// One failed attempt: the status (`None` when there was no answer), the error, how long the
/// app asked to wait, and whether the request surely never reached the app.
struct Failed {
    status: Option<u16>,
    error: ConnectorError,
    retry_after: Option<Duration>,
    not_sent: bool,
}

impl Failed {
    fn new(status: Option<u16>, error: ConnectorError) -> Failed {
        Failed {
            status,
            error,
            retry_after: None,
            not_sent: false,
        }
    }

    /// Whether sending the same request again may work and cannot do anything twice.
    fn retryable(&self, method: &Method) -> bool {
        if !self.error.is_retryable() || self.status == Some(412) {
            return false;
        }
        if *method == Method::POST {
            return self.not_sent || matches!(self.status, Some(429 | 503));
        }
        true
    }
}

impl Transport {
    pub fn new(config: &ScimConnectorConfig) -> Result<Self, ConnectorError> {
        let base = normalize_base_url(&config.base_url)?;
        if config.timeout.is_zero() {
            return Err(ConnectorError::InvalidConfig(
                "the timeout must be positive".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("scimitar/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| {
                ConnectorError::InvalidConfig(format!("cannot build an HTTP client: {e}"))
            })?;
        if config.retry.attempts == 0 {
            return Err(ConnectorError::InvalidConfig(
                "the number of attempts must be at least 1".into(),
            ));
        }
        let pacer = Pacer::new(config.rate_limit).map_err(ConnectorError::InvalidConfig)?;
        Ok(Transport {
            base,
            auth: config.auth.clone(),
            timeout: config.timeout,
            max_response_bytes: config.max_response_bytes,
            retry: config.retry,
            pacer,
            client,
        })
    }

    /// `base/segment/segment?query`, each segment percent-encoded (ids cannot escape their
    /// place in the path), the query pairs percent-encoded (`%20`, never `+`).
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
                .collect();
            url.set_query(Some(&q.join("&")));
        }
        url
    }

    /// Send one request and read its answer.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Reply, ConnectorError> {
        self.send_conditional(method, url, body, if_match)
            .await
            .map_err(|(_, e)| e)
    }

    /// [`Transport::send`], keeping the HTTP status of a failure (`None` when there was no
    /// answer), for the caller that must tell a `412 Precondition Failed` apart. Paced by the
    /// app's rate limit and pauses, and retried as `pacing.rs` describes.
    pub async fn send_conditional(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Reply, (Option<u16>, ConnectorError)> {
        let mut retry = 0;
        loop {
            self.pacer.ready().await;
            let failed = match self
                .send_once(method.clone(), url.clone(), body, if_match)
                .await
            {
                Ok(reply) => return Ok(reply),
                Err(failed) => failed,
            };
            retry += 1;
            let too_long = failed
                .retry_after
                .is_some_and(|d| d > self.retry.max_retry_after);
            if retry >= self.retry.attempts || !failed.retryable(&method) || too_long {
                return Err((failed.status, failed.error));
            }
            let wait = match failed.retry_after {
                Some(d) => {
                    self.pacer.pause(d);
                    d
                }
                None => {
                    let d = self.retry.backoff(retry);
                    tokio::time::sleep(d).await;
                    d
                }
            };
            tracing::info!(request = %format!("{method} {}", url.path()), error = %failed.error, retry, wait_ms = wait.as_millis() as u64, "retrying a request to the app");
        }
    }

    /// One attempt.
    async fn send_once(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Reply, Failed> {
        let what = format!("{method} {}", url.path());
        let mut request = self
            .client
            .request(method.clone(), url)
            .timeout(self.timeout)
            .header(ACCEPT, "application/scim+json, application/json");
        let mut oauth_token = None;
        request = match &self.auth {
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Basic { user, pass } => request.basic_auth(user, Some(pass.expose())),
            Auth::OAuth(source) => {
                let token = source
                    .access_token()
                    .await
                    .map_err(|e| Failed::new(None, e))?;
                let request = request.bearer_auth(token.expose());
                oauth_token = Some((source, token));
                request
            }
        };
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| {
                Failed::new(
                    None,
                    ConnectorError::InvalidChange(format!("unserialisable body: {e}")),
                )
            })?;
            request = request.header(CONTENT_TYPE, SCIM_CONTENT_TYPE).body(bytes);
        }
        if let Some(tag) = if_match {
            request = request.header(IF_MATCH, tag);
        }
        let started = Instant::now();
        let mut response = request.send().await.map_err(|e| Failed {
            status: None,
            error: transport_error(&what, &e),
            retry_after: None,
            not_sent: e.is_connect(),
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let code = Some(status.as_u16());
        let bytes = self
            .read_body(&mut response, &what)
            .await
            .map_err(|e| Failed::new(code, e))?;
        tracing::debug!(request = %what, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "app answered");
        if !status.is_success() {
            let (error, retry_after) = error_for(status, &headers, &bytes, &what);
            // A refused access token is dropped; the first time, the request is worth retrying
            // with a new one (the app did not act on a 401).
            if let (StatusCode::UNAUTHORIZED, Some((source, token))) = (status, oauth_token) {
                if source.refused(&token).await {
                    let why = format!("{what}: the app refused the OAuth access token (401); a new one is fetched for the retry");
                    return Err(Failed {
                        status: code,
                        error: ConnectorError::Transient(why),
                        retry_after: None,
                        not_sent: true,
                    });
                }
            }
            return Err(Failed {
                status: code,
                error,
                retry_after,
                not_sent: false,
            });
        }
        let etag = headers
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Reply {
                status: status.as_u16(),
                body: None,
                etag,
            });
        }
        if let Some(kind) = content_type(&headers) {
            if !is_json_type(&kind) {
                return Err(Failed::new(
                    code,
                    ConnectorError::InvalidResponse(format!(
                        "{what} answered with Content-Type '{}', expected {SCIM_CONTENT_TYPE}",
                        clean(&kind)
                    )),
                ));
            }
        }
        let body: Value = serde_json::from_slice(&bytes).map_err(|e| {
            let e =
                ConnectorError::InvalidResponse(format!("{what} answered with invalid JSON: {e}"));
            Failed::new(code, e)
        })?;
        Ok(Reply {
            status: status.as_u16(),
            body: Some(body),
            etag,
        })
    }

    /// The body, refused beyond the size cap before or while reading it.
    async fn read_body(
        &self,
        response: &mut reqwest::Response,
        what: &str,
    ) -> Result<Vec<u8>, ConnectorError> {
        let cap = self.max_response_bytes;
        let too_big = || {
            ConnectorError::InvalidResponse(format!(
                "{what}: the response is larger than the {cap}-byte limit"
            ))
        };
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(what, &e))?
        {
            if bytes.len() + chunk.len() > cap {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn transport_error(what: &str, e: &reqwest::Error) -> ConnectorError {
    let why = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        format!("could not connect ({})", root_cause(e))
    } else {
        format!("failed ({})", root_cause(e))
    };
    ConnectorError::Transient(format!("{what} {why}"))
}

/// The innermost error's text: "Connection refused (os error 111)" rather than reqwest's
/// generic "error sending request".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    clean(&cause.to_string())
}

/// The error for a failed answer, and the wait its `Retry-After` asks for (on any status: a
/// `503` may carry one as well as a `429`).
fn error_for(
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
    what: &str,
) -> (ConnectorError, Option<Duration>) {
    let json: Option<Value> = serde_json::from_slice(bytes).ok();
    let scim = json.as_ref().filter(|v| v.is_object()).map(|v| {
        let text = |key| get_ci(v, key).and_then(Value::as_str).map(str::to_string);
        (text("scimType"), text("detail"))
    });
    let text = if json.is_some() {
        String::new()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    let now = headers
        .get(DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .unwrap_or_else(OffsetDateTime::now_utc);
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    (
        ConnectorError::from_status(status.as_u16(), scim, &text, retry_after, what),
        retry_after,
    )
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// `application/scim+json` or `application/json`, with any parameters, in any case.
pub(crate) fn is_json_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case(SCIM_CONTENT_TYPE)
        || essence.eq_ignore_ascii_case("application/json")
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
