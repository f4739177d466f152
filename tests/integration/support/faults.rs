//! A fault-injecting SCIM target (issue 5): a small real HTTP server in the test process that
//! stands in front of a real Scimitar (B) and, at configured rates, answers `500` (before
//! passing the request on, or after — the app acted but the answer is lost), `429` with
//! `Retry-After`, or takes longer than the client's timeout; or is down altogether
//! (connections refused). It records when each request arrived and what it answered, so tests
//! can check what the engine did, and B holds the state that is read back.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What to inject, each a share of requests from 0.0 to 1.0 (their sum at most 1).
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// `500` without passing the request on.
    pub error_before: f64,
    /// The request is passed on (the app acts), then `500` instead of its answer.
    pub error_after: f64,
    /// `429` with `Retry-After: retry_after` seconds.
    pub throttle: f64,
    pub retry_after: u64,
    /// No answer for `hang` (longer than the client's timeout).
    pub slow: f64,
    pub hang: Duration,
}

/// One request as the target saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    pub path: String,
    /// What the target answered (`0`: no answer, the client gave up).
    pub status: u16,
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    faults: Mutex<Faults>,
    count: AtomicU64,
    seen: Mutex<Vec<Seen>>,
}

pub struct FaultyTarget {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl FaultyTarget {
    /// In front of `upstream` (`http://127.0.0.1:PORT`, the origin of a Scimitar).
    pub async fn start(upstream: &str, faults: Faults) -> FaultyTarget {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            faults: Mutex::new(faults),
            count: AtomicU64::new(0),
            seen: Mutex::new(Vec::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let target = FaultyTarget {
            addr,
            shared,
            server: Mutex::new(None),
        };
        target.serve(listener);
        target
    }

    fn serve(&self, listener: TcpListener) {
        let app = Router::new()
            .fallback(handle)
            .with_state(self.shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        *self.server.lock().unwrap() = Some(task);
    }

    /// The SCIM base URL to give the engine.
    pub fn scim_url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap() = faults;
    }

    /// Down: the port refuses connections until [`FaultyTarget::up`].
    pub fn down(&self) {
        if let Some(task) = self.server.lock().unwrap().take() {
            task.abort();
        }
    }

    /// Back on the same port.
    pub async fn up(&self) {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("rebinding {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }
}

impl Drop for FaultyTarget {
    fn drop(&mut self) {
        self.down();
    }
}

/// Which fault request `n` gets: a fixed, well-spread sequence (so a rate of 0.2 fails one
/// request in five, evenly, run after run).
fn pick(n: u64, f: &Faults) -> Option<u8> {
    let x = ((n.wrapping_mul(2_654_435_761) >> 7) % 10_000) as f64 / 10_000.0;
    let mut edge = 0.0;
    for (i, share) in [f.error_before, f.error_after, f.throttle, f.slow]
        .into_iter()
        .enumerate()
    {
        edge += share;
        if x < edge {
            return Some(i as u8);
        }
    }
    None
}

async fn handle(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let at = Instant::now();
    let n = s.count.fetch_add(1, Ordering::SeqCst);
    let faults = *s.faults.lock().unwrap();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let record = |status: u16| {
        s.seen.lock().unwrap().push(Seen {
            at,
            method: method.clone(),
            path: path.clone(),
            status,
        })
    };
    let error = |status: u16| {
        Response::builder()
            .status(status)
            .header("content-type", "application/scim+json")
            .body(Body::from(format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"{status}","detail":"injected"}}"#
            )))
            .unwrap()
    };
    let fault = pick(n, &faults);
    match fault {
        Some(0) => {
            record(500);
            return error(500);
        }
        Some(2) => {
            record(429);
            let mut r = error(429);
            r.headers_mut().insert(
                "retry-after",
                faults.retry_after.to_string().parse().unwrap(),
            );
            return r;
        }
        Some(3) => {
            record(0);
            tokio::time::sleep(faults.hang).await;
            return error(504);
        }
        _ => {}
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap();
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let mut out = s
        .http
        .request(parts.method.clone(), format!("{}{uri}", s.upstream));
    for name in ["authorization", "content-type", "accept", "if-match"] {
        if let Some(v) = parts.headers.get(name) {
            out = out.header(name, v.as_bytes());
        }
    }
    let resp = match out.body(bytes).send().await {
        Ok(r) => r,
        Err(_) => {
            record(502);
            return error(502);
        }
    };
    if fault == Some(1) {
        record(500);
        return error(500);
    }
    let status = resp.status().as_u16();
    let mut back = Response::builder().status(status);
    for name in ["content-type", "etag", "location"] {
        if let Some(v) = resp.headers().get(name) {
            back = back.header(name, v.as_bytes());
        }
    }
    record(status);
    back.body(Body::from(resp.bytes().await.unwrap_or_default()))
        .unwrap()
}
