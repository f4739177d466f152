//! A SCIM target that does no work, for `--provisioning cpu`: measuring the engine's CPU per
//! object needs an app whose own cost is (next to) nothing, so that what is measured is
//! Scimitar's side alone.
//!
//! It is a real HTTP/1.1 server on a loopback port, inside the harness, that answers just what
//! the SCIM connector (crates/provisioning/src/connector/) sends during a run: a search
//! (`GET /Users?filter=userName eq "…"`, `GET /Groups?filter=displayName eq "…"`) matches
//! nothing; `POST` answers 201 with the body and a fresh id; `PATCH` and `DELETE` answer 204;
//! `PUT` echoes the body; `GET` by id is 404 (it keeps nothing); `/ServiceProviderConfig` says
//! PATCH and filtering are supported. It stores nothing and counts requests by route, plus the
//! member values PATCH add operations carried, so the run can be checked.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The SCIM base path the target serves, as Scimitar's own server does.
pub const BASE: &str = "/scim/v2";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    ServiceProviderConfig,
    /// /ResourceTypes and /Schemas: not served, so the connector uses the RFC defaults.
    OtherDiscovery,
    Search(Kind),
    Read(Kind),
    Create(Kind),
    Patch(Kind),
    Replace(Kind),
    Delete(Kind),
    Unknown,
}

impl Route {
    pub fn of(method: &Method, path: &str) -> Route {
        let Some(rest) = path.strip_prefix(BASE) else {
            return Route::Unknown;
        };
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let kind = |s: &str| match s {
            "Users" => Some(Kind::User),
            "Groups" => Some(Kind::Group),
            _ => None,
        };
        match (method, segments.as_slice()) {
            (&Method::GET, ["ServiceProviderConfig"]) => Route::ServiceProviderConfig,
            (&Method::GET, ["ResourceTypes" | "Schemas", ..]) => Route::OtherDiscovery,
            (m, [endpoint]) => match (m, kind(endpoint)) {
                (&Method::GET, Some(k)) => Route::Search(k),
                (&Method::POST, Some(k)) => Route::Create(k),
                _ => Route::Unknown,
            },
            (m, [endpoint, _id]) => match (m, kind(endpoint)) {
                (&Method::GET, Some(k)) => Route::Read(k),
                (&Method::PATCH, Some(k)) => Route::Patch(k),
                (&Method::PUT, Some(k)) => Route::Replace(k),
                (&Method::DELETE, Some(k)) => Route::Delete(k),
                _ => Route::Unknown,
            },
            _ => Route::Unknown,
        }
    }

    /// How the request is counted and reported.
    pub fn label(self) -> &'static str {
        use Kind::{Group, User};
        match self {
            Route::ServiceProviderConfig => "GET /ServiceProviderConfig",
            Route::OtherDiscovery => "GET /ResourceTypes or /Schemas",
            Route::Search(User) => "GET /Users?filter (search)",
            Route::Search(Group) => "GET /Groups?filter (search)",
            Route::Read(User) => "GET /Users/{id}",
            Route::Read(Group) => "GET /Groups/{id}",
            Route::Create(User) => "POST /Users",
            Route::Create(Group) => "POST /Groups",
            Route::Patch(User) => "PATCH /Users/{id}",
            Route::Patch(Group) => "PATCH /Groups/{id}",
            Route::Replace(User) => "PUT /Users/{id}",
            Route::Replace(Group) => "PUT /Groups/{id}",
            Route::Delete(User) => "DELETE /Users/{id}",
            Route::Delete(Group) => "DELETE /Groups/{id}",
            Route::Unknown => "other (404)",
        }
    }
}

/// The answer to one request: a status and a body (empty for 204).
pub fn respond(route: Route, path: &str, body: &[u8], fresh_id: u64) -> (StatusCode, Bytes) {
    let echo = |id: String| {
        let mut doc: Value = serde_json::from_slice(body).unwrap_or_else(|_| json!({}));
        if let Some(map) = doc.as_object_mut() {
            map.insert("id".into(), Value::String(id));
        }
        Bytes::from(serde_json::to_vec(&doc).unwrap_or_default())
    };
    match route {
        Route::ServiceProviderConfig => (StatusCode::OK, service_provider_config()),
        Route::Search(_) => (StatusCode::OK, Bytes::from_static(EMPTY_LIST)),
        Route::Create(_) => (StatusCode::CREATED, echo(format!("nowork-{fresh_id}"))),
        Route::Replace(_) => {
            let id = path.rsplit('/').next().unwrap_or_default().to_owned();
            (StatusCode::OK, echo(id))
        }
        Route::Patch(_) | Route::Delete(_) => (StatusCode::NO_CONTENT, Bytes::new()),
        Route::OtherDiscovery | Route::Read(_) | Route::Unknown => {
            (StatusCode::NOT_FOUND, Bytes::from_static(NOT_FOUND))
        }
    }
}

