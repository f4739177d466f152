//! The SCIM connector against apps that fail: each failure becomes the typed error the engine
//! acts on (with its hint and retry advice), never a panic or a silent success. Error
//! injection uses a stub app or a raw TCP socket; the happy paths live in `scim_connector.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod scim_connector_support;

use std::time::Duration;

use axum::http::HeaderValue;
use axum::response::IntoResponse;
use scim_connector_support::{list, scim, scim_error, Stub};
use scimitar_provisioning::connector::{
    AttributeChange, Connector, ConnectorError, PageRequest, ResourceKind, ScimConnector,
    ScimConnectorConfig,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

async fn connector_for(stub: &Stub) -> ScimConnector {
    ScimConnector::new(stub.connector_config()).unwrap()
}

/// A TCP server that reads each request, then writes `reply` (nothing when empty) and, when
/// `hang`, keeps the connection open without answering.
async fn raw_app(reply: Vec<u8>, hang: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                if hang {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                let _ = socket.write_all(&reply).await;
            });
        }
    });
    format!("http://{addr}/scim/v2")
}

fn config(url: &str) -> ScimConnectorConfig {
    let mut config =
        ScimConnectorConfig::new(url, scimitar_provisioning::connector::Auth::bearer("t"));
    config.retry.attempts = 1;
    config
}

#[tokio::test]
async fn rejected_credentials_are_unauthorized_with_a_hint() {
    let app = Stub::start(|req| {
        if req.uri.contains("Groups") {
            scim_error(403, None, "the token may not manage groups")
        } else {
            scim_error(401, None, "invalid token")
        }
    })
    .await;
    let connector = connector_for(&app).await;
    let err = connector
        .test(ResourceKind::User, "userName")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Unauthorized {
            status: 401,
            detail: "invalid token".into()
        }
    );
    assert!(err
        .hint()
        .contains("check the token, then run `scimitar app test`"));
    assert!(!err.is_retryable());
    let err = connector.discover().await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::Unauthorized { .. }),
        "discovery stops on bad credentials"
    );
    let err = connector.get(ResourceKind::Group, "1").await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unauthorized { status: 403, detail } if detail.contains("may not manage"))
    );
    assert!(err.hint().contains("permission"));
}

#[tokio::test]
async fn rate_limits_carry_retry_after_in_seconds_or_as_a_date() {
    let app = Stub::start(|req| {
        let mut resp = scim_error(429, None, "slow down");
        let headers = resp.headers_mut();
        if req.uri.contains("/Users/date") {
            headers.insert(
                "date",
                HeaderValue::from_static("Wed, 06 Nov 2024 08:49:37 GMT"),
            );
            headers.insert(
                "retry-after",
                HeaderValue::from_static("Wed, 06 Nov 2024 08:50:07 GMT"),
            );
        } else if req.uri.contains("/Users/seconds") {
            headers.insert("retry-after", HeaderValue::from_static("120"));
        }
        resp
    })
    .await;
    let connector = connector_for(&app).await;
    let err = connector
        .get(ResourceKind::User, "seconds")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert!(err.is_retryable());
    let err = connector.get(ResourceKind::User, "date").await.unwrap_err();
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(30)),
        "read against the app's Date"
    );
    let err = connector.get(ResourceKind::User, "none").await.unwrap_err();
    assert_eq!(err, ConnectorError::RateLimited { retry_after: None });
}

#[tokio::test]
async fn server_errors_timeouts_and_dead_connections_are_transient() {
    let app = Stub::start(|_| scim_error(503, None, "maintenance")).await;
    let err = connector_for(&app)
        .await
        .get(ResourceKind::User, "1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Transient(d) if d.contains("503") && d.contains("maintenance")),
        "{err:?}"
    );
    assert!(err.is_retryable());

    let mut slow = config(&raw_app(Vec::new(), true).await);
    slow.timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let err = ScimConnector::new(slow)
        .unwrap()
        .get(ResourceKind::User, "1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Transient(d) if d.contains("timed out")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/scim/v2", closed.local_addr().unwrap());
    drop(closed);
    let err = ScimConnector::new(config(&url))
        .unwrap()
        .delete(ResourceKind::User, "1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Transient(d) if d.contains("could not connect")),
        "{err:?}"
    );

    let reset = raw_app(Vec::new(), false).await;
    let err = ScimConnector::new(config(&reset))
        .unwrap()
        .get(ResourceKind::User, "1")
        .await
        .unwrap_err();
    assert!(
        err.is_retryable(),
        "a connection closed without an answer: {err:?}"
    );
}

