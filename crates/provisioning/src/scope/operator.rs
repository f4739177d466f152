//! The clause operators of Entra ID's scoping filters, their names, and what operand each
//! takes. Names are read in any case, with spaces or underscores between the words
//! (`not equals`, `NOT_EQUALS`, `greater than or equals`), and written the way Entra's portal
//! shows them.

use std::fmt;

/// A scoping clause operator. Semantics (Entra's, documented in `docs/mappings.md`) are in
/// `scope::eval`; this type only knows names and operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopingOperator {
    /// The value is exactly the text (case-sensitive).
    Equals,
    /// The value is not the text (case-sensitive); false when there is no value.
    NotEquals,
    IsTrue,
    IsFalse,
    /// No value: absent, null or empty.
    IsNull,
    IsNotNull,
    /// The value matches the regular expression somewhere (case-sensitive).
    RegexMatch,
    /// The value does not match; false when there is no value.
    NotRegexMatch,
    /// The value is an integer greater than the clause's integer.
    GreaterThan,
    GreaterThanOrEquals,
    /// The value contains the text (case-sensitive).
    Includes,
    /// The value ends with the text (case-sensitive).
    EndsWith,
}

/// What follows an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    None,
    Text,
    Integer,
    Pattern,
}

impl ScopingOperator {
    pub const ALL: [ScopingOperator; 12] = [
        ScopingOperator::Equals,
        ScopingOperator::NotEquals,
        ScopingOperator::IsTrue,
        ScopingOperator::IsFalse,
        ScopingOperator::IsNull,
        ScopingOperator::IsNotNull,
        ScopingOperator::RegexMatch,
        ScopingOperator::NotRegexMatch,
        ScopingOperator::GreaterThan,
        ScopingOperator::GreaterThanOrEquals,
        ScopingOperator::Includes,
        ScopingOperator::EndsWith,
    ];

    /// The name as Entra's portal writes it.
    pub fn name(self) -> &'static str {
        match self {
            ScopingOperator::Equals => "EQUALS",
            ScopingOperator::NotEquals => "NOT EQUALS",
            ScopingOperator::IsTrue => "IS TRUE",
            ScopingOperator::IsFalse => "IS FALSE",
            ScopingOperator::IsNull => "IS NULL",
            ScopingOperator::IsNotNull => "IS NOT NULL",
            ScopingOperator::RegexMatch => "REGEX MATCH",
            ScopingOperator::NotRegexMatch => "NOT REGEX MATCH",
            ScopingOperator::GreaterThan => "Greater_Than",
            ScopingOperator::GreaterThanOrEquals => "Greater_Than_OR_EQUALS",
            ScopingOperator::Includes => "Includes",
            ScopingOperator::EndsWith => "ENDS_WITH",
        }
    }

    /// The operator named `name`: any case, words separated by spaces or underscores.
    pub fn parse(name: &str) -> Option<ScopingOperator> {
        let wanted = normalize(name);
        Self::ALL
            .into_iter()
            .find(|op| normalize(op.name()) == wanted)
    }

    /// The longest operator name made of the first words of `words` (at most four), and how
    /// many words it took.
    pub(super) fn longest_prefix(words: &[&str]) -> Option<(ScopingOperator, usize)> {
        (1..=words.len().min(4))
            .rev()
            .find_map(|n| ScopingOperator::parse(&words[..n].join(" ")).map(|op| (op, n)))
    }

    pub fn operand(self) -> Operand {
        match self {
            ScopingOperator::IsTrue
            | ScopingOperator::IsFalse
            | ScopingOperator::IsNull
            | ScopingOperator::IsNotNull => Operand::None,
            ScopingOperator::RegexMatch | ScopingOperator::NotRegexMatch => Operand::Pattern,
            ScopingOperator::GreaterThan | ScopingOperator::GreaterThanOrEquals => Operand::Integer,
            ScopingOperator::Equals
            | ScopingOperator::NotEquals
            | ScopingOperator::Includes
            | ScopingOperator::EndsWith => Operand::Text,
        }
    }

    /// All names, for messages.
    pub(super) fn names() -> String {
        Self::ALL
            .iter()
            .map(|op| op.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ScopingOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Upper case, words joined by one underscore.
fn normalize(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '_')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_case_with_spaces_or_underscores() {
        for op in ScopingOperator::ALL {
            assert_eq!(ScopingOperator::parse(op.name()), Some(op));
            assert_eq!(ScopingOperator::parse(&op.name().to_lowercase()), Some(op));
            assert_eq!(
                ScopingOperator::parse(&op.name().replace(' ', "_")),
                Some(op)
            );
            assert_eq!(
                ScopingOperator::parse(&op.name().replace('_', "  ")),
                Some(op)
            );
        }
        assert_eq!(ScopingOperator::parse("equal"), None);
        assert_eq!(ScopingOperator::parse(""), None);
    }

    #[test]
    fn the_longest_name_wins() {
        let words = ["IS", "NOT", "NULL", "AND"];
        assert_eq!(
            ScopingOperator::longest_prefix(&words),
            Some((ScopingOperator::IsNotNull, 3))
        );
        let words = ["Greater", "Than", "Or", "Equals"];
        assert_eq!(
            ScopingOperator::longest_prefix(&words),
            Some((ScopingOperator::GreaterThanOrEquals, 4))
        );
        assert_eq!(
            ScopingOperator::longest_prefix(&["greater_than"]),
            Some((ScopingOperator::GreaterThan, 1))
        );
        assert_eq!(ScopingOperator::longest_prefix(&["IS"]), None);
        assert_eq!(ScopingOperator::longest_prefix(&[]), None);
    }
}
