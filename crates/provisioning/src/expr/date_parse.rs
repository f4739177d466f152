//! Reading text with a .NET custom date format (`FormatDateTime`'s input format, and the forms
//! `CDate` tries), exactly like .NET's `ParseExact` except that a space in the format matches any
//! run of white space.
//!
//! Errors say which part of the format did not match and at which character of the input, so an
//! admin can line the format up with the real value. Nothing here panics.

use time::{Date, Month, OffsetDateTime, Time, UtcOffset, Weekday};

use super::date_format::{Field, DAYS, MONTHS};

/// The field as it was written in the format, for messages.
fn spec(field: &Field) -> String {
    let (c, n) = match *field {
        Field::Year(n) => ('y', n),
        Field::Month(n) => ('M', n),
        Field::Day(n) => ('d', n),
        Field::Hour12(n) => ('h', n),
        Field::Hour24(n) => ('H', n),
        Field::Minute(n) => ('m', n),
        Field::Second(n) => ('s', n),
        Field::Fraction { digits, optional } => (if optional { 'F' } else { 'f' }, digits),
        Field::AmPm(n) => ('t', n),
        Field::Offset(n) => ('z', n),
        Field::Kind => ('K', 1),
        Field::Literal(ref text) => return text.clone(),
    };
    c.to_string().repeat(n.into())
}

/// Components read from text; what is missing gets a default when the date is built.
#[derive(Default)]
struct Parsed {
    year: Option<i32>,
    month: Option<u8>,
    day: Option<u8>,
    weekday: Option<usize>,
    hour: Option<u8>,
    twelve_hour: bool,
    pm: Option<bool>,
    minute: u8,
    second: u8,
    nanos: u32,
    offset: Option<UtcOffset>,
}

/// Parse `input` exactly as `fields` describe it. A date part that the format lacks is taken
/// from `today` (.NET uses the current date); an absent offset means UTC.
pub(super) fn parse_with(
    input: &str,
    fields: &[Field],
    today: Date,
) -> Result<OffsetDateTime, String> {
    let mut cur = Cursor {
        chars: input.trim().chars().collect(),
        pos: 0,
    };
    let mut p = Parsed::default();
    for field in fields {
        let at = cur.pos;
        let fail = |what: &str| match field {
            Field::Literal(_) => format!("expected {what} at character {} of {input:?}", at + 1),
            _ => format!(
                "expected {what} for '{}' at character {} of {input:?}",
                spec(field),
                at + 1
            ),
        };
        match *field {
            Field::Year(n) => {
                let (min, max) = match n {
                    1 => (1, 2),
                    2 => (2, 2),
                    3 => (3, 4),
                    n => (n.into(), n.into()),
                };
                let y = cur.digits(min, max).ok_or_else(|| fail("a year"))?;
                let y = i32::try_from(y).map_err(|_| fail("a year"))?;
                p.year = Some(if n <= 2 {
                    y + if y < 50 { 2000 } else { 1900 }
                } else {
                    y
                });
            }
            Field::Month(n) if n <= 2 => {
                p.month = Some(cur.small(n).ok_or_else(|| fail("a month number"))?)
            }
            Field::Month(n) => {
                let i = cur.name(&MONTHS, n).ok_or_else(|| fail("a month name"))?;
                p.month = u8::try_from(i + 1).ok();
            }
            Field::Day(n) if n <= 2 => {
                p.day = Some(cur.small(n).ok_or_else(|| fail("a day number"))?)
            }
            Field::Day(n) => {
                p.weekday = Some(cur.name(&DAYS, n).ok_or_else(|| fail("a day name"))?)
            }
            Field::Hour12(n) | Field::Hour24(n) => {
                p.hour = Some(cur.small(n).ok_or_else(|| fail("an hour"))?);
                p.twelve_hour = matches!(field, Field::Hour12(_));
            }
            Field::Minute(n) => p.minute = cur.small(n).ok_or_else(|| fail("minutes"))?,
            Field::Second(n) => p.second = cur.small(n).ok_or_else(|| fail("seconds"))?,
            Field::Fraction { digits, optional } => {
                let min = if optional { 0 } else { digits.into() };
                let start = cur.pos;
                let value = cur
                    .digits(min, digits.into())
                    .ok_or_else(|| fail("fraction digits"))?;
                let read = u32::try_from(cur.pos - start).unwrap_or(0);
                let scale = 10u64.pow(9u32.saturating_sub(read));
                p.nanos = u32::try_from(value * scale).unwrap_or(0);
            }
            Field::AmPm(n) => {
                let len = if n == 1 { 1 } else { 2 };
                let text: String = cur.take(len).to_ascii_uppercase();
                p.pm = match text.as_str() {
                    "A" | "AM" => Some(false),
                    "P" | "PM" => Some(true),
                    _ => return Err(fail("AM or PM")),
                };
            }
            Field::Offset(n) => {
                p.offset = Some(
                    cur.offset(n)
                        .ok_or_else(|| fail("an offset such as -07:00"))?,
                )
            }
            Field::Kind => {
                if cur.eat('Z') || cur.eat('z') {
                    p.offset = Some(UtcOffset::UTC);
                } else if cur.peek().is_some_and(|c| c == '+' || c == '-') {
                    p.offset = Some(
                        cur.offset(3)
                            .ok_or_else(|| fail("an offset such as -07:00"))?,
                    );
                }
            }
            Field::Literal(ref text) => {
                for expected in text.chars() {
                    if expected.is_whitespace() {
                        while cur.peek().is_some_and(char::is_whitespace) {
                            cur.pos += 1;
                        }
                    } else if !cur.eat(expected) {
                        return Err(fail(&format!("{expected:?}")));
                    }
                }
            }
        }
    }
    if cur.pos < cur.chars.len() {
        let rest: String = cur.chars[cur.pos..].iter().collect();
        return Err(format!(
            "unexpected {rest:?} at character {} of {input:?} after the whole format was read",
            cur.pos + 1
        ));
    }
    build(p, today).map_err(|e| format!("{input:?} is not a valid date: {e}"))
}

