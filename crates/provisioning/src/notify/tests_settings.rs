//! Tests of an app's notification settings: what is accepted, what is refused (naming the
//! field), how changes apply, and the SMTP URL forms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::{EventKind, NotificationChange, NotificationSettings, SmtpConfig, SmtpTls};

#[test]
fn absent_settings_are_off_and_want_every_event() {
    let s = NotificationSettings::from_app_settings(&json!({"concurrency": 4})).unwrap();
    assert!(s.is_off());
    assert_eq!(s.describe(), "off");
    assert_eq!(s.to_json(), None);
    for k in EventKind::CHOOSABLE {
        assert!(s.wants(k));
    }
}

#[test]
fn settings_round_trip() {
    let stored = json!({"notifications": {
        "webhook": "https://hooks.example.com/T0/B0/secret",
        "email": ["it-ops@example.com", "ana@example.com"],
        "events": ["quarantined", "threshold-stop"]}});
    let s = NotificationSettings::from_app_settings(&stored).unwrap();
    assert_eq!(
        s.webhook.as_ref().map(|u| u.as_str()),
        Some("https://hooks.example.com/T0/B0/secret")
    );
    assert_eq!(s.email.len(), 2);
    assert!(s.wants(EventKind::Quarantined));
    assert!(!s.wants(EventKind::RunFailed));
    assert!(s.wants(EventKind::Test));
    assert_eq!(s.to_json().unwrap(), stored["notifications"]);
    // Targets never show the webhook's path (often its secret).
    assert_eq!(
        s.targets(),
        vec![
            "webhook https://hooks.example.com".to_string(),
            "email it-ops@example.com".into(),
            "email ana@example.com".into()
        ]
    );
    assert!(
        s.describe().contains("quarantined, threshold-stop"),
        "{}",
        s.describe()
    );
}

#[test]
fn bad_values_name_the_field() {
    for (bad, field, says) in [
        (
            json!({"webhook": "ftp://x.example.com/"}),
            "notifications.webhook",
            "http or https",
        ),
        (
            json!({"webhook": "not a url"}),
            "notifications.webhook",
            "not a URL",
        ),
        (json!({"webhook": 3}), "notifications.webhook", "string"),
        (
            json!({"email": ["ops@example.com", "nobody"]}),
            "notifications.email",
            "'nobody' is not an email",
        ),
        (
            json!({"email": [1]}),
            "notifications.email",
            "list of strings",
        ),
        (
            json!({"events": ["explode"]}),
            "notifications.events",
            "unknown event 'explode'",
        ),
        (
            json!({"colour": "red"}),
            "notifications.colour",
            "unknown key",
        ),
        (json!("https://x"), "notifications", "object"),
    ] {
        let e =
            NotificationSettings::from_app_settings(&json!({"notifications": bad})).unwrap_err();
        assert_eq!(e.field, field, "{bad}");
        assert!(e.message.contains(says), "{bad}: {e}");
    }
}

#[test]
fn changes_apply_field_by_field_and_empty_clears() {
    let mut s = NotificationSettings::default();
    s.apply(&NotificationChange {
        webhook: Some("http://127.0.0.1:9000/hook".into()),
        ..Default::default()
    })
    .unwrap();
    s.apply(&NotificationChange {
        email: Some(vec![
            "a@example.com".into(),
            "A@example.com".into(),
            "b@example.com".into(),
        ]),
        ..Default::default()
    })
    .unwrap();
    assert!(s.webhook.is_some());
    assert_eq!(s.email, vec!["a@example.com", "b@example.com"]);
    // A bad change changes nothing.
    let before = s.clone();
    let e = s
        .apply(&NotificationChange {
            webhook: Some("https://ok.example.com".into()),
            email: Some(vec!["bad@".into()]),
            events: None,
        })
        .unwrap_err();
    assert_eq!(e.field, "notifications.email");
    assert_eq!(s, before);
    // Empty values clear.
    s.apply(&NotificationChange {
        webhook: Some(String::new()),
        email: Some(vec![String::new()]),
        events: Some(vec!["run-failed".into()]),
    })
    .unwrap();
    assert!(s.is_off());
    assert_eq!(s.to_json(), Some(json!({"events": ["run-failed"]})));
    s.apply(&NotificationChange {
        events: Some(vec!["all".into()]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.to_json(), None);
}

#[test]
fn smtp_urls() {
    let c = SmtpConfig::parse("smtp://mail.example.com", "scimitar@example.com").unwrap();
    assert_eq!(
        (c.host.as_str(), c.port, c.tls),
        ("mail.example.com", 25, SmtpTls::None)
    );
    assert_eq!((c.username.clone(), c.password.clone()), (None, None));

    let c = SmtpConfig::parse(
        "smtps://alerts%40example.com:p%40ss@smtp.example.com",
        "Scimitar <alerts@example.com>",
    )
    .unwrap();
    assert_eq!((c.port, c.tls), (465, SmtpTls::Tls));
    assert_eq!(c.username.as_deref(), Some("alerts@example.com"));
    assert_eq!(c.password.as_deref(), Some("p@ss"));
    assert!(!format!("{c:?}").contains("p@ss"));
    assert!(!c.describe().contains("p@ss"));

    let c = SmtpConfig::parse("smtp://u:p@relay:2525?tls=starttls", "a@example.com").unwrap();
    assert_eq!(
        (c.host.as_str(), c.port, c.tls),
        ("relay", 2525, SmtpTls::StartTls)
    );

    for (url, from, field, says) in [
        (
            "http://mail.example.com",
            "a@example.com",
            "SCIMITAR_SMTP_URL",
            "smtp or smtps",
        ),
        (
            "smtp://mail?tls=maybe",
            "a@example.com",
            "SCIMITAR_SMTP_URL",
            "none, starttls or tls",
        ),
        (
            "smtp://mail?port=1",
            "a@example.com",
            "SCIMITAR_SMTP_URL",
            "unknown parameter",
        ),
        (
            "mail.example.com",
            "a@example.com",
            "SCIMITAR_SMTP_URL",
            "not a URL",
        ),
        ("smtp://mail", "", "SCIMITAR_SMTP_FROM", "must be set"),
        (
            "smtp://mail",
            "nobody",
            "SCIMITAR_SMTP_FROM",
            "not an email address",
        ),
    ] {
        let e = SmtpConfig::parse(url, from).unwrap_err();
        assert_eq!(e.field, field, "{url}");
        assert!(e.message.contains(says), "{url}: {e}");
    }
}
