//! The text functions: Append, Join, Left, Mid, Word, InStr, Split, StripSpaces, PCase, ToLower,
//! ToUpper, NormalizeDiacritics, ConvertToBase64, ConvertToUTF8Hex.
//!
//! Positions and lengths count characters, never bytes, so names with accents or in any script
//! cut where a person expects. Null rules follow Entra's reference: `Left` and `Word` give "" for
//! null; the others give null, so a missing attribute never turns into a made-up value.

use base64::Engine;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use super::args::{Args, Flow};
use super::value::Value;

fn usize_of(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// `Append(source, suffix)`: null source gives null; a null suffix appends nothing.
pub(super) fn append(a: &Args) -> Flow<Value> {
    let Some(source) = a.text(0)? else {
        return Ok(Value::Null);
    };
    Ok(Value::String(source + &a.text_or_empty(1)?))
}

/// `Join(separator, source1, ...)`: multi-valued sources contribute every value; null and empty
/// values are skipped (Entra's `Join(", ", "", [surname], [givenName])` gives `Doe, John`).
pub(super) fn join(a: &Args) -> Flow<Value> {
    let separator = a.text_or_empty(0)?;
    let mut parts = Vec::new();
    let mut any = false;
    for i in 1..a.len() {
        for item in a.value(i).items() {
            if let Some(t) = item.to_text().map_err(|m| a.bad(i, m))? {
                any = true;
                if !t.is_empty() {
                    parts.push(t);
                }
            }
        }
    }
    Ok(if any {
        Value::String(parts.join(&separator))
    } else {
        Value::Null
    })
}

/// `Left(string, numChars)`: null gives ""; a negative count gives the whole string.
pub(super) fn left(a: &Args) -> Flow<Value> {
    let s = a.text(0)?.unwrap_or_default();
    let n = a.required_integer(1)?;
    Ok(Value::String(if n < 0 {
        s
    } else {
        s.chars().take(usize_of(n)).collect()
    }))
}

/// `Mid(source, start, length)`, `start` counting from 1.
pub(super) fn mid(a: &Args) -> Flow<Value> {
    let Some(s) = a.text(0)? else {
        return Ok(Value::Null);
    };
    let start = a.required_integer(1)?;
    if start < 1 {
        return Err(a.bad(
            1,
            format!("positions start at 1 (the first character), got {start}"),
        ));
    }
    let length = a.required_integer(2)?;
    if length < 0 {
        return Err(a.bad(2, format!("a length cannot be negative, got {length}")));
    }
    let skipped = s.chars().skip(usize_of(start - 1));
    Ok(Value::String(skipped.take(usize_of(length)).collect()))
}

/// `Word(string, wordNumber, delimiters)`: words are the non-empty runs between any of the
/// delimiter characters. A missing word (or a null string) gives "".
pub(super) fn word(a: &Args) -> Flow<Value> {
    let s = a.text(0)?.unwrap_or_default();
    let n = a.required_integer(1)?;
    let delimiters: Vec<char> = a.text_or_empty(2)?.chars().collect();
    if n < 1 {
        return Ok(Value::string(""));
    }
    let found = s
        .split(|c| delimiters.contains(&c))
        .filter(|w| !w.is_empty())
        .nth(usize_of(n - 1));
    Ok(Value::string(found.unwrap_or("")))
}

/// `InStr(value1, value2, start, compareType)`: the 1-based position of `value2` in `value1`
/// from `start`, or 0. `vbTextCompare` (1) ignores case; `vbBinaryCompare` (0) is the default.
pub(super) fn in_str(a: &Args) -> Flow<Value> {
    let (Some(haystack), Some(needle)) = (a.text(0)?, a.text(1)?) else {
        return Ok(Value::Null);
    };
    let start = a.integer(2)?.unwrap_or(1);
    if start < 1 {
        return Err(a.bad(2, format!("positions start at 1, got {start}")));
    }
    let ignore_case = match a.value(3) {
        Value::Null => false,
        Value::String(s) if s.eq_ignore_ascii_case("vbTextCompare") || s == "1" => true,
        Value::String(s) if s.eq_ignore_ascii_case("vbBinaryCompare") || s == "0" => false,
        Value::Number(n) if n.as_i64() == Some(1) => true,
        Value::Number(n) if n.as_i64() == Some(0) => false,
        other => {
            return Err(a.bad(
                3,
                format!(
                    "expected vbBinaryCompare or vbTextCompare, got {}",
                    other.describe()
                ),
            ))
        }
    };
    let hay: Vec<char> = haystack.chars().collect();
    let pat: Vec<char> = needle.chars().collect();
    let from = usize_of(start - 1);
    if from > hay.len() {
        return Ok(Value::int(0));
    }
    if pat.is_empty() {
        return Ok(Value::int(start));
    }
    let same = |x: char, y: char| x == y || (ignore_case && x.to_lowercase().eq(y.to_lowercase()));
    let hit = (from..=hay.len().saturating_sub(pat.len())).find(|&i| {
        hay.len() >= i + pat.len() && pat.iter().zip(&hay[i..]).all(|(p, h)| same(*h, *p))
    });
    Ok(Value::int(
        hit.map_or(0, |i| i64::try_from(i + 1).unwrap_or(0)),
    ))
}

/// `Split(source, delimiter)`: a list of the pieces, each trimmed of surrounding white space
/// (Entra's `"PermissionSetOne, PermissionSetTwo"` gives `["PermissionSetOne",
/// "PermissionSetTwo"]`).
pub(super) fn split(a: &Args) -> Flow<Value> {
    let Some(source) = a.text(0)?.filter(|s| !s.is_empty()) else {
        return Ok(Value::Null);
    };
    let delimiter = a.text_or_empty(1)?;
    let pieces: Vec<Value> = if delimiter.is_empty() {
        vec![Value::String(source.trim().to_string())]
    } else {
        source
            .split(delimiter.as_str())
            .map(|p| Value::String(p.trim().to_string()))
            .collect()
    };
    Ok(Value::List(pieces))
}

/// A one-argument text function: null gives null.
fn map_text(a: &Args, f: impl FnOnce(String) -> String) -> Flow<Value> {
    Ok(a.text(0)?.map_or(Value::Null, |s| Value::String(f(s))))
}

/// `StripSpaces(source)`: removes every space character (U+0020), as Entra does.
pub(super) fn strip_spaces(a: &Args) -> Flow<Value> {
    map_text(a, |s| s.replace(' ', ""))
}

/// `ToLower(source, culture)` / `ToUpper(source, culture)`: invariant rules, except that a
/// Turkish or Azerbaijani culture (`tr-TR`, `az`) maps the dotted and dotless i its own way.
pub(super) fn change_case(a: &Args, upper: bool) -> Flow<Value> {
    let culture = a.text_or_empty(1)?.to_ascii_lowercase();
    let turkic = ["tr", "az"]
        .iter()
        .any(|c| culture == *c || culture.starts_with(&format!("{c}-")));
    map_text(a, |s| match (upper, turkic) {
        (false, false) => s.to_lowercase(),
        (true, false) => s.to_uppercase(),
        (false, true) => s.replace('I', "ı").replace('İ', "i").to_lowercase(),
        (true, true) => s.replace('i', "İ").replace('ı', "I").to_uppercase(),
    })
}

/// `PCase(source, wordSeparators)`: each word's first letter upper case, the rest lower case.
/// Without separators, anything that is not a letter or digit separates words.
pub(super) fn pcase(a: &Args) -> Flow<Value> {
    let separators: Option<Vec<char>> = if a.given(1) {
        Some(a.text_or_empty(1)?.chars().collect())
    } else {
        None
    };
    map_text(a, |s| {
        let mut out = String::with_capacity(s.len());
        let mut at_word_start = true;
        for c in s.chars() {
            let separates = match &separators {
                Some(set) => set.contains(&c),
                None => !c.is_alphanumeric(),
            };
            if separates {
                out.push(c);
                at_word_start = true;
            } else if at_word_start {
                out.extend(c.to_uppercase());
                at_word_start = false;
            } else {
                out.extend(c.to_lowercase());
            }
        }
        out
    })
}

/// Letters that lose no mark under decomposition but have a plain spelling in Entra's table.
fn plain_spelling(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' => "ae",
        'Æ' => "AE",
        'ø' | 'œ' => "oe",
        'Ø' | 'Œ' => "OE",
        'ß' => "ss",
        'ẞ' => "SS",
        'ł' => "l",
        'Ł' => "L",
        'ı' => "i",
        'đ' => "d",
        'Đ' => "D",
        _ => return None,
    })
}

/// `NormalizeDiacritics(source)`: accented letters become plain ones (`Zoë` → `Zoe`,
/// `Łukasz` → `Lukasz`, `Søren` → `Soeren`), following Entra's table.
pub(super) fn normalize_diacritics(a: &Args) -> Flow<Value> {
    map_text(a, |s| {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            decompose_canonical(c, |d| {
                if is_combining_mark(d) {
                    return;
                }
                match plain_spelling(d) {
                    Some(plain) => out.push_str(plain),
                    None => out.push(d),
                }
            });
        }
        out
    })
}

/// `ConvertToBase64(source)`: base64 of the UTF-16LE bytes, as .NET's "Unicode" encoding gives.
pub(super) fn to_base64(a: &Args) -> Flow<Value> {
    map_text(a, |s| {
        let bytes: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    })
}

/// `ConvertToUTF8Hex(source)`: the UTF-8 bytes in upper-case hex.
pub(super) fn to_utf8_hex(a: &Args) -> Flow<Value> {
    map_text(a, |s| s.bytes().map(|b| format!("{b:02X}")).collect())
}
