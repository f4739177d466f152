//! Parser tests: the tree for each construct, every error with its exact column, canonical
//! printing, and hostile input that must get an error rather than crash.

use super::test_support::*;
use super::*;

fn at(column: usize) -> Position {
    Position { line: 1, column }
}

fn err_at(input: &str) -> (usize, String) {
    let e = parse_err(input);
    (e.column, e.message)
}

#[test]
fn literals_attributes_and_calls() {
    assert_eq!(
        parse_ok(r#""a \"b\" \\""#),
        Expression::Literal {
            value: s(r#"a "b" \"#),
            at: at(1)
        }
    );
    assert_eq!(
        parse_ok("  -10"),
        Expression::Literal {
            value: Value::int(-10),
            at: at(3)
        }
    );
    assert_eq!(
        parse_ok("true"),
        Expression::Literal {
            value: Value::Boolean(true),
            at: at(1)
        }
    );
    let Expression::Attribute(a) = parse_ok(r#"[emails[type eq "work"].value]"#) else {
        panic!("not an attribute")
    };
    assert_eq!(a.text, r#"emails[type eq "work"].value"#);
    assert_eq!(
        (a.path.name.as_str(), a.path.sub_attr.as_deref()),
        ("emails", Some("value"))
    );
    assert!(a.path.filter.is_some());
    let Expression::Call(c) = parse_ok("toLower( [userName] , \"tr-TR\" )") else {
        panic!("not a call")
    };
    assert_eq!(
        (c.function, c.args.len(), c.at),
        (Function::ToLower, 2, at(1))
    );
}

#[test]
fn empty_arguments_and_zero_arguments() {
    let Expression::Call(c) = parse_ok(r#"Replace([mail], "@contoso.com", , ,"", ,)"#) else {
        panic!()
    };
    let given: Vec<bool> = c.args.iter().map(Option::is_some).collect();
    assert_eq!(given, [true, true, false, false, true, false, false]);
    let Expression::Call(g) = parse_ok("Guid( )") else {
        panic!()
    };
    assert!(g.args.is_empty());
    let Expression::Call(sw) = parse_ok(r#"Switch([Active], , "1", "True", "0", "False")"#) else {
        panic!()
    };
    assert!(sw.args[1].is_none());
}

#[test]
fn comparisons() {
    let Expression::Compare { op, at: pos, .. } = parse_ok(r#"[country]="USA""#) else {
        panic!()
    };
    assert_eq!((op, pos), (CompareOp::Eq, at(10)));
    for (text, op) in [
        ("<>", CompareOp::Ne),
        ("<", CompareOp::Lt),
        ("<=", CompareOp::Le),
        (">", CompareOp::Gt),
        (">=", CompareOp::Ge),
    ] {
        let Expression::Compare { op: got, .. } = parse_ok(&format!("[a] {text} 5")) else {
            panic!()
        };
        assert_eq!(got, op);
    }
    parse_ok(r#"IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True")"#);
}

#[test]
fn the_caret_example() {
    let e = parse_err(r#"Append([givenName] "x")"#);
    assert_eq!((e.line, e.column), (1, 20));
    assert_eq!(
        e.to_string(),
        "error at column 20: expected ',' or ')' after argument 1 of Append\n\
         Append([givenName] \"x\")\n                   ^"
    );
}

#[test]
fn unknown_functions_point_at_the_name_and_suggest() {
    let (col, msg) = err_at(r#"Join("@", ToLowr([a]))"#);
    assert_eq!(col, 11);
    assert_eq!(msg, "unknown function ToLowr; did you mean ToLower?");
    assert!(err_at("Right([a], 2)")
        .1
        .starts_with("unknown function Right"));
    assert!(err_at("SingleAppRoleAssignment([appRoleAssignments])")
        .1
        .contains("app role"));
}

#[test]
fn argument_counts_point_at_the_name() {
    assert_eq!(
        err_at(r#"  Left("John Doe", 3, 4)"#),
        (
            3,
            "Left takes 2 arguments, got 3: Left(string, numChars)".into()
        )
    );
    assert_eq!(
        err_at("Guid(1)").1,
        "Guid takes no arguments, got 1: Guid()"
    );
    assert_eq!(
        err_at("CBool()").1,
        "CBool takes 1 argument, got 0: CBool(expression)"
    );
    assert_eq!(
        err_at(r#"InStr("a", "b", 1, 1, 1)"#).1,
        "InStr takes 2 to 4 arguments, got 5: InStr(value1, value2, start, compareType)"
    );
    assert_eq!(
        err_at(r#"Join("x")"#).1,
        "Join takes at least 2 arguments, got 1: Join(separator, source, ...)"
    );
    assert!(err_at(r#"Switch([a], "d", "k")"#)
        .1
        .contains("at least 4 arguments"));
    let (col, msg) = err_at(r#"Switch([a], "d", "k", "v", "k2")"#);
    assert_eq!(col, 1);
    assert!(msg.contains("even number of arguments; got 5"), "{msg}");
    assert!(err_at(r#"SelectUniqueValue("a")"#).1.contains("at least 2"));
}

#[test]
fn required_arguments_cannot_be_empty() {
    let (col, msg) = err_at(r#"Left([a], )"#);
    assert_eq!(col, 11);
    assert_eq!(
        msg,
        "argument 2 of Left (numChars) is empty; only optional arguments may be left empty"
    );
    assert_eq!(err_at(r#"Append(, "x")"#).0, 8);
    assert!(err_at(r#"Switch(, "d", "k", "v")"#).1.contains("(source)"));
}

#[test]
fn structural_errors() {
    assert_eq!(err_at(""), (1, "the expression is empty".into()));
    assert_eq!(err_at("   ").0, 1);
    assert_eq!(
        err_at("Left([a], 2"),
        (12, "the expression ends before ')' closes Left(".into())
    );
    assert_eq!(
        err_at(r#"ToLower([a]) ToUpper([b])"#),
        (
            14,
            "expected the end of the expression, found 'ToUpper'; separate arguments with ','"
                .into()
        )
    );
    assert_eq!(
        err_at("Join(\"x\", \"y\"))"),
        (
            15,
            "expected the end of the expression, found ')'; separate arguments with ','".into()
        )
    );
    assert_eq!(
        err_at("Join(\"x\", )"),
        (
            11,
            "argument 2 of Join (source) is empty; only optional arguments may be left empty"
                .into()
        )
    );
    assert!(err_at("Join(\"x\", ,").1.contains("ends before"));
    assert_eq!(
        err_at("Guid").1,
        "Guid is a function; call it with parentheses: Guid(...)"
    );
    let (col, msg) = err_at("Append(givenName, \"x\")");
    assert_eq!(col, 8);
    assert!(msg.contains("[givenName]"), "{msg}");
    assert!(err_at("[a] = [b] = [c]").1.contains("cannot be chained"));
    assert!(err_at("Not(=)").1.starts_with("expected a value"));
    assert_eq!(err_at("Left([a], 'x')").0, 11);
}

#[test]
fn attribute_path_errors_point_inside_the_brackets() {
    let (col, msg) = err_at(r#"ToLower([emails[type eq "work"]value])"#);
    assert_eq!(col, 32);
    assert!(
        msg.starts_with("invalid attribute reference [emails[type eq \"work\"]value]: "),
        "{msg}"
    );
    assert!(!msg.contains("position"), "{msg}");
    assert!(err_at("[name.given.x]").1.contains("more than one '.'"));
    assert_eq!(err_at("Append([1abc], \"x\")").0, 9);
}

#[test]
fn literal_arguments_are_checked_at_parse_time() {
    let (col, msg) = err_at(r#"Replace([a], , "(?<x", , "", , )"#);
    assert_eq!(col, 16);
    assert!(msg.starts_with("invalid regex"), "{msg}");
    let (col, msg) = err_at(r#"DateAdd("days", 1, Now())"#);
    assert_eq!(col, 9);
    assert!(msg.contains("unknown interval \"days\""), "{msg}");
    let (col, msg) = err_at(r#"FormatDateTime([d], , "yyyy-MM-dd'T", "yyyy")"#);
    assert_eq!(col, 23);
    assert!(msg.contains("never closes"), "{msg}");
}

#[test]
fn select_unique_value_only_at_the_top() {
    parse_ok(r#"SelectUniqueValue([a], Join(".", [a], [b]))"#);
    let (col, msg) = err_at(r#"ToLower(SelectUniqueValue([a], [b]))"#);
    assert_eq!(col, 9);
    assert!(msg.contains("cannot be nested"), "{msg}");
    assert!(parse(r#"SelectUniqueValue([a], SelectUniqueValue([b], [c]))"#).is_err());
    assert!(parse(r#"SelectUniqueValue([a], [b]) = "x""#).is_err());
}

#[test]
fn multi_line_expressions_report_lines() {
    let input =
        "SelectUniqueValue(\n    Join(\"@\", [a], \"contoso.com\"),\n    Jion(\"@\", [b])\n)";
    let e = parse_err(input);
    assert_eq!((e.line, e.column), (3, 5));
    assert!(e
        .to_string()
        .starts_with("error at line 3, column 5: unknown function Jion"));
    assert!(e.to_string().ends_with("    Jion(\"@\", [b])\n    ^"));
}

#[test]
fn canonical_printing_parses_back_to_the_same_tree() {
    for input in [
        r#"replace([mail], "@contoso.com", , ,"", ,)"#,
        r#"Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane")"#,
        r#"IIF([country]="USA",IIF([state]<>"CA","a \"q\" \\ \d","b"),False)"#,
        r#"InStr("repEated","e",3,vbBinaryCompare)"#,
        r#"BitAnd(&HF, &HF7)"#,
        "Mid([urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value], 1, 2.5)",
    ] {
        let tree = parse_ok(input);
        let printed = tree.to_string();
        let again = parse_ok(&printed);
        assert_eq!(printed, again.to_string(), "{input}");
        // Positions differ after reprinting; compare the printed forms and the shape.
        assert_eq!(
            format!("{:?}", strip(&tree)),
            format!("{:?}", strip(&again)),
            "{input}"
        );
    }
    assert_eq!(
        parse_ok(r#"replace([mail], "@x", , ,"", ,)"#).to_string(),
        r#"Replace([mail], "@x", , , "", , )"#
    );
}

/// The tree with positions zeroed.
fn strip(e: &Expression) -> Expression {
    let zero = Position::default();
    match e {
        Expression::Literal { value, .. } => Expression::Literal {
            value: value.clone(),
            at: zero,
        },
        Expression::Attribute(a) => Expression::Attribute(AttributeRef {
            at: zero,
            ..a.clone()
        }),
        Expression::Call(c) => Expression::Call(Call {
            at: zero,
            args: c.args.iter().map(|a| a.as_ref().map(strip)).collect(),
            ..c.clone()
        }),
        Expression::Compare {
            op, left, right, ..
        } => Expression::Compare {
            op: *op,
            left: Box::new(strip(left)),
            right: Box::new(strip(right)),
            at: zero,
        },
    }
}

#[test]
fn attributes_redaction_and_volatility() {
    let e = parse_ok(r#"Join(" ", [name.givenName], IIF([a]="x", [b], Redact([c])))"#);
    let names: Vec<&str> = e.attributes().iter().map(|a| a.text.as_str()).collect();
    assert_eq!(names, ["name.givenName", "a", "b", "c"]);
    assert!(e.redacts());
    assert!(!e.is_volatile());
    assert!(parse_ok("Append(Guid(), \"x\")").is_volatile());
    assert!(!parse_ok("Append([a], \"x\")").redacts());
}

#[test]
fn hostile_input_gets_errors_not_crashes() {
    let deep = format!("{}[a]{}", "ToLower(".repeat(65), ")".repeat(65));
    let (col, msg) = err_at(&deep);
    assert_eq!(col, 64 * 8 + 1);
    assert_eq!(msg, "functions are nested more than 64 levels deep");
    let ok = format!("{}[a]{}", "ToLower(".repeat(64), ")".repeat(64));
    parse_ok(&ok);
    // Far past the depth limit, and past the length limit.
    let very_deep = format!("{}[a]{}", "Not(".repeat(2000), ")".repeat(2000));
    assert!(err_at(&very_deep).1.contains("limit") || err_at(&very_deep).1.contains("64"));
    let huge = format!("Join(\"\", {})", vec!["\"x\""; 5000].join(", "));
    let (col, msg) = err_at(&huge);
    assert_eq!(col, 1);
    let expected = format!(
        "the expression is {} characters long; the limit is 8192",
        huge.len()
    );
    assert_eq!(msg, expected);
    let many_brackets = "[".repeat(8000);
    assert!(parse(&many_brackets).is_err());
    let many_parens = "(".repeat(8000);
    assert!(parse(&many_parens).is_err());
    let nested_filter = format!(
        "[emails[{}type eq \"a\"{}].value]",
        "not (".repeat(100),
        ")".repeat(100)
    );
    assert!(parse(&nested_filter).is_err());
    for junk in [
        "\u{0}",
        "\"\\",
        "[\"",
        "&H",
        "-",
        ")",
        "ä(",
        "Append(\u{202e}[a], \"x\")",
        "\u{feff}Guid()",
    ] {
        let _ = parse(junk); // must not panic
    }
}
