//! Tests of the filter parser: the trees it builds, its round trip through `Display`, and every
//! error it reports. Kept apart from `parser.rs` so both stay readable.

use super::*;
use crate::error::ScimType;
use CompareOp as Op;

fn parse(input: &str) -> Filter {
    match parse_filter(input, FilterLimits::default()) {
        Ok(f) => f,
        Err(e) => panic!("{input:?} did not parse: {}", e.detail),
    }
}

fn err(input: &str) -> String {
    let e = parse_filter(input, FilterLimits::default()).unwrap_err();
    assert_eq!(e.status, 400);
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    e.detail
}

fn cmp(name: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: AttrPath::simple(name),
        op,
        value,
    }
}

fn s(v: &str) -> CompValue {
    CompValue::Str(v.into())
}

fn num(n: i64) -> CompValue {
    CompValue::Number(n.into())
}

fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}

fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}

fn not(a: Filter) -> Filter {
    Filter::Not(Box::new(a))
}

#[test]
fn comparison_and_every_operator_in_any_case() {
    assert_eq!(
        parse(r#"userName eq "bjensen""#),
        cmp("userName", Op::Eq, s("bjensen"))
    );
    for (word, op) in [
        ("EQ", Op::Eq),
        ("Ne", Op::Ne),
        ("co", Op::Co),
        ("SW", Op::Sw),
        ("ew", Op::Ew),
        ("gT", Op::Gt),
        ("ge", Op::Ge),
        ("LT", Op::Lt),
        ("le", Op::Le),
    ] {
        assert_eq!(
            parse(&format!("title {word} \"x\"")),
            cmp("title", op, s("x"))
        );
    }
    assert_eq!(
        parse("title PR"),
        Filter::Present(AttrPath::simple("title"))
    );
}

#[test]
fn literals() {
    assert_eq!(
        parse("active eq TRUE"),
        cmp("active", Op::Eq, CompValue::Bool(true))
    );
    assert_eq!(
        parse("active eq false"),
        cmp("active", Op::Eq, CompValue::Bool(false))
    );
    assert_eq!(
        parse("title eq Null"),
        cmp("title", Op::Eq, CompValue::Null)
    );
    assert_eq!(parse("n gt -12"), cmp("n", Op::Gt, num(-12)));
    let n = serde_json::Number::from_f64(1500.0).unwrap();
    assert_eq!(parse("n lt 1.5e3"), cmp("n", Op::Lt, CompValue::Number(n)));
    assert_eq!(
        parse(r#"a eq "q\"\\\u00e9/""#),
        cmp("a", Op::Eq, s("q\"\\é/"))
    );
    assert_eq!(parse(r#"a eq """#), cmp("a", Op::Eq, s("")));
}

#[test]
fn precedence_not_over_and_over_or() {
    let (a, b, c) = (
        cmp("a", Op::Eq, num(1)),
        cmp("b", Op::Eq, num(2)),
        cmp("c", Op::Eq, num(3)),
    );
    assert_eq!(
        parse("a eq 1 or b eq 2 and c eq 3"),
        or(a.clone(), and(b.clone(), c.clone()))
    );
    assert_eq!(
        parse("a eq 1 and b eq 2 or c eq 3"),
        or(and(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        parse("(a eq 1 or b eq 2) and c eq 3"),
        and(or(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        parse("a eq 1 or b eq 2 or c eq 3"),
        or(or(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        parse("a eq 1 AND b eq 2 And c eq 3"),
        and(and(a.clone(), b.clone()), c.clone())
    );
    assert_eq!(
        parse("not (a eq 1) and b eq 2"),
        and(not(a.clone()), b.clone())
    );
    assert_eq!(parse("NOT(a eq 1 or b eq 2)"), not(or(a.clone(), b)));
    assert_eq!(parse("((a eq 1))"), a);
}

#[test]
fn value_paths() {
    let vp = |name: &str, f: Filter| Filter::ValuePath {
        path: AttrPath::simple(name),
        filter: Box::new(f),
    };
    assert_eq!(
        parse(r#"emails[type eq "work" and value co "@example.com"]"#),
        vp(
            "emails",
            and(
                cmp("type", Op::Eq, s("work")),
                cmp("value", Op::Co, s("@example.com"))
            )
        )
    );
    assert_eq!(
        parse(r#"members[value eq "x" or value eq "y"]"#),
        vp(
            "members",
            or(cmp("value", Op::Eq, s("x")), cmp("value", Op::Eq, s("y")))
        )
    );
    assert_eq!(
        parse(r#"addresses[not (type eq "home")]"#),
        vp("addresses", not(cmp("type", Op::Eq, s("home"))))
    );
    assert_eq!(
        parse(r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#),
        and(
            cmp("userType", Op::Eq, s("Employee")),
            vp(
                "emails",
                and(
                    cmp("type", Op::Eq, s("work")),
                    cmp("value", Op::Co, s("@example.com"))
                )
            )
        )
    );
    assert_eq!(
        parse("emails[primary eq true]"),
        vp("emails", cmp("primary", Op::Eq, CompValue::Bool(true)))
    );
}

#[test]
fn urn_qualified_paths() {
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let f = parse(&format!(
        "{ent}:manager.value eq \"26118915-6090-4610-87a4-49d8ca9f808d\""
    ));
    let Filter::Compare { path, .. } = f else {
        panic!()
    };
    assert_eq!(path.urn.as_deref(), Some(ent));
    assert_eq!(
        (path.name.as_str(), path.sub_attr.as_deref()),
        ("manager", Some("value"))
    );
    let f = parse("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw \"B\"");
    let Filter::Compare { path, op, .. } = f else {
        panic!()
    };
    assert_eq!(
        path.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:core:2.0:User")
    );
    assert_eq!(
        (path.name.as_str(), path.sub_attr.as_deref(), op),
        ("name", Some("givenName"), Op::Sw)
    );
    let f = parse(&format!(
        "{ent}:employeeNumber pr and meta.lastModified gt \"2011-05-13T04:42:34Z\""
    ));
    assert!(matches!(f, Filter::And(..)));
}

#[test]
fn keywords_as_attribute_names_and_whitespace() {
    assert_eq!(parse("not pr"), Filter::Present(AttrPath::simple("not")));
    assert_eq!(parse("and eq 1"), cmp("and", Op::Eq, num(1)));
    assert_eq!(parse("   a  eq   1   "), cmp("a", Op::Eq, num(1)));
    assert_eq!(parse("a eq\"x\""), cmp("a", Op::Eq, s("x")));
    assert_eq!(parse("\ta eq 1\n"), cmp("a", Op::Eq, num(1)));
}

#[test]
fn display_round_trips() {
    for input in [
        r#"userName eq "bjensen""#,
        "a eq 1 or b eq 2 and c eq 3",
        r#"not (a eq "x\ny") and (b pr or c ne null)"#,
        r#"emails[type eq "work" and not (value ew ".org")] or x gt 1.5"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m\"",
        r#"meta.created ge "2020-01-01T00:00:00Z" and active eq TRUE"#,
        "n lt -0 or n gt 1e300 or n eq 18446744073709551615 or n gt 1111111111111111111101111",
        "members.$ref co \"\\u0001\"",
    ] {
        let f = parse(input);
        let shown = f.to_string();
        assert_eq!(parse(&shown), f, "{input} -> {shown}");
    }
}

#[test]
fn errors_say_what_and_where() {
    assert_eq!(err(""), "the filter is empty");
    assert_eq!(err("   "), "the filter is empty");
    assert_eq!(
        err(r#"userName foo "x""#),
        "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'userName' \
         at position 9, found 'foo'"
    );
    assert_eq!(
        err("userName"),
        "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'userName' \
         at position 8, but the filter ended"
    );
    assert_eq!(
        err("userName eq"),
        "expected a value (a JSON string in double quotes, a number, true, false or null) after \
         'eq' at position 11, but the filter ended"
    );
    assert!(err("userName eq bob").ends_with("found 'bob' (strings must be in double quotes)"));
    assert_eq!(
        err(r#"userName eq "a"#),
        "unterminated string starting at position 12"
    );
    assert_eq!(
        err(r#"userName eq "a" foo"#),
        "expected 'and', 'or' or the end of the filter after '\"a\"' at position 16, found 'foo'"
    );
    assert_eq!(err(r#"a eq "x"]"#), "']' at position 8 has no matching '['");
    assert_eq!(err("a pr)"), "')' at position 4 has no matching '('");
    assert_eq!(
        err("(a pr"),
        "expected 'and', 'or' or ')' (closing the '(' at position 0) after 'pr' at position 5, \
         but the filter ended"
    );
    assert_eq!(
        err(r#"emails[type eq "work""#),
        "expected 'and', 'or' or ']' (closing the '[' at position 6) after '\"work\"' at position \
         21, but the filter ended"
    );
    assert_eq!(err("a pr and"), "expected an attribute path, '(' or 'not (' after 'and' at position 8, but the filter ended");
    assert_eq!(err("or a pr"), "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'or' at position 3, found 'a'");
    assert_eq!(
        err(") a pr"),
        "expected an attribute path, '(' or 'not (' at position 0, found ')'"
    );
    assert_eq!(
        err("not a eq 1"),
        "expected '(' (write 'not (...)') after 'not' at position 4, found 'a'"
    );
    assert_eq!(
        err("a eq 01"),
        "'01' at position 5 is not a valid JSON number"
    );
    assert_eq!(
        err("a eq 1e999"),
        "'1e999' at position 5 is not a valid JSON number"
    );
    assert!(err("a eq -x").contains("not a valid JSON number"));
    assert!(err(r#"a eq "\x""#).contains("not a valid JSON string"));
    assert!(err("a eq (1)").contains("expected a value"));
    assert!(err("1a eq 1").contains("'1a' at position 0 is not a valid attribute name"));
    assert!(err("a.b.c pr").contains("more than one '.'"));
}

#[test]
fn value_path_errors() {
    assert_eq!(
        err(r#"emails[type eq "work"].value eq "x""#),
        "expected 'and', 'or' or the end of the filter after ']' at position 22, found '.value'"
    );
    assert_eq!(
        err(r#"emails[x[y pr]]"#),
        "'[' at position 8 is inside 'emails[...]'; value filters cannot nest"
    );
    assert!(err(r#"emails[type.x eq "work"]"#).contains("paths name a sub-attribute of 'emails'"));
    assert!(err(r#"emails[urn:a:b:type eq "work"]"#).contains("is not one"));
    assert!(err(r#"name.givenName[x pr]"#).contains("follows the sub-attribute 'name.givenName'"));
    assert_eq!(
        err("emails[]"),
        "expected an attribute path, '(' or 'not (' after '[' at position 7, found ']'"
    );
    assert!(err(r#"emails[type eq "work")"#).contains("closing the '['"));
}

#[test]
fn limits_are_enforced_without_overflowing_the_stack() {
    let tight = FilterLimits {
        max_length: 10,
        max_depth: 32,
    };
    assert_eq!(
        parse_filter("title eq \"abc\"", tight).unwrap_err().detail,
        "the filter is 14 characters; the limit is 10"
    );
    let huge = "(".repeat(100_000);
    assert!(parse_filter(&huge, FilterLimits::default())
        .unwrap_err()
        .detail
        .contains("limit is 4096"));
    let unlimited = FilterLimits {
        max_length: usize::MAX,
        max_depth: usize::MAX,
    };
    assert!(parse_filter(&huge, unlimited)
        .unwrap_err()
        .detail
        .contains("more than 256 levels"));
    let nots = "not (".repeat(50_000) + "a pr" + &")".repeat(50_000);
    assert!(parse_filter(&nots, unlimited).is_err());
    assert!(err(&("(".repeat(40) + "a pr" + &")".repeat(40)))
        .contains("more than 32 levels deep at position 32"));
    // A flat chain of N terms is built balanced: log2(N) deep, so long id lists are fine.
    let chain = |n: usize| vec!["a pr"; n].join(" or ");
    assert!(parse_filter(&chain(500), FilterLimits::default()).is_ok());
    let small = FilterLimits {
        max_length: 4096,
        max_depth: 2,
    };
    assert!(parse_filter("not (a pr)", small).is_ok());
    assert!(parse_filter("not (not (a pr))", small).is_err());
    assert!(parse_filter("emails[type pr]", small).is_ok());
    assert!(parse_filter("emails[type pr and value pr]", small).is_err());
    assert!(parse_filter("a pr and b pr", small).is_ok());
    assert!(parse_filter("a pr and b pr and c pr", small).is_err());
}

#[test]
fn bare_attribute_paths() {
    assert_eq!(
        parse_attr_path(" name.givenName ").unwrap(),
        AttrPath::with_sub("name", "givenName")
    );
    let p =
        parse_attr_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
            .unwrap();
    assert_eq!(p.name, "department");
    let e = parse_attr_path("").unwrap_err();
    assert_eq!(
        (e.scim_type, e.detail.as_str()),
        (Some(ScimType::InvalidFilter), "the attribute path is empty")
    );
    assert_eq!(
        parse_attr_path(" a b").unwrap_err().detail,
        "unexpected ' ' at position 2 in the attribute path 'a b'"
    );
    assert!(parse_attr_path("emails[type eq \"x\"]")
        .unwrap_err()
        .detail
        .contains("'['"));
    assert!(parse_attr_path("9")
        .unwrap_err()
        .detail
        .contains("not a valid attribute name"));
}
