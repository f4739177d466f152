//! Tests of what a notification says: its JSON (what a webhook receives), its summary and its
//! email body, and that credentials in error texts are masked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use time::macros::datetime;

use super::deliver::payload;
use super::event::scrub;
use super::{EventKind, Notification, NotificationEvent};

fn threshold() -> Notification {
    Notification::new(
        "acme",
        "crm",
        datetime!(2025-03-01 10:00:00 UTC),
        NotificationEvent::ThresholdStop {
            run: "r-42".into(),
            held: 120,
            provisioned: 7,
            limit: "50 (or 10%)".into(),
        },
    )
}

#[test]
fn json_has_the_event_tag_beside_its_fields() {
    let n = threshold();
    let v = serde_json::to_value(&n).unwrap();
    assert_eq!(
        v,
        json!({"tenant": "acme", "app": "crm", "at": "2025-03-01T10:00:00.000000Z",
               "event": "threshold-stop", "run": "r-42", "held": 120, "provisioned": 7,
               "limit": "50 (or 10%)"})
    );
    let back: Notification = serde_json::from_value(v).unwrap();
    assert_eq!(back, n);
    let test = Notification::new(
        "t",
        "a",
        datetime!(2025-03-01 10:00 UTC),
        NotificationEvent::Test,
    );
    assert_eq!(serde_json::to_value(&test).unwrap()["event"], "test");
    assert_eq!(payload(&n)["text"], n.summary());
}

#[test]
fn summary_and_body_say_what_happened_and_what_to_do() {
    let n = threshold();
    assert_eq!(
        n.summary(),
        "app 'crm' (tenant 'acme'): run stopped by the deletion threshold, 120 disables/deletes held (limit 50 (or 10%))"
    );
    let body = n.body();
    assert!(
        body.contains("scimitar app plan crm --tenant acme"),
        "{body}"
    );
    assert!(
        body.contains("scimitar app approve-deletes crm --tenant acme"),
        "{body}"
    );
    assert!(body.contains("7 other changes were made"), "{body}");

    let q = Notification::new(
        "acme",
        "crm",
        datetime!(2025-03-01 10:00 UTC),
        NotificationEvent::Quarantined {
            reason: "9 of 10 calls failed: 503 Service Unavailable".into(),
            hint: "check that the app is up".into(),
        },
    );
    assert!(q.summary().contains("is quarantined: 9 of 10 calls failed"));
    assert!(q.body().contains("What to do: check that the app is up"));
    assert!(
        q.body().contains("leaves quarantine by itself")
            || q.body().contains("out of quarantine by itself")
    );
    assert_eq!(q.event.kind(), EventKind::Quarantined);
}

#[test]
fn run_failed_keeps_five_short_errors_without_credentials() {
    let errors: Vec<String> = (0..8)
        .map(|i| {
            format!(
                "user {i}: 401 with Authorization: Bearer s3cr3t-{i} {}",
                "x".repeat(400)
            )
        })
        .collect();
    let n = Notification::new(
        "acme",
        "crm",
        datetime!(2025-03-01 10:00 UTC),
        NotificationEvent::RunFailed {
            run: "r-1".into(),
            failed: 8,
            done: 100,
            first_errors: errors,
        },
    );
    let NotificationEvent::RunFailed { first_errors, .. } = &n.event else {
        panic!("not a RunFailed")
    };
    assert_eq!(first_errors.len(), 5);
    for e in first_errors {
        assert!(!e.contains("s3cr3t"), "{e}");
        assert!(e.chars().count() <= 300, "{}", e.len());
    }
    let body = n.body();
    assert!(body.contains("100 objects done, 8 failed"), "{body}");
    assert!(
        body.contains("scimitar app logs crm --tenant acme --run r-1 --failed"),
        "{body}"
    );
}

#[test]
fn scrub_masks_credentials() {
    assert_eq!(
        scrub("Authorization: Bearer abc.def"),
        "Authorization: Bearer ***"
    );
    assert_eq!(scrub("basic dXNlcjpwdw== refused"), "basic *** refused");
    assert_eq!(
        scrub("GET /x?access_token=abc&y=1 failed"),
        "GET /x?access_token=*** failed"
    );
    assert_eq!(
        scrub("token scim_0123456789abcdef leaked"),
        "token scim_*** leaked"
    );
    assert_eq!(scrub("nothing secret here"), "nothing secret here");
}
