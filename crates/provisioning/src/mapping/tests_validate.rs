//! The rules a mapping set must follow, each broken once, with the exact message an admin sees.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;

use super::test_support::*;
use super::*;

fn with_user_name(extra: AttributeMapping) -> String {
    rule_error(vec![m("userName", "[userName]").matching(1), extra])
}

#[test]
fn targets_must_exist_in_the_target_schema() {
    assert_eq!(
        with_user_name(m("titel", "[title]")),
        "User mapping 2 (target \"titel\"): the SCIM User schema has no attribute 'titel'"
    );
    assert_eq!(
        with_user_name(m("name.givnName", "[title]")),
        "User mapping 2 (target \"name.givnName\"): 'name' has no part 'givnName'; its parts \
         are formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix"
    );
    assert_eq!(
        with_user_name(m("employeeNumber", "[title]")),
        "User mapping 2 (target \"employeeNumber\"): extension attributes are written with \
         their schema URN: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
    );
    assert_eq!(
        with_user_name(m("title.value", "[title]")),
        "User mapping 2 (target \"title.value\"): 'title' has no sub-attributes, so '.value' \
         names nothing"
    );
    // Group attributes are not user attributes.
    assert!(with_user_name(m("members", "[title]")).contains("has no attribute 'members'"));
}

#[test]
fn read_only_and_unwritable_targets_are_refused() {
    assert!(with_user_name(m("id", "[id]"))
        .ends_with("'id' is read-only: the app sets it, Scimitar cannot"));
    assert!(with_user_name(m("meta.created", "[title]")).contains("'meta' is read-only"));
    assert!(with_user_name(m("groups", "[title]")).contains("'groups' is read-only"));
    assert!(
        with_user_name(m(&format!("{ENT}:manager.displayName"), "[title]"))
            .ends_with("'manager.displayName' is read-only")
    );
}

