//! Applying mappings to one object: values of the target's type, explicit clears, defaults,
//! ignore, candidates, apply-on-create, references, and errors that name the target.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

#[test]
fn clearing_an_attribute_in_the_directory_clears_it_in_the_app() {
    let mappings = users(vec![m("title", "[title]"), m("nickName", "[nickName]")]);
    let mut user = realistic_user();
    assert_eq!(
        value_of(&map_user(&mappings, &user), "title"),
        &MappedValue::Set(json!("Tour Guide"))
    );
    user.as_object_mut().unwrap().remove("title");
    let mapped = map_user(&mappings, &user);
    assert_eq!(value_of(&mapped, "title"), &MappedValue::Clear);
    assert_eq!(value_of(&mapped, "nickName"), &MappedValue::Clear);
    // An explicit null and an empty text clear too.
    user["title"] = json!(null);
    assert_eq!(
        value_of(&map_user(&mappings, &user), "title"),
        &MappedValue::Clear
    );
    user["title"] = json!("");
    assert_eq!(
        value_of(&map_user(&mappings, &user), "title"),
        &MappedValue::Clear
    );
}

#[test]
fn defaults_apply_when_the_source_is_null_and_take_the_target_type() {
    let mappings = users(vec![
        m("title", "[title]").default_value("Staff"),
        m("active", "[active]").default_value("False"),
        m("displayName", "Join(\" \", [nickName], [title])").default_value("Unknown"),
    ]);
    let user = json!({"userName": "a@x.com"});
    let mapped = map_user(&mappings, &user);
    assert_eq!(
        value_of(&mapped, "title"),
        &MappedValue::Set(json!("Staff"))
    );
    assert_eq!(value_of(&mapped, "active"), &MappedValue::Set(json!(false)));
    // Join of nothing is empty text, which counts as no value.
    assert_eq!(
        value_of(&mapped, "displayName"),
        &MappedValue::Set(json!("Unknown"))
    );
    let mapped = map_user(&mappings, &realistic_user());
    assert_eq!(
        value_of(&mapped, "title"),
        &MappedValue::Set(json!("Tour Guide"))
    );
    assert_eq!(value_of(&mapped, "active"), &MappedValue::Set(json!(true)));
}

#[test]
fn constants_and_expressions() {
    let mappings = users(vec![
        m("userType", "\"Employee\""),
        m("nickName", "ToLower(Left([name.givenName], 4))"),
        m(
            "locale",
            "IIF([preferredLanguage]=\"en-US\", \"en_US\", \"other\")",
        ),
    ]);
    let mapped = map_user(&mappings, &realistic_user());
    assert_eq!(
        value_of(&mapped, "userType"),
        &MappedValue::Set(json!("Employee"))
    );
    assert_eq!(
        value_of(&mapped, "nickName"),
        &MappedValue::Set(json!("barb"))
    );
    assert_eq!(
        value_of(&mapped, "locale"),
        &MappedValue::Set(json!("en_US"))
    );
}

#[test]
fn ignore_flow_leaves_the_target_alone() {
    let mappings = users(vec![m("title", "IgnoreFlowIfNullOrEmpty([title])")]);
    let mut user = realistic_user();
    assert_eq!(
        value_of(&map_user(&mappings, &user), "title"),
        &MappedValue::Set(json!("Tour Guide"))
    );
    user["title"] = json!(null);
    let mapped = map_user(&mappings, &user);
    assert_eq!(value_of(&mapped, "title"), &MappedValue::Ignore);
    // Ignored targets are absent from a create body.
    let body = mapped.to_scim_body(nobody).unwrap().body;
    assert!(body.get("title").is_none(), "{body}");
}

#[test]
fn select_unique_value_gives_candidates_the_engine_must_settle() {
    let mappings = ObjectMappings::new(
        vec![
            m(
                "userName",
                "SelectUniqueValue(Join(\"@\", [name.givenName], \"x.com\"), Join(\"@\", [name.familyName], \"x.com\"))",
            )
            .on_create_only(),
            m("externalId", "[id]").matching(1),
        ],
        vec![],
    )
    .unwrap();
    let mut mapped = map_user(&mappings, &realistic_user());
    assert_eq!(
        value_of(&mapped, "userName"),
        &MappedValue::Candidates(vec!["Barbara@x.com".into(), "Jensen@x.com".into()])
    );
    let err = mapped.to_scim_body(nobody).unwrap_err();
    assert!(
        matches!(err, MappingError::UndecidedCandidates { count: 2, .. }),
        "{err}"
    );
    assert!(mapped.choose("userName", "Jensen@x.com"));
    assert!(!mapped.choose("externalId", "x"));
    assert_eq!(
        mapped.to_scim_body(nobody).unwrap().body["userName"],
        json!("Jensen@x.com")
    );
}

#[test]
fn on_create_only_mappings_are_left_out_of_updates() {
    let mappings = users(vec![
        m("password", "RandomString(12, 2, 2, 2, 2)").on_create_only(),
        m("title", "[title]"),
    ]);
    let on_create = map_user(&mappings, &realistic_user());
    let password = on_create.get("password").unwrap();
    assert!(password.redacted, "a write-only target is redacted");
    assert!(password.volatile);
    assert!(matches!(&password.value, MappedValue::Set(v) if v.as_str().unwrap().len() == 12));
    let update = map_object(
        &mappings,
        ResourceKind::User,
        &realistic_user(),
        &ctx(),
        false,
    )
    .unwrap();
    assert!(update.get("password").is_none());
    assert!(update.get("title").is_some());
}

