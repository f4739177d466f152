//! Entra's seven-argument `Replace(source, oldValue, regexPattern, regexGroupName,
//! replacementValue, replacementAttributeName, template)`, which is five functions in one; which
//! one runs depends on the arguments that are given (not left empty).
//!
//! Patterns are Rust `regex` patterns, which read .NET's usual syntax (named groups `(?<name>..)`,
//! `\d`, classes) but have no look-around or backreferences: such a pattern is refused with the
//! engine's message. Compiled size and result size are capped, so a hostile pattern or template
//! gets an error instead of eating memory.

use regex::{Regex, RegexBuilder};

use super::args::{Args, Flow};
use super::value::Value;

/// The most memory one compiled pattern may use.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The longest text `Replace` may produce.
const MAX_RESULT_BYTES: usize = 1 << 20;

/// Compile a pattern within the limits, with a one-line message on failure.
pub(super) fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => format!(
                "the regex {pattern:?} is too large once compiled (the limit is {} KiB); \
                 simplify it",
                limit / 1024
            ),
            other => {
                let text = other.to_string();
                let reason = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("error: "))
                    .unwrap_or(text.trim());
                format!("invalid regex {pattern:?}: {reason}")
            }
        })
}

/// .NET replacement syntax (`$1`, `${name}`, `$&`, `$$`) written for the `regex` crate, whose
/// `$name` would otherwise swallow letters after a group number (`$1a`).
fn dotnet_replacement(replacement: &str) -> String {
    let chars: Vec<char> = replacement.chars().collect();
    let mut out = String::with_capacity(replacement.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.get(i) {
            Some('$') => {
                out.push_str("$$");
                i += 1;
            }
            Some('&') => {
                out.push_str("${0}");
                i += 1;
            }
            Some('{') => {
                let close = chars[i..].iter().position(|&x| x == '}');
                let name: Option<String> = close.map(|len| chars[i + 1..i + len].iter().collect());
                match name
                    .filter(|n| !n.is_empty() && n.chars().all(|x| x.is_alphanumeric() || x == '_'))
                {
                    Some(name) => {
                        out.push_str(&format!("${{{name}}}"));
                        i += name.chars().count() + 2;
                    }
                    None => out.push_str("$$"),
                }
            }
            Some(d) if d.is_ascii_digit() => {
                let digits: String = chars[i..]
                    .iter()
                    .take_while(|x| x.is_ascii_digit())
                    .collect();
                i += digits.len();
                out.push_str(&format!("${{{digits}}}"));
            }
            _ => out.push_str("$$"),
        }
    }
    out
}

fn too_long(a: &Args) -> super::args::Stop {
    a.fail(format!(
        "the result would be longer than {} KiB",
        MAX_RESULT_BYTES / 1024
    ))
}

/// `Replace(...)`; `compiled` is the pattern when the parser could compile it already.
pub(super) fn replace(a: &Args, compiled: Option<&Regex>) -> Flow<Value> {
    let source = a.text(0)?;
    if a.given(2) {
        let regex = match compiled {
            Some(r) => r.clone(),
            None => {
                let pattern = a.text_or_empty(2)?;
                compile_regex(&pattern).map_err(|m| a.bad(2, m))?
            }
        };
        return if a.given(3) {
            replace_group(a, &regex, source)
        } else if a.given(4) {
            let Some(s) = source else {
                return Ok(Value::Null);
            };
            let replacement = dotnet_replacement(&a.text_or_empty(4)?);
            let mut out = String::new();
            let mut last = 0;
            for caps in regex.captures_iter(&s) {
                let Some(m) = caps.get(0) else { continue };
                out.push_str(&s[last..m.start()]);
                caps.expand(&replacement, &mut out);
                last = m.end();
                if out.len() > MAX_RESULT_BYTES {
                    return Err(too_long(a));
                }
            }
            out.push_str(&s[last..]);
            Ok(Value::String(out))
        } else {
            Err(a.fail(
                "with regexPattern, give replacementValue (or regexGroupName with \
                 replacementValue or replacementAttributeName)",
            ))
        };
    }
    if a.given(1) {
        let old = a.text_or_empty(1)?;
        if old.is_empty() {
            return Err(a.bad(1, "the value to replace cannot be empty"));
        }
        let Some(s) = source else {
            return Ok(Value::Null);
        };
        let (text, by) = if a.given(6) {
            (a.text_or_empty(6)?, s)
        } else if a.given(4) {
            (s, a.text_or_empty(4)?)
        } else {
            return Err(a.fail(
                "with oldValue, give replacementValue (to replace it in the source) or template \
                 (to put the source in place of oldValue in the template)",
            ));
        };
        let grows = by.len().saturating_sub(old.len());
        if text.len() + text.matches(old.as_str()).count().saturating_mul(grows) > MAX_RESULT_BYTES
        {
            return Err(too_long(a));
        }
        return Ok(Value::String(text.replace(old.as_str(), &by)));
    }
    Err(a.fail(
        "give oldValue or regexPattern: Replace(source, oldValue, regexPattern, regexGroupName, \
         replacementValue, replacementAttributeName, template)",
    ))
}

