//! The TOML format: exact round trips, the written form, and errors that name their line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::test_support::*;
use super::*;

fn import_error(text: &str) -> String {
    ObjectMappings::from_toml(text).unwrap_err().to_string()
}

#[test]
fn the_entra_defaults_round_trip_exactly() {
    let defaults = ObjectMappings::entra_defaults();
    let text = defaults.to_toml().unwrap();
    let back = ObjectMappings::from_toml(&text).unwrap();
    assert_eq!(back, defaults);
    assert_eq!(back.to_toml().unwrap(), text);
}

#[test]
fn the_written_form_is_plain_toml_tables() {
    let text = ObjectMappings::entra_defaults().to_toml().unwrap();
    assert!(text.starts_with("# Scimitar attribute mappings"));
    assert!(
        text.contains("[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\nmatching = 1\n")
    );
    assert!(text
        .contains("[[users]]\ntarget = \"active\"\nsource = \"[active]\"\ndefault = \"True\"\n"));
    assert!(text.contains(
        "[[users]]\ntarget = \"name.formatted\"\nsource = 'Join(\" \", [name.givenName], [name.familyName])'\n"
    ));
    assert!(text.contains("[[groups]]\ntarget = \"members\"\nreference = \"members\"\n"));
}

#[test]
fn constants_with_quotes_and_multi_line_expressions_round_trip() {
    let mappings = ObjectMappings::new(
        vec![
            m("userName", "[userName]").matching(1),
            m("externalId", "[externalId]").matching(2),
            m("userType", "\"Contractor \\\"temp\\\" C:\\\\x 'q'\""),
            m("title", "[title]").default_value("Staff \"A\""),
            m("password", "RandomString(16, 2, 2, 2, 2)").on_create_only(),
            m(
                "displayName",
                "Join(\" \",\n    [name.givenName],\n    [name.familyName])",
            ),
            r(&format!("{ENT}:manager"), ReferenceKind::Manager),
        ],
        vec![
            m("displayName", "[displayName]").matching(1),
            r("members", ReferenceKind::Members),
        ],
    )
    .unwrap();
    let text = mappings.to_toml().unwrap();
    assert_eq!(ObjectMappings::from_toml(&text).unwrap(), mappings);
    assert!(text.contains("apply = \"on-create\""), "{text}");
    assert_eq!(
        mappings.users()[2].source,
        MappingSource::constant("Contractor \"temp\" C:\\x 'q'")
    );
}

#[test]
fn a_hand_written_document_is_read() {
    let text = r#"
# my app
[[users]]
target = "userName"
source = "[userPrincipalName]"
matching = 1

[[users]]
target = "active"
source = 'Switch([IsSoftDeleted], , "False", "True", "True", "False")'

[[users]]
target = "nickName"
source = "[nickName]"
apply = "ON-CREATE"
"#;
    let mappings = ObjectMappings::from_toml(text).unwrap();
    assert_eq!(mappings.users().len(), 3);
    assert!(mappings.groups().is_empty());
    assert_eq!(mappings.users()[2].apply, ApplyWhen::OnCreateOnly);
    assert!(matches!(
        mappings.users()[1].source,
        MappingSource::Expression(_)
    ));
    assert_eq!(
        ObjectMappings::from_toml("").unwrap(),
        ObjectMappings::default()
    );
}

#[test]
fn unknown_keys_and_wrong_types_name_the_line() {
    let err =
        import_error("[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\nmatchng = 1\n");
    assert!(
        err.starts_with("TOML parse error at line 4, column 1"),
        "{err}"
    );
    assert!(err.contains("unknown field `matchng`"), "{err}");
    let err = import_error(
        "[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\nmatching = \"1\"\n",
    );
    assert!(err.starts_with("TOML parse error at line 4"), "{err}");
    let err = import_error("[[users]]\ntarget = \"userName\"\nmatching = 300\n");
    assert!(err.starts_with("TOML parse error at line 3"), "{err}");
    let err = import_error("[[admins]]\ntarget = \"x\"\n");
    assert!(err.contains("unknown field `admins`"), "{err}");
    let err = import_error("[[users]]\nsource = \"[userName]\"\n");
    assert!(err.contains("missing field `target`"), "{err}");
    let err = import_error("[[users]\n");
    assert!(err.starts_with("TOML parse error at line 1"), "{err}");
}

#[test]
fn expression_errors_name_the_line_and_point_at_the_column() {
    let text = "[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\nmatching = 1\n\n[[users]]\ntarget = \"title\"\nsource = 'Append([jobTitle] \"x\")'\n";
    let err = ObjectMappings::from_toml(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "line 8: User mapping 2 (target \"title\"): the source does not parse: error at \
             column 19: expected ',' or ')' after argument 1 of Append\nAppend([jobTitle] \"x\")\n{}^",
            " ".repeat(18)
        )
    );
    match err {
        MappingError::AtLine { line: 8, error } => match *error {
            MappingError::Expression { error, .. } => assert_eq!(error.column, 19),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn rule_errors_name_the_line_of_the_mapping() {
    let text = "[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\nmatching = 1\n\n[[users]]\ntarget = \"titel\"\nsource = \"[title]\"\n";
    assert_eq!(
        import_error(text),
        "line 7: User mapping 2 (target \"titel\"): the SCIM User schema has no attribute 'titel'"
    );
    let both = "[[groups]]\ntarget = \"members\"\nsource = \"[id]\"\nreference = \"members\"\n";
    assert_eq!(
        import_error(both),
        "line 2: Group mapping 1 (target \"members\"): give either source or reference, not both"
    );
    let neither = "\n[[groups]]\ntarget = \"displayName\"\n";
    assert!(import_error(neither)
        .starts_with("line 3: Group mapping 1 (target \"displayName\"): missing source"));
    let unknown = "[[groups]]\ntarget = \"members\"\nreference = \"owners\"\n";
    assert_eq!(
        import_error(unknown),
        "line 3: Group mapping 1 (target \"members\"): unknown reference \"owners\"; the \
         references are manager and members"
    );
    let apply =
        "[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\napply = \"sometimes\"\n";
    assert!(import_error(apply).starts_with("line 4: User mapping 1"));
    let path = "[[users]]\ntarget = \"emails[type eq\"\nsource = \"[userName]\"\n";
    assert!(import_error(path).starts_with(
        "line 2: User mapping 1 (target \"emails[type eq\"): the target is not a SCIM path"
    ));
    // A rule about the whole list has no single line.
    let no_matching = "[[users]]\ntarget = \"userName\"\nsource = \"[userName]\"\n";
    assert!(
        import_error(no_matching).starts_with("User mappings: no mapping is marked for matching")
    );
}
