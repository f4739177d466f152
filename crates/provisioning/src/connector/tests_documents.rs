//! Tests of the connector's pure parts: discovery documents, error classification and hints,
//! `Retry-After`, base URLs, filter and query encoding, secrets in `Debug`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::json;
use time::macros::datetime;

use super::error::clean;
use super::http::{encode_component, is_json_type};
use super::scim::eq_filter;
use super::{
    normalize_base_url, parse_retry_after, Auth, Capabilities, ConnectorError, ScimConnectorConfig,
    Support,
};

#[test]
fn capabilities_from_loose_documents() {
    let spc = json!({
        "patch": {"supported": "True"}, "Filter": {"supported": true, "maxResults": "200"},
        "bulk": {"supported": false, "maxOperations": 10}, "etag": {}
    });
    let types = json!([{"name": "User", "endpoint": "/Users",
        "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
        "schemaExtensions": [{"schema": "urn:x:ext", "required": false}]}]);
    let schemas = json!({"Resources": [
        {"id": "urn:ietf:params:scim:schemas:core:2.0:User", "attributes": [
            {"name": "userName", "type": "string", "required": true, "uniqueness": "server"},
            {"name": "emails", "type": "complex", "multiValued": true,
             "subAttributes": [{"name": "value"}]}]},
        {"id": "URN:X:EXT", "attributes": [{"name": "badge"}]}
    ]});
    let caps = Capabilities::from_documents(Ok(spc), Ok(types), Ok(schemas));
    assert_eq!(
        (caps.patch, caps.filter, caps.bulk, caps.etag, caps.sort),
        (
            Support::Supported,
            Support::Supported,
            Support::Unsupported,
            Support::Unknown,
            Support::Unknown
        )
    );
    assert_eq!(
        (caps.max_results, caps.bulk_max_operations),
        (Some(200), Some(10))
    );
    let user = caps.resource_type("user").unwrap();
    let attrs = user.attributes.as_ref().unwrap();
    let names: Vec<&str> = attrs.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["userName", "emails", "urn:x:ext:badge"]);
    assert!(attrs[0].required && attrs[0].uniqueness == "server");
    assert!(attrs[1].multi_valued && attrs[1].sub_attributes[0].name == "value");
    assert!(caps.notes.is_empty(), "{:?}", caps.notes);
}

#[test]
fn missing_discovery_endpoints_are_unknown_with_a_note() {
    let caps = Capabilities::from_documents(
        Err("the app does not serve it (404)".into()),
        Ok(json!({"Resources": [{"name": "Group", "endpoint": "/Groups", "schema": "g"}]})),
        Err("boom".into()),
    );
    assert_eq!(
        (caps.patch, caps.filter),
        (Support::Unknown, Support::Unknown)
    );
    let group = caps.resource_type("Group").unwrap();
    assert_eq!(
        (group.endpoint.as_str(), group.attributes.is_none()),
        ("/Groups", true)
    );
    assert_eq!(caps.notes.len(), 2);
    assert!(caps.notes[0].starts_with("/ServiceProviderConfig: the app does not serve it"));
    assert!(caps.notes[1].starts_with("/Schemas: boom"));
    let none = Capabilities::from_documents(Err("x".into()), Err("y".into()), Err("z".into()));
    assert!(none.resource_types.is_none() && none.notes.len() == 3);
}

#[test]
fn statuses_become_the_error_the_engine_acts_on() {
    let e = |status, scim: Option<(Option<&str>, Option<&str>)>, text: &str| {
        let scim = scim.map(|(t, d)| (t.map(String::from), d.map(String::from)));
        ConnectorError::from_status(status, scim, text, None, "GET /Users")
    };
    assert!(matches!(
        e(401, None, ""),
        ConnectorError::Unauthorized { status: 401, .. }
    ));
    assert!(matches!(
        e(403, None, ""),
        ConnectorError::Unauthorized { status: 403, .. }
    ));
    assert!(matches!(e(404, None, ""), ConnectorError::NotFound(_)));
    assert_eq!(
        e(409, Some((Some("uniqueness"), Some("userName taken"))), ""),
        ConnectorError::Conflict("userName taken".into())
    );
    assert!(matches!(
        e(429, None, ""),
        ConnectorError::RateLimited { retry_after: None }
    ));
    for transient in [500, 502, 503, 504, 408, 412] {
        assert!(
            matches!(e(transient, None, ""), ConnectorError::Transient(_)),
            "{transient}"
        );
    }
    assert!(matches!(e(501, None, ""), ConnectorError::Unsupported(_)));
    assert!(matches!(
        e(302, None, ""),
        ConnectorError::InvalidResponse(_)
    ));
    assert_eq!(
        e(400, Some((Some("invalidValue"), Some("bad\n\temail"))), ""),
        ConnectorError::Rejected {
            status: 400,
            scim_type: Some("invalidValue".into()),
            detail: "bad email".into()
        }
    );
    let plain = e(422, None, "<html>nope</html>");
    assert!(
        matches!(plain, ConnectorError::Rejected { ref detail, .. } if detail == "<html>nope</html>")
    );
    let silent = e(400, None, "");
    assert!(silent
        .to_string()
        .contains("GET /Users answered 400 with no explanation"));
}

