//! The text, conversion, predicate and list functions with ordinary, edge and null inputs.

use super::test_support::*;
use super::*;

fn v(input: &str) -> Value {
    eval_in(&sample(), input)
}

#[test]
fn append() {
    assert_eq!(v(r#"Append([givenName], ".test")"#), s("John.test"));
    assert_eq!(v(r#"Append([missing], ".test")"#), Value::Null);
    assert_eq!(v(r#"Append([givenName], [missing])"#), s("John"));
    assert_eq!(v(r#"Append([n], [flag])"#), s("42True"));
}

#[test]
fn join() {
    assert_eq!(
        v(r#"Join(", ", "", [surname], [givenName])"#),
        s("Doe, John")
    );
    assert_eq!(v(r#"Join("", 1000, "x")"#), s("1000x"));
    assert_eq!(
        v(r#"Join(";", [proxyAddresses], [missing], "z")"#),
        s("smtp:a@x;SMTP:b@x;smtp:a@x;z")
    );
    assert_eq!(v(r#"Join(",", [missing], [missing])"#), Value::Null);
    assert_eq!(v(r#"Join(",", [empty])"#), s(""));
    assert_eq!(v(r#"Join([missing], "a", "b")"#), s("ab"));
}

#[test]
fn left_mid_word() {
    assert_eq!(text(r#"Left("John Doe", 3)"#), "Joh");
    assert_eq!(text(r#"Left("John", 0)"#), "");
    assert_eq!(text(r#"Left("John", -1)"#), "John");
    assert_eq!(text(r#"Left("Jo", 5)"#), "Jo");
    assert_eq!(v(r#"Left([missing], 2)"#), s(""));
    assert_eq!(text(r#"Left("Zoë Ünal", 3)"#), "Zoë");
    assert_eq!(text(r#"Mid("John", 2, 2)"#), "oh");
    assert_eq!(text(r#"Mid("John", 3, 10)"#), "hn");
    assert_eq!(text(r#"Mid("John", 9, 1)"#), "");
    assert_eq!(text(r#"Mid("Ångström", 1, 2)"#), "Ån");
    assert_eq!(v(r#"Mid([missing], 1, 1)"#), Value::Null);
    let e = eval_err(r#"Mid("John", 0, 1)"#);
    assert_eq!(
        e.to_string(),
        "Mid at column 1: argument 2 (start): positions start at 1 (the first character), got 0"
    );
    assert!(eval_err(r#"Mid("John", 1, -1)"#)
        .message
        .contains("negative"));
    assert!(eval_err(r#"Left("John", "x")"#)
        .message
        .contains("expected a number"));
    assert!(eval_err(r#"Left("John", 1.5)"#)
        .message
        .contains("whole number"));
    assert_eq!(text(r#"Word("The quick brown fox",3," ")"#), "brown");
    assert_eq!(
        text(r#"Word("This,string!has&many separators",3,",!&#")"#),
        "has"
    );
    assert_eq!(text(r#"Word("a  b", 2, " ")"#), "b");
    assert_eq!(text(r#"Word("a b", 3, " ")"#), "");
    assert_eq!(text(r#"Word("a b", 0, " ")"#), "");
    assert_eq!(v(r#"Word([missing], 1, " ")"#), s(""));
}

#[test]
fn in_str() {
    assert_eq!(
        eval(r#"InStr("The quick brown fox","quick")"#),
        Value::int(5)
    );
    assert_eq!(
        eval(r#"InStr("repEated","e",3,vbBinaryCompare)"#),
        Value::int(7)
    );
    assert_eq!(
        eval(r#"InStr("repEated","e",3,vbTextCompare)"#),
        Value::int(4)
    );
    assert_eq!(
        eval(r#"InStr("repEated","E", ,"vbTextCompare")"#),
        Value::int(2)
    );
    assert_eq!(eval(r#"InStr("abc","z")"#), Value::int(0));
    assert_eq!(eval(r#"InStr("abc","c", 9)"#), Value::int(0));
    assert_eq!(eval(r#"InStr("abc","", 2)"#), Value::int(2));
    assert_eq!(eval(r#"InStr("é-é","é", 2)"#), Value::int(3));
    assert_eq!(v(r#"InStr([missing],"a")"#), Value::Null);
    assert!(eval_err(r#"InStr("a","a",1,"vbWhatever")"#)
        .message
        .contains("vbTextCompare"));
    assert!(eval_err(r#"InStr("a","a",0)"#)
        .message
        .contains("start at 1"));
}

#[test]
fn split_strip_case() {
    assert_eq!(
        eval(r#"Split("PermissionSetOne, PermissionSetTwo", ",")"#),
        list(&["PermissionSetOne", "PermissionSetTwo"])
    );
    assert_eq!(eval(r#"Split("a", "")"#), list(&["a"]));
    assert_eq!(eval(r#"Split("a,,b", ",")"#), list(&["a", "", "b"]));
    assert_eq!(v(r#"Split([missing], ",")"#), Value::Null);
    assert_eq!(eval(r#"Count(Split("a;b;c", ";"))"#), Value::int(3));
    assert_eq!(text(r#"StripSpaces(" J o h n ")"#), "John");
    assert_eq!(text("StripSpaces(\"a\tb\")"), "a\tb");
    assert_eq!(v("StripSpaces([missing])"), Value::Null);
    assert_eq!(
        text(r#"ToLower("JOHN.Doe@Contoso.COM")"#),
        "john.doe@contoso.com"
    );
    assert_eq!(text(r#"ToUpper("straße")"#), "STRASSE");
    assert_eq!(text(r#"ToLower("ISTANBUL", "tr-TR")"#), "ıstanbul");
    assert_eq!(text(r#"ToUpper("istanbul", "tr")"#), "İSTANBUL");
    assert_eq!(text(r#"ToLower("ISTANBUL", "en-US")"#), "istanbul");
    assert_eq!(v("ToLower([missing])"), Value::Null);
    assert_eq!(v("ToUpper([missing], \"de-DE\")"), Value::Null);
}

#[test]
fn pcase() {
    assert_eq!(
        text(r#"PCase("PABLO GONSALVES (SECOND)")"#),
        "Pablo Gonsalves (Second)"
    );
    assert_eq!(text(r#"PCase("PINTO-DE'SILVA"," '-")"#), "Pinto-De'Silva");
    assert_eq!(text(r#"PCase("PINTO-DE'SILVA"," ")"#), "Pinto-de'silva");
    assert_eq!(
        text(r#"PCase(Join(" ","GREGORY","JAMES"))"#),
        "Gregory James"
    );
    assert_eq!(text(r#"PCase("élodie ÇAKIR")"#), "Élodie Çakir");
    assert_eq!(v("PCase([missing])"), Value::Null);
}

#[test]
fn normalize_diacritics() {
    assert_eq!(text(r#"NormalizeDiacritics("Zoë")"#), "Zoe");
    assert_eq!(text(r#"NormalizeDiacritics("Łukasz Żółć")"#), "Lukasz Zolc");
    assert_eq!(
        text(r#"NormalizeDiacritics("Søren Æbelø")"#),
        "Soeren AEbeloe"
    );
    assert_eq!(
        text(r#"NormalizeDiacritics("Straße İlkay ǣ ā̀")"#),
        "Strasse Ilkay ae a"
    );
    assert_eq!(
        text(r#"NormalizeDiacritics("Ţară Şiş ő ű")"#),
        "Tara Sis o u"
    );
    assert_eq!(
        text(r#"NormalizeDiacritics("Δήμητρα 山田")"#),
        "Δημητρα 山田"
    );
    assert_eq!(v("NormalizeDiacritics([missing])"), Value::Null);
}

#[test]
fn encodings() {
    assert_eq!(
        text(r#"ConvertToBase64("Hello world!")"#),
        "SABlAGwAbABvACAAdwBvAHIAbABkACEA"
    );
    assert_eq!(
        text(r#"ConvertToUTF8Hex("Hello world!")"#),
        "48656C6C6F20776F726C6421"
    );
    assert_eq!(text(r#"ConvertToUTF8Hex("é")"#), "C3A9");
    assert_eq!(v("ConvertToBase64([missing])"), Value::Null);
    assert_eq!(v("ConvertToUTF8Hex([missing])"), Value::Null);
}

#[test]
fn conversions() {
    assert_eq!(eval(r#"CBool("true")"#), Value::Boolean(true));
    assert_eq!(eval(r#"CBool("FALSE")"#), Value::Boolean(false));
    assert_eq!(eval("CBool(0)"), Value::Boolean(false));
    assert_eq!(eval("CBool(-2)"), Value::Boolean(true));
    assert_eq!(eval(r#"CBool("1")"#), Value::Boolean(true));
    assert_eq!(v(r#"CBool([givenName] = "John")"#), Value::Boolean(true));
    assert_eq!(v("CBool([missing])"), Value::Null);
    let e = eval_err(r#"CBool("maybe")"#);
    assert_eq!(e.function, "CBool");
    assert_eq!(
        e.message,
        "argument 1 (expression): expected True or False (or a number, where 0 is False), got the text \"maybe\""
    );
    assert_eq!(text("CStr(42)"), "42");
    assert_eq!(text("CStr(2.5)"), "2.5");
    assert_eq!(text("CStr(True)"), "True");
    assert_eq!(v("CStr([flag])"), s("True"));
    assert_eq!(v("CStr([missing])"), Value::Null);
    assert!(eval_err_in(&sample(), "CStr([proxyAddresses])")
        .message
        .contains("Item(list, n)"));
    assert_eq!(eval("BitAnd(&HF, &HF7)"), Value::int(7));
    assert_eq!(eval(r#"BitAnd("514", 2)"#), Value::int(2));
    assert_eq!(v("BitAnd([missing], 2)"), Value::Null);
    assert!(eval_err(r#"BitAnd("x", 2)"#)
        .message
        .contains("expected a number"));
}

#[test]
fn not_and_predicates() {
    assert_eq!(eval(r#"Not("True")"#), Value::Boolean(false));
    assert_eq!(eval(r#"Not("false")"#), Value::Boolean(true));
    assert_eq!(eval("Not(IsPresent(\"x\"))"), Value::Boolean(false));
    assert_eq!(v("Not([missing])"), Value::Boolean(true));
    assert!(eval_err(r#"Not("yes")"#)
        .message
        .contains("expected True or False"));
    for (expr, expected) in [
        ("IsNull([missing])", true),
        ("IsNull([empty])", false),
        ("IsNullOrEmpty([empty])", true),
        ("IsNullOrEmpty([missing])", true),
        ("IsNullOrEmpty([givenName])", false),
        ("IsPresent([givenName])", true),
        ("IsPresent([empty])", false),
        ("IsPresent([proxyAddresses])", true),
        ("IsString([givenName])", true),
        ("IsString([n])", false),
        ("IsString([missing])", false),
    ] {
        assert_eq!(v(expr), Value::Boolean(expected), "{expr}");
    }
    assert_eq!(text(r#"CStr(IsNull([x]))"#), "True");
}

#[test]
fn lists() {
    assert_eq!(v("Count([proxyAddresses])"), Value::int(3));
    assert_eq!(v("Count([givenName])"), Value::int(1));
    assert_eq!(v("Count([missing])"), Value::int(0));
    assert_eq!(v("Item([proxyAddresses], 2)"), s("SMTP:b@x"));
    assert_eq!(v("Item([proxyAddresses], 4)"), Value::Null);
    assert_eq!(v("Item([givenName], 1)"), s("John"));
    assert_eq!(v("Item([missing], 1)"), Value::Null);
    assert!(eval_err_in(&sample(), "Item([proxyAddresses], 0)")
        .message
        .contains("counts from 1"));
    assert_eq!(
        v("RemoveDuplicates([proxyAddresses])"),
        list(&["smtp:a@x", "SMTP:b@x"])
    );
    assert_eq!(v("RemoveDuplicates([givenName])"), s("John"));
    assert_eq!(v("RemoveDuplicates([missing])"), Value::Null);
}
