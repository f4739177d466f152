//! Every scoping operator against a realistic user: matches, case rules, missing and empty
//! values, values of another type, several values, Entra attribute names, AND and OR.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value as Json};

use super::*;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Json {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "id": "2819c223",
        "userName": "Barbara.Jensen@contoso.com",
        "displayName": "Babs Jensen",
        "title": "",
        "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"type": "work", "value": "Barbara.Jensen@contoso.com"},
            {"type": "home", "value": "babs@jensen.org"}
        ],
        "addresses": [{"type": "work", "country": "US"}],
        ENT: {"employeeNumber": "1500000", "department": "Sales", "costCenter": "4130.5"},
        "meta": {"created": "2023-01-23T04:56:22Z"}
    })
}

/// Whether the one-line filter lets `user` through.
fn on(text: &str, user: &Json) -> bool {
    ScopingFilters::parse(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .in_scope(ResourceKind::User, user)
}

fn holds(text: &str) -> bool {
    on(text, &user())
}

#[test]
fn equals_is_exact_and_case_sensitive() {
    assert!(holds(r#"department EQUALS "Sales""#));
    assert!(!holds(r#"department EQUALS "sales""#));
    assert!(!holds(r#"department EQUALS "Sales ""#));
    assert!(holds(r#"name.givenName EQUALS "Barbara""#));
    assert!(holds(
        r#"emails[type eq "work"].value EQUALS "Barbara.Jensen@contoso.com""#
    ));
    assert!(!holds(r#"nickName EQUALS "Babs""#), "absent");
    assert!(!holds(r#"title EQUALS """#), "empty is no value");
}

#[test]
fn equals_by_type_for_booleans_numbers_and_dates() {
    assert!(holds(r#"active EQUALS "True""#));
    assert!(holds(r#"active EQUALS "true""#));
    assert!(!holds(r#"active EQUALS "False""#));
    assert!(!holds(r#"active EQUALS "yes""#));
    assert!(holds(r#"meta.created EQUALS "2023-01-23T05:56:22+01:00""#));
    assert!(!holds(r#"meta.created EQUALS "2023-01-23""#));
    assert!(!holds(r#"meta.created EQUALS "not a date""#));
}

#[test]
fn not_equals_is_false_without_a_value() {
    assert!(!holds(r#"department NOT EQUALS "Sales""#));
    assert!(holds(r#"department NOT EQUALS "sales""#));
    assert!(
        !holds(r#"nickName NOT EQUALS "x""#),
        "absent: Entra's filters are false on null"
    );
    assert!(!holds(r#"title NOT EQUALS "x""#), "empty: likewise");
    assert!(holds(r#"active NOT EQUALS "False""#));
}

#[test]
fn is_true_and_is_false_need_a_boolean() {
    assert!(holds("active IS TRUE"));
    assert!(!holds("active IS FALSE"));
    let mut u = user();
    u["active"] = json!(false);
    assert!(on("active IS FALSE", &u));
    assert!(!on("active IS TRUE", &u));
    // Booleans sent as text by lenient clients.
    u["active"] = json!("True");
    assert!(on("active IS TRUE", &u));
    // Missing and mismatched values are neither true nor false.
    u.as_object_mut().unwrap().remove("active");
    assert!(!on("active IS TRUE", &u) && !on("active IS FALSE", &u));
    assert!(!holds("department IS TRUE") && !holds("department IS FALSE"));
    assert!(!holds("employeeNumber IS TRUE"));
}

#[test]
fn is_null_and_is_not_null() {
    assert!(holds("nickName IS NULL"));
    assert!(holds("title IS NULL"), "empty text counts as null");
    assert!(holds(r#"emails[type eq "other"].value IS NULL"#));
    assert!(!holds("department IS NULL"));
    assert!(holds("department IS NOT NULL"));
    assert!(!holds("title IS NOT NULL"));
    assert!(holds("active IS NOT NULL"));
    assert!(
        holds("emails.value IS NOT NULL"),
        "several values are a value"
    );
}

#[test]
fn regex_match_finds_the_pattern_case_sensitively() {
    assert!(holds(r#"userName REGEX MATCH ".*@contoso\.com$""#));
    assert!(
        holds(r#"userName REGEX MATCH "contoso""#),
        "anywhere, like Regex.IsMatch"
    );
    assert!(!holds(r#"userName REGEX MATCH "CONTOSO""#));
    assert!(holds(r#"userName REGEX MATCH "(?i)CONTOSO""#));
    assert!(holds(r#"employeeNumber REGEX MATCH "^(1[0-9]{6})$""#));
    assert!(
        holds(r#"active REGEX MATCH "^True$""#),
        "booleans as Entra writes them"
    );
    assert!(!holds(r#"nickName REGEX MATCH ".*""#), "absent");
    assert!(!holds(r#"title REGEX MATCH "^$""#), "empty");
}

#[test]
fn not_regex_match_is_false_without_a_value() {
    assert!(holds(r#"userName NOT REGEX MATCH "@fabrikam\.com$""#));
    assert!(!holds(r#"userName NOT REGEX MATCH "@contoso""#));
    assert!(!holds(r#"nickName NOT REGEX MATCH "x""#));
    assert!(!holds(r#"title NOT REGEX MATCH "x""#));
}

#[test]
fn greater_than_compares_whole_numbers_only() {
    assert!(holds("employeeNumber Greater_Than 1000000"));
    assert!(!holds("employeeNumber Greater_Than 1500000"));
    assert!(holds("employeeNumber Greater_Than_OR_EQUALS 1500000"));
    assert!(!holds("employeeNumber Greater_Than_OR_EQUALS 1500001"));
    assert!(holds("employeeNumber Greater_Than -5"));
    assert!(holds(r#"employeeNumber Greater_Than "999""#));
    // Not whole numbers: false, whatever the comparison.
    assert!(!holds("costCenter Greater_Than 1"));
    assert!(!holds("department Greater_Than 1"));
    assert!(!holds("active Greater_Than 0"));
    assert!(!holds("meta.created Greater_Than 0"));
    assert!(!holds("nickName Greater_Than_OR_EQUALS -100"));
    let mut u = user();
    u[ENT]["employeeNumber"] = json!(" 2000000 ");
    assert!(on("employeeNumber Greater_Than 1999999", &u));
    u[ENT]["employeeNumber"] = json!("2,000,000");
    assert!(!on("employeeNumber Greater_Than 1", &u));
}

#[test]
fn includes_and_ends_with_are_case_sensitive() {
    assert!(holds(r#"displayName Includes "abs J""#));
    assert!(!holds(r#"displayName Includes "ABS""#));
    assert!(!holds(r#"nickName Includes """#));
    assert!(holds(r#"userName ENDS_WITH "@contoso.com""#));
    assert!(!holds(r#"userName ENDS_WITH "@Contoso.com""#));
    assert!(!holds(r#"nickName ENDS_WITH "x""#));
    assert!(holds(r#"active ENDS_WITH "ue""#));
}

#[test]
fn entra_attribute_names_work() {
    assert!(holds(r#"userPrincipalName ENDS_WITH "@contoso.com""#));
    assert!(holds("IsSoftDeleted IS FALSE"));
    assert!(holds("accountEnabled IS TRUE"));
    assert!(holds("jobTitle IS NULL"));
    assert!(holds(r#"givenName EQUALS "Barbara""#));
    assert!(holds(r#"country EQUALS "US""#));
    assert!(holds(r#"mail EQUALS "Barbara.Jensen@contoso.com""#));
    assert!(holds(r#"employeeId EQUALS "1500000""#));
}

#[test]
fn several_values_never_match_a_value_test() {
    assert!(!holds(
        r#"emails.value EQUALS "Barbara.Jensen@contoso.com""#
    ));
    assert!(!holds(r#"emails.value NOT EQUALS "x""#));
    assert!(!holds(r#"emails.value Includes "@""#));
}

#[test]
fn clauses_and_filters_combine() {
    assert!(holds(r#"department EQUALS "Sales" AND active IS TRUE"#));
    assert!(!holds(r#"department EQUALS "Sales" AND active IS FALSE"#));
    assert!(holds(r#"department EQUALS "Marketing" OR active IS TRUE"#));
    assert!(!holds(
        r#"department EQUALS "Marketing" OR active IS FALSE AND title IS NULL"#
    ));
    assert!(holds(
        r#"department EQUALS "Marketing" OR active IS TRUE AND title IS NULL"#
    ));
    assert!(ScopingFilters::everything().in_scope(ResourceKind::User, &user()));
    assert!(ScopingFilters::everything().in_scope(ResourceKind::User, &json!(null)));
}

#[test]
fn the_failing_clause_says_why() {
    let filters =
        ScopingFilters::parse(r#"department EQUALS "Sales" AND title IS NOT NULL"#).unwrap();
    let filter = &filters.filters()[0];
    assert!(!filter.matches(ResourceKind::User, &user()));
    assert_eq!(
        filter
            .failing_clause(ResourceKind::User, &user())
            .unwrap()
            .to_string(),
        "title IS NOT NULL"
    );
    let mut u = user();
    u["title"] = json!("Guide");
    assert!(filter.failing_clause(ResourceKind::User, &u).is_none());
}

#[test]
fn groups_are_scoped_by_their_own_attributes() {
    let group = json!({"displayName": "Sales EMEA", "members": [{"value": "u1"}]});
    let filters = ScopingFilters::parse(r#"displayName REGEX MATCH "^Sales""#).unwrap();
    assert!(filters.in_scope(ResourceKind::Group, &group));
    assert!(filters.check(ResourceKind::Group).is_ok());
}

#[test]
fn malformed_objects_are_out_of_scope_not_a_panic() {
    let filters = ScopingFilters::parse(r#"department EQUALS "Sales""#).unwrap();
    for bad in [
        json!(null),
        json!([1]),
        json!("x"),
        json!({ENT: "x"}),
        json!({ENT: {"department": 5}}),
    ] {
        assert!(!filters.in_scope(ResourceKind::User, &bad), "{bad}");
    }
    let nulls = ScopingFilters::parse("department IS NULL").unwrap();
    assert!(nulls.in_scope(ResourceKind::User, &json!([1])));
}

#[test]
fn check_refuses_unknown_and_multi_valued_attributes() {
    let check = |text: &str, kind| ScopingFilters::parse(text).unwrap().check(kind);
    assert!(check(
        r#"department EQUALS "x" OR userPrincipalName IS NOT NULL"#,
        ResourceKind::User
    )
    .is_ok());
    assert_eq!(
        check(
            r#"active IS TRUE OR departmnt EQUALS "x""#,
            ResourceKind::User
        )
        .unwrap_err()
        .to_string(),
        "User scoping filter 2, clause 1 (departmnt EQUALS \"x\"): the SCIM User schema has no \
         attribute 'departmnt'"
    );
    assert_eq!(
        check(
            "active IS TRUE AND emails.value IS NULL",
            ResourceKind::User
        )
        .unwrap_err()
        .to_string(),
        "User scoping filter 1, clause 2 (emails.value IS NULL): 'emails.value' holds several \
         values; a clause tests one, such as emails[type eq \"work\"].value"
    );
    assert!(check("members IS NULL", ResourceKind::Group)
        .unwrap_err()
        .to_string()
        .contains("'members' holds several values"));
    assert!(check("userPrincipalName IS NULL", ResourceKind::Group)
        .unwrap_err()
        .to_string()
        .contains("the SCIM Group schema has no attribute 'userPrincipalName'"));
    assert!(check("name IS NULL", ResourceKind::User)
        .unwrap_err()
        .to_string()
        .contains("'name' is made of parts"));
}
