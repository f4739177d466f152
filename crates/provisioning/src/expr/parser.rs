//! The recursive-descent parser: tokens in, [`Expression`] out, or a [`ParseError`] that points
//! at the column to fix.
//!
//! Grammar (Entra's, plus the comparisons it documents for `IIF` conditions):
//! ```text
//! expression := operand [ ("=" | "<>" | "<" | "<=" | ">" | ">=") operand ]
//! operand    := STRING | NUMBER | True | False | vbBinaryCompare | vbTextCompare
//!             | "[" scim-path "]" | NAME "(" [ argument { "," argument } ] ")"
//! argument   := [ expression ]            (empty where the function allows it)
//! ```
//! Everything Entra checks before running is checked here: function names, argument counts,
//! required arguments, `Switch` pairs, `SelectUniqueValue` only at the top, literal regexes,
//! intervals and date formats. Input length and nesting depth are bounded, so hostile input
//! gets an error, never a stack overflow.

use scimitar_scim::path::parse_patch_path;

use super::ast::{AttributeRef, Call, CompiledRegex, Expression, Position};
use super::date_format::parse_format;
use super::dates::Interval;
use super::error::ParseError;
use super::functions::{unknown_function_hint, Function};
use super::lexer::{tokenize, Tok, Token};
use super::replace::compile_regex;
use super::value::{Number, Value};

/// The longest expression accepted, in characters.
pub const MAX_EXPRESSION_CHARS: usize = 8192;
/// How deeply function calls may nest.
pub const MAX_DEPTH: usize = 64;

