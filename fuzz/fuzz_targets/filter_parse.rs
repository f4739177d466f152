//! Any UTF-8 text as a SCIM filter. The parser must never panic; whatever parses must survive a
//! trip through `Display` unchanged, and validating and evaluating it must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimitar_scim::filter::{matches, parse_filter, validate_filter_paths, FilterLimits};
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::{json, Value};
use std::sync::OnceLock;

fn sample_user() -> &'static Value {
    static USER: OnceLock<Value> = OnceLock::new();
    USER.get_or_init(|| {
        json!({
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984", "manager": {"value": "m1"}
            },
            "meta": {"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"}
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let limits = FilterLimits::default();
    let Ok(filter) = parse_filter(input, limits) else {
        return;
    };
    // `Display` adds parentheses and may lengthen numbers, so only the length limit is relaxed.
    let shown = filter.to_string();
    let relaxed = FilterLimits { max_length: usize::MAX, ..limits };
    match parse_filter(&shown, relaxed) {
        Ok(again) => assert_eq!(again, filter, "{input:?} displayed as {shown:?} re-parsed differently"),
        Err(e) => panic!("{input:?} displayed as {shown:?} does not re-parse: {}", e.detail),
    }
    let rt = resource_type(ResourceKind::User);
    let _ = validate_filter_paths(rt, &filter);
    let _ = matches(rt, sample_user(), &filter);
});
