//! Date functions against the input/output tables of Entra's reference (CDate, DateAdd,
//! DateDiff, DateFromNum, NumFromDate, FormatDateTime, Now), and .NET format strings.

use time::macros::datetime;

use super::test_support::*;
use super::*;

fn hire(date: &str) -> MapSource {
    MapSource::text(&[("StatusHireDate", date)])
}

#[test]
fn cdate_reads_entra_forms_and_gives_utc() {
    for (input, expected) in [
        ("2020-03-16-07:00", "3/16/2020 7:00:00 AM"),
        ("2021-06-30+08:00", "6/29/2021 4:00:00 PM"),
        ("2009-06-15T01:45:30-07:00", "6/15/2009 8:45:30 AM"),
        ("2021-08-24", "8/24/2021 12:00:00 AM"),
        ("2011-08-01T18:29:49.793Z", "8/1/2011 6:29:49 PM"),
        ("8/25/2021 5:41:18 PM", "8/25/2021 5:41:18 PM"),
        ("2020-12-31 23:59:59-08:00", "1/1/2021 7:59:59 AM"),
        ("20150123105347.1Z", "1/23/2015 10:53:47 AM"),
        ("  12/1/2020  ", "12/1/2020 12:00:00 AM"),
    ] {
        assert_eq!(
            text(&format!("CStr(CDate(\"{input}\"))")),
            expected,
            "{input}"
        );
    }
    assert_eq!(
        eval(r#"CDate("2009-06-15T01:45:30-07:00")"#),
        Value::DateTime(datetime!(2009-06-15 08:45:30 UTC))
    );
    assert_eq!(eval("CDate([missing])"), Value::Null);
    let e = eval_err(r#"CDate("next tuesday")"#);
    assert_eq!(e.function, "CDate");
    assert!(
        e.message.contains("cannot read \"next tuesday\" as a date"),
        "{}",
        e.message
    );
    assert!(eval_err(r#"CDate("2021-02-30")"#)
        .message
        .contains("cannot read"));
}

#[test]
fn now_is_the_contexts_time() {
    assert_eq!(eval("Now()"), Value::DateTime(NOW));
    assert_eq!(text("CStr(Now())"), "8/25/2021 5:41:18 PM");
    assert_eq!(text(r#"Append("at ", Now())"#), "at 8/25/2021 5:41:18 PM");
}

#[test]
fn date_add_table() {
    let ctx = hire("2012-03-16-07:00");
    for (interval, value, expected) in [
        ("d", "7", "3/23/2012 7:00:00 AM"),
        ("d", "-10", "3/6/2012 7:00:00 AM"),
        ("ww", "2", "3/30/2012 7:00:00 AM"),
        ("m", "10", "1/16/2013 7:00:00 AM"),
        ("yyyy", "2", "3/16/2014 7:00:00 AM"),
        ("h", "1.5", "3/16/2012 8:30:00 AM"),
        ("n", "-1", "3/16/2012 6:59:00 AM"),
        ("s", "30", "3/16/2012 7:00:30 AM"),
    ] {
        let expr = format!("CStr(DateAdd(\"{interval}\", {value}, CDate([StatusHireDate])))");
        assert_eq!(eval_in(&ctx, &expr), s(expected), "{interval} {value}");
    }
    assert_eq!(
        text(r#"CStr(DateAdd("m", 1, "2021-01-31"))"#),
        "2/28/2021 12:00:00 AM"
    );
    assert_eq!(
        text(r#"CStr(DateAdd("yyyy", 1, "2020-02-29"))"#),
        "2/28/2021 12:00:00 AM"
    );
    assert_eq!(eval(r#"DateAdd("d", 1, [missing])"#), Value::Null);
    assert!(eval_err(r#"DateAdd("d", 999999999999, Now())"#)
        .message
        .contains("outside"));
    let e = eval_err(r#"DateAdd([missing], 1, Now())"#);
    assert!(
        e.message
            .starts_with("argument 1 (interval): unknown interval \"\""),
        "{}",
        e.message
    );
}

#[test]
fn date_diff_table() {
    for (interval, d1, d2, expected) in [
        ("d", "2021-08-18+08:00", "2021-08-31+08:00", 13),
        ("d", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -3449),
        ("ww", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -493),
        ("m", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -113),
        ("yyyy", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -9),
        ("d", "2021-08-31+08:00", "2021-08-31+08:00", 0),
        ("h", "2021-08-24", "2021-08-25", 24),
        ("n", "2021-08-24", "2021-08-25", 1440),
        ("s", "2021-08-24", "2021-08-25", 86400),
    ] {
        let expr = format!("DateDiff(\"{interval}\", CDate(\"{d1}\"), CDate(\"{d2}\"))");
        assert_eq!(eval(&expr), Value::int(expected), "{interval} {d1} {d2}");
    }
    assert_eq!(
        eval_in(
            &hire("2012-03-16-07:00"),
            r#"DateDiff("d", Now(), CDate([StatusHireDate]))"#
        ),
        Value::int(-3449)
    );
    assert_eq!(eval(r#"DateDiff("d", Now(), [missing])"#), Value::Null);
    let switch = r#"Switch([Active], ,
        "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"),
        "0", "False")"#;
    let ctx =
        |active: &str, date: &str| MapSource::text(&[("Active", active), ("StatusHireDate", date)]);
    assert_eq!(eval_in(&ctx("1", "2021-08-27"), switch), s("True"));
    assert_eq!(eval_in(&ctx("1", "2021-09-30"), switch), s("False"));
    assert_eq!(eval_in(&ctx("0", "2021-08-27"), switch), s("False"));
}

#[test]
fn active_directory_numbers() {
    assert_eq!(
        eval("DateFromNum(129699324000000000)"),
        Value::DateTime(datetime!(2012-01-01 23:00 UTC))
    );
    assert_eq!(
        eval(r#"DateFromNum("129699324000000000")"#),
        eval("DateFromNum(129699324000000000)")
    );
    assert_eq!(
        eval(r#"NumFromDate("2012-01-01T23:00:00Z")"#),
        Value::int(129699324000000000)
    );
    assert_eq!(
        eval(
            r#"NumFromDate(Join("", FormatDateTime("2020-12-31-08:00", ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))"#
        ),
        Value::int(132539615990000000)
    );
    assert_eq!(eval("DateFromNum([missing])"), Value::Null);
    assert_eq!(eval("NumFromDate([missing])"), Value::Null);
    assert!(eval_err("DateFromNum(-9223372036854775807)")
        .message
        .contains("not an Active Directory date"));
    assert!(eval_err(r#"NumFromDate("1500-01-01")"#)
        .message
        .contains("before 1601"));
}

#[test]
fn format_date_time() {
    for (expr, expected) in [
        (
            r#"FormatDateTime("20150123105347.1Z", , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#,
            "2015-01-23",
        ),
        (
            r#"FormatDateTime("20150123105347.1Z", "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#,
            "2015-01-23",
        ),
        (
            r#"FormatDateTime("2020-12-31-08:00", , "yyyy-MM-ddzzz", "yyyy-MM-dd")"#,
            "2020-12-31",
        ),
        (
            r#"FormatDateTime("2020-12-31-08:00", "AdjustToUniversal", "yyyy-MM-ddzzz", "yyyy-MM-dd HH:mm")"#,
            "2020-12-31 08:00",
        ),
        (
            r#"FormatDateTime("3/4/2021 01:05:09 PM", , "M/d/yyyy hh:mm:ss tt", "yyyy-MM-ddTHH:mm:ss")"#,
            "2021-03-04T13:05:09",
        ),
        (
            r#"FormatDateTime("12/31/2021 12:00:00 AM", , "M/d/yyyy hh:mm:ss tt", "HH:mm")"#,
            "00:00",
        ),
        (
            r#"FormatDateTime("2021-03-04", , "yyyy-MM-dd", "dddd, d MMMM yy")"#,
            "Thursday, 4 March 21",
        ),
        (
            r#"FormatDateTime("Thu, 04 Mar 2021", , "ddd, dd MMM yyyy", "MM/dd/yyyy")"#,
            "03/04/2021",
        ),
        (
            r#"FormatDateTime("2021-03-04 05:06:07.1234567", , "yyyy-MM-dd HH:mm:ss.fffffff", "ss.fff 'ms' FFFF")"#,
            "07.123 ms 1234",
        ),
        (
            r#"FormatDateTime("2021-03-04 05:06:07", , "yyyy-MM-dd HH:mm:ss", "ss.FFF|h t z zz zzz K")"#,
            "07|5 A +0 +00 +00:00 Z",
        ),
        (
            r#"FormatDateTime("2021-03-04+05:30", , "yyyy-MM-ddK", "o")"#,
            "2021-03-04T00:00:00.0000000+05:30",
        ),
        (
            r#"FormatDateTime("2021-03-04", , "yyyy-MM-dd", "s")"#,
            "2021-03-04T00:00:00",
        ),
        (
            r#"FormatDateTime("2021-03-04", , "yyyy-MM-dd", "\\y\\e\\a\\r: yyyy, \"q\"")"#,
            "year: 2021, q",
        ),
        (
            r#"FormatDateTime("14:30", , "HH:mm", "yyyy-MM-dd HH:mm")"#,
            "2021-08-25 14:30",
        ),
        (
            r#"FormatDateTime(CDate("2021-06-30+08:00"), , "ignored", "yyyy-MM-dd HH:mm")"#,
            "2021-06-29 16:00",
        ),
        (
            r#"FormatDateTime(DateAdd("d", 1, Now()), , "M/d/yyyy h:mm:ss tt", "yyyyMMdd")"#,
            "20210826",
        ),
    ] {
        assert_eq!(text(expr), expected, "{expr}");
    }
    assert_eq!(
        eval(r#"FormatDateTime([missing], , "yyyy", "yyyy")"#),
        Value::Null
    );
    let e = eval_err(r#"FormatDateTime("2015-13-01", , "yyyy-MM-dd", "yyyy")"#);
    assert_eq!(e.function, "FormatDateTime");
    assert!(
        e.message
            .starts_with("cannot read the date with the input format \"yyyy-MM-dd\": "),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("make the input format match"),
        "{}",
        e.message
    );
    let e = eval_err(r#"FormatDateTime("2015/01/01", , "yyyy-MM-dd", "yyyy")"#);
    assert!(
        e.message
            .contains("expected '-' at character 5 of \"2015/01/01\""),
        "{}",
        e.message
    );
    let e = eval_err(r#"FormatDateTime("2015-01-01x", , "yyyy-MM-dd", "yyyy")"#);
    assert!(e.message.contains("unexpected \"x\""), "{}", e.message);
    let e = eval_err(r#"FormatDateTime("2021-03-05", , "yyyy-MM-dd", [missing])"#);
    assert!(e.message.contains("a format is required"), "{}", e.message);
    let e = eval_err(r#"FormatDateTime("2021-03-05", "Sideways", "yyyy-MM-dd", "yyyy")"#);
    assert!(
        e.message.contains("unknown style \"Sideways\""),
        "{}",
        e.message
    );
    let e = eval_err(r#"FormatDateTime("Mon 2021-03-05", , "ddd yyyy-MM-dd", "yyyy")"#);
    assert!(
        e.message.contains("that day is a Friday, not a Monday"),
        "{}",
        e.message
    );
    let e = eval_err(r#"FormatDateTime("13:00 PM", , "hh:mm tt", "HH")"#);
    assert!(e.message.contains("AM or PM"), "{}", e.message);
}