const EMPTY_LIST: &[u8] = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
const NOT_FOUND: &[u8] = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"this target keeps nothing"}"#;

fn service_provider_config() -> Bytes {
    let doc = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 1000},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": []
    });
    Bytes::from(serde_json::to_vec(&doc).unwrap_or_default())
}

/// Member values in a PATCH request's `add` operations on `members`.
pub fn members_added(body: &[u8]) -> u64 {
    let Ok(doc) = serde_json::from_slice::<Value>(body) else {
        return 0;
    };
    let ops = doc.get("Operations").and_then(Value::as_array);
    ops.into_iter()
        .flatten()
        .filter(|op| {
            let is = |key: &str, want: &str| {
                op.get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(want))
            };
            is("op", "add") && is("path", "members")
        })
        .filter_map(|op| op.get("value").and_then(Value::as_array))
        .map(|values| values.len() as u64)
        .sum()
}

/// How the target behaves beyond doing no work: a latency per answer, and a limit of
/// requests per second (a sliding one-second window of accepted requests) past which it
/// answers `429` with `Retry-After: 1`, as a throttling SaaS app does.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shape {
    pub latency: Duration,
    pub limit: Option<usize>,
}

/// What the target received.
#[derive(Default)]
struct Counts {
    by_route: Mutex<BTreeMap<&'static str, u64>>,
    members_added: AtomicU64,
    next_id: AtomicU64,
    /// When each accepted request arrived (the window and the achieved rate).
    accepted: Mutex<Vec<Instant>>,
    throttled: AtomicU64,
}

/// A snapshot of the counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    pub by_route: BTreeMap<&'static str, u64>,
    pub members_added: u64,
    /// Requests answered `429` (over the limit).
    pub throttled: u64,
    /// Arrival times of the accepted requests.
    pub accepted: Vec<Instant>,
}

impl Received {
    pub fn get(&self, route: Route) -> u64 {
        self.by_route.get(route.label()).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.by_route.values().sum()
    }

    /// Accepted requests per second from the first to the last.
    pub fn achieved_rate(&self) -> Option<f64> {
        let (first, last) = (self.accepted.first()?, self.accepted.last()?);
        let span = last.duration_since(*first).as_secs_f64();
        (span > 0.0).then(|| (self.accepted.len() - 1) as f64 / span)
    }
}

/// The running target; dropping it stops accepting connections.
pub struct NoWork {
    pub addr: SocketAddr,
    counts: Arc<Counts>,
    acceptor: JoinHandle<()>,
}

impl Drop for NoWork {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl NoWork {
    pub async fn start() -> Result<Self> {
        Self::start_shaped(Shape::default()).await
    }

