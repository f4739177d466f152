//! Prometheus metrics: requests by route and status, latency histograms by route, and
//! provisioning runs per app (whoever started them: the scheduler or the admin API).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use scimitar_provisioning::runs::Synced;

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide recorder (installed once; later calls reuse it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(h) => h,
            // A recorder is already installed (e.g. several routers in one test process):
            // keep a detached one so /metrics still answers.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    let elapsed = start.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method)
        .record(elapsed);
    resp
}

/// Count a finished run of `app` (its name as stored) in tenant `tenant`:
/// `scimitar_provisioning_runs_total{tenant,app,result}` (`ok`, or `failed` when an object
/// failed) and `scimitar_provisioning_objects_total{tenant,app,action,status}`.
pub fn record_run(tenant: &str, app: &str, done: &Synced) {
    let result = if done.failed() > 0 { "failed" } else { "ok" };
    metrics::counter!("scimitar_provisioning_runs_total",
        "tenant" => tenant.to_string(), "app" => app.to_string(), "result" => result)
    .increment(1);
    for (key, n) in done.users.counts.iter().chain(&done.groups.counts) {
        let Some((action, status)) = key.split_once('.') else {
            continue;
        };
        metrics::counter!("scimitar_provisioning_objects_total",
            "tenant" => tenant.to_string(), "app" => app.to_string(),
            "action" => action.to_string(), "status" => status.to_string())
        .increment(*n);
    }
}

/// Count a run of `app` that could not be done as a whole (the app unreachable, its settings
/// unusable): `scimitar_provisioning_runs_total{result="error"}`.
pub fn record_run_error(tenant: &str, app: &str) {
    metrics::counter!("scimitar_provisioning_runs_total",
        "tenant" => tenant.to_string(), "app" => app.to_string(), "result" => "error")
    .increment(1);
}
