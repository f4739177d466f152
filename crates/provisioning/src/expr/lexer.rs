//! The tokenizer: turns expression text into tokens, each with its line and column.
//!
//! Entra's lexical rules: strings in double quotes where only `\"` and `\\` are escapes (any
//! other backslash stays as written, so regex patterns like `"\d"` survive), attributes in square
//! brackets, VBA hex numbers (`&HF7`). An attribute reference keeps its text raw, brackets and
//! quoted filter values included (`[emails[type eq "work"].value]`); the SCIM path parser reads
//! it. Common slips from other languages (`'single quotes'`, `+`, `==`) get a message that says
//! what to write instead.

use super::ast::{CompareOp, Position};
use super::value::Number;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    Comma,
    Str(String),
    Num(Number),
    /// The text between the outer brackets, and where that text starts.
    Attr(String, Position),
    Ident(String),
    Op(CompareOp),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub at: Position,
}

pub(super) type LexError = (Position, String);

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    column: usize,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn pos(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }
}

pub(super) fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer {
        chars: input.chars().collect(),
        i: 0,
        line: 1,
        column: 1,
    };
    let mut tokens = Vec::new();
    loop {
        while lx.peek().is_some_and(char::is_whitespace) {
            lx.bump();
        }
        let at = lx.pos();
        let Some(c) = lx.peek() else {
            tokens.push(Token { tok: Tok::Eof, at });
            return Ok(tokens);
        };
        let tok = match c {
            '(' | ')' | ',' => {
                lx.bump();
                match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    _ => Tok::Comma,
                }
            }
            '"' => string(&mut lx)?,
            '[' => attribute(&mut lx)?,
            '=' | '<' | '>' | '!' => operator(&mut lx)?,
            '&' if matches!(lx.peek_at(1), Some('H' | 'h')) => hex(&mut lx)?,
            '-' if lx.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => number(&mut lx)?,
            d if d.is_ascii_digit() => number(&mut lx)?,
            a if a.is_alphabetic() || a == '_' => {
                let mut name = String::new();
                while let Some(ch) = lx.peek().filter(|ch| ch.is_alphanumeric() || *ch == '_') {
                    name.push(ch);
                    lx.bump();
                }
                Tok::Ident(name)
            }
            other => return Err((at, unexpected(other))),
        };
        tokens.push(Token { tok, at });
    }
}

fn unexpected(c: char) -> String {
    let hint = match c {
        '\'' => "; strings are written in double quotes: \"text\"",
        '+' | '&' => "; to join text use Append(a, b) or Join(\"\", a, b)",
        ']' => "; it closes no '['",
        '-' => "; there is no arithmetic, only negative numbers such as -10",
        '{' | '}' => "; attributes are written in square brackets: [userName]",
        _ => "",
    };
    format!("unexpected character {c:?}{hint}")
}

/// `"..."` with `\"` and `\\` as the only escapes.
fn string(lx: &mut Lexer) -> Result<Tok, LexError> {
    let start = lx.pos();
    lx.bump();
    let mut text = String::new();
    loop {
        match lx.bump() {
            None => return Err((
                start,
                "this string is never closed; end it with '\"' (write \\\" for a quote inside it)"
                    .into(),
            )),
            Some('"') => return Ok(Tok::Str(text)),
            Some('\\') => match lx.peek() {
                Some(e @ ('"' | '\\')) => {
                    text.push(e);
                    lx.bump();
                }
                _ => text.push('\\'),
            },
            Some(c) => text.push(c),
        }
    }
}

/// `[path]`, where the path may hold its own brackets and quoted strings.
fn attribute(lx: &mut Lexer) -> Result<Tok, LexError> {
    let open = lx.pos();
    lx.bump();
    let text_at = lx.pos();
    let mut text = String::new();
    let mut depth = 0usize;
    let mut in_string = false;
    loop {
        let Some(c) = lx.bump() else {
            return Err((
                open,
                "this '[' is never closed; an attribute is written [name] on one line".into(),
            ));
        };
        match c {
            '\n' => {
                return Err((
                    open,
                    "this '[' is not closed on its line; an attribute is written [name]".into(),
                ))
            }
            '\\' if in_string => {
                text.push(c);
                if let Some(next) = lx.bump() {
                    text.push(next);
                }
                continue;
            }
            '"' => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string && depth == 0 => break,
            ']' if !in_string => depth -= 1,
            _ => {}
        }
        text.push(c);
    }
    if text.trim().is_empty() {
        return Err((
            open,
            "empty attribute reference; write the attribute name, as in [userName]".into(),
        ));
    }
    Ok(Tok::Attr(text, text_at))
}

