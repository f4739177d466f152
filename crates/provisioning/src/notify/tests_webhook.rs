//! Tests of webhook delivery against a real HTTP receiver on 127.0.0.1: the JSON it gets, one
//! retry after a 5xx, no retry after a 4xx, an unreachable webhook reported without its path,
//! and email recipients without an SMTP server reported, not panicking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use time::macros::datetime;

use super::{
    EventKind, Notification, NotificationChange, NotificationEvent, NotificationSettings, Notifier,
};

/// What the receiver got: content type and body of each call.
type Calls = Arc<Mutex<Vec<(String, Value)>>>;

/// A receiver answering each call with the next status of `statuses` (the last one repeats);
/// its `http://127.0.0.1:PORT/hook/secret-path` URL and its calls.
async fn receiver(statuses: Vec<u16>) -> (String, Calls) {
    let calls: Calls = Arc::default();
    let seen = calls.clone();
    let app = Router::new().route(
        "/hook/secret-path",
        post(move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            let statuses = statuses.clone();
            async move {
                let ctype = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let mut calls = seen.lock().unwrap();
                let status = statuses[calls.len().min(statuses.len() - 1)];
                calls.push((ctype, serde_json::from_str(&body).unwrap_or(Value::Null)));
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook/secret-path"), calls)
}

fn to_webhook(url: &str) -> NotificationSettings {
    let mut s = NotificationSettings::default();
    s.apply(&NotificationChange {
        webhook: Some(url.into()),
        ..Default::default()
    })
    .unwrap();
    s
}

fn run_failed() -> Notification {
    Notification::new(
        "acme",
        "crm",
        datetime!(2025-03-01 10:00 UTC),
        NotificationEvent::RunFailed {
            run: "r-7".into(),
            failed: 2,
            done: 40,
            first_errors: vec!["user ada: 400 invalidValue".into()],
        },
    )
}

#[tokio::test]
async fn webhook_receives_the_notification_json() {
    let (url, calls) = receiver(vec![200]).await;
    let notifier = Notifier::new(None).unwrap();
    let failures = notifier.send(&to_webhook(&url), &run_failed()).await;
    assert!(failures.is_empty(), "{failures:?}");
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    let (ctype, body) = &calls[0];
    assert_eq!(ctype, "application/json");
    assert_eq!(body["tenant"], "acme");
    assert_eq!(body["app"], "crm");
    assert_eq!(body["at"], "2025-03-01T10:00:00.000000Z");
    assert_eq!(body["event"], "run-failed");
    assert_eq!(body["run"], "r-7");
    assert_eq!(body["failed"], 2);
    assert_eq!(body["done"], 40);
    assert_eq!(body["first_errors"][0], "user ada: 400 invalidValue");
    assert_eq!(body["text"], run_failed().summary());
    let back: Notification = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(back, run_failed());
}

#[tokio::test]
async fn a_5xx_is_retried_once() {
    let (url, calls) = receiver(vec![500, 200]).await;
    let notifier = Notifier::new(None).unwrap();
    let failures = notifier.send(&to_webhook(&url), &run_failed()).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(calls.lock().unwrap().len(), 2);

    // Failing twice is reported, after exactly one retry.
    let (url, calls) = receiver(vec![503]).await;
    let failures = notifier.send(&to_webhook(&url), &run_failed()).await;
    assert_eq!(calls.lock().unwrap().len(), 2);
    assert_eq!(failures.len(), 1);
    assert!(failures[0].error.contains("503"), "{failures:?}");
    assert!(
        failures[0].error.contains("after one retry"),
        "{failures:?}"
    );
    assert!(!failures[0].target.contains("secret-path"), "{failures:?}");
}

#[tokio::test]
async fn a_4xx_is_not_retried() {
    let (url, calls) = receiver(vec![404, 200]).await;
    let failures = Notifier::new(None)
        .unwrap()
        .send(&to_webhook(&url), &run_failed())
        .await;
    assert_eq!(calls.lock().unwrap().len(), 1);
    assert_eq!(failures.len(), 1);
    assert!(failures[0].error.contains("404"), "{failures:?}");
}

#[tokio::test]
async fn unreachable_webhook_is_reported_without_its_path() {
    // Bind then drop: nothing listens on that port any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook/secret-path");
    let failures = Notifier::new(None)
        .unwrap()
        .send(&to_webhook(&url), &run_failed())
        .await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(
        failures[0].target,
        format!("webhook http://127.0.0.1:{port}")
    );
    assert!(
        !failures[0].to_string().contains("secret-path"),
        "{}",
        failures[0]
    );
    assert!(
        failures[0].error.contains("after one retry"),
        "{}",
        failures[0]
    );
}

#[tokio::test]
async fn events_not_chosen_are_not_sent_but_a_test_is() {
    let (url, calls) = receiver(vec![200]).await;
    let mut settings = to_webhook(&url);
    settings.events = [EventKind::Quarantined].into_iter().collect();
    let notifier = Notifier::new(None).unwrap();
    assert!(notifier.send(&settings, &run_failed()).await.is_empty());
    assert_eq!(calls.lock().unwrap().len(), 0);
    let test = Notification::new(
        "acme",
        "crm",
        datetime!(2025-03-01 10:00 UTC),
        NotificationEvent::Test,
    );
    assert!(notifier.send(&settings, &test).await.is_empty());
    assert_eq!(calls.lock().unwrap()[0].1["event"], "test");
}

#[tokio::test]
async fn email_without_smtp_is_a_failure_that_says_what_to_set() {
    let settings = NotificationSettings {
        email: vec!["ops@example.com".into()],
        ..Default::default()
    };
    let failures = Notifier::new(None)
        .unwrap()
        .send(&settings, &run_failed())
        .await;
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].target, "email");
    assert!(
        failures[0].error.contains("SCIMITAR_SMTP_URL"),
        "{failures:?}"
    );
}
