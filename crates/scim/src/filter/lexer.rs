//! The filter tokenizer: splits a filter or PATCH path into words, JSON string literals,
//! parentheses and brackets, each with its character position for error messages.
//!
//! It never interprets a word: operators, keywords, numbers and attribute paths are told apart by
//! the parser from context, so an attribute that happens to be called `not` or `pr` still lexes.
//! It must never panic, whatever the input.

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A JSON string literal, already decoded.
    Str(String),
    /// Anything else, running until whitespace, a parenthesis, a bracket or a double quote:
    /// an attribute path (URNs included), an operator, a keyword or a number.
    Word,
}

/// One token: its kind, the text as written, and where it starts.
#[derive(Debug, Clone)]
pub(super) struct Token<'a> {
    pub kind: TokenKind,
    /// The token as written (a string literal keeps its quotes and escapes).
    pub text: &'a str,
    /// 0-based position of the first character (characters, not bytes).
    pub pos: usize,
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// Split `input` into tokens. Fails only on a malformed string literal.
pub(super) fn tokenize(input: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens = Vec::new();
    // (character position, (byte offset, character))
    let mut chars = input.char_indices().enumerate().peekable();
    while let Some((pos, (start, c))) = chars.next() {
        let punct = match c {
            '(' => Some(TokenKind::LParen),
            ')' => Some(TokenKind::RParen),
            '[' => Some(TokenKind::LBracket),
            ']' => Some(TokenKind::RBracket),
            _ => None,
        };
        if c.is_whitespace() {
            continue;
        } else if let Some(kind) = punct {
            let text = input.get(start..start + 1).unwrap_or_default();
            tokens.push(Token { kind, text, pos });
        } else if c == '"' {
            let mut escaped = false;
            let mut end = None;
            for (_, (b, ch)) in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if ch == '\\' {
                    escaped = true;
                } else if ch == '"' {
                    end = Some(b);
                    break;
                }
            }
            let Some(end) = end else {
                return Err(format!("unterminated string starting at position {pos}"));
            };
            let text = input.get(start..=end).unwrap_or_default();
            let value: String = serde_json::from_str(text).map_err(|_| {
                format!(
                    "the string starting at position {pos} is not a valid JSON string \
                     (check its backslash escapes; control characters must be escaped)"
                )
            })?;
            tokens.push(Token {
                kind: TokenKind::Str(value),
                text,
                pos,
            });
        } else {
            let mut end = start + c.len_utf8();
            while let Some(&(_, (b, ch))) = chars.peek() {
                if ends_word(ch) {
                    break;
                }
                end = b + ch.len_utf8();
                chars.next();
            }
            let text = input.get(start..end).unwrap_or_default();
            tokens.push(Token {
                kind: TokenKind::Word,
                text,
                pos,
            });
        }
    }
    Ok(tokens)
}

/// Decode a JSON number literal (RFC 8259 §6). Integers that fit stay integers; anything else
/// becomes the correctly rounded f64 (serde_json's default parser can be one unit off, which
/// would break `parse(display(f)) == f`). `None` if it is not JSON number syntax or overflows.
pub(super) fn decode_number(text: &str) -> Option<serde_json::Number> {
    if !is_json_number(text) {
        return None;
    }
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(i.into());
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(u.into());
        }
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(serde_json::Number::from_f64)
}

fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(b.first() == Some(&b'-'));
    i = match b.get(i) {
        Some(b'0') => i + 1,
        Some(b'1'..=b'9') => digits(i + 1),
        _ => return false,
    };
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == b.len()
}

/// How a token reads in an error message, shortened so a hostile token cannot fill the log.
pub(super) fn quote(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        format!("'{text}'")
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("'{head}...'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<(TokenKind, String, usize)> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text.to_string(), t.pos))
            .collect()
    }

    #[test]
    fn splits_words_strings_and_brackets() {
        let toks = kinds(r#"emails[type eq "work"] and (x pr)"#);
        let texts: Vec<&str> = toks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            texts,
            ["emails", "[", "type", "eq", "\"work\"", "]", "and", "(", "x", "pr", ")"]
        );
        assert_eq!(toks[4].0, TokenKind::Str("work".into()));
        assert_eq!(toks[4].2, 15);
        assert_eq!(toks[6].2, 23);
    }

    #[test]
    fn urn_word_runs_to_bracket_and_keeps_dots() {
        let toks =
            kinds("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr");
        assert_eq!(
            toks[0].1,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        );
        assert_eq!(toks[1].1, "pr");
        let toks = kinds("urn:x:emails[type eq \"a\"].value");
        assert_eq!(toks[0].1, "urn:x:emails");
        assert_eq!(toks.last().unwrap().1, ".value");
    }

    #[test]
    fn decodes_json_escapes() {
        let toks = kinds(r#"a eq "q\"b\\s\n\u00e9""#);
        assert_eq!(toks[2].0, TokenKind::Str("q\"b\\s\né".into()));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let toks = kinds("a eq \"ééé\" or b pr");
        assert_eq!(toks[3].1, "or");
        assert_eq!(toks[3].2, 11);
    }

    #[test]
    fn tolerates_extra_whitespace_and_missing_space_before_quote() {
        let toks = kinds("  a   eq\"x\"  ");
        assert_eq!(toks.len(), 3);
        assert_eq!(toks[2].0, TokenKind::Str("x".into()));
    }

    #[test]
    fn rejects_bad_strings() {
        assert_eq!(
            tokenize(r#"a eq "abc"#).unwrap_err(),
            "unterminated string starting at position 5"
        );
        assert!(tokenize(r#"a eq "abc\""#)
            .unwrap_err()
            .contains("unterminated"));
        assert!(tokenize(r#"a eq "\q""#)
            .unwrap_err()
            .contains("not a valid JSON string"));
        assert!(tokenize(r#"a eq "\ud800""#)
            .unwrap_err()
            .contains("not a valid JSON string"));
        assert!(tokenize("a eq \"tab\there\"")
            .unwrap_err()
            .contains("not a valid JSON"));
    }

    #[test]
    fn numbers() {
        let n = |t: &str| decode_number(t).map(|n| n.to_string());
        assert_eq!(n("0").as_deref(), Some("0"));
        assert_eq!(n("-12").as_deref(), Some("-12"));
        assert_eq!(
            n("18446744073709551615").as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(n("1.5e3").as_deref(), Some("1500.0"));
        assert_eq!(n("1E+2").as_deref(), Some("100.0"));
        // Beyond u64 the value is the correctly rounded f64, and its display reads back as it.
        let big = decode_number("1111111111111111111101111").unwrap();
        assert_eq!(decode_number(&big.to_string()), Some(big));
        for bad in [
            "", "-", "01", "+1", ".5", "1.", "1e", "1e+", "0x1", "1_0", "NaN", "1e999",
        ] {
            assert_eq!(n(bad), None, "{bad}");
        }
    }

    #[test]
    fn quote_shortens_long_tokens() {
        assert_eq!(quote("abc"), "'abc'");
        let long = "x".repeat(100);
        assert_eq!(quote(&long), format!("'{}...'", "x".repeat(40)));
    }
}
