//! .NET custom date and time format strings (`yyyy-MM-dd`, `M/d/yyyy h:mm:ss tt`,
//! `yyyyMMddHHmmss.fZ`), which Entra's `FormatDateTime` takes for both its input and its output
//! format, so admins can paste the formats they already use.
//!
//! A format is read once into [`Field`]s; the same fields then format a date (here) or read text
//! (`date_parse`). Only the invariant culture exists (English month and day names, `/` and `:`
//! as separators). Nothing here panics: every failure is a message.

use time::{OffsetDateTime, UtcOffset};

/// One piece of a format: a date or time component with its repeat count, or literal text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Field {
    Year(u8),
    Month(u8),
    Day(u8),
    Hour12(u8),
    Hour24(u8),
    Minute(u8),
    Second(u8),
    /// `f` (exact digits) or `F` (trailing zeros dropped; digits optional when parsing).
    Fraction {
        digits: u8,
        optional: bool,
    },
    AmPm(u8),
    Offset(u8),
    /// `K`: `Z` for UTC, otherwise `+hh:mm`.
    Kind,
    Literal(String),
}

pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub(super) const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The .NET standard formats (one letter), written as the custom formats they stand for.
fn standard(format: &str) -> Option<&'static str> {
    Some(match format {
        "d" => "MM/dd/yyyy",
        "D" => "dddd, dd MMMM yyyy",
        "f" => "dddd, dd MMMM yyyy HH:mm",
        "F" | "U" => "dddd, dd MMMM yyyy HH:mm:ss",
        "g" => "MM/dd/yyyy HH:mm",
        "G" => "MM/dd/yyyy HH:mm:ss",
        "m" | "M" => "MMMM dd",
        "o" | "O" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        "r" | "R" => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        "s" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        "t" => "HH:mm",
        "T" => "HH:mm:ss",
        "u" => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        "y" | "Y" => "yyyy MMMM",
        _ => return None,
    })
}

/// Read a .NET format string into fields.
pub(super) fn parse_format(format: &str) -> Result<Vec<Field>, String> {
    let format = standard(format).unwrap_or(format);
    let chars: Vec<char> = format.chars().collect();
    let mut fields = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let n = u8::try_from(run).unwrap_or(u8::MAX);
        let mut consumed = run;
        let field = match c {
            'y' => Field::Year(n.min(5)),
            'M' => Field::Month(n.min(4)),
            'd' => Field::Day(n.min(4)),
            'h' => Field::Hour12(n.min(2)),
            'H' => Field::Hour24(n.min(2)),
            'm' => Field::Minute(n.min(2)),
            's' => Field::Second(n.min(2)),
            't' => Field::AmPm(n.min(2)),
            'z' => Field::Offset(n.min(3)),
            'K' => {
                consumed = 1;
                Field::Kind
            }
            'f' | 'F' if run > 7 => {
                return Err(format!(
                    "the format {format:?} has {run} '{c}'; at most 7 fraction digits exist"
                ))
            }
            'f' | 'F' => Field::Fraction {
                digits: n,
                optional: c == 'F',
            },
            '\'' | '"' => {
                let Some(len) = chars[i + 1..].iter().position(|&x| x == c) else {
                    return Err(format!(
                        "the format {format:?} opens a quoted literal with {c} and never closes it"
                    ));
                };
                consumed = len + 2;
                Field::Literal(chars[i + 1..i + 1 + len].iter().collect())
            }
            '\\' => match chars.get(i + 1) {
                Some(next) => {
                    consumed = 2;
                    Field::Literal(next.to_string())
                }
                None => return Err(format!("the format {format:?} ends with a lone '\\'")),
            },
            '%' => {
                i += 1;
                continue;
            }
            other => {
                consumed = 1;
                Field::Literal(other.to_string())
            }
        };
        match (fields.last_mut(), field) {
            (Some(Field::Literal(prev)), Field::Literal(more)) => prev.push_str(&more),
            (_, field) => fields.push(field),
        }
        i += consumed;
    }
    Ok(fields)
}

fn pad(out: &mut String, value: i64, width: usize) {
    out.push_str(&format!("{value:0width$}"));
}

/// Format `dt` (in its own offset) with `fields`.
pub(super) fn format_date(dt: OffsetDateTime, fields: &[Field]) -> String {
    let mut out = String::new();
    let (hour, offset) = (dt.hour(), dt.offset());
    for field in fields {
        match *field {
            Field::Year(n) if n <= 2 => pad(&mut out, i64::from(dt.year() % 100), n.into()),
            Field::Year(n) => pad(&mut out, dt.year().into(), n.into()),
            Field::Month(n) if n <= 2 => pad(&mut out, u8::from(dt.month()).into(), n.into()),
            Field::Month(n) => {
                out.push_str(name(&MONTHS, usize::from(u8::from(dt.month())) - 1, n))
            }
            Field::Day(n) if n <= 2 => pad(&mut out, dt.day().into(), n.into()),
            Field::Day(n) => out.push_str(name(
                &DAYS,
                usize::from(dt.weekday().number_days_from_monday()),
                n,
            )),
            Field::Hour12(n) => pad(&mut out, i64::from((hour + 11) % 12 + 1), n.into()),
            Field::Hour24(n) => pad(&mut out, hour.into(), n.into()),
            Field::Minute(n) => pad(&mut out, dt.minute().into(), n.into()),
            Field::Second(n) => pad(&mut out, dt.second().into(), n.into()),
            Field::Fraction { digits, optional } => {
                let ticks = format!("{:07}", dt.nanosecond() / 100);
                let mut frac: String = ticks.chars().take(digits.into()).collect();
                if optional {
                    frac.truncate(frac.trim_end_matches('0').len());
                    if frac.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                }
                out.push_str(&frac);
            }
            Field::AmPm(n) => {
                let text = if hour < 12 { "AM" } else { "PM" };
                out.push_str(if n == 1 { &text[..1] } else { text });
            }
            Field::Offset(n) => {
                let sign = if offset.is_negative() { '-' } else { '+' };
                let (h, m) = (offset.whole_hours().abs(), offset.minutes_past_hour().abs());
                match n {
                    1 => out.push_str(&format!("{sign}{h}")),
                    2 => out.push_str(&format!("{sign}{h:02}")),
                    _ => out.push_str(&format!("{sign}{h:02}:{m:02}")),
                }
            }
            Field::Kind if offset.is_utc() => out.push('Z'),
            Field::Kind => format_offset_into(&mut out, offset),
            Field::Literal(ref text) => out.push_str(text),
        }
    }
    out
}

fn format_offset_into(out: &mut String, offset: UtcOffset) {
    let sign = if offset.is_negative() { '-' } else { '+' };
    let (h, m) = (offset.whole_hours().abs(), offset.minutes_past_hour().abs());
    out.push_str(&format!("{sign}{h:02}:{m:02}"));
}

/// A month or day name: full for 4 letters, the first three letters for 3.
fn name(names: &[&'static str], index: usize, n: u8) -> &'static str {
    let full = names.get(index).copied().unwrap_or("");
    if n >= 4 {
        full
    } else {
        full.get(..3).unwrap_or(full)
    }
}
