//! Date arithmetic and the date forms Entra's date functions read and write: `CDate`'s input
//! forms, the `M/d/yyyy h:mm:ss tt` text every date becomes, `DateAdd`/`DateDiff` intervals and
//! Active Directory's FILETIME numbers (`DateFromNum`, `NumFromDate`).
//!
//! Dates are `time::OffsetDateTime`; results are in UTC as Entra's are. The current time is never
//! read here: `Now()` comes from the evaluation context.

use std::sync::OnceLock;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset};

use super::date_format::{parse_format, Field};
use super::date_parse::parse_with;

/// `M/d/yyyy h:mm:ss tt` in UTC: how Entra writes `Now()`, `CDate` and `DateAdd` results.
pub fn format_entra_date(d: OffsetDateTime) -> String {
    let d = d.checked_to_offset(UtcOffset::UTC).unwrap_or(d);
    let hour12 = (d.hour() + 11) % 12 + 1;
    let ampm = if d.hour() < 12 { "AM" } else { "PM" };
    format!(
        "{}/{}/{} {}:{:02}:{:02} {}",
        u8::from(d.month()),
        d.day(),
        d.year(),
        hour12,
        d.minute(),
        d.second(),
        ampm
    )
}

/// The forms `CDate` (and every function that takes a date) reads, besides RFC 3339. `K` takes
/// an optional `Z` or offset, so `2020-03-16-07:00` (Workday) and `2021-08-24` both read.
const DATE_FORMATS: &[&str] = &[
    "yyyy-MM-dd'T'HH:mm:ssK",
    "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    "yyyy-MM-dd'T'HH:mmK",
    "yyyy-MM-dd HH:mm:ssK",
    "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    "yyyy-MM-dd HH:mmK",
    "yyyy-MM-ddK",
    "M/d/yyyy h:mm:ss tt",
    "M/d/yyyy h:mm tt",
    "M/d/yyyy H:mm:ss",
    "M/d/yyyy H:mm",
    "M/d/yyyy",
    "yyyyMMddHHmmss.FK",
    "yyyyMMddHHmmssK",
];

fn date_formats() -> &'static [Vec<Field>] {
    static FORMATS: OnceLock<Vec<Vec<Field>>> = OnceLock::new();
    FORMATS.get_or_init(|| {
        DATE_FORMATS
            .iter()
            .filter_map(|f| parse_format(f).ok())
            .collect()
    })
}

/// Read a date the way `CDate` does and return it in UTC.
pub fn parse_date(text: &str) -> Result<OffsetDateTime, String> {
    let t = text.trim();
    let parsed = OffsetDateTime::parse(t, &Rfc3339).ok().or_else(|| {
        date_formats()
            .iter()
            .find_map(|fields| parse_with(t, fields, Date::MIN).ok())
    });
    parsed
        .and_then(|d| d.checked_to_offset(UtcOffset::UTC))
        .ok_or_else(|| {
            format!(
                "cannot read {text:?} as a date; write it like 2021-06-30, 2021-06-30T08:00:00Z, \
                 2020-03-16-07:00 or 6/30/2021 8:00:00 AM, or convert it first with \
                 FormatDateTime(value, , \"<its format>\", \"yyyy-MM-ddTHH:mm:ssK\")"
            )
        })
}

/// A `DateAdd`/`DateDiff` interval, named as in VBA (`"d"`, `"ww"`, `"yyyy"`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Year,
    Month,
    Day,
    Week,
    Hour,
    Minute,
    Second,
}

impl Interval {
    pub fn parse(text: &str) -> Result<Interval, String> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "yyyy" => Interval::Year,
            "m" => Interval::Month,
            "d" => Interval::Day,
            "ww" => Interval::Week,
            "h" => Interval::Hour,
            "n" => Interval::Minute,
            "s" => Interval::Second,
            _ => {
                return Err(format!(
                "unknown interval {text:?}; use \"yyyy\" (years), \"m\" (months), \"d\" (days), \
                     \"ww\" (weeks), \"h\" (hours), \"n\" (minutes) or \"s\" (seconds)"
            ))
            }
        })
    }

    fn unit(self) -> Option<Duration> {
        Some(match self {
            Interval::Week => Duration::WEEK,
            Interval::Day => Duration::DAY,
            Interval::Hour => Duration::HOUR,
            Interval::Minute => Duration::MINUTE,
            Interval::Second => Duration::SECOND,
            Interval::Year | Interval::Month => return None,
        })
    }
}

