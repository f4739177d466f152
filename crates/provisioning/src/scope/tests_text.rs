//! The one-line form: what it reads, how it is written back, and errors with exact columns.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn parse(text: &str) -> ScopingFilters {
    ScopingFilters::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The column and message of a syntax error.
fn error(text: &str) -> (usize, String) {
    match ScopingFilters::parse(text).unwrap_err() {
        ScopeError::Syntax {
            column, message, ..
        } => (column, message),
        other => panic!("{text}: not a syntax error: {other:?}"),
    }
}

#[test]
fn reads_clauses_filters_and_operators_in_any_case() {
    let filters = parse(
        r#"  department  equals "Sales"  and active is_true or employeeNumber greater than or equals 5  "#,
    );
    assert_eq!(filters.filters().len(), 2);
    let first = filters.filters()[0].clauses();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].attribute(), "department");
    assert_eq!(first[0].operator(), ScopingOperator::Equals);
    assert_eq!(first[0].value().as_deref(), Some("Sales"));
    assert_eq!(first[1].operator(), ScopingOperator::IsTrue);
    assert_eq!(first[1].value(), None);
    let second = &filters.filters()[1].clauses()[0];
    assert_eq!(second.operator(), ScopingOperator::GreaterThanOrEquals);
    assert_eq!(second.value().as_deref(), Some("5"));
    assert_eq!(
        filters.to_string(),
        r#"department EQUALS "Sales" AND active IS TRUE OR employeeNumber Greater_Than_OR_EQUALS 5"#
    );
}

#[test]
fn every_operator_round_trips() {
    let text = concat!(
        r#"a EQUALS "x" AND b NOT EQUALS "y" AND c IS TRUE AND d IS FALSE AND e IS NULL AND "#,
        r#"f IS NOT NULL AND g REGEX MATCH "^\\d+$" AND h NOT REGEX MATCH "q\"" AND "#,
        r#"i Greater_Than -3 AND j Greater_Than_OR_EQUALS 0 AND k Includes "a\\b" AND "#,
        r#"l ENDS_WITH "\"z\"" OR emails[type eq "work"].value EQUALS "w""#
    );
    let filters = parse(text);
    assert_eq!(filters.to_string(), text);
    assert_eq!(parse(&filters.to_string()), filters);
    let ops: Vec<ScopingOperator> = filters.filters()[0]
        .clauses()
        .iter()
        .map(ScopingClause::operator)
        .collect();
    assert_eq!(ops, ScopingOperator::ALL.to_vec());
    let clauses = filters.filters()[0].clauses();
    assert_eq!(clauses[6].value().as_deref(), Some(r"^\d+$"));
    assert_eq!(clauses[7].value().as_deref(), Some("q\""));
    assert_eq!(clauses[10].value().as_deref(), Some(r"a\b"));
    assert_eq!(clauses[11].value().as_deref(), Some("\"z\""));
}

