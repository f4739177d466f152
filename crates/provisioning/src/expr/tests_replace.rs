//! `Replace` in each of its forms, with the examples of Entra's reference, and its limits.

use super::test_support::*;
use super::*;

fn with(pairs: &[(&str, &str)], expr: &str) -> Value {
    eval_in(&MapSource::text(pairs), expr)
}

#[test]
fn old_value_and_replacement_value() {
    let expr = r#"Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )"#;
    assert_eq!(
        with(&[("BusinessTitle", "Product Developer")], expr),
        s("Software Engineer")
    );
    assert_eq!(with(&[("BusinessTitle", "Manager")], expr), s("Manager"));
    assert_eq!(with(&[], expr), Value::Null);
    let strip = r#"Replace([mail], "@contoso.com", , ,"", ,)"#;
    assert_eq!(
        with(&[("mail", "john.doe@contoso.com")], strip),
        s("john.doe")
    );
    // Case-sensitive, every occurrence.
    assert_eq!(text(r#"Replace("aAaA", "a", , , "b", , )"#), "bAbA");
    // Five arguments are enough when nothing follows replacementValue.
    assert_eq!(text(r#"Replace("a-b-c", "-", , , "+")"#), "a+b+c");
}

#[test]
fn old_value_and_template() {
    let expr = r#"Replace([UserID],"<username>", , , , , "<username>@contoso.com")"#;
    assert_eq!(with(&[("UserID", "jsmith")], expr), s("jsmith@contoso.com"));
    assert_eq!(with(&[], expr), Value::Null);
}

#[test]
fn regex_and_replacement_value() {
    let phone = r#"Replace([telephoneNumber], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", , "${phoneNumber}", , )"#;
    assert_eq!(
        with(&[("telephoneNumber", "+91 9998887777")], phone),
        s("9998887777")
    );
    let digits = r#"Replace([mobile], , "[()\\s-]+", , "", , )"#;
    assert_eq!(
        with(&[("mobile", "+1 (999) 888-7777")], digits),
        s("+19998887777")
    );
    let letters = r#"Replace([mailNickname], , "[a-zA-Z_]*", , "", , )"#;
    assert_eq!(with(&[("mailNickname", "john_doe72")], letters), s("72"));
    assert_eq!(
        text(r#"Replace("2021-06-30", , "(\d+)-(\d+)-(\d+)", , "$3/$2/$1", , )"#),
        "30/06/2021"
    );
    assert_eq!(text(r#"Replace("ab", , "b", , "[$&]$1x$$", , )"#), "a[b]x$");
    assert_eq!(with(&[], phone), Value::Null);
}

#[test]
fn regex_group_and_replacement_value() {
    let street =
        r#"Replace([AddressLineData], ,"(?<streetNumber>^\\d*)","streetNumber", "888", , )"#;
    assert_eq!(
        with(&[("AddressLineData", "545 Tremont Street")], street),
        s("888 Tremont Street")
    );
    let upn = r#"Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )"#;
    assert_eq!(
        with(&[("userPrincipalName", "jsmith@contoso.com")], upn),
        s("jsmith")
    );
    assert_eq!(
        text(r##"Replace("a1b22c", , "(?<n>\d+)", "n", "#", , )"##),
        "a#b#c"
    );
    let e = eval_err(r#"Replace("x", , "(?<a>x)", "b", "", , )"#);
    assert_eq!(
        e.message,
        "argument 4 (regexGroupName): the pattern has no group named \"b\"; its named groups are a"
    );
    let e = eval_err(r#"Replace("x", , "(x)", "b", "", , )"#);
    assert!(
        e.message.contains("it has no named groups"),
        "{}",
        e.message
    );
}

#[test]
fn regex_group_and_replacement_attribute() {
    let expr = r#"Replace([telephoneNumber], , "\\+(?<isdCode>\\d* )(?<phoneNumber>\\d{10})", "phoneNumber" , , [mobile], )"#;
    assert_eq!(
        with(
            &[("telephoneNumber", ""), ("mobile", "+91 8887779999")],
            expr
        ),
        s("8887779999")
    );
    assert_eq!(with(&[("mobile", "+91 8887779999")], expr), s("8887779999"));
    assert_eq!(
        with(
            &[
                ("telephoneNumber", "+1 5551234567"),
                ("mobile", "+91 8887779999")
            ],
            expr
        ),
        s("+1 5551234567")
    );
    assert_eq!(with(&[("mobile", "no digits")], expr), Value::Null);
    assert_eq!(with(&[], expr), Value::Null);
}

#[test]
fn regex_from_an_attribute_is_compiled_at_evaluation() {
    let expr = r#"Replace("a.b", , [pattern], , "-", , )"#;
    assert_eq!(with(&[("pattern", r"\.")], expr), s("a-b"));
    let e = eval_err_in(&MapSource::text(&[("pattern", "(")]), expr);
    assert_eq!(e.function, "Replace");
    assert!(
        e.message
            .starts_with("argument 3 (regexPattern): invalid regex \"(\""),
        "{}",
        e.message
    );
}

#[test]
fn incomplete_forms_say_what_is_missing() {
    assert!(eval_err(r#"Replace("x", "a", , , , , )"#)
        .message
        .contains("give replacementValue"));
    assert!(eval_err(r#"Replace("x", , "a", , , , )"#)
        .message
        .contains("with regexPattern"));
    assert!(eval_err(r#"Replace("x", , "(?<a>a)", "a", , , )"#)
        .message
        .contains("with regexGroupName"));
    assert!(eval_err(r#"Replace("x", , , , "y", , )"#)
        .message
        .starts_with("give oldValue or regexPattern"));
    assert!(eval_err(r#"Replace("x", "", , , "y", , )"#)
        .message
        .contains("cannot be empty"));
}

#[test]
fn hostile_patterns_and_results_are_refused() {
    let e = parse_err(r#"Replace([a], , "\\w{1000}{1000}", , "", , )"#);
    assert!(e.message.contains("too large"), "{}", e.message);
    let e = parse_err(r#"Replace([a], , "(?<=a)b", , "", , )"#);
    assert!(e.message.contains("look-around"), "{}", e.message);
    // A template that repeats the source many times over a long source.
    let long = "x".repeat(300_000);
    let template = "<u>".repeat(10);
    let expr = format!(r#"Replace([a], "<u>", , , , , "{template}")"#);
    let e = eval_err_in(&MapSource::text(&[("a", &long)]), &expr);
    assert!(e.message.contains("longer than 1024 KiB"), "{}", e.message);
    let expr = r#"Replace([a], , "x", , "${0}${0}${0}${0}${0}", , )"#;
    let e = eval_err_in(&MapSource::text(&[("a", &long)]), expr);
    assert!(e.message.contains("longer than"), "{}", e.message);
    let expr = r#"Replace([a], "x", , , "yyyyy", , )"#;
    assert!(eval_err_in(&MapSource::text(&[("a", &long)]), expr)
        .message
        .contains("longer than"));
}
