//! The function catalogue: every function the language knows, with the name, parameters and
//! argument counts of Microsoft Entra ID's "Reference for writing expressions for attribute
//! mappings", so an expression written for Entra parses here unchanged.
//!
//! The parser checks names and argument counts against this table (and suggests the nearest
//! name for a typo); the evaluator dispatches on [`Function`]. The table is the one place to
//! add a function.

use std::fmt;

/// A function of the expression language. Names are matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Append,
    BitAnd,
    CBool,
    CDate,
    Coalesce,
    ConvertToBase64,
    ConvertToUtf8Hex,
    Count,
    CStr,
    DateAdd,
    DateDiff,
    DateFromNum,
    FormatDateTime,
    Guid,
    IgnoreFlowIfNullOrEmpty,
    Iif,
    InStr,
    IsNull,
    IsNullOrEmpty,
    IsPresent,
    IsString,
    Item,
    Join,
    Left,
    Mid,
    NormalizeDiacritics,
    Not,
    Now,
    NumFromDate,
    PCase,
    RandomString,
    Redact,
    RemoveDuplicates,
    Replace,
    SelectUniqueValue,
    Split,
    StripSpaces,
    Switch,
    ToLower,
    ToUpper,
    Word,
}

/// A function's name, parameter names and how many arguments it takes.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    /// The name as Entra spells it.
    pub name: &'static str,
    /// Parameter names; for a function without a maximum, the last name repeats.
    pub params: &'static [&'static str],
    pub min: usize,
    /// `None`: any number of arguments from `min` on.
    pub max: Option<usize>,
    /// 0-based positions that may be left empty, as in `Replace([x], "a", , , "b", , )`.
    pub omittable: &'static [usize],
}

const fn sig(
    name: &'static str,
    params: &'static [&'static str],
    min: usize,
    max: Option<usize>,
    omittable: &'static [usize],
) -> Signature {
    Signature {
        name,
        params,
        min,
        max,
        omittable,
    }
}

impl Function {
    /// Every function, in alphabetical order.
    pub const ALL: [Function; 41] = {
        use Function::*;
        [
            Append,
            BitAnd,
            CBool,
            CDate,
            Coalesce,
            ConvertToBase64,
            ConvertToUtf8Hex,
            Count,
            CStr,
            DateAdd,
            DateDiff,
            DateFromNum,
            FormatDateTime,
            Guid,
            IgnoreFlowIfNullOrEmpty,
            Iif,
            InStr,
            IsNull,
            IsNullOrEmpty,
            IsPresent,
            IsString,
            Item,
            Join,
            Left,
            Mid,
            NormalizeDiacritics,
            Not,
            Now,
            NumFromDate,
            PCase,
            RandomString,
            Redact,
            RemoveDuplicates,
            Replace,
            SelectUniqueValue,
            Split,
            StripSpaces,
            Switch,
            ToLower,
            ToUpper,
            Word,
        ]
    };

    pub fn signature(self) -> Signature {
        use Function::*;
        match self {
            Append => sig("Append", &["source", "suffix"], 2, Some(2), &[]),
            BitAnd => sig("BitAnd", &["value1", "value2"], 2, Some(2), &[]),
            CBool => sig("CBool", &["expression"], 1, Some(1), &[]),
            CDate => sig("CDate", &["expression"], 1, Some(1), &[]),
            Coalesce => sig("Coalesce", &["source"], 1, None, &[]),
            ConvertToBase64 => sig("ConvertToBase64", &["source"], 1, Some(1), &[]),
            ConvertToUtf8Hex => sig("ConvertToUTF8Hex", &["source"], 1, Some(1), &[]),
            Count => sig("Count", &["attribute"], 1, Some(1), &[]),
            CStr => sig("CStr", &["value"], 1, Some(1), &[]),
            DateAdd => sig(
                "DateAdd",
                &["interval", "value", "dateTime"],
                3,
                Some(3),
                &[],
            ),
            DateDiff => sig("DateDiff", &["interval", "date1", "date2"], 3, Some(3), &[]),
            DateFromNum => sig("DateFromNum", &["value"], 1, Some(1), &[]),
            FormatDateTime => sig(
                "FormatDateTime",
                &["source", "dateTimeStyles", "inputFormat", "outputFormat"],
                3,
                Some(4),
                &[1],
            ),
            Guid => sig("Guid", &[], 0, Some(0), &[]),
            IgnoreFlowIfNullOrEmpty => {
                sig("IgnoreFlowIfNullOrEmpty", &["expression"], 1, Some(1), &[])
            }
            Iif => sig(
                "IIF",
                &["condition", "valueIfTrue", "valueIfFalse"],
                3,
                Some(3),
                &[],
            ),
            InStr => sig(
                "InStr",
                &["value1", "value2", "start", "compareType"],
                2,
                Some(4),
                &[2],
            ),
            IsNull => sig("IsNull", &["expression"], 1, Some(1), &[]),
            IsNullOrEmpty => sig("IsNullOrEmpty", &["expression"], 1, Some(1), &[]),
            IsPresent => sig("IsPresent", &["expression"], 1, Some(1), &[]),
            IsString => sig("IsString", &["expression"], 1, Some(1), &[]),
            Item => sig("Item", &["attribute", "index"], 2, Some(2), &[]),
            Join => sig("Join", &["separator", "source"], 2, None, &[]),
            Left => sig("Left", &["string", "numChars"], 2, Some(2), &[]),
            Mid => sig("Mid", &["source", "start", "length"], 3, Some(3), &[]),
            NormalizeDiacritics => sig("NormalizeDiacritics", &["source"], 1, Some(1), &[]),
            Not => sig("Not", &["source"], 1, Some(1), &[]),
            Now => sig("Now", &[], 0, Some(0), &[]),
            NumFromDate => sig("NumFromDate", &["value"], 1, Some(1), &[]),
            PCase => sig("PCase", &["source", "wordSeparators"], 1, Some(2), &[]),
            RandomString => sig(
                "RandomString",
                &[
                    "length",
                    "minimumNumbers",
                    "minimumSpecialCharacters",
                    "minimumCapital",
                    "minimumLowerCase",
                    "charactersToAvoid",
                ],
                5,
                Some(6),
                &[5],
            ),
            Redact => sig("Redact", &["value"], 1, Some(1), &[]),
            RemoveDuplicates => sig("RemoveDuplicates", &["attribute"], 1, Some(1), &[]),
            Replace => sig(
                "Replace",
                &[
                    "source",
                    "oldValue",
                    "regexPattern",
                    "regexGroupName",
                    "replacementValue",
                    "replacementAttributeName",
                    "template",
                ],
                5,
                Some(7),
                &[1, 2, 3, 4, 5, 6],
            ),
            SelectUniqueValue => sig("SelectUniqueValue", &["uniqueValueRule"], 2, None, &[]),
            Split => sig("Split", &["source", "delimiter"], 2, Some(2), &[]),
            StripSpaces => sig("StripSpaces", &["source"], 1, Some(1), &[]),
            Switch => sig(
                "Switch",
                &["source", "defaultValue", "key", "value"],
                4,
                None,
                &[1],
            ),
            ToLower => sig("ToLower", &["source", "culture"], 1, Some(2), &[]),
            ToUpper => sig("ToUpper", &["source", "culture"], 1, Some(2), &[]),
            Word => sig(
                "Word",
                &["string", "wordNumber", "delimiters"],
                3,
                Some(3),
                &[],
            ),
        }
    }