/// `DateAdd`: add `amount` intervals. Months and years move the calendar and keep the day, or
/// the month's last day when it is shorter (Jan 31 + 1 month = Feb 28/29), as .NET does.
pub fn date_add(
    interval: Interval,
    amount: f64,
    d: OffsetDateTime,
) -> Result<OffsetDateTime, String> {
    let out_of_range = || "the result is outside the years -9999 to 9999".to_string();
    let result = match interval.unit() {
        Some(unit) => {
            let seconds = unit.as_seconds_f64() * amount;
            if !seconds.is_finite() || seconds.abs() > 1.0e12 {
                return Err(out_of_range());
            }
            d.checked_add(Duration::seconds_f64(seconds))
        }
        None => {
            let months = amount.trunc();
            let months = if interval == Interval::Year {
                months * 12.0
            } else {
                months
            };
            if months.abs() > 240_000.0 {
                return Err(out_of_range());
            }
            add_months(d, months as i64)
        }
    };
    result.ok_or_else(out_of_range)
}

fn add_months(d: OffsetDateTime, months: i64) -> Option<OffsetDateTime> {
    let index = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = d.day().min(time::util::days_in_month(month, year));
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(d.replace_date(date))
}

/// `DateDiff`: how many intervals from `d1` to `d2` (negative when `d2` is earlier), as VBA
/// counts them: whole elapsed days, hours, minutes and seconds; calendar years and months; and
/// weeks as the number of Sundays crossed. Both dates are taken in UTC.
pub fn date_diff(interval: Interval, d1: OffsetDateTime, d2: OffsetDateTime) -> i64 {
    let utc = |d: OffsetDateTime| d.checked_to_offset(UtcOffset::UTC).unwrap_or(d);
    let (d1, d2) = (utc(d1), utc(d2));
    let elapsed = d2 - d1;
    match interval {
        Interval::Year => i64::from(d2.year()) - i64::from(d1.year()),
        Interval::Month => {
            (i64::from(d2.year()) - i64::from(d1.year())) * 12 + i64::from(u8::from(d2.month()))
                - i64::from(u8::from(d1.month()))
        }
        Interval::Week => {
            let sunday = |d: OffsetDateTime| {
                i64::from(d.date().to_julian_day())
                    - i64::from(d.weekday().number_days_from_sunday())
            };
            (sunday(d2) - sunday(d1)) / 7
        }
        Interval::Day => elapsed.whole_days(),
        Interval::Hour => elapsed.whole_hours(),
        Interval::Minute => elapsed.whole_minutes(),
        Interval::Second => elapsed.whole_seconds(),
    }
}

/// 100-nanosecond ticks between 1601-01-01 (the FILETIME epoch) and 1970-01-01.
const FILETIME_UNIX_EPOCH: i128 = 116_444_736_000_000_000;

/// `DateFromNum`: an Active Directory FILETIME (`lastLogonTimestamp`, `accountExpires`).
pub fn from_filetime(ticks: i64) -> Result<OffsetDateTime, String> {
    let nanos = (i128::from(ticks) - FILETIME_UNIX_EPOCH) * 100;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map_err(|_| format!("{ticks} is not an Active Directory date (100 ns ticks since 1601)"))
}

/// `NumFromDate`: a date as an Active Directory FILETIME.
pub fn to_filetime(d: OffsetDateTime) -> Result<i64, String> {
    let ticks = d.unix_timestamp_nanos() / 100 + FILETIME_UNIX_EPOCH;
    i64::try_from(ticks)
        .ok()
        .filter(|t| *t >= 0)
        .ok_or_else(|| "the date is before 1601, which Active Directory cannot store".to_string())
}