/// Parse an expression.
pub fn parse(input: &str) -> Result<Expression, ParseError> {
    let start = Position { line: 1, column: 1 };
    if input.len() > 4 * MAX_EXPRESSION_CHARS || input.chars().count() > MAX_EXPRESSION_CHARS {
        let msg = format!(
            "the expression is {} characters long; the limit is {MAX_EXPRESSION_CHARS}",
            input.chars().count()
        );
        return Err(ParseError::new(input, start, msg));
    }
    let tokens = tokenize(input).map_err(|(at, m)| ParseError::new(input, at, m))?;
    let mut p = Parser {
        input,
        tokens,
        i: 0,
        depth: 0,
    };
    if p.peek().tok == Tok::Eof {
        return Err(p.error(start, "the expression is empty"));
    }
    let expr = p.expression()?;
    let end = p.peek().clone();
    if end.tok != Tok::Eof {
        return Err(p.error(
            end.at,
            format!(
                "expected the end of the expression, found {}; separate arguments with ','",
                describe(&end.tok)
            ),
        ));
    }
    check_select_unique_value(&expr, true).map_err(|at| {
        p.error(
            at,
            "SelectUniqueValue must be the whole expression; like Entra ID, it cannot be nested \
             in another function or a comparison",
        )
    })?;
    Ok(expr)
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    i: usize,
    depth: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Str(s) => format!("the string {s:?}"),
        Tok::Num(n) => format!("the number {n}"),
        Tok::Attr(a, _) => format!("the attribute [{a}]"),
        Tok::Ident(name) => format!("'{name}'"),
        Tok::Op(op) => format!("'{}'", op.symbol()),
        Tok::Eof => "the end of the expression".into(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // The token list always ends with Eof, and `next` never moves past it.
        &self.tokens[self.i.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.i += 1;
        }
        t
    }

    fn error(&self, at: Position, message: impl Into<String>) -> ParseError {
        ParseError::new(self.input, at, message)
    }

    fn expression(&mut self) -> Result<Expression, ParseError> {
        let left = self.operand()?;
        let Tok::Op(op) = self.peek().tok else {
            return Ok(left);
        };
        let at = self.next().at;
        let right = self.operand()?;
        if let Tok::Op(_) = self.peek().tok {
            return Err(self.error(
                self.peek().at,
                "comparisons cannot be chained; nest IIF calls instead",
            ));
        }
        Ok(Expression::Compare {
            op,
            left: Box::new(left),
            right: Box::new(right),
            at,
        })
    }

    fn operand(&mut self) -> Result<Expression, ParseError> {
        let Token { tok, at } = self.next();
        let literal = |value| Ok(Expression::Literal { value, at });
        match tok {
            Tok::Str(s) => literal(Value::String(s)),
            Tok::Num(n) => literal(Value::Number(n)),
            Tok::Attr(text, text_at) => self.attribute(text, text_at, at),
            Tok::Ident(name) if self.peek().tok == Tok::LParen => self.call(&name, at),
            Tok::Ident(name) => match name.to_ascii_lowercase().as_str() {
                "true" => literal(Value::Boolean(true)),
                "false" => literal(Value::Boolean(false)),
                "vbbinarycompare" => literal(Value::Number(Number::Int(0))),
                "vbtextcompare" => literal(Value::Number(Number::Int(1))),
                _ => Err(self.error(
                    at,
                    match Function::lookup(&name) {
                        Some(f) => format!("{f} is a function; call it with parentheses: {f}(...)"),
                        None => format!(
                        "unknown name '{name}'; write an attribute in square brackets ([{name}]) \
                         and text in double quotes (\"{name}\")"
                    ),
                    },
                )),
            },
            other => Err(self.error(
                at,
                format!(
                    "expected a value (a \"string\", a number, an [attribute] or a Function(...)), \
                     found {}",
                    describe(&other)
                ),
            )),
        }
    }

    fn attribute(
        &self,
        text: String,
        text_at: Position,
        at: Position,
    ) -> Result<Expression, ParseError> {
        match parse_patch_path(&text) {
            Ok(path) => Ok(Expression::Attribute(AttributeRef {
                text: text.trim().to_string(),
                path,
                at,
            })),
            Err(e) => {
                let (pos, msg) = locate(&e.detail, text_at);
                Err(self.error(pos, format!("invalid attribute reference [{text}]: {msg}")))
            }
        }
    }

    fn call(&mut self, name: &str, at: Position) -> Result<Expression, ParseError> {
        let function =
            Function::lookup(name).ok_or_else(|| self.error(at, unknown_function_hint(name)))?;
        if self.depth >= MAX_DEPTH {
            return Err(self.error(
                at,
                format!("functions are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        self.depth += 1;
        self.next(); // '('
        let mut args = Vec::new();
        let mut empty_at = Vec::new();
        if self.peek().tok == Tok::RParen {
            self.next();
        } else {
            loop {
                if self.peek().tok == Tok::Eof {
                    let msg = format!("the expression ends before ')' closes {function}(");
                    return Err(self.error(self.peek().at, msg));
                }
                if matches!(self.peek().tok, Tok::Comma | Tok::RParen) {
                    empty_at.push((args.len(), self.peek().at));
                    args.push(None);
                } else {
                    args.push(Some(self.expression()?));
                }
                let Token { tok, at: sep_at } = self.next();
                match tok {
                    Tok::Comma => continue,
                    Tok::RParen => break,
                    other => {
                        let msg = match other {
                            Tok::Eof => {
                                format!("the expression ends before ')' closes {function}(")
                            }
                            _ => format!(
                                "expected ',' or ')' after argument {} of {function}",
                                args.len()
                            ),
                        };
                        return Err(self.error(sep_at, msg));
                    }
                }
            }
        }
        self.depth -= 1;
        let mut call = Call {
            function,
            args,
            at,
            regex: None,
        };
        self.check_call(&mut call, &empty_at)?;
        Ok(Expression::Call(call))
    }

    /// Argument counts, empty arguments, and literal arguments that can be checked now.
    fn check_call(
        &self,
        call: &mut Call,
        empty_at: &[(usize, Position)],
    ) -> Result<(), ParseError> {
        let f = call.function;
        let sig = f.signature();
        let n = call.args.len();
        let plural = |k: usize| if k == 1 { "argument" } else { "arguments" };
        let count = match sig.max {
            Some(0) => "no arguments".to_string(),
            Some(max) if max == sig.min => format!("{max} {}", plural(max)),
            Some(max) => format!("{} to {max} arguments", sig.min),
            None => format!("at least {} {}", sig.min, plural(sig.min)),
        };
        if n < sig.min || sig.max.is_some_and(|max| n > max) {
            let params = sig.params.join(", ");
            let dots = if sig.max.is_none() { ", ..." } else { "" };
            return Err(self.error(
                call.at,
                format!("{f} takes {count}, got {n}: {f}({params}{dots})"),
            ));
        }
        if f == Function::Switch && n % 2 == 1 {
            return Err(self.error(
                call.at,
                format!(
                    "Switch takes the source, a default value and key/value pairs, so an even \
                     number of arguments; got {n}"
                ),
            ));
        }
        for &(index, pos) in empty_at {
            if !sig.omittable.contains(&index) {
                return Err(self.error(
                    pos,
                    format!(
                        "argument {} of {f} ({}) is empty; only optional arguments may be left empty",
                        index + 1,
                        f.param_name(index)
                    ),
                ));
            }
        }
        let literal = |i: usize| match call.args.get(i) {
            Some(Some(Expression::Literal {
                value: Value::String(s),
                at,
            })) => Some((s.clone(), *at)),
            _ => None,
        };
        match f {
            Function::Replace => {
                if let Some((pattern, at)) = literal(2) {
                    let regex = compile_regex(&pattern).map_err(|m| self.error(at, m))?;
                    call.regex = Some(CompiledRegex(regex));
                }
            }
            Function::DateAdd | Function::DateDiff => {
                if let Some((interval, at)) = literal(0) {
                    Interval::parse(&interval).map_err(|m| self.error(at, m))?;
                }
            }
            Function::FormatDateTime => {
                let formats = if n == 4 { [2, 3] } else { [1, 2] };
                for i in formats {
                    if let Some((format, at)) = literal(i) {
                        parse_format(&format).map_err(|m| self.error(at, m))?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Move a SCIM path error's "at position N" (0-based, within the brackets) into a column.
fn locate(detail: &str, text_at: Position) -> (Position, String) {
    const MARK: &str = " at position ";
    if let Some(idx) = detail.find(MARK) {
        let rest = &detail[idx + MARK.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if let Ok(n) = rest[..digits].parse::<usize>() {
            let at = Position {
                line: text_at.line,
                column: text_at.column + n,
            };
            return (at, format!("{}{}", &detail[..idx], &rest[digits..]));
        }
    }
    (text_at, detail.to_string())
}

/// `Err(position)` of a `SelectUniqueValue` that is not the whole expression.
fn check_select_unique_value(expr: &Expression, top: bool) -> Result<(), Position> {
    match expr {
        Expression::Call(c) => {
            let is_suv = c.function == Function::SelectUniqueValue;
            if is_suv && !top {
                return Err(c.at);
            }
            c.args
                .iter()
                .flatten()
                .try_for_each(|a| check_select_unique_value(a, false))
        }
        Expression::Compare { left, right, .. } => {
            check_select_unique_value(left, false)?;
            check_select_unique_value(right, false)
        }
        _ => Ok(()),
    }
}