#[test]
fn a_lone_backslash_stays_as_written() {
    let filters = parse(r#"userName REGEX MATCH ".*@contoso\.com$""#);
    assert_eq!(
        filters.filters()[0].clauses()[0].value().as_deref(),
        Some(r".*@contoso\.com$")
    );
    assert_eq!(
        filters.to_string(),
        r#"userName REGEX MATCH ".*@contoso\\.com$""#
    );
    assert_eq!(parse(&filters.to_string()), filters);
}

#[test]
fn empty_text_is_everything() {
    assert_eq!(parse(""), ScopingFilters::everything());
    assert_eq!(parse("  \t "), ScopingFilters::everything());
    assert_eq!(ScopingFilters::everything().to_string(), "");
    let parsed: ScopingFilters = r#"a IS NULL"#.parse().unwrap();
    assert_eq!(parsed.filters().len(), 1);
}

#[test]
fn errors_point_at_the_column() {
    assert_eq!(
        error(r#"department EQUALS Sales"#),
        (
            19,
            r#"EQUALS needs a value in double quotes, such as "Sales""#.to_string()
        )
    );
    let (column, message) = error(r#"department EQAULS "Sales""#);
    assert_eq!(column, 12);
    assert!(
        message.starts_with("unknown operator 'EQAULS'; the operators are EQUALS, NOT EQUALS"),
        "{message}"
    );
    let (column, message) = error("department");
    assert_eq!(column, 11);
    assert!(
        message.starts_with("expected an operator after department;"),
        "{message}"
    );
    assert_eq!(
        error(r#"department EQUALS "Sales" AMD active IS TRUE"#),
        (
            27,
            "expected AND, OR or the end of the filter, found 'AMD'".to_string()
        )
    );
    assert_eq!(
        error(r#"department EQUALS "Sales" , x IS NULL"#),
        (
            27,
            "expected AND, OR or the end of the filter, found ','".to_string()
        )
    );
    assert_eq!(
        error(r#"department EQUALS "Sales"#),
        (19, "this value's quote is never closed".to_string())
    );
    assert_eq!(
        error(r#"active IS TRUE "x""#),
        (16, "IS TRUE takes no value".to_string())
    );
    assert_eq!(
        error(r#"employeeNumber Greater_Than "abc""#),
        (
            29,
            r#"Greater_Than compares whole numbers, and "abc" is not one"#.to_string()
        )
    );
    assert_eq!(
        error("employeeNumber Greater_Than x"),
        (
            29,
            "Greater_Than needs a value in double quotes, such as 1000000".to_string()
        )
    );
    let (column, message) = error(r#"userName REGEX MATCH "(unclosed""#);
    assert_eq!(column, 22);
    assert!(
        message.starts_with(r#""(unclosed" is not a regular expression Scimitar can run"#),
        "{message}"
    );
    assert_eq!(
        error(r#"department EQUALS "Sales" AND"#),
        (30, "expected a clause after AND or OR".to_string())
    );
    assert_eq!(
        error(r#"active IS TRUE AND emails[type eq "work".value EQUALS "x""#),
        (
            20,
            r#"the '[' of emails[type eq "work".value EQUALS "x" is never closed"#.to_string()
        )
    );
    let (column, message) = error(r#"x IS NULL OR name.givenName.x EQUALS "y""#);
    assert_eq!(column, 14);
    assert!(
        message.starts_with("invalid attribute name.givenName.x:"),
        "{message}"
    );
    let (column, message) = error(r#"emails[type eq "work"]value EQUALS "y""#);
    assert_eq!(column, 23, "{message}");
}

#[test]
fn errors_draw_a_caret_under_the_column() {
    let err = ScopingFilters::parse("department EQUALS Sales").unwrap_err();
    assert_eq!(
        err.to_string(),
        "error at column 19: EQUALS needs a value in double quotes, such as \"Sales\"\n\
         department EQUALS Sales\n                  ^"
    );
}

#[test]
fn regular_expressions_are_size_capped() {
    let long = format!(
        r#"userName REGEX MATCH "{}""#,
        "a".repeat(MAX_PATTERN_CHARS + 1)
    );
    let (column, message) = error(&long);
    assert_eq!(column, 22);
    assert_eq!(
        message,
        "the regular expression is longer than 1024 characters"
    );
    let (_, message) = error(r#"userName REGEX MATCH "(?:\w{1000}){1000}""#);
    assert!(message.contains("size limit"), "{message}");
    // Look-around is .NET syntax the regex engine refuses, clearly.
    let (_, message) = error(r#"userName REGEX MATCH "(?=a)""#);
    assert!(message.contains("look-around"), "{message}");
}

#[test]
fn clauses_built_in_code_check_their_value() {
    let err = |attribute: &str, op, value: Option<&str>| {
        ScopingClause::new(attribute, op, value)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("department", ScopingOperator::Equals, None),
        "clause on department: EQUALS needs a value"
    );
    assert_eq!(
        err("active", ScopingOperator::IsNull, Some("x")),
        "clause on active: IS NULL takes no value"
    );
    assert!(err("emails[", ScopingOperator::IsNull, None)
        .starts_with("clause on emails[: not a SCIM path:"));
    assert_eq!(
        ScopingFilter::new(vec![]).unwrap_err().to_string(),
        "scoping filter 1 has no clauses; a filter needs at least one"
    );
    let clause = ScopingClause::new(" title ", ScopingOperator::Includes, Some("Guide")).unwrap();
    assert_eq!(clause.to_string(), r#"title Includes "Guide""#);
}
