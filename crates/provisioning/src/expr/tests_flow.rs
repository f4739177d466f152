//! The rules that span functions: lazy IIF/Switch/Coalesce, comparisons, IgnoreFlowIfNullOrEmpty,
//! SelectUniqueValue candidates, Guid and RandomString from the context, attribute errors, and
//! evaluation depth.

use super::test_support::*;
use super::*;

fn v(input: &str) -> Value {
    eval_in(&sample(), input)
}

#[test]
fn coalesce() {
    assert_eq!(
        v("Coalesce([missing], [empty], [givenName], [surname])"),
        s("John")
    );
    assert_eq!(v(r#"Coalesce([missing], [empty], "")"#), s(""));
    assert_eq!(v("Coalesce([missing], [empty])"), s(""));
    assert_eq!(v("Coalesce([missing])"), Value::Null);
    // Lazy: the error after the first hit never happens.
    assert_eq!(v(r#"Coalesce([givenName], CBool("maybe"))"#), s("John"));
}

#[test]
fn iif_and_comparisons() {
    assert_eq!(v(r#"IIF([givenName]="John", "yes", "no")"#), s("yes"));
    assert_eq!(v(r#"IIF([givenName]="john", "yes", "no")"#), s("no"));
    assert_eq!(v(r#"IIF([missing]="", "empty", "set")"#), s("empty"));
    assert_eq!(
        v(r#"IIF(IsPresent([missing]), [missing], "Other")"#),
        s("Other")
    );
    assert_eq!(v(r#"IIF([flag], "on", "off")"#), s("on"));
    assert_eq!(v(r#"IIF([missing], "on", "off")"#), s("off"));
    assert_eq!(v(r#"IIF([n] > 5, "big", CBool("maybe"))"#), s("big"));
    assert!(eval_err(r#"IIF("perhaps", 1, 2)"#)
        .message
        .starts_with("argument 1 (condition)"));
    for (expr, expected) in [
        (r#"[n] = "42""#, true),
        ("[n] >= 42", true),
        ("[n] < 5", false),
        (r#""10" > "9""#, true),
        (r#""b" > "a""#, true),
        (r#""B" = "b""#, false),
        (r#"[flag] = "true""#, true),
        (r#"[flag] <> "False""#, true),
        (r#"[missing] <> "x""#, true),
        ("[missing] < 5", false),
        ("[missing] = [empty]", true),
        (r#"[n] = "abc""#, false),
        (r#"CDate("2021-01-01") < Now()"#, true),
        (r#"Now() = CDate("2021-08-25T17:41:18Z")"#, true),
    ] {
        assert_eq!(v(expr), Value::Boolean(expected), "{expr}");
    }
    let e = eval_err_in(&sample(), r#"IIF([n] > "abc", 1, 2)"#);
    assert_eq!(e.function, "comparison '>'");
    assert_eq!(e.at, Position { line: 1, column: 9 });
    assert!(e.message.contains("cannot order"), "{}", e.message);
    assert!(eval_err_in(&sample(), r#"[proxyAddresses] = "x""#)
        .message
        .contains("cannot compare a list"));
}

#[test]
fn switch() {
    let tz = r#"Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")"#;
    assert_eq!(
        eval_in(&MapSource::text(&[("state", "QLD")]), tz),
        s("Australia/Brisbane")
    );
    assert_eq!(
        eval_in(&MapSource::text(&[("state", "qld")]), tz),
        s("Australia/Sydney")
    );
    assert_eq!(eval_in(&MapSource::text(&[]), tz), s("Australia/Sydney"));
    let flag = r#"Switch([statusFlag], "Default Value", "true", "1", "", "0")"#;
    assert_eq!(eval_in(&MapSource::text(&[]), flag), s("0"));
    assert_eq!(
        eval_in(&MapSource::text(&[("statusFlag", "true")]), flag),
        s("1")
    );
    assert_eq!(
        v(r#"Switch([flag], , "True", "on", "False", "off")"#),
        s("on")
    );
    assert_eq!(v(r#"Switch([givenName], , "x", "y")"#), Value::Null);
    // Only the chosen value is evaluated.
    assert_eq!(
        v(r#"Switch("a", CBool("bad"), "a", "ok", "b", CBool("bad"))"#),
        s("ok")
    );
}

#[test]
fn ignore_flow() {
    let ctx = sample();
    assert_eq!(
        outcome_in(&ctx, "IgnoreFlowIfNullOrEmpty([missing])"),
        Outcome::Ignore
    );
    assert_eq!(
        outcome_in(&ctx, "IgnoreFlowIfNullOrEmpty([empty])"),
        Outcome::Ignore
    );
    assert_eq!(
        outcome_in(&ctx, "IgnoreFlowIfNullOrEmpty([givenName])"),
        Outcome::Value(s("John"))
    );
    assert_eq!(
        outcome_in(&ctx, r#"Append(IgnoreFlowIfNullOrEmpty([missing]), "x")"#),
        Outcome::Ignore
    );
    assert_eq!(
        outcome_in(
            &ctx,
            r#"IIF(True, "kept", IgnoreFlowIfNullOrEmpty([missing]))"#
        ),
        Outcome::Value(s("kept"))
    );
    let prefix = r#"IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof."))"#;
    assert_eq!(
        outcome_in(&MapSource::text(&[("prefix", "9")]), prefix),
        Outcome::Ignore
    );
    assert_eq!(
        outcome_in(&MapSource::text(&[("prefix", "3444")]), prefix),
        Outcome::Value(s("Prof."))
    );
}

#[test]
fn select_unique_value_gives_candidates() {
    let ctx = MapSource::text(&[("first", "John"), ("last", "Smith")]);
    let expr = r#"SelectUniqueValue(
        Join("@", Join(".", [first], [last]), "contoso.com"),
        Join("@", Join(".", Mid([first], 1, 1), [last]), "contoso.com"),
        [missing],
        IgnoreFlowIfNullOrEmpty([missing]),
        Join("@", Join(".", [first], [last]), "contoso.com"),
        Join("@", Join(".", Mid([first], 1, 2), [last]), "contoso.com"))"#;
    assert_eq!(
        outcome_in(&ctx, expr),
        Outcome::Candidates(vec![
            "John.Smith@contoso.com".into(),
            "J.Smith@contoso.com".into(),
            "Jo.Smith@contoso.com".into()
        ])
    );
    // Built by hand, a nested one is refused at evaluation too.
    let inner = parse_ok(r#"SelectUniqueValue("a", "b")"#);
    let nested = Expression::Call(Call {
        function: Function::ToLower,
        args: vec![Some(inner)],
        at: Position { line: 1, column: 1 },
        regex: None,
    });
    let e = evaluate(&nested, &ctx).unwrap_err();
    assert!(e.message.contains("cannot be nested"));
}

#[test]
fn guid_and_random_string_come_from_the_context() {
    let ctx = sample();
    assert_eq!(
        eval_in(&ctx, "Guid()"),
        s("00000000-0000-0000-0000-000000000001")
    );
    assert_eq!(
        eval_in(&ctx, "Guid()"),
        s("00000000-0000-0000-0000-000000000002")
    );
    let r = eval_in(&ctx, "RandomString(6,3,0,0,3)")
        .to_text()
        .unwrap()
        .unwrap();
    assert_eq!(r.chars().count(), 6);
    assert_eq!(r.chars().filter(char::is_ascii_digit).count(), 3);
    assert_eq!(r.chars().filter(char::is_ascii_lowercase).count(), 3);
    for _ in 0..50 {
        let r = eval_in(&ctx, r#"RandomString(10,2,2,2,1,"?,")"#)
            .to_text()
            .unwrap()
            .unwrap();
        assert_eq!(r.chars().count(), 10);
        assert!(r.chars().filter(char::is_ascii_digit).count() >= 2);
        assert!(r.chars().filter(char::is_ascii_uppercase).count() >= 2);
        assert!(r.chars().filter(char::is_ascii_lowercase).count() >= 1);
        assert!(r.chars().filter(|c| !c.is_ascii_alphanumeric()).count() >= 2);
        assert!(!r.contains('?') && !r.contains(','), "{r}");
    }
    assert!(eval_err("RandomString(3,2,2,0,0)")
        .message
        .contains("add up to 4"));
    assert!(eval_err("RandomString(300,0,0,0,0)")
        .message
        .contains("1 to 256"));
    assert!(eval_err(r#"RandomString(4,1,0,0,0,"0123456789")"#)
        .message
        .contains("excludes every such"));
    assert!(eval_err("RandomString(4,-1,0,0,0)")
        .message
        .contains("negative"));
}

#[test]
fn redact_passes_the_value_through() {
    assert_eq!(v("Redact([givenName])"), s("John"));
    assert_eq!(v("Redact([missing])"), Value::Null);
}

#[test]
fn attribute_errors_name_the_attribute() {
    let e = eval_err(r#"Append([broken], "x")"#);
    assert_eq!(
        e.to_string(),
        "attribute [broken] at column 8: cannot be read"
    );
}

#[test]
fn deep_hand_built_trees_are_refused_not_overflowed() {
    let mut e = parse_ok("[a]");
    for _ in 0..10_000 {
        e = Expression::Call(Call {
            function: Function::ToLower,
            args: vec![Some(e)],
            at: Position { line: 1, column: 1 },
            regex: None,
        });
    }
    let err = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let r = evaluate(&e, &MapSource::new(&[]));
            let _ = e.attributes();
            // Dropping a 10,000-deep tree recursively is fine in 8 MiB.
            r
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(err.unwrap_err().message.contains("levels deep"));
}