    pub fn name(self) -> &'static str {
        self.signature().name
    }

    /// The function called `name`, in any case.
    pub fn lookup(name: &str) -> Option<Function> {
        Function::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The name of parameter `index` (0-based), for messages.
    pub fn param_name(self, index: usize) -> &'static str {
        let sig = self.signature();
        match (self, sig.params.len()) {
            (_, 0) => "argument",
            // Switch repeats key/value pairs after source and defaultValue.
            (Function::Switch, _) if index >= 2 => sig.params[2 + index % 2],
            (_, len) => sig.params[index.min(len - 1)],
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to tell someone who wrote `name(...)` for a function that does not exist here.
pub fn unknown_function_hint(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let known = match lower.as_str() {
        "approleassignmentscomplex" | "singleapproleassignment" => {
            return format!(
                "{name} is an Entra ID function for app role assignments, which Scimitar \
                 does not have; map roles with an attribute such as [roles.value]"
            )
        }
        "concat" | "concatenate" => Some("Join"),
        "substring" | "substr" => Some("Mid"),
        "if" => Some("IIF"),
        _ => None,
    };
    let suggestion = known.or_else(|| nearest(&lower));
    match suggestion {
        Some(s) => format!("unknown function {name}; did you mean {s}?"),
        None => format!("unknown function {name}; the functions are listed in docs/expressions.md"),
    }
}

/// The known name closest to `lower` by edit distance, if it is close enough to be a typo.
fn nearest(lower: &str) -> Option<&'static str> {
    let (distance, name) = Function::ALL
        .into_iter()
        .map(|f| {
            (
                edit_distance(lower, &f.name().to_ascii_lowercase()),
                f.name(),
            )
        })
        .min_by_key(|(d, _)| *d)?;
    let allowed = (lower.chars().count() / 3).max(2);
    (distance <= allowed).then_some(name)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j] + 1).min(row[j + 1] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_round_trips_its_name() {
        for f in Function::ALL {
            assert_eq!(Function::lookup(f.name()), Some(f));
            assert_eq!(Function::lookup(&f.name().to_lowercase()), Some(f));
            let sig = f.signature();
            assert!(sig.max.into_iter().all(|m| m >= sig.min), "{f}");
            assert!(sig.max.into_iter().all(|m| m == sig.params.len()), "{f}");
        }
        assert_eq!(Function::lookup("iif"), Some(Function::Iif));
        assert_eq!(
            Function::lookup("convertToUtf8Hex"),
            Some(Function::ConvertToUtf8Hex)
        );
        assert_eq!(Function::lookup("Right"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            unknown_function_hint("ToLowr"),
            "unknown function ToLowr; did you mean ToLower?"
        );
        assert!(unknown_function_hint("Lower").ends_with("did you mean ToLower?"));
        assert!(unknown_function_hint("If").ends_with("did you mean IIF?"));
        assert!(unknown_function_hint("Concat").ends_with("did you mean Join?"));
        assert!(unknown_function_hint("Swich").ends_with("did you mean Switch?"));
        assert!(unknown_function_hint("Frobnicate").contains("docs/expressions.md"));
        assert!(unknown_function_hint("SingleAppRoleAssignment").contains("app role"));
    }

    #[test]
    fn param_names() {
        assert_eq!(Function::Switch.param_name(1), "defaultValue");
        assert_eq!(Function::Switch.param_name(4), "key");
        assert_eq!(Function::Switch.param_name(5), "value");
        assert_eq!(Function::Join.param_name(7), "source");
        assert_eq!(Function::Guid.param_name(0), "argument");
        assert_eq!(Function::Left.param_name(1), "numChars");
    }
}