    pub async fn start_shaped(shape: Shape) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("bind the no-work target")?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Counts::default());
        let acceptor = tokio::spawn(accept(listener, counts.clone(), shape));
        Ok(Self {
            addr,
            counts,
            acceptor,
        })
    }

    /// The base URL to give `scimitar app create --scim-url`.
    pub fn scim_url(&self) -> String {
        format!("http://{}{BASE}", self.addr)
    }

    pub fn received(&self) -> Received {
        Received {
            by_route: self
                .counts
                .by_route
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            members_added: self.counts.members_added.load(Ordering::Relaxed),
            throttled: self.counts.throttled.load(Ordering::Relaxed),
            accepted: self
                .counts
                .accepted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

async fn accept(listener: TcpListener, counts: Arc<Counts>, shape: Shape) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        let counts = counts.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, counts.clone(), shape));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    request: Request<Incoming>,
    counts: Arc<Counts>,
    shape: Shape,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let arrived = Instant::now();
    if let Some(limit) = shape.limit {
        let mut accepted = counts
            .accepted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let window = accepted
            .iter()
            .rev()
            .take_while(|t| arrived.duration_since(**t) < Duration::from_secs(1))
            .count();
        if window >= limit {
            drop(accepted);
            counts.throttled.fetch_add(1, Ordering::Relaxed);
            let mut response = Response::new(Full::new(Bytes::from_static(
                br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"rate limit"}"#,
            )));
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
            return Ok(response);
        }
        accepted.push(arrived);
    } else {
        counts
            .accepted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(arrived);
    }
    if !shape.latency.is_zero() {
        tokio::time::sleep(shape.latency).await;
    }
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let route = Route::of(&parts.method, parts.uri.path());
    *counts
        .by_route
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(route.label())
        .or_default() += 1;
    if matches!(route, Route::Patch(_)) {
        counts
            .members_added
            .fetch_add(members_added(&body), Ordering::Relaxed);
    }
    let fresh = counts.next_id.fetch_add(1, Ordering::Relaxed);
    let (status, bytes) = respond(route, parts.uri.path(), &body, fresh);
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() = status;
    if status != StatusCode::NO_CONTENT {
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/scim+json"),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{encode_query_value, Conn, Target};

    #[test]
    fn routes_what_the_connector_sends() {
        let route = |m: Method, p: &str| Route::of(&m, p);
        assert_eq!(
            route(Method::GET, "/scim/v2/ServiceProviderConfig"),
            Route::ServiceProviderConfig
        );
        assert_eq!(
            route(Method::GET, "/scim/v2/Schemas"),
            Route::OtherDiscovery
        );
        assert_eq!(
            route(Method::GET, "/scim/v2/Users"),
            Route::Search(Kind::User)
        );
        assert_eq!(
            route(Method::POST, "/scim/v2/Groups"),
            Route::Create(Kind::Group)
        );
        assert_eq!(
            route(Method::PATCH, "/scim/v2/Groups/nowork-7"),
            Route::Patch(Kind::Group)
        );
        assert_eq!(
            route(Method::GET, "/scim/v2/Users/abc"),
            Route::Read(Kind::User)
        );
        assert_eq!(
            route(Method::DELETE, "/scim/v2/Users/abc"),
            Route::Delete(Kind::User)
        );
        assert_eq!(route(Method::GET, "/other"), Route::Unknown);
        assert_eq!(route(Method::POST, "/scim/v2/Users/x/y"), Route::Unknown);
    }

    #[test]
    fn answers_like_an_app_that_keeps_nothing() {
        let (status, body) = respond(Route::Search(Kind::User), "/scim/v2/Users", b"", 0);
        assert_eq!(status, StatusCode::OK);
        let list: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(list["totalResults"], 0);
        let user = br#"{"userName":"a@b.c"}"#;
        let (status, body) = respond(Route::Create(Kind::User), "/scim/v2/Users", user, 41);
        assert_eq!(status, StatusCode::CREATED);
        let created: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(created["id"], "nowork-41");
        assert_eq!(created["userName"], "a@b.c");
        let (status, body) = respond(Route::Patch(Kind::Group), "/scim/v2/Groups/g", b"{}", 0);
        assert_eq!((status, body.len()), (StatusCode::NO_CONTENT, 0));
        let (status, _) = respond(Route::Read(Kind::User), "/scim/v2/Users/x", b"", 0);
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, body) = respond(Route::Replace(Kind::User), "/scim/v2/Users/u9", user, 0);
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["id"], "u9");
    }

    #[test]
    fn counts_members_in_add_operations_only() {
        let patch = json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "1"}, {"value": "2"}]},
            {"op": "Add", "path": "members", "value": [{"value": "3"}]},
            {"op": "remove", "path": "members", "value": [{"value": "4"}]},
        ]});
        assert_eq!(members_added(&serde_json::to_vec(&patch).unwrap()), 3);
        assert_eq!(members_added(b"not json"), 0);
    }

    #[tokio::test]
    async fn serves_over_http_and_counts() {
        let target = NoWork::start().await.unwrap();
        let mut conn = Conn::connect(&Target::new(target.addr).unwrap())
            .await
            .unwrap();
        let filter = encode_query_value(r#"userName eq "a@b.c""#);
        let reply = conn
            .send(
                Method::GET,
                &format!("/scim/v2/Users?filter={filter}"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(reply.json().unwrap()["totalResults"], 0);
        let reply = conn
            .send(
                Method::POST,
                "/scim/v2/Groups",
                Some(Bytes::from_static(br#"{"displayName":"g"}"#)),
            )
            .await
            .unwrap();
        assert_eq!(reply.status, StatusCode::CREATED);
        let patch = serde_json::to_vec(&crate::scim::add_members(["1", "2"])).unwrap();
        conn.send(Method::PATCH, "/scim/v2/Groups/x", Some(patch.into()))
            .await
            .unwrap();
        let received = target.received();
        assert_eq!(received.get(Route::Search(Kind::User)), 1);
        assert_eq!(received.get(Route::Create(Kind::Group)), 1);
        assert_eq!(received.get(Route::Patch(Kind::Group)), 1);
        assert_eq!((received.total(), received.members_added), (3, 2));
        assert!(target.scim_url().ends_with("/scim/v2"));
    }
}
