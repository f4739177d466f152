//! The date functions: CDate, Now, DateAdd, DateDiff, DateFromNum, NumFromDate, FormatDateTime.
//!
//! Each reads its arguments and hands the work to `dates` (arithmetic, the forms CDate reads)
//! or `date_format` (.NET format strings). `Now()` is the context's time, never the clock, so a
//! plan evaluated twice gives the same dates.

use time::UtcOffset;

use super::args::{Args, Flow};
use super::context::EvalContext;
use super::date_format::{format_date, parse_format};
use super::date_parse::parse_with;
use super::dates::{date_add, date_diff, from_filetime, to_filetime, Interval};
use super::value::{Number, Value};

fn interval(a: &Args) -> Flow<Interval> {
    let text = a.text_or_empty(0)?;
    Interval::parse(&text).map_err(|m| a.bad(0, m))
}

/// `CDate(expression)`: the date the text describes, in UTC.
pub(super) fn cdate(a: &Args) -> Flow<Value> {
    Ok(a.date(0)?.map_or(Value::Null, |d| {
        Value::DateTime(d.checked_to_offset(UtcOffset::UTC).unwrap_or(d))
    }))
}

/// `Now()`: the evaluation's current time, in UTC.
pub(super) fn now(ctx: &dyn EvalContext) -> Value {
    let now = ctx.now();
    Value::DateTime(now.checked_to_offset(UtcOffset::UTC).unwrap_or(now))
}

/// `DateAdd(interval, value, dateTime)`.
pub(super) fn add(a: &Args) -> Flow<Value> {
    let interval = interval(a)?;
    let (Some(amount), Some(date)) = (a.number(1)?, a.date(2)?) else {
        return Ok(Value::Null);
    };
    date_add(interval, amount.as_f64(), date)
        .map(Value::DateTime)
        .map_err(|m| a.fail(m))
}

/// `DateDiff(interval, date1, date2)`: positive when `date2` is later.
pub(super) fn diff(a: &Args) -> Flow<Value> {
    let interval = interval(a)?;
    let (Some(d1), Some(d2)) = (a.date(1)?, a.date(2)?) else {
        return Ok(Value::Null);
    };
    Ok(Value::int(date_diff(interval, d1, d2)))
}

/// `DateFromNum(value)`: an Active Directory FILETIME as a date.
pub(super) fn from_num(a: &Args) -> Flow<Value> {
    let Some(ticks) = a.integer(0)? else {
        return Ok(Value::Null);
    };
    from_filetime(ticks)
        .map(Value::DateTime)
        .map_err(|m| a.bad(0, m))
}

/// `NumFromDate(value)`: a date as an Active Directory FILETIME.
pub(super) fn to_num(a: &Args) -> Flow<Value> {
    let Some(date) = a.date(0)? else {
        return Ok(Value::Null);
    };
    to_filetime(date)
        .map(|n| Value::Number(Number::Int(n)))
        .map_err(|m| a.bad(0, m))
}

/// The .NET `DateTimeStyles` names `FormatDateTime` accepts; only `AdjustToUniversal` changes
/// anything here, since input without an offset is always read as UTC.
const STYLES: &[&str] = &[
    "None",
    "AllowLeadingWhite",
    "AllowTrailingWhite",
    "AllowInnerWhite",
    "AllowWhiteSpaces",
    "NoCurrentDateDefault",
    "AdjustToUniversal",
    "AssumeLocal",
    "AssumeUniversal",
    "RoundtripKind",
];

/// Whether the styles ask for the result in UTC.
fn adjust_to_universal(a: &Args, i: usize) -> Flow<bool> {
    let text = a.text_or_empty(i)?;
    let mut adjust = false;
    for name in text.split([',', '|', ' ']).filter(|s| !s.is_empty()) {
        let name = name.trim().trim_start_matches("DateTimeStyles.");
        match STYLES.iter().find(|s| s.eq_ignore_ascii_case(name)) {
            Some(s) => adjust |= *s == "AdjustToUniversal",
            None => {
                return Err(a.bad(
                    i,
                    format!("unknown style {name:?}; use one of {}", STYLES.join(", ")),
                ))
            }
        }
    }
    Ok(adjust)
}

/// `FormatDateTime(source, dateTimeStyles, inputFormat, outputFormat)`, or Entra's older
/// three-argument form without `dateTimeStyles`. A source that already is a date (from `CDate`,
/// `Now`, `DateAdd`) is formatted as it is.
pub(super) fn format_date_time(a: &Args, ctx: &dyn EvalContext) -> Flow<Value> {
    let (styles, input_i, output_i) = if a.len() == 4 {
        (Some(1), 2, 3)
    } else {
        (None, 1, 2)
    };
    let adjust = match styles {
        Some(i) => adjust_to_universal(a, i)?,
        None => false,
    };
    let format_of = |i: usize| -> Flow<_> {
        let text = a
            .text(i)?
            .filter(|t| !t.is_empty())
            .ok_or_else(|| a.bad(i, "a format is required, such as \"yyyy-MM-dd\""))?;
        parse_format(&text).map_err(|m| a.bad(i, m))
    };
    let output = format_of(output_i)?;
    let date = match a.value(0) {
        Value::DateTime(d) => *d,
        Value::Null => return Ok(Value::Null),
        _ => {
            let Some(text) = a.text(0)?.filter(|t| !t.trim().is_empty()) else {
                return Ok(Value::Null);
            };
            let input = format_of(input_i)?;
            parse_with(&text, &input, ctx.now().date()).map_err(|m| {
                let format = a.text(input_i).ok().flatten().unwrap_or_default();
                a.fail(format!(
                    "cannot read the date with the input format {format:?}: {m}; make the \
                     input format match the source value"
                ))
            })?
        }
    };
    let date = if adjust {
        date.checked_to_offset(UtcOffset::UTC).unwrap_or(date)
    } else {
        date
    };
    Ok(Value::String(format_date(date, &output)))
}