#[test]
fn every_error_has_a_hint_and_only_temporary_ones_are_retryable() {
    let all = [
        ConnectorError::Unauthorized {
            status: 401,
            detail: "x".into(),
        },
        ConnectorError::NotFound("x".into()),
        ConnectorError::Conflict("x".into()),
        ConnectorError::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        },
        ConnectorError::Transient("x".into()),
        ConnectorError::Rejected {
            status: 400,
            scim_type: None,
            detail: "x".into(),
        },
        ConnectorError::Unsupported("x".into()),
        ConnectorError::InvalidResponse("x".into()),
        ConnectorError::AmbiguousMatch {
            filter: "f".into(),
            count: 2,
            ids: vec![],
        },
        ConnectorError::InvalidConfig("x".into()),
        ConnectorError::InvalidChange("x".into()),
    ];
    for e in &all {
        assert!(!e.hint().is_empty() && !e.hint().contains('\n'), "{e:?}");
    }
    let retryable: Vec<bool> = all.iter().map(ConnectorError::is_retryable).collect();
    assert_eq!(retryable.iter().filter(|r| **r).count(), 2);
    assert!(all[3].is_retryable() && all[4].is_retryable());
    assert_eq!(all[3].retry_after(), Some(Duration::from_secs(3)));
    assert!(all[0]
        .hint()
        .contains("check the token, then run `scimitar app test`"));
    let too_big = ConnectorError::Rejected {
        status: 413,
        scim_type: None,
        detail: "x".into(),
    };
    assert!(too_big.hint().contains("batch size"));
}

#[test]
fn retry_after_in_seconds_or_as_an_http_date() {
    let now = datetime!(2024-11-06 08:49:30 UTC);
    assert_eq!(
        parse_retry_after("120", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
    assert_eq!(
        parse_retry_after("Wed, 06 Nov 2024 08:49:37 GMT", now),
        Some(Duration::from_secs(7))
    );
    assert_eq!(
        parse_retry_after("Wed, 06 Nov 2024 08:00:00 GMT", now),
        Some(Duration::ZERO),
        "a date in the past means now"
    );
    for bad in ["", "soon", "-5", "1.5"] {
        assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
    }
}

#[test]
fn app_text_is_trimmed_and_cannot_forge_log_lines() {
    assert_eq!(clean("a\r\nINFO fake line\u{7}"), "a INFO fake line");
    let long = "x".repeat(10_000);
    assert_eq!(clean(&long).chars().count(), 301);
}

#[test]
fn base_urls_are_checked_and_normalised() {
    let ok = |s: &str| normalize_base_url(s).unwrap().to_string();
    assert_eq!(
        ok("https://app.example.com/scim/v2/"),
        "https://app.example.com/scim/v2"
    );
    assert_eq!(
        ok(" http://127.0.0.1:8080/scim/v2// "),
        "http://127.0.0.1:8080/scim/v2"
    );
    assert_eq!(ok("https://app.example.com"), "https://app.example.com/");
    for bad in [
        "ftp://app.example.com/scim",
        "app.example.com/scim",
        "https://user:pw@app.example.com/scim",
        "https://app.example.com/scim?tenant=1",
        "",
    ] {
        let err = normalize_base_url(bad).unwrap_err();
        assert!(
            matches!(&err, ConnectorError::InvalidConfig(d) if d.contains("SCIM base URL")),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn filters_and_queries_are_escaped() {
    assert_eq!(
        eq_filter("userName", "ann").unwrap(),
        r#"userName eq "ann""#
    );
    assert_eq!(
        eq_filter("externalId", r#"a"b\c"#).unwrap(),
        r#"externalId eq "a\"b\\c""#
    );
    assert_eq!(
        eq_filter(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "7"
        )
        .unwrap(),
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7""#
    );
    assert!(matches!(
        eq_filter("user name", "x"),
        Err(ConnectorError::InvalidConfig(_))
    ));
    assert_eq!(
        encode_component(r#"userName eq "a&b=c+d é""#),
        "userName%20eq%20%22a%26b%3Dc%2Bd%20%C3%A9%22"
    );
    assert!(is_json_type("application/scim+json; charset=utf-8"));
    assert!(is_json_type("Application/JSON"));
    assert!(!is_json_type("text/html"));
}

#[test]
fn secrets_are_redacted_in_debug() {
    let bearer = ScimConnectorConfig::new("https://x", Auth::bearer("tok-SECRET"));
    let basic = Auth::basic("svc", "pw-SECRET");
    let shown = format!("{bearer:?} {basic:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(
        shown.contains("svc"),
        "the user name is not a secret: {shown}"
    );
}
