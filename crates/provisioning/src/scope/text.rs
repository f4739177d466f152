//! The one-line form of scoping filters, for the CLI (`scimitar app scope --filter '...'`):
//!
//! ```text
//! department EQUALS "Sales" AND active IS TRUE OR userName REGEX MATCH ".*@contoso\.com$"
//! ```
//!
//! A clause is `attribute OPERATOR [value]`: a SCIM path, an operator name in any case (words
//! separated by spaces or underscores), and a value in double quotes (`\"` is a quote, `\\` a
//! backslash, any other backslash stays as written, so `"\d+"` is the regex `\d+`); the
//! Greater_Than operators also take a bare integer. `AND` joins clauses into a filter and `OR`
//! joins filters, with no parentheses: Entra's filters are an OR of ANDs. Empty text means no
//! filters. Errors point at the column; `Display` writes the form back, and it parses to the
//! same filters.

use std::fmt;
use std::str::FromStr;

use scimitar_scim::path::parse_patch_path;

use super::operator::{Operand, ScopingOperator};
use super::{clause_value, ClauseValue, ScopeError, ScopingClause, ScopingFilter, ScopingFilters};
use crate::expr::{AttributeRef, Position};

impl ScopingFilters {
    /// Read the one-line form.
    pub fn parse(text: &str) -> Result<ScopingFilters, ScopeError> {
        Scanner::new(text).filters()
    }
}

impl FromStr for ScopingFilters {
    type Err = ScopeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ScopingFilters::parse(text)
    }
}