/// The `regexGroupName` forms: replace the group in every match with `replacementValue`, or,
/// when the source is empty, take the group from `replacementAttributeName`.
fn replace_group(a: &Args, regex: &Regex, source: Option<String>) -> Flow<Value> {
    let group = a.text_or_empty(3)?;
    if !regex.capture_names().flatten().any(|n| n == group) {
        let names: Vec<&str> = regex.capture_names().flatten().collect();
        let known = if names.is_empty() {
            "it has no named groups; name one with (?<name>...)".to_string()
        } else {
            format!("its named groups are {}", names.join(", "))
        };
        return Err(a.bad(
            3,
            format!("the pattern has no group named {group:?}; {known}"),
        ));
    }
    if a.given(5) {
        if let Some(s) = source.filter(|s| !s.is_empty()) {
            return Ok(Value::String(s));
        }
        let Some(other) = a.text(5)? else {
            return Ok(Value::Null);
        };
        let found = regex.captures(&other).and_then(|c| c.name(&group));
        return Ok(found.map_or(Value::Null, |m| Value::string(m.as_str())));
    }
    if !a.given(4) {
        return Err(
            a.fail("with regexGroupName, give replacementValue or replacementAttributeName")
        );
    }
    let Some(s) = source else {
        return Ok(Value::Null);
    };
    let replacement = a.text_or_empty(4)?;
    let mut out = String::new();
    let mut last = 0;
    for caps in regex.captures_iter(&s) {
        let Some(m) = caps.name(&group) else { continue };
        if m.start() < last {
            continue;
        }
        out.push_str(&s[last..m.start()]);
        out.push_str(&replacement);
        last = m.end();
        if out.len() > MAX_RESULT_BYTES {
            return Err(too_long(a));
        }
    }
    out.push_str(&s[last..]);
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_syntax() {
        assert_eq!(dotnet_replacement("${phoneNumber}"), "${phoneNumber}");
        assert_eq!(dotnet_replacement("$1a"), "${1}a");
        assert_eq!(dotnet_replacement("$& and $$"), "${0} and $$");
        assert_eq!(dotnet_replacement("cost: $"), "cost: $$");
        assert_eq!(dotnet_replacement("${bad name}"), "$${bad name}");
        assert_eq!(dotnet_replacement("é${x}ü"), "é${x}ü");
    }

    #[test]
    fn regex_errors_are_one_line() {
        let e = compile_regex("(?<a").unwrap_err();
        assert!(e.starts_with("invalid regex \"(?<a\": "), "{e}");
        assert!(!e.contains('\n'));
        let e = compile_regex("(?=x)").unwrap_err();
        assert!(e.contains("look-around"), "{e}");
        let e = compile_regex(r"\w{1000}{1000}").unwrap_err();
        assert!(e.contains("too large"), "{e}");
    }
}
