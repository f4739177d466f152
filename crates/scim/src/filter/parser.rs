//! The filter parser (RFC 7644 §3.4.2.2): hand-written recursive descent over the tokens of
//! `lexer`, with precedence `not` > `and` > `or` and left-associative `and`/`or`.
//!
//! It exists to turn untrusted text into a [`Filter`] without ever panicking: the length is
//! checked before anything else, and an explicit counter bounds both the recursion (parentheses,
//! `not (`, `[`) and the depth of the tree it builds, so hostile input cannot exhaust the stack
//! here or in the recursive `Display`, evaluator and `Drop` that walk the tree later. Errors say
//! what was expected and at which (0-based, character) position.

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use super::attr_path::{check_name, parse_path_text};
use super::lexer::{decode_number, quote, tokenize, Token, TokenKind};
use crate::error::{ScimError, ScimResult};

/// Limits applied to untrusted filters.
#[derive(Debug, Clone, Copy)]
pub struct FilterLimits {
    /// Longest accepted input, in characters.
    pub max_length: usize,
    /// Deepest accepted tree: a comparison is depth 1, each `not` and `[...]` adds one, and a
    /// chain of N `and`/`or` terms adds log2(N) (chains are built balanced). Parenthesis
    /// nesting is bounded by the same number.
    pub max_depth: usize,
}

impl Default for FilterLimits {
    fn default() -> Self {
        FilterLimits {
            max_length: 4096,
            max_depth: 32,
        }
    }
}

/// Join a chain of `and` (or `or`) terms into a balanced tree. Both are associative, so the
/// meaning is the chain's, and a chain of N terms is only log2(N) deep: a filter of 500 ids
/// or-ed together stays shallow for every recursive consumer (evaluator, SQL translator).
fn balance(
    mut terms: Vec<(Filter, usize)>,
    join: fn(Box<Filter>, Box<Filter>) -> Filter,
) -> (Filter, usize) {
    if terms.len() == 1 {
        if let Some(only) = terms.pop() {
            return only;
        }
    }
    let right = terms.split_off(terms.len().div_ceil(2));
    let (l, ld) = balance(terms, join);
    let (r, rd) = balance(right, join);
    (join(Box::new(l), Box::new(r)), 1 + ld.max(rd))
}

/// Recursion ceiling whatever `max_depth` says, so a generous limit cannot overflow the stack.
const HARD_MAX_NESTING: usize = 256;

const EXPECT_EXPRESSION: &str = "an attribute path, '(' or 'not ('";
const EXPECT_OPERATOR: &str = "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)";
const EXPECT_VALUE: &str =
    "a value (a JSON string in double quotes, a number, true, false or null)";

/// Parse a filter. Errors are `400 invalidFilter`.
pub fn parse_filter(input: &str, limits: FilterLimits) -> ScimResult<Filter> {
    let mut parser = Parser::new(input, limits, "filter").map_err(ScimError::invalid_filter)?;
    parser.filter().map_err(ScimError::invalid_filter)
}

/// Parse a bare attribute path (`attributes=`, `sortBy`). Errors are `400 invalidFilter`.
pub fn parse_attr_path(input: &str) -> ScimResult<AttrPath> {
    let trimmed = input.trim_start();
    let offset = input.chars().count() - trimmed.chars().count();
    let trimmed = trimmed.trim_end();
    if trimmed.is_empty() {
        return Err(ScimError::invalid_filter("the attribute path is empty"));
    }
    if let Some((i, c)) = trimmed
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"'))
    {
        return Err(ScimError::invalid_filter(format!(
            "unexpected {} at position {} in the attribute path {}",
            quote(&c.to_string()),
            offset + i,
            quote(trimmed)
        )));
    }
    parse_path_text(trimmed, offset).map_err(ScimError::invalid_filter)
}