fn operator(lx: &mut Lexer) -> Result<Tok, LexError> {
    let at = lx.pos();
    let first = lx.bump();
    let second = lx.peek();
    let (op, two) = match (first, second) {
        (Some('='), Some('=')) => {
            return Err((at, "use a single '=' to compare, as Entra ID does".into()))
        }
        (Some('!'), Some('=')) => return Err((at, "use '<>' for not equal".into())),
        (Some('!'), _) => return Err((at, "use Not(value) to negate".into())),
        (Some('<'), Some('>')) => (CompareOp::Ne, true),
        (Some('<'), Some('=')) => (CompareOp::Le, true),
        (Some('>'), Some('=')) => (CompareOp::Ge, true),
        (Some('<'), _) => (CompareOp::Lt, false),
        (Some('>'), _) => (CompareOp::Gt, false),
        _ => (CompareOp::Eq, false),
    };
    if two {
        lx.bump();
    }
    Ok(Tok::Op(op))
}

fn number(lx: &mut Lexer) -> Result<Tok, LexError> {
    let at = lx.pos();
    let mut text = String::new();
    if lx.peek() == Some('-') {
        text.push('-');
        lx.bump();
    }
    while let Some(c) = lx.peek().filter(|c| c.is_ascii_digit() || *c == '.') {
        text.push(c);
        lx.bump();
    }
    if lx.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
        return Err((
            at,
            format!("{text:?} runs into a name; put a ',' or ')' after a number"),
        ));
    }
    Number::parse(&text)
        .map(Tok::Num)
        .ok_or_else(|| (at, format!("{text} is not a number this language can hold")))
}

/// VBA hexadecimal: `&HF7`.
fn hex(lx: &mut Lexer) -> Result<Tok, LexError> {
    let at = lx.pos();
    lx.bump();
    lx.bump();
    let mut digits = String::new();
    while let Some(c) = lx.peek().filter(|c| c.is_ascii_alphanumeric()) {
        digits.push(c);
        lx.bump();
    }
    i64::from_str_radix(&digits, 16)
        .map(|n| Tok::Num(Number::Int(n)))
        .map_err(|_| {
            (
                at,
                format!("&H{digits} is not a hexadecimal number such as &HF7"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(input: &str) -> Vec<Tok> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    fn err(input: &str) -> (usize, String) {
        let (at, msg) = tokenize(input).unwrap_err();
        (at.column, msg)
    }

    #[test]
    fn tokens_of_a_call() {
        assert_eq!(
            toks(r#"Append([givenName], "a \"b\" \\ \d")"#),
            vec![
                Tok::Ident("Append".into()),
                Tok::LParen,
                Tok::Attr("givenName".into(), Position { line: 1, column: 9 }),
                Tok::Comma,
                Tok::Str(r#"a "b" \ \d"#.into()),
                Tok::RParen,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn numbers_and_operators() {
        assert_eq!(
            toks("-10 1.5 &HF7 <> <= >= < > ="),
            vec![
                Tok::Num(Number::Int(-10)),
                Tok::Num(Number::Float(1.5)),
                Tok::Num(Number::Int(247)),
                Tok::Op(CompareOp::Ne),
                Tok::Op(CompareOp::Le),
                Tok::Op(CompareOp::Ge),
                Tok::Op(CompareOp::Lt),
                Tok::Op(CompareOp::Gt),
                Tok::Op(CompareOp::Eq),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn attribute_with_filter_and_brackets_in_strings() {
        assert_eq!(
            toks(r#"[emails[type eq "w]ork"].value]"#)[0],
            Tok::Attr(
                r#"emails[type eq "w]ork"].value"#.into(),
                Position { line: 1, column: 2 }
            )
        );
        assert_eq!(
            toks(r#"[x[v eq "a\"]"]]"#)[0],
            Tok::Attr(r#"x[v eq "a\"]"]"#.into(), Position { line: 1, column: 2 })
        );
    }

    #[test]
    fn positions_count_characters_and_lines() {
        let t = tokenize("\"é\" ,\n  x").unwrap();
        assert_eq!(t[1].at, Position { line: 1, column: 5 });
        assert_eq!(t[2].at, Position { line: 2, column: 3 });
    }

    #[test]
    fn errors() {
        assert_eq!(err("Left('a', 1)").0, 6);
        assert!(err("Left('a', 1)").1.contains("double quotes"));
        assert!(err("\"abc").1.contains("never closed"));
        assert_eq!(err("Append([a, \"x\")").0, 8);
        assert!(err("[]").1.contains("empty attribute"));
        assert!(err("[a] == [b]").1.contains("single '='"));
        assert!(err("[a] != [b]").1.contains("'<>'"));
        assert!(err("\"a\" + \"b\"").1.contains("Append"));
        assert!(err("&HZZ").1.contains("hexadecimal"));
        assert!(err("12abc").1.contains("runs into a name"));
        assert!(err("1.2.3").1.contains("not a number"));
        assert!(err("[a\nb]").1.contains("not closed on its line"));
    }
}
