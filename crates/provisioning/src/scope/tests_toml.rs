//! Scoping filters as TOML (and as JSON through the same serde): round trips, the written form,
//! and errors that name the line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;

fn toml_error(text: &str) -> String {
    ScopingFilters::from_toml(text).unwrap_err().to_string()
}

#[test]
fn filters_round_trip_through_toml() {
    let filters = ScopingFilters::parse(concat!(
        r#"department EQUALS "Sales" AND active IS TRUE AND userName REGEX MATCH "@x\\.com$" "#,
        r#"OR employeeNumber Greater_Than 1000000 AND title Includes "say \"hi\"""#
    ))
    .unwrap();
    let text = filters.to_toml().unwrap();
    assert_eq!(ScopingFilters::from_toml(&text).unwrap(), filters);
    assert!(text.contains("operator = \"Greater_Than\""), "{text}");
    assert!(
        text.contains("value = 1000000"),
        "integers stay integers: {text}"
    );
    assert!(!text.contains("operator = \"IS TRUE\"\nvalue"), "{text}");
    assert_eq!(
        ScopingFilters::from_toml(&ScopingFilters::everything().to_toml().unwrap()).unwrap(),
        ScopingFilters::everything()
    );
}

#[test]
fn a_hand_written_document_is_read() {
    let text = r#"
[[filters]]
clauses = [
    { attribute = "department", operator = "equals", value = "Sales" },
    { attribute = "active", operator = "IS_TRUE" },
]

[[filters]]
clauses = [{ attribute = "employeeNumber", operator = "greater than", value = "1000000" }]
"#;
    let filters = ScopingFilters::from_toml(text).unwrap();
    assert_eq!(
        filters.to_string(),
        r#"department EQUALS "Sales" AND active IS TRUE OR employeeNumber Greater_Than 1000000"#
    );
    assert_eq!(
        ScopingFilters::from_toml("").unwrap(),
        ScopingFilters::everything()
    );
}

#[test]
fn bad_documents_name_the_line() {
    let unknown_key = "[[filters]]\nclauses = [\n  { attribute = \"a\", operator = \"IS NULL\", valeu = \"x\" },\n]\n";
    let err = toml_error(unknown_key);
    assert!(err.starts_with("TOML parse error at line 3"), "{err}");
    assert!(err.contains("unknown field `valeu`"), "{err}");

    let unknown_operator = "[[filters]]\nclauses = [\n  { attribute = \"a\", operator = \"LIKE\", value = \"x\" },\n]\n";
    let err = toml_error(unknown_operator);
    assert!(err.starts_with("TOML parse error at line 3"), "{err}");
    assert!(
        err.contains("clause on a: unknown operator \"LIKE\""),
        "{err}"
    );

    let missing_value = "\n[[filters]]\nclauses = [{ attribute = \"a\", operator = \"EQUALS\" }]\n";
    let err = toml_error(missing_value);
    assert!(err.starts_with("TOML parse error at line 3"), "{err}");
    assert!(err.contains("EQUALS needs a value"), "{err}");

    let bad_regex = "[[filters]]\nclauses = [{ attribute = \"a\", operator = \"REGEX MATCH\", value = \"(\" }]\n";
    assert!(toml_error(bad_regex).contains("is not a regular expression Scimitar can run"));

    let no_clauses = "[[filters]]\nclauses = []\n";
    let err = toml_error(no_clauses);
    assert!(err.contains("has no clauses"), "{err}");

    let wrong_type =
        "[[filters]]\nclauses = [{ attribute = \"a\", operator = \"EQUALS\", value = true }]\n";
    let err = toml_error(wrong_type);
    assert!(err.contains("expected text, or a whole number"), "{err}");

    let stray =
        "[[filters]]\nclauses = [{ attribute = \"a\", operator = \"IS NULL\" }]\ntitle = \"x\"\n";
    assert!(toml_error(stray).contains("unknown field `title`"));
    assert!(toml_error("filter = []\n").contains("unknown field `filter`"));
}

#[test]
fn the_same_serde_carries_json() {
    let filters =
        ScopingFilters::parse(r#"department EQUALS "Sales" OR employeeNumber Greater_Than 5"#)
            .unwrap();
    let value = serde_json::to_value(&filters).unwrap();
    assert_eq!(
        value,
        json!([
            {"clauses": [{"attribute": "department", "operator": "EQUALS", "value": "Sales"}]},
            {"clauses": [{"attribute": "employeeNumber", "operator": "Greater_Than", "value": 5}]}
        ])
    );
    let back: ScopingFilters = serde_json::from_value(value).unwrap();
    assert_eq!(back, filters);
    let bad = serde_json::from_value::<ScopingFilters>(
        json!([{"clauses": [{"attribute": "a", "operator": "IS TRUE", "value": "x"}]}]),
    );
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("IS TRUE takes no value"));
}