/// The parts of a PATCH path: the attribute, its value filter, and the sub-attribute (from
/// `name.sub` or from `name[filter].sub`). Errors are plain text for `invalidPath`.
pub(crate) fn parse_patch_parts(
    input: &str,
) -> Result<(AttrPath, Option<Filter>, Option<String>), String> {
    let mut parser = Parser::new(input, FilterLimits::default(), "path")?;
    let Some(first) = parser.peek().cloned() else {
        return Err("the path is empty".into());
    };
    if first.kind != TokenKind::Word {
        return Err(parser.expected("an attribute path"));
    }
    parser.next += 1;
    let mut path = parse_path_text(first.text, first.pos)?;
    let mut filter = None;
    if parser.peek_kind(0) == Some(&TokenKind::LBracket) {
        let (inner, _) = parser.value_filter(&path)?;
        filter = Some(inner);
        if let Some(tok) = parser.peek().filter(|t| t.kind == TokenKind::Word).cloned() {
            let Some(sub) = tok.text.strip_prefix('.') else {
                return Err(parser.expected("'.subAttribute' or the end of the path"));
            };
            check_name(sub, tok.pos + 1)?;
            parser.next += 1;
            path.sub_attr = Some(sub.to_string());
        }
    }
    if parser.peek().is_some() {
        return Err(parser.expected("the end of the path"));
    }
    let sub = path.sub_attr.take();
    Ok((path, filter, sub))
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    next: usize,
    /// Position reported when the input ends (its length in characters).
    end_pos: usize,
    max_depth: usize,
    max_nesting: usize,
    nesting: usize,
    /// The attribute whose `[...]` is being parsed: paths inside are relative to it.
    value_attr: Option<String>,
    /// "filter" or "path", for messages.
    what: &'static str,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, limits: FilterLimits, what: &'static str) -> Result<Self, String> {
        let end_pos = input.chars().count();
        if end_pos > limits.max_length {
            return Err(format!(
                "the {what} is {end_pos} characters; the limit is {}",
                limits.max_length
            ));
        }
        Ok(Parser {
            tokens: tokenize(input)?,
            next: 0,
            end_pos,
            max_depth: limits.max_depth,
            max_nesting: limits.max_depth.min(HARD_MAX_NESTING),
            nesting: 0,
            value_attr: None,
            what,
        })
    }

    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.next)
    }

    fn peek_kind(&self, ahead: usize) -> Option<&TokenKind> {
        self.tokens.get(self.next + ahead).map(|t| &t.kind)
    }

    fn peek_word(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(word))
    }

    fn pos(&self) -> usize {
        self.peek().map_or(self.end_pos, |t| t.pos)
    }

    /// "expected X after 'prev' at position N, found 'tok'".
    fn expected(&self, what: &str) -> String {
        let after = match self.next.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(prev) => format!(" after {}", quote(prev.text)),
            None => String::new(),
        };
        let found = match self.peek() {
            Some(t) => format!("found {}", quote(t.text)),
            None => format!("but the {} ended", self.what),
        };
        format!("expected {what}{after} at position {}, {found}", self.pos())
    }

    fn enter(&mut self, pos: usize) -> Result<(), String> {
        self.nesting += 1;
        if self.nesting > self.max_nesting {
            return Err(self.too_deep(pos, self.max_nesting));
        }
        Ok(())
    }

    fn depth(&self, depth: usize, pos: usize) -> Result<usize, String> {
        if depth > self.max_depth {
            return Err(self.too_deep(pos, self.max_depth));
        }
        Ok(depth)
    }

    fn too_deep(&self, pos: usize, limit: usize) -> String {
        format!(
            "the {} nests more than {limit} levels deep at position {pos} (each 'and', 'or', \
             'not', '(' and '[' counts)",
            self.what
        )
    }

    /// A whole filter: an expression, then the end of the input.
    fn filter(&mut self) -> Result<Filter, String> {
        if self.tokens.is_empty() {
            return Err(format!("the {} is empty", self.what));
        }
        let (filter, _) = self.or_expr()?;
        match self.peek() {
            None => Ok(filter),
            Some(t) if t.kind == TokenKind::RParen => {
                Err(format!("')' at position {} has no matching '('", t.pos))
            }
            Some(t) if t.kind == TokenKind::RBracket => {
                Err(format!("']' at position {} has no matching '['", t.pos))
            }
            Some(_) => Err(self.expected("'and', 'or' or the end of the filter")),
        }
    }

    fn or_expr(&mut self) -> Result<(Filter, usize), String> {
        let mut terms = vec![self.and_expr()?];
        let mut pos = self.pos();
        while self.peek_word("or") {
            pos = self.pos();
            self.next += 1;
            terms.push(self.and_expr()?);
        }
        let (f, depth) = balance(terms, Filter::Or);
        Ok((f, self.depth(depth, pos)?))
    }

    fn and_expr(&mut self) -> Result<(Filter, usize), String> {
        let mut terms = vec![self.unary()?];
        let mut pos = self.pos();
        while self.peek_word("and") {
            pos = self.pos();
            self.next += 1;
            terms.push(self.unary()?);
        }
        let (f, depth) = balance(terms, Filter::And);
        Ok((f, self.depth(depth, pos)?))
    }

    /// `( FILTER )`, `not ( FILTER )`, or an attribute expression.
    fn unary(&mut self) -> Result<(Filter, usize), String> {
        let Some(tok) = self.peek().cloned() else {
            return Err(self.expected(EXPECT_EXPRESSION));
        };
        let is_not = tok.kind == TokenKind::Word && tok.text.eq_ignore_ascii_case("not");
        match tok.kind {
            TokenKind::LParen => {
                self.next += 1;
                self.group(tok.pos, TokenKind::RParen)
            }
            TokenKind::Word if is_not && self.peek_kind(1) == Some(&TokenKind::LParen) => {
                self.next += 2;
                let (inner, depth) = self.group(tok.pos, TokenKind::RParen)?;
                let depth = self.depth(depth + 1, tok.pos)?;
                Ok((Filter::Not(Box::new(inner)), depth))
            }
            TokenKind::Word if is_not && self.peek_kind(1) == Some(&TokenKind::Word) => {
                let next_is_op = self.tokens.get(self.next + 1).is_some_and(|t| {
                    t.text.eq_ignore_ascii_case("pr") || compare_op(t.text).is_some()
                });
                if next_is_op {
                    self.attr_expr(tok)
                } else {
                    self.next += 1;
                    Err(self.expected("'(' (write 'not (...)')"))
                }
            }
            TokenKind::Word => self.attr_expr(tok),
            _ => Err(self.expected(EXPECT_EXPRESSION)),
        }
    }

    /// After an opening token at `open`: a filter and the matching `close`.
    fn group(&mut self, open: usize, close: TokenKind) -> Result<(Filter, usize), String> {
        self.enter(open)?;
        let result = self.or_expr()?;
        if self.peek_kind(0) != Some(&close) {
            let (c, o) = if close == TokenKind::RParen {
                (')', '(')
            } else {
                (']', '[')
            };
            return Err(self.expected(&format!(
                "'and', 'or' or '{c}' (closing the '{o}' at position {open})"
            )));
        }
        self.next += 1;
        self.nesting -= 1;
        Ok(result)
    }

    /// `attrPath pr`, `attrPath op value`, or `attrPath [ valFilter ]`.
    fn attr_expr(&mut self, tok: Token<'a>) -> Result<(Filter, usize), String> {
        self.next += 1;
        let path = parse_path_text(tok.text, tok.pos)?;
        if let Some(outer) = &self.value_attr {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return Err(format!(
                    "inside '{outer}[...]' paths name a sub-attribute of '{outer}'; {} at \
                     position {} is not one",
                    quote(tok.text),
                    tok.pos
                ));
            }
        }
        if self.peek_kind(0) == Some(&TokenKind::LBracket) {
            let (inner, depth) = self.value_filter(&path)?;
            let filter = Filter::ValuePath {
                path,
                filter: Box::new(inner),
            };
            return Ok((filter, depth));
        }
        if self.peek_word("pr") {
            self.next += 1;
            return Ok((Filter::Present(path), 1));
        }
        let Some(op) = self
            .peek()
            .filter(|t| t.kind == TokenKind::Word)
            .and_then(|t| compare_op(t.text))
        else {
            return Err(self.expected(EXPECT_OPERATOR));
        };
        self.next += 1;
        let value = self.comp_value()?;
        Ok((Filter::Compare { path, op, value }, 1))
    }

    /// `[ valFilter ]` after `path`; the next token is the `[`.
    fn value_filter(&mut self, path: &AttrPath) -> Result<(Filter, usize), String> {
        let open = self.pos();
        if let Some(outer) = &self.value_attr {
            return Err(format!(
                "'[' at position {open} is inside '{outer}[...]'; value filters cannot nest"
            ));
        }
        if path.sub_attr.is_some() {
            return Err(format!(
                "'[' at position {open} follows the sub-attribute '{path}'; a value filter \
                 follows the attribute, as in 'emails[type eq \"work\"].value'"
            ));
        }
        self.next += 1;
        self.value_attr = Some(path.to_string());
        let (inner, depth) = self.group(open, TokenKind::RBracket)?;
        self.value_attr = None;
        Ok((inner, self.depth(depth + 1, open)?))
    }

    fn comp_value(&mut self) -> Result<CompValue, String> {
        let Some(tok) = self.peek().cloned() else {
            return Err(self.expected(EXPECT_VALUE));
        };
        let value = match &tok.kind {
            TokenKind::Str(s) => CompValue::Str(s.clone()),
            TokenKind::Word if tok.text.eq_ignore_ascii_case("true") => CompValue::Bool(true),
            TokenKind::Word if tok.text.eq_ignore_ascii_case("false") => CompValue::Bool(false),
            TokenKind::Word if tok.text.eq_ignore_ascii_case("null") => CompValue::Null,
            TokenKind::Word
                if tok
                    .text
                    .starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
            {
                match decode_number(tok.text) {
                    Some(n) => CompValue::Number(n),
                    None => {
                        return Err(format!(
                            "{} at position {} is not a valid JSON number",
                            quote(tok.text),
                            tok.pos
                        ))
                    }
                }
            }
            TokenKind::Word => {
                let hint = " (strings must be in double quotes)";
                return Err(format!("{}{hint}", self.expected(EXPECT_VALUE)));
            }
            _ => return Err(self.expected(EXPECT_VALUE)),
        };
        self.next += 1;
        Ok(value)
    }
}

fn compare_op(word: &str) -> Option<CompareOp> {
    use CompareOp::*;
    [Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le]
        .into_iter()
        .find(|op| op.as_str().eq_ignore_ascii_case(word))
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
