//! Conversions, tests and list functions: CBool, CStr, BitAnd, Not, IsNull, IsNullOrEmpty,
//! IsPresent, IsString, Count, Item, RemoveDuplicates, Redact, Guid, RandomString.
//!
//! Conversions refuse what they cannot read (`CBool("maybe")`) rather than guessing, and say
//! what they expected. `Guid` and `RandomString` draw only from the evaluation context.

use super::args::{Args, Flow};
use super::context::EvalContext;
use super::value::{Number, Value};

/// `CBool(expression)`: True/False text, booleans, and numbers (non-zero is True).
pub(super) fn cbool(a: &Args) -> Flow<Value> {
    Ok(a.boolean(0)?.map_or(Value::Null, Value::Boolean))
}

/// `CStr(value)`: the value as text (`True`, `42`, `3/16/2020 7:00:00 AM`).
pub(super) fn cstr(a: &Args) -> Flow<Value> {
    Ok(a.text(0)?.map_or(Value::Null, Value::String))
}

/// `BitAnd(value1, value2)`: the bitwise AND of two whole numbers.
pub(super) fn bit_and(a: &Args) -> Flow<Value> {
    let (Some(x), Some(y)) = (a.integer(0)?, a.integer(1)?) else {
        return Ok(Value::Null);
    };
    Ok(Value::Number(Number::Int(x & y)))
}

/// `Not(source)`: False for True and True for False. As in Entra, anything that is not True
/// gives True, so null gives True; text that is neither is an error rather than a guess.
pub(super) fn not(a: &Args) -> Flow<Value> {
    Ok(Value::Boolean(!a.boolean(0)?.unwrap_or(false)))
}

pub(super) fn is_null(a: &Args) -> Value {
    Value::Boolean(a.value(0).is_null())
}

pub(super) fn is_null_or_empty(a: &Args) -> Value {
    Value::Boolean(a.value(0).is_null_or_empty())
}

pub(super) fn is_present(a: &Args) -> Value {
    Value::Boolean(!a.value(0).is_null_or_empty())
}

pub(super) fn is_string(a: &Args) -> Value {
    Value::Boolean(matches!(a.value(0), Value::String(_)))
}

/// `Count(attribute)`: how many values; 0 for null, 1 for a single value.
pub(super) fn count(a: &Args) -> Value {
    Value::int(i64::try_from(a.value(0).items().len()).unwrap_or(i64::MAX))
}

/// `Item(attribute, index)`: the value at `index`, counting from 1; null past the end.
pub(super) fn item(a: &Args) -> Flow<Value> {
    let index = a.required_integer(1)?;
    if index < 1 {
        return Err(a.bad(
            1,
            format!("Item counts from 1 (the first value), got {index}"),
        ));
    }
    let position = usize::try_from(index - 1).unwrap_or(usize::MAX);
    Ok(a.value(0)
        .items()
        .nth(position)
        .cloned()
        .unwrap_or(Value::Null))
}

/// `RemoveDuplicates(attribute)`: the values in their first order, each once (exact match).
pub(super) fn remove_duplicates(a: &Args) -> Value {
    match a.value(0) {
        Value::List(items) => {
            let mut unique: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                if !unique.contains(item) {
                    unique.push(item.clone());
                }
            }
            Value::List(unique)
        }
        other => other.clone(),
    }
}

/// `Redact(value)`: the value itself; [`Expression::redacts`](super::Expression::redacts) tells
/// the logs to hide it.
pub(super) fn redact(a: &Args) -> Value {
    a.value(0).clone()
}

/// `Guid()`: a new GUID from the context, in the usual hyphenated lower-case form.
pub(super) fn guid(ctx: &dyn EvalContext) -> Value {
    Value::String(ctx.new_guid().hyphenated().to_string())
}

/// The special characters of Windows' password-complexity rule, which Entra's RandomString uses.
const SPECIAL: &str = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";
const MAX_RANDOM_LENGTH: i64 = 256;

/// `RandomString(length, minimumNumbers, minimumSpecialCharacters, minimumCapital,
/// minimumLowerCase, charactersToAvoid)`.
pub(super) fn random_string(a: &Args, ctx: &dyn EvalContext) -> Flow<Value> {
    let length = a.required_integer(0)?;
    if !(1..=MAX_RANDOM_LENGTH).contains(&length) {
        return Err(a.bad(
            0,
            format!("the length must be 1 to {MAX_RANDOM_LENGTH}, got {length}"),
        ));
    }
    let avoid: Vec<char> = a.text_or_empty(5)?.chars().collect();
    let keep = |set: &mut dyn Iterator<Item = char>| -> Vec<char> {
        set.filter(|c| !avoid.contains(c)).collect()
    };
    let classes = [
        keep(&mut ('0'..='9')),
        keep(&mut SPECIAL.chars()),
        keep(&mut ('A'..='Z')),
        keep(&mut ('a'..='z')),
    ];
    let mut minimums = [0usize; 4];
    for (i, class) in classes.iter().enumerate() {
        let min = a.required_integer(i + 1)?;
        if min < 0 {
            return Err(a.bad(i + 1, format!("a minimum cannot be negative, got {min}")));
        }
        if min > 0 && class.is_empty() {
            return Err(a.bad(i + 1, "charactersToAvoid excludes every such character"));
        }
        minimums[i] = usize::try_from(min).unwrap_or(usize::MAX);
    }
    let length = usize::try_from(length).unwrap_or(0);
    let required = minimums.iter().fold(0usize, |s, m| s.saturating_add(*m));
    if required > length {
        return Err(a.fail(format!(
            "the minimums add up to {required} characters, more than the length {length}"
        )));
    }
    let all: Vec<char> = classes.concat();
    if all.is_empty() {
        return Err(a.bad(5, "charactersToAvoid excludes every character"));
    }
    let below = |n: usize| (ctx.random_u64() % n as u64) as usize;
    let mut chars: Vec<char> = Vec::with_capacity(length);
    for (class, min) in classes.iter().zip(minimums) {
        chars.extend((0..min).map(|_| class[below(class.len())]));
    }
    while chars.len() < length {
        chars.push(all[below(all.len())]);
    }
    for i in (1..chars.len()).rev() {
        chars.swap(i, below(i + 1));
    }
    Ok(Value::String(chars.into_iter().collect()))
}
