//! Retries, `Retry-After` and the rate limit (PRODUCT.md C3; the schedule is in
//! `connector/pacing.rs` and docs/operations.md), against a stub app that records when each
//! request arrived.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod scim_connector_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use scim_connector_support::{scim, scim_error, Stub};
use scimitar_provisioning::connector::{
    Connector, ConnectorError, ResourceKind, RetryPolicy, ScimConnector,
};
use serde_json::json;

fn user(id: &str) -> axum::response::Response {
    scim(
        200,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": id}),
    )
}

/// A connector retrying `attempts` times in all, with a short backoff.
fn connector(stub: &Stub, attempts: u32, rate: Option<f64>) -> ScimConnector {
    let mut config = stub.connector_config();
    config.retry = RetryPolicy {
        attempts,
        base: Duration::from_millis(100),
        cap: Duration::from_millis(400),
        max_retry_after: Duration::from_secs(5),
    };
    config.rate_limit = rate;
    ScimConnector::new(config).unwrap()
}

/// Answers `failures` times with `status` (and `Retry-After` when given), then succeeds.
async fn flaky(status: u16, failures: usize, retry_after: Option<&'static str>) -> Stub {
    let count = Arc::new(AtomicUsize::new(0));
    Stub::start(move |req| {
        if count.fetch_add(1, Ordering::SeqCst) < failures {
            let mut resp = scim_error(status, None, "not now");
            if let Some(v) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", HeaderValue::from_static(v));
            }
            return resp;
        }
        if req.method == "POST" {
            return scim(201, json!({"id": "new", "userName": "new"}));
        }
        user("u1")
    })
    .await
}

fn gaps(stub: &Stub) -> Vec<Duration> {
    let at: Vec<Instant> = stub.recorded().iter().map(|r| r.at).collect();
    at.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test]
async fn server_errors_are_retried_with_a_growing_jittered_backoff() {
    let stub = flaky(500, 3, None).await;
    let found = connector(&stub, 4, None)
        .get(ResourceKind::User, "u1")
        .await
        .unwrap();
    assert_eq!(found.id, "u1");
    assert_eq!(stub.recorded().len(), 4);
    // Before retry n: between half and all of min(400 ms, 100 ms × 2^(n-1)).
    let ceilings = [100u64, 200, 400];
    for (gap, ceiling) in gaps(&stub).iter().zip(ceilings) {
        let ms = gap.as_millis() as u64;
        assert!(
            ms >= ceiling / 2 && ms < ceiling + 150,
            "{gaps:?}",
            gaps = gaps(&stub)
        );
    }
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_is_reported() {
    let stub = flaky(502, 100, None).await;
    let err = connector(&stub, 3, None)
        .get(ResourceKind::User, "u1")
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Transient(_)), "{err:?}");
    assert_eq!(stub.recorded().len(), 3);
}

#[tokio::test]
async fn retry_after_is_waited_exactly_on_429_and_503() {
    for status in [429, 503] {
        let stub = flaky(status, 1, Some("1")).await;
        connector(&stub, 4, None)
            .get(ResourceKind::User, "u1")
            .await
            .unwrap();
        let gap = gaps(&stub)[0];
        assert!(
            gap >= Duration::from_millis(1000) && gap < Duration::from_millis(1800),
            "{status}: {gap:?}"
        );
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_is_not_waited_for_in_the_run() {
    let stub = flaky(429, 1, Some("3600")).await;
    let started = Instant::now();
    let err = connector(&stub, 4, None)
        .get(ResourceKind::User, "u1")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        }
    );
    assert_eq!(stub.recorded().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_create_is_resent_only_when_the_app_surely_did_not_act_on_it() {
    // 500: the app may have created it; not sent again (the next attempt matches first).
    let stub = flaky(500, 1, None).await;
    let err = connector(&stub, 4, None)
        .create(ResourceKind::User, json!({"userName": "new"}))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Transient(_)), "{err:?}");
    assert_eq!(stub.lines(), vec!["POST /scim/v2/Users"]);
    // 503 and 429: refused before acting; sent again.
    for status in [503, 429] {
        let stub = flaky(status, 1, None).await;
        let created = connector(&stub, 4, None)
            .create(ResourceKind::User, json!({"userName": "new"}))
            .await
            .unwrap();
        assert_eq!(created.id, "new");
        assert_eq!(stub.recorded().len(), 2, "{status}");
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let stub = flaky(400, 1, None).await;
    let err = connector(&stub, 4, None)
        .get(ResourceKind::User, "u1")
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Rejected { .. }), "{err:?}");
    assert_eq!(stub.recorded().len(), 1);
}

#[tokio::test]
async fn the_rate_limit_spaces_requests_evenly_even_when_many_are_in_flight() {
    let stub = flaky(500, 0, None).await;
    let connector = Arc::new(connector(&stub, 1, Some(20.0)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = connector.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                c.get(ResourceKind::User, "u1").await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(stub.recorded().len(), 40);
    // 40 requests at 20 per second: the first at once, then one every 50 ms.
    assert!(
        elapsed >= Duration::from_millis(1900) && elapsed < Duration::from_millis(3500),
        "{elapsed:?}"
    );
    // No second ever holds more than 20 (+1 for the window edge).
    let at: Vec<Instant> = stub.recorded().iter().map(|r| r.at).collect();
    for (i, t) in at.iter().enumerate() {
        let in_window = at[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_secs(1))
            .count();
        assert!(in_window <= 21, "{in_window} requests within a second");
    }
}