struct Scanner<'a> {
    input: &'a str,
    chars: Vec<char>,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(input: &'a str) -> Self {
        Scanner {
            input,
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    fn error(&self, at: usize, message: impl Into<String>) -> ScopeError {
        ScopeError::syntax(self.input, at + 1, message)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn filters(mut self) -> Result<ScopingFilters, ScopeError> {
        let mut filters = Vec::new();
        let mut clauses = Vec::new();
        self.skip_spaces();
        if self.peek().is_none() {
            return Ok(ScopingFilters::everything());
        }
        loop {
            self.skip_spaces();
            clauses.push(self.clause()?);
            self.skip_spaces();
            let at = self.pos;
            if self.peek().is_none() {
                break;
            }
            let word = self.word();
            match word.to_ascii_uppercase().as_str() {
                "AND" => {}
                "OR" => filters.push(ScopingFilter {
                    clauses: std::mem::take(&mut clauses),
                }),
                _ => {
                    let found = if word.is_empty() {
                        self.chars.get(at).map_or(String::new(), char::to_string)
                    } else {
                        word
                    };
                    return Err(self.error(
                        at,
                        format!("expected AND, OR or the end of the filter, found '{found}'"),
                    ));
                }
            }
            self.skip_spaces();
            if self.peek().is_none() {
                return Err(self.error(self.pos, "expected a clause after AND or OR"));
            }
        }
        filters.push(ScopingFilter { clauses });
        Ok(ScopingFilters(filters))
    }

    /// `attribute OPERATOR [value]`.
    fn clause(&mut self) -> Result<ScopingClause, ScopeError> {
        let attr_at = self.pos;
        let attribute = self.attribute()?;
        let path = parse_patch_path(&attribute).map_err(|e| {
            let (offset, message) = locate(&e.detail, &attribute);
            self.error(
                attr_at + offset,
                format!("invalid attribute {attribute}: {message}"),
            )
        })?;
        self.skip_spaces();
        let operator = self.operator(&attribute)?;
        let value_at = {
            self.skip_spaces();
            self.pos
        };
        let raw = match (operator.operand(), self.peek()) {
            (Operand::None, Some('"')) => {
                return Err(self.error(value_at, format!("{operator} takes no value")))
            }
            (Operand::None, _) => None,
            (_, Some('"')) => Some(self.string()?),
            (Operand::Integer, Some(c)) if c == '-' || c.is_ascii_digit() => Some(self.integer()),
            (operand, _) => {
                let example = match operand {
                    Operand::Integer => "1000000",
                    Operand::Pattern => "\".*@contoso\\.com$\"",
                    _ => "\"Sales\"",
                };
                return Err(self.error(
                    value_at,
                    format!("{operator} needs a value in double quotes, such as {example}"),
                ));
            }
        };
        let value = clause_value(operator, raw.as_deref()).map_err(|m| self.error(value_at, m))?;
        Ok(ScopingClause {
            attribute: AttributeRef {
                text: attribute,
                path,
                at: Position::default(),
            },
            operator,
            value,
        })
    }

    /// A SCIM path: everything up to white space outside brackets and quotes.
    fn attribute(&mut self) -> Result<String, ScopeError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quoted = false;
        while let Some(c) = self.peek() {
            match c {
                '\\' if quoted => self.pos += 1,
                '"' if depth > 0 => quoted = !quoted,
                '[' if !quoted => depth += 1,
                ']' if !quoted => depth = depth.saturating_sub(1),
                c if c.is_whitespace() && depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        self.pos = self.pos.min(self.chars.len());
        let text: String = self.chars[start..self.pos].iter().collect();
        if text.is_empty() {
            return Err(self.error(start, "expected an attribute, such as department"));
        }
        if depth > 0 || quoted {
            return Err(self.error(start, format!("the '[' of {text} is never closed")));
        }
        Ok(text)
    }

    /// The longest operator name at the current position.
    fn operator(&mut self, attribute: &str) -> Result<ScopingOperator, ScopeError> {
        let start = self.pos;
        let mut words: Vec<(String, usize)> = Vec::new();
        while words.len() < 4 {
            let save = self.pos;
            self.skip_spaces();
            let word = self.word();
            if word.is_empty() {
                self.pos = save;
                break;
            }
            words.push((word, self.pos));
        }
        let texts: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        match ScopingOperator::longest_prefix(&texts) {
            Some((op, n)) => {
                self.pos = words.get(n - 1).map_or(start, |(_, end)| *end);
                Ok(op)
            }
            None => {
                let message = match texts.first() {
                    Some(w) => format!("unknown operator '{w}'"),
                    None => format!("expected an operator after {attribute}"),
                };
                Err(self.error(
                    start,
                    format!("{message}; the operators are {}", ScopingOperator::names()),
                ))
            }
        }
    }

    /// Letters and underscores.
    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A double-quoted value; the opening quote is at the current position.
    fn string(&mut self) -> Result<String, ScopeError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error(open, "this value's quote is never closed")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    match self.chars.get(self.pos + 1) {
                        Some(&e @ ('"' | '\\')) => {
                            out.push(e);
                            self.pos += 1;
                        }
                        _ => out.push('\\'),
                    }
                    self.pos += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// A bare integer: an optional `-` and digits (anything else is left for the next token).
    fn integer(&mut self) -> String {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }
}

/// The character offset and message of a scim path error that says `at position N` (a byte
/// offset into `text`).
fn locate(detail: &str, text: &str) -> (usize, String) {
    const MARK: &str = " at position ";
    if let Some(idx) = detail.find(MARK) {
        let rest = &detail[idx + MARK.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if let Ok(byte) = rest[..digits].parse::<usize>() {
            let chars = text.char_indices().take_while(|(b, _)| *b < byte).count();
            return (chars, format!("{}{}", &detail[..idx], &rest[digits..]));
        }
    }
    (0, detail.to_string())
}

impl fmt::Display for ScopingClause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.attribute.text, self.operator)?;
        match &self.value {
            ClauseValue::None => Ok(()),
            ClauseValue::Integer(i) => write!(f, " {i}"),
            ClauseValue::Text(s) => write!(f, " {}", quote(s)),
            ClauseValue::Pattern(p) => write!(f, " {}", quote(p.0.as_str())),
        }
    }
}

impl fmt::Display for ScopingFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" AND ")?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ScopingFilters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, filter) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" OR ")?;
            }
            write!(f, "{filter}")?;
        }
        Ok(())
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