#[test]
fn redact_and_volatile_are_flagged() {
    let mappings = users(vec![
        m("nickName", "Redact([title])"),
        m("externalId", "Guid()"),
        m("title", "[title]"),
    ]);
    let mapped = map_user(&mappings, &realistic_user());
    let flags = |t: &str| {
        let a = mapped.get(t).unwrap();
        (a.redacted, a.volatile)
    };
    assert_eq!(flags("nickName"), (true, false));
    assert_eq!(flags("externalId"), (false, true));
    assert_eq!(flags("title"), (false, false));
    // The seed makes Guid() repeat.
    let again = map_user(&mappings, &realistic_user());
    assert_eq!(
        value_of(&mapped, "externalId"),
        value_of(&again, "externalId")
    );
}

#[test]
fn values_that_do_not_fit_the_target_type_name_the_target() {
    let mappings = users(vec![m("active", "\"maybe\"")]);
    let err = map_object(
        &mappings,
        ResourceKind::User,
        &realistic_user(),
        &ctx(),
        true,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "mapping to \"active\": expected True or False (or a number, where 0 is False), got the \
         text \"maybe\""
    );
    let mappings = users(vec![m("displayName", "Split([title], \" \")")]);
    let err = map_object(
        &mappings,
        ResourceKind::User,
        &realistic_user(),
        &ctx(),
        true,
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "mapping to \"displayName\": got a list of 2 values where one value is needed"
        ),
        "{err}"
    );
}

#[test]
fn expression_failures_name_the_target() {
    let mappings = users(vec![m("title", "CBool([title])")]);
    let err = map_object(
        &mappings,
        ResourceKind::User,
        &realistic_user(),
        &ctx(),
        true,
    )
    .unwrap_err();
    assert!(matches!(&err, MappingError::Evaluation { target, .. } if target == "title"));
    assert!(
        err.to_string()
            .starts_with("mapping to \"title\": CBool at column 1"),
        "{err}"
    );
}

#[test]
fn references_are_collected_once_each_and_unresolved() {
    let groups = ObjectMappings::new(
        vec![],
        vec![
            m("displayName", "[displayName]").matching(1),
            r("members", ReferenceKind::Members),
        ],
    )
    .unwrap();
    let group = json!({
        "displayName": "G",
        "members": [
            {"value": "u1", "type": "User"},
            {"value": "g1", "type": "group"},
            {"value": "u1", "type": "User"},
            {"value": "u2"},
            {"value": ""},
            {"type": "User"},
            "not an object"
        ]
    });
    let mapped = map_object(&groups, ResourceKind::Group, &group, &ctx(), true).unwrap();
    assert_eq!(
        value_of(&mapped, "members"),
        &MappedValue::References(vec![
            DirectoryRef {
                id: "u1".into(),
                kind: ResourceKind::User
            },
            DirectoryRef {
                id: "g1".into(),
                kind: ResourceKind::Group
            },
            DirectoryRef {
                id: "u2".into(),
                kind: ResourceKind::User
            },
        ])
    );
    // A bare-string manager (as Entra sends it) is read too.
    let mappings = users(vec![r(&format!("{ENT}:manager"), ReferenceKind::Manager)]);
    let user = json!({"userName": "a", ENT: {"manager": "m-1"}});
    assert_eq!(
        value_of(&map_user(&mappings, &user), &format!("{ENT}:manager")),
        &MappedValue::References(vec![DirectoryRef {
            id: "m-1".into(),
            kind: ResourceKind::User
        }])
    );
}

#[test]
fn a_create_body_needs_the_required_attributes() {
    let mappings = users(vec![m("title", "[title]")]);
    let mapped = map_user(&mappings, &json!({"title": "x"}));
    let err = mapped.to_scim_body(nobody).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot build the SCIM body: attribute 'userName' is required"
    );
}

#[test]
fn malformed_sources_never_panic() {
    let defaults = ObjectMappings::entra_defaults();
    for source in [
        json!(null),
        json!([1, 2]),
        json!("text"),
        json!({"emails": "x", "name": 3}),
    ] {
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let mapped = map_object(&defaults, kind, &source, &ctx(), true).unwrap();
            assert!(mapped
                .attributes
                .iter()
                .all(|a| a.value == MappedValue::Clear || a.target.as_str() == "active"));
            assert!(
                mapped.to_scim_body(nobody).is_err(),
                "required attribute missing"
            );
        }
    }
}

#[test]
fn matching_values_come_in_precedence_order() {
    let mappings = users(vec![
        m("externalId", "[externalId]").matching(3),
        m("displayName", "[displayName]").matching(2),
        m("title", "[title]"),
    ]);
    let mapped = map_user(&mappings, &realistic_user());
    let found: Vec<(&str, &serde_json::Value)> = mapped
        .matching_values()
        .into_iter()
        .map(|(t, v)| (t.as_str(), v))
        .collect();
    assert_eq!(
        found,
        vec![
            ("userName", &json!("Barbara.Jensen@contoso.com")),
            ("displayName", &json!("Babs Jensen")),
            ("externalId", &json!("bjensen")),
        ]
    );
}

#[test]
fn a_target_filter_can_mark_the_entry_primary() {
    let mappings = users(vec![m(
        r#"emails[type eq "work" and primary eq true].value"#,
        r#"[emails[type eq "work"].value]"#,
    )]);
    let mapped = map_user(&mappings, &realistic_user());
    let body = mapped.to_scim_body(nobody).unwrap().body;
    assert_eq!(
        body["emails"],
        json!([{"type": "work", "primary": true, "value": "Barbara.Jensen@contoso.com"}])
    );
    assert_eq!(diff(&mapped, &body, nobody), Diff::default());
}