#[tokio::test]
async fn answers_that_are_not_scim_are_invalid_responses() {
    let app = Stub::start(|req| match req.uri.as_str() {
        "/scim/v2/Users/html" => {
            let mut resp = "<html>login</html>".into_response();
            resp.headers_mut()
                .insert("content-type", HeaderValue::from_static("text/html"));
            resp
        }
        "/scim/v2/Users/broken" => scim(200, json!("x")).map(|_| "{\"id\": ".into()),
        "/scim/v2/Users/noid" => scim(200, json!({"userName": "ann"})),
        "/scim/v2/Users/moved" => {
            let mut resp = scim(302, json!({}));
            resp.headers_mut()
                .insert("location", HeaderValue::from_static("http://elsewhere/"));
            resp
        }
        _ if req.method == "POST" => scim(201, json!({"userName": "no id"})),
        _ => scim(200, json!({"Resources": "not a list"})),
    })
    .await;
    let connector = connector_for(&app).await;
    let invalid = |e: &ConnectorError, part: &str| matches!(e, ConnectorError::InvalidResponse(d) if d.contains(part));
    let err = connector.get(ResourceKind::User, "html").await.unwrap_err();
    assert!(invalid(&err, "text/html"), "{err:?}");
    assert!(err.hint().contains("SCIM base URL"));
    let err = connector
        .get(ResourceKind::User, "broken")
        .await
        .unwrap_err();
    assert!(invalid(&err, "invalid JSON"), "{err:?}");
    let err = connector.get(ResourceKind::User, "noid").await.unwrap_err();
    assert!(invalid(&err, "without an 'id'"), "{err:?}");
    let err = connector
        .get(ResourceKind::User, "moved")
        .await
        .unwrap_err();
    assert!(invalid(&err, "redirected"), "{err:?}");
    let err = connector
        .create(ResourceKind::User, json!({"userName": "ann"}))
        .await
        .unwrap_err();
    assert!(invalid(&err, "without an 'id'"), "{err:?}");
    let err = connector
        .list(ResourceKind::User, PageRequest::first(10))
        .await
        .unwrap_err();
    assert!(invalid(&err, "'Resources'"), "{err:?}");
    let sent = app.lines().len();
    for id in ["..", ".", ""] {
        let err = connector.delete(ResourceKind::User, id).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::InvalidChange(_)),
            "{id:?}: {err:?}"
        );
    }
    assert_eq!(
        app.lines().len(),
        sent,
        "an id that would leave its place is never sent"
    );
}

#[tokio::test]
async fn oversized_responses_are_refused_whether_announced_or_streamed() {
    let big = json!({"id": "1", "padding": "x".repeat(4096)});
    let app = Stub::start(move |_| scim(200, big.clone())).await;
    let mut capped = app.connector_config();
    capped.max_response_bytes = 1024;
    let err = ScimConnector::new(capped)
        .unwrap()
        .get(ResourceKind::User, "1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::InvalidResponse(d) if d.contains("1024-byte limit")),
        "{err:?}"
    );

    // No Content-Length: the body is counted while it streams in.
    let chunk = format!("400\r\n{}\r\n", " ".repeat(0x400));
    let chunked = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ntransfer-encoding: chunked\r\n\r\n{chunk}{chunk}0\r\n\r\n"
    );
    let mut streamed = config(&raw_app(chunked.into_bytes(), false).await);
    streamed.max_response_bytes = 1500;
    let err = ScimConnector::new(streamed)
        .unwrap()
        .get(ResourceKind::User, "1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::InvalidResponse(d) if d.contains("1500-byte limit")),
        "{err:?}"
    );
}

#[tokio::test]
async fn several_matches_are_an_ambiguous_match_naming_them() {
    let app = Stub::start(|_| {
        list(vec![
            json!({"id": "a1", "userName": "ann"}),
            json!({"id": "a2", "userName": "ann"}),
        ])
    })
    .await;
    let err = connector_for(&app)
        .await
        .find(ResourceKind::User, "userName", "ann")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::AmbiguousMatch {
            filter: r#"userName eq "ann""#.into(),
            count: 2,
            ids: vec!["a1".into(), "a2".into()]
        }
    );
    assert!(err.to_string().contains("a1, a2"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn scim_error_bodies_are_parsed_into_conflict_and_rejected() {
    let app = Stub::start(|req| match req.method.as_str() {
        "POST" => scim_error(409, Some("uniqueness"), "userName 'ann' is taken"),
        "PATCH" => scim_error(400, Some("invalidValue"), "'title' must be a string"),
        "DELETE" => scim_error(404, None, "no such user"),
        _ => scim_error(413, None, "too large"),
    })
    .await;
    let connector = connector_for(&app).await;
    let err = connector
        .create(ResourceKind::User, json!({"userName": "ann"}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Conflict("userName 'ann' is taken".into())
    );
    assert!(err.hint().contains("matching attribute"));
    let err = connector
        .update(
            ResourceKind::User,
            "1",
            &[AttributeChange::set("title", json!(5))],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Rejected {
            status: 400,
            scim_type: Some("invalidValue".into()),
            detail: "'title' must be a string".into()
        }
    );
    assert!(
        connector.delete(ResourceKind::User, "1").await.is_ok(),
        "404 on delete: already gone"
    );
    let err = connector.get(ResourceKind::User, "1").await.unwrap_err();
    assert!(err.hint().contains("batch size"), "{err:?}");
}

#[tokio::test]
async fn bad_settings_are_clear_errors() {
    for (url, part) in [
        ("ftp://x/scim", "http:// or https://"),
        ("not a url", "SCIM base URL"),
        ("https://u:p@x/scim", "credentials"),
    ] {
        let err = ScimConnector::new(config(url)).unwrap_err();
        assert!(
            matches!(&err, ConnectorError::InvalidConfig(d) if d.contains(part)),
            "{url}: {err:?}"
        );
    }
    let mut zero = config("https://x/scim/v2");
    zero.member_batch_size = 0;
    assert!(matches!(
        ScimConnector::new(zero),
        Err(ConnectorError::InvalidConfig(_))
    ));
    let mut no_time = config("https://x/scim/v2");
    no_time.timeout = Duration::ZERO;
    assert!(matches!(
        ScimConnector::new(no_time),
        Err(ConnectorError::InvalidConfig(_))
    ));
    let ok = ScimConnector::new(config("https://x.example/scim/v2/")).unwrap();
    assert_eq!(ok.base_url(), "https://x.example/scim/v2");
    let err = ok
        .find(ResourceKind::User, "user name", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::InvalidConfig(_)),
        "a bad matching attribute: {err:?}"
    );
}