#[test]
fn multi_valued_targets_need_a_filter_that_picks_one_entry() {
    assert!(with_user_name(m("emails.value", "[title]")).ends_with(
        "'emails' holds several values; say which with a filter, such as \
         emails[type eq \"work\"].value"
    ));
    assert!(with_user_name(m(r#"emails[type eq "work"]"#, "[title]"))
        .contains("a filtered target names one part of the entry"));
    assert!(with_user_name(m(
        r#"emails[type eq "work" or type eq "home"].value"#,
        "[title]"
    ))
    .contains("must pick one entry with 'eq' comparisons joined by 'and'"));
    assert!(
        with_user_name(m(r#"emails[type co "wo"].value"#, "[title]"))
            .contains("must pick one entry")
    );
    assert!(
        with_user_name(m(r#"name[givenName eq "x"].formatted"#, "[title]"))
            .ends_with("'name' holds one value, so it cannot be filtered")
    );
    // `and` of equalities is one entry.
    let ok = ObjectMappings::new(
        vec![
            m("userName", "[userName]").matching(1),
            m(
                r#"emails[type eq "work" and primary eq true].value"#,
                "[userName]",
            ),
        ],
        vec![],
    );
    assert!(ok.is_ok());
}

#[test]
fn each_target_is_mapped_once_however_it_is_written() {
    let err = rule_error(vec![
        m("userName", "[userName]").matching(1),
        m("name.givenName", "[name.givenName]"),
        m("Name.GivenName", "[displayName]"),
    ]);
    assert_eq!(
        err,
        "User mapping 3 (target \"Name.GivenName\"): mapping 2 already writes this target; a \
         target is mapped once"
    );
    let err = rule_error(vec![
        m("userName", "[userName]").matching(1),
        m(r#"emails[type eq "work"].value"#, "[userName]"),
        m(r#"EMAILS[TYPE eq "work"].Value"#, "[userName]"),
    ]);
    assert!(
        err.contains("mapping 2 already writes this target"),
        "{err}"
    );
}

#[test]
fn matching_rules() {
    assert_eq!(
        rule_error(vec![m("userName", "[userName]")]),
        "User mappings: no mapping is marked for matching; mark at least one (such as userName \
         or displayName) with a matching precedence, so existing accounts are found instead of \
         duplicated"
    );
    assert!(with_user_name(m("title", "\"x\"").matching(2))
        .ends_with("cannot be used for matching: a constant is the same for every object"));
    assert!(
        with_user_name(m("title", "[title]").matching(2).on_create_only())
            .ends_with("a matching attribute must be applied always, or accounts drift apart")
    );
    assert!(with_user_name(m("title", "[title]").matching(1))
        .ends_with("mapping 1 already has matching precedence 1; give each matching attribute its own precedence"));
    assert!(with_user_name(m("title", "[title]").matching(0))
        .ends_with("matching precedence starts at 1"));
    assert!(
        with_user_name(r(&format!("{ENT}:manager"), ReferenceKind::Manager).matching(2))
            .ends_with("a reference is not a value the app can search")
    );
    // An empty list is allowed: that kind of object is not provisioned.
    assert!(ObjectMappings::new(vec![], vec![]).is_ok());
}

#[test]
fn sources_must_read_attributes_the_directory_has() {
    assert_eq!(
        with_user_name(m("title", "[titel]")),
        "User mapping 2 (target \"title\"): the source reads [titel]: the SCIM User schema has \
         no attribute 'titel'"
    );
    assert!(
        with_user_name(m("title", "Join(\" \", [name.givnName], [title])"))
            .contains("the source reads [name.givnName]: 'name' has no part 'givnName'")
    );
    assert!(with_user_name(m("title", "[name]")).contains("'name' is made of parts"));
    assert!(with_user_name(m("title", "[emails]"))
        .contains("[emails] holds several values and the target one"));
    // Entra names, unqualified extension names and lists inside expressions are fine.
    let ok = ObjectMappings::new(
        vec![
            m("userName", "[userPrincipalName]").matching(1),
            m("title", "[jobTitle]"),
            m(
                "active",
                "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
            ),
            m("displayName", "Join(\", \", [emails])"),
            m(&format!("{ENT}:department"), "[department]"),
        ],
        vec![],
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn references_and_complex_targets() {
    assert!(
        with_user_name(m(&format!("{ENT}:manager"), "[title]")).ends_with(
            "'manager' is made of parts; map one part (such as manager.value), or use a reference"
        )
    );
    assert!(with_user_name(m("name", "[title]"))
        .ends_with("'name' is made of parts; map one part (such as name.formatted)"));
    assert!(with_user_name(r("emails", ReferenceKind::Members))
        .ends_with("a reference to the members belongs to Group mappings"));
    assert!(with_user_name(r("title", ReferenceKind::Manager)).contains(
        "a reference to the manager is written to an attribute that holds an id by its 'value'"
    ));
    assert!(with_user_name(r("emails", ReferenceKind::Manager)).contains("holds an id"));
    assert!(with_user_name(
        r(&format!("{ENT}:manager"), ReferenceKind::Manager).default_value("x")
    )
    .ends_with("a reference has no default value"));
    let err = ObjectMappings::new(
        vec![],
        vec![
            m("displayName", "[displayName]").matching(1),
            m("members", "[displayName]"),
        ],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Group mapping 2 (target \"members\"): 'members' is made of parts; map one part (such \
         as members.value), or use a reference"
    );
}

#[test]
fn option_rules() {
    assert!(with_user_name(m("title", "\"x\"").default_value("y"))
        .ends_with("a constant is never null, so a default value would never be used"));
    assert!(with_user_name(m("nickName", "SelectUniqueValue([title], [displayName])"))
        .ends_with("SelectUniqueValue picks a value when the account is created; apply this mapping on create only"));
    assert!(with_user_name(m("password", "RandomString(8, 1, 1, 1, 1)"))
        .ends_with("'password' is write-only: the app never returns it, so changes cannot be detected; apply it on create only"));
}

#[test]
fn source_parse_errors_point_at_the_column() {
    let err = MappingSource::parse("Append([givenName] \"x\")").unwrap_err();
    assert_eq!((err.line, err.column), (1, 20));
    let err = MappingSource::parse("Joinn(\",\", [a])").unwrap_err();
    assert_eq!(err.column, 1);
    assert!(
        err.message.contains("did you mean Join?"),
        "{}",
        err.message
    );
    assert!(MappingSource::direct("emails[type eq").is_err());
}

#[test]
fn sources_are_classified_and_written_back() {
    let cases = [
        ("[userName]", "[userName]"),
        ("  [ name.givenName ]  ", "[name.givenName]"),
        ("\"Sales\"", "\"Sales\""),
        ("\"say \\\"hi\\\" \\\\ bye\"", "\"say \\\"hi\\\" \\\\ bye\""),
        ("ToLower([userName])", "ToLower([userName])"),
        ("42", "42"),
    ];
    for (text, written) in cases {
        let source = MappingSource::parse(text).unwrap();
        assert_eq!(source.expression_text().unwrap(), written, "{text}");
        assert_eq!(MappingSource::parse(written).unwrap(), source, "{text}");
    }
    assert!(matches!(
        MappingSource::parse("[userName]").unwrap(),
        MappingSource::Direct(_)
    ));
    assert_eq!(
        MappingSource::parse("\"say \\\"hi\\\"\"").unwrap(),
        MappingSource::constant("say \"hi\"")
    );
    assert!(matches!(
        MappingSource::parse("42").unwrap(),
        MappingSource::Expression(_)
    ));
    assert_eq!(
        MappingSource::parse("[userName]").unwrap(),
        MappingSource::direct("userName").unwrap()
    );
    assert_eq!(
        MappingSource::Reference(ReferenceKind::Members).expression_text(),
        None
    );
    assert_eq!(ResourceKind::User, ReferenceKind::Manager.object_kind());
}
