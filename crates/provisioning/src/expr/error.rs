//! The errors of the expression language: a [`ParseError`] points at a column and draws a caret
//! under it; an [`EvalError`] names the function that failed and what to fix.
//!
//! Messages are for the admin who wrote the expression, shown by the CLI, the admin API and the
//! provisioning logs; they never contain internal detail beyond the expression and the values it
//! was given.

use std::fmt;

use super::ast::Position;

/// The widest stretch of a long line shown under an error, in characters.
const EXCERPT_WIDTH: usize = 100;

/// An expression that does not parse: where, what is wrong, and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the error (expressions may span lines).
    pub line: usize,
    /// 1-based column within that line, in characters.
    pub column: usize,
    pub message: String,
    source_line: String,
}

impl ParseError {
    pub(super) fn new(input: &str, at: Position, message: impl Into<String>) -> ParseError {
        let source_line = input
            .split('\n')
            .nth(at.line.saturating_sub(1))
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        ParseError {
            line: at.line,
            column: at.column,
            message: message.into(),
            source_line,
        }
    }

    pub fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    /// The offending line (or a window of it around the column) and the caret line under it.
    pub fn excerpt(&self) -> (String, String) {
        let chars: Vec<char> = self
            .source_line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let col = self.column.max(1) - 1;
        let (start, end) = if chars.len() <= EXCERPT_WIDTH {
            (0, chars.len())
        } else {
            let start = col
                .saturating_sub(EXCERPT_WIDTH / 2)
                .min(chars.len() - EXCERPT_WIDTH);
            (start, start + EXCERPT_WIDTH)
        };
        let mut line = String::new();
        if start > 0 {
            line.push_str("...");
        }
        line.extend(&chars[start..end]);
        if end < chars.len() {
            line.push_str("...");
        }
        let indent = col - start + if start > 0 { 3 } else { 0 };
        (line, format!("{}^", " ".repeat(indent)))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (line, caret) = self.excerpt();
        write!(
            f,
            "error at {}: {}\n{line}\n{caret}",
            self.position(),
            self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// An expression that parsed but could not be evaluated for this source object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{function} at {at}: {message}")]
pub struct EvalError {
    /// The function that failed (`FormatDateTime`), or what else failed: `attribute [x]`,
    /// `comparison '>'`.
    pub function: String,
    /// Where that function (or attribute, or comparison) was written.
    pub at: Position,
    pub message: String,
}

/// Why an attribute reference could not be read from the source object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AttributeError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn caret_under_the_column() {
        let e = ParseError::new(
            "Append([givenName] \"x\")",
            at(1, 20),
            "expected ',' or ')'",
        );
        assert_eq!(
            e.to_string(),
            "error at column 20: expected ',' or ')'\nAppend([givenName] \"x\")\n                   ^"
        );
    }

    #[test]
    fn second_line_of_a_multi_line_expression() {
        let e = ParseError::new("Join(\"@\",\r\n  [a] [b])", at(2, 7), "boom");
        assert_eq!(
            e.to_string(),
            "error at line 2, column 7: boom\n  [a] [b])\n      ^"
        );
    }

    #[test]
    fn long_lines_are_windowed() {
        let input = format!("Join(\"x\", {}, Oops())", "\"a\"".repeat(100));
        let column = input.find("Oops").unwrap() + 1;
        let e = ParseError::new(&input, at(1, column), "unknown");
        let (line, caret) = e.excerpt();
        assert!(line.starts_with("...") && line.chars().count() <= EXCERPT_WIDTH + 6);
        let caret_col = caret.chars().count() - 1;
        assert_eq!(
            line.chars().skip(caret_col).take(4).collect::<String>(),
            "Oops"
        );
    }

    #[test]
    fn tabs_do_not_shift_the_caret() {
        let e = ParseError::new("\tX(", at(1, 2), "m");
        assert_eq!(e.excerpt(), (" X(".to_string(), " ^".to_string()));
    }

    #[test]
    fn caret_past_the_end() {
        let e = ParseError::new("Left([a], 1", at(1, 12), "expected ')'");
        assert_eq!(e.excerpt().1, "           ^");
    }
}
