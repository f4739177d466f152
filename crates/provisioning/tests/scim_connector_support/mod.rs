//! Test support for the SCIM connector's integration tests: Scimitar's own SCIM server started
//! in-process on a random port (the real app for happy paths), a recording proxy in front of it
//! (to see which requests the connector sent), and a stub app for error injection.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use scimitar_core::service::{Directory, TenantAdmin};
use scimitar_core::{Limits, SystemClock};
use scimitar_provisioning::connector::{Auth, ScimConnector, ScimConnectorConfig};
use scimitar_server::{router, AppState, HttpConfig};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn serve(app: Router) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), handle)
}

/// Scimitar's SCIM server on SQLite in a temporary directory, with the `default` tenant.
pub struct Scimitar {
    /// `http://127.0.0.1:PORT` (the SCIM base is this plus `/scim/v2`).
    pub origin: String,
    pub token: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    handle: JoinHandle<()>,
}

impl Scimitar {
    pub async fn start() -> Scimitar {
        Self::start_with(Limits::default()).await
    }

    pub async fn start_with(limits: Limits) -> Scimitar {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let stores = scimitar_store::open(&url).await.unwrap();
        let clock = Arc::new(SystemClock);
        let directory = Directory::new(stores.directory.clone(), clock.clone(), limits);
        let tenants = TenantAdmin::new(stores.tenants.clone(), clock);
        let token = tenants
            .bootstrap()
            .await
            .unwrap()
            .expect("a fresh database");
        let state = AppState {
            apps: None,
            directory,
            tenants,
            config: Arc::new(HttpConfig { public_url: None }),
        };
        let (origin, handle) = serve(router(state)).await;
        Scimitar {
            origin,
            token,
            http: reqwest::Client::new(),
            _dir: dir,
            handle,
        }
    }

    pub fn scim_url(&self) -> String {
        format!("{}/scim/v2", self.origin)
    }

    pub fn config(&self) -> ScimConnectorConfig {
        ScimConnectorConfig::new(self.scim_url(), Auth::bearer(self.token.clone()))
    }

    pub fn connector(&self) -> ScimConnector {
        ScimConnector::new(self.config()).unwrap()
    }

    /// Read back through the server, not through the connector: `(status, body)`.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(format!("{}{path}", self.scim_url()))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Create directly on the server; returns the id.
    pub async fn post(&self, path: &str, body: &Value) -> String {
        let resp = self
            .http
            .post(format!("{}{path}", self.scim_url()))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json")
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201, "create on the server failed");
        let body: Value = resp.json().await.unwrap();
        body["id"].as_str().unwrap().to_string()
    }
}

impl Drop for Scimitar {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// A request as the app received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, still percent-encoded.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
    /// `"PATCH /scim/v2/Groups/1"`, without the query.
    pub fn line(&self) -> String {
        let path = self.uri.split('?').next().unwrap_or_default();
        format!("{} {path}", self.method)
    }
}

type Respond = dyn Fn(&Recorded) -> Response + Send + Sync;

enum Mode {
    Respond(Arc<Respond>),
    Proxy {
        target: String,
        http: reqwest::Client,
    },
}

struct StubState {
    mode: Mode,
    log: Mutex<Vec<Recorded>>,
}

/// A fake app answering with `respond`, or a proxy forwarding to a real one; either way every
/// request is recorded.
pub struct Stub {
    /// `http://127.0.0.1:PORT/scim/v2`
    pub url: String,
    state: Arc<StubState>,
    handle: JoinHandle<()>,
}

impl Stub {
    pub async fn start(respond: impl Fn(&Recorded) -> Response + Send + Sync + 'static) -> Stub {
        Self::with_mode(Mode::Respond(Arc::new(respond))).await
    }

    /// Forward every request to `server`, recording it.
    pub async fn proxy(server: &Scimitar) -> Stub {
        let http = reqwest::Client::new();
        Self::with_mode(Mode::Proxy {
            target: server.origin.clone(),
            http,
        })
        .await
    }

    async fn with_mode(mode: Mode) -> Stub {
        let state = Arc::new(StubState {
            mode,
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (origin, handle) = serve(app).await;
        Stub {
            url: format!("{origin}/scim/v2"),
            state,
            handle,
        }
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.state.log.lock().unwrap().clone()
    }

    /// `"METHOD /path"` of every request so far.
    pub fn lines(&self) -> Vec<String> {
        self.recorded().iter().map(Recorded::line).collect()
    }

    pub fn clear(&self) {
        self.state.log.lock().unwrap().clear();
    }

    /// Each request sent once: these tests look at single answers (retries have their own).
    pub fn connector_config(&self) -> ScimConnectorConfig {
        let mut config = ScimConnectorConfig::new(self.url.clone(), Auth::bearer("stub-token"));
        config.retry.attempts = 1;
        config
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

async fn handle(State(state): State<Arc<StubState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let at = std::time::Instant::now();
    let recorded = Recorded {
        at,
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts.headers.clone(),
        body: to_bytes(body, usize::MAX).await.unwrap(),
    };
    state.log.lock().unwrap().push(recorded.clone());
    match &state.mode {
        Mode::Respond(respond) => respond(&recorded),
        Mode::Proxy { target, http } => forward(http, target, &recorded).await,
    }
}

async fn forward(http: &reqwest::Client, target: &str, req: &Recorded) -> Response {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap();
    let mut out = http.request(method, format!("{target}{}", req.uri));
    for name in ["authorization", "content-type", "accept", "if-match"] {
        if let Some(v) = req.headers.get(name) {
            out = out.header(name, v.as_bytes());
        }
    }
    let resp = out.body(req.body.clone()).send().await.unwrap();
    let mut back = Response::builder().status(resp.status().as_u16());
    for name in ["content-type", "etag", "location"] {
        if let Some(v) = resp.headers().get(name) {
            back = back.header(name, v.as_bytes());
        }
    }
    back.body(Body::from(resp.bytes().await.unwrap())).unwrap()
}

/// A SCIM JSON response.
pub fn scim(status: u16, body: Value) -> Response {
    let mut resp = (StatusCode::from_u16(status).unwrap(), body.to_string()).into_response();
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/scim+json"),
    );
    resp
}

/// A SCIM error body (RFC 7644 §3.12).
pub fn scim_error(status: u16, scim_type: Option<&str>, detail: &str) -> Response {
    let mut body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.to_string(),
        "detail": detail,
    });
    if let Some(t) = scim_type {
        body["scimType"] = Value::String(t.into());
    }
    scim(status, body)
}

/// A ListResponse holding `resources`.
pub fn list(resources: Vec<Value>) -> Response {
    scim(
        200,
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": resources.len(),
            "startIndex": 1,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}