fn build(p: Parsed, today: Date) -> Result<OffsetDateTime, String> {
    let has_date = p.year.is_some() || p.month.is_some() || p.day.is_some();
    let date = if has_date {
        let month = Month::try_from(p.month.unwrap_or(1)).map_err(|e| e.to_string())?;
        Date::from_calendar_date(p.year.unwrap_or(today.year()), month, p.day.unwrap_or(1))
            .map_err(|e| e.to_string())?
    } else {
        today
    };
    if let Some(w) = p.weekday {
        let actual = usize::from(date.weekday().number_days_from_monday());
        if w != actual {
            return Err(format!(
                "that day is a {}, not a {}",
                weekday_name(date.weekday()),
                DAYS.get(w).unwrap_or(&"?")
            ));
        }
    }
    let mut hour = p.hour.unwrap_or(0);
    match p.pm {
        Some(_) if p.twelve_hour && !(1..=12).contains(&hour) => {
            return Err(format!("hour {hour} cannot go with AM or PM"))
        }
        Some(pm) if p.twelve_hour => hour = hour % 12 + if pm { 12 } else { 0 },
        _ => {}
    }
    let time = Time::from_hms_nano(hour, p.minute, p.second, p.nanos).map_err(|e| e.to_string())?;
    Ok(OffsetDateTime::new_in_offset(
        date,
        time,
        p.offset.unwrap_or(UtcOffset::UTC),
    ))
}

fn weekday_name(w: Weekday) -> &'static str {
    DAYS.get(usize::from(w.number_days_from_monday()))
        .copied()
        .unwrap_or("?")
}

struct Cursor {
    chars: Vec<char>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        self.pos += usize::from(hit);
        hit
    }

    fn take(&mut self, n: usize) -> String {
        let end = (self.pos + n).min(self.chars.len());
        let text = self.chars[self.pos..end].iter().collect();
        self.pos = end;
        text
    }

    /// Between `min` and `max` ASCII digits, greedily.
    fn digits(&mut self, min: usize, max: usize) -> Option<u64> {
        let mut value: u64 = 0;
        let mut read = 0;
        while read < max {
            let Some(d) = self.peek().and_then(|c| c.to_digit(10)) else {
                break;
            };
            value = value * 10 + u64::from(d);
            read += 1;
            self.pos += 1;
        }
        (read >= min).then_some(value)
    }

    /// One or two digits for a one-letter field, exactly two for a doubled one.
    fn small(&mut self, n: u8) -> Option<u8> {
        let min = if n == 1 { 1 } else { 2 };
        self.digits(min, 2).and_then(|v| u8::try_from(v).ok())
    }

    fn name(&mut self, names: &[&str], n: u8) -> Option<usize> {
        for (i, full) in names.iter().enumerate() {
            let want = if n >= 4 {
                full
            } else {
                full.get(..3).unwrap_or(full)
            };
            let len = want.chars().count();
            let end = self.pos + len;
            if end <= self.chars.len() {
                let got: String = self.chars[self.pos..end].iter().collect();
                if got.eq_ignore_ascii_case(want) {
                    self.pos = end;
                    return Some(i);
                }
            }
        }
        None
    }

    /// `+7`, `+07` or `+07:00` for `z`, `zz`, `zzz`.
    fn offset(&mut self, n: u8) -> Option<UtcOffset> {
        let negative = match self.peek()? {
            '+' => false,
            '-' => true,
            _ => return None,
        };
        self.pos += 1;
        let hours = self.digits(if n == 1 { 1 } else { 2 }, 2)?;
        let minutes = if n >= 3 {
            if !self.eat(':') {
                return None;
            }
            self.digits(2, 2)?
        } else {
            0
        };
        let (h, m) = (i8::try_from(hours).ok()?, i8::try_from(minutes).ok()?);
        let (h, m) = if negative { (-h, -m) } else { (h, m) };
        UtcOffset::from_hms(h, m, 0).ok()
    }
}
