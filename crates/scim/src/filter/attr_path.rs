//! Attribute-path syntax (RFC 7644 §3.10): `[URN ":"]ATTRNAME["." subAttr]`, shared by filters,
//! PATCH paths, `attributes=` and `sortBy`.
//!
//! Only syntax lives here: whether a name exists is the schema's business (the evaluator and
//! `validate_filter_paths`). Names are kept as written; nothing here may change their case.

use super::ast::AttrPath;
use super::lexer::quote;

/// `ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_")`, plus `$ref` (RFC 7643 uses it as a name).
pub(super) fn is_attr_name(s: &str) -> bool {
    if s.eq_ignore_ascii_case("$ref") {
        return true;
    }
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Characters RFC 8141 allows in a URN (parentheses excluded: they end a token).
fn is_urn_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'*+,;=:@/%?#".contains(c)
}

fn has_urn_prefix(text: &str) -> bool {
    text.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// Parse one attribute path written as `text`, which starts at character `pos` of the input.
///
/// A URN-qualified path is split at its last `:`, so the dots in `...:2.0:User:name.givenName`
/// stay in the URN and only the part after the last colon is `name[.sub]`.
pub(super) fn parse_path_text(text: &str, pos: usize) -> Result<AttrPath, String> {
    let (urn, rest, rest_pos) = match text.rsplit_once(':') {
        Some((urn, rest)) if has_urn_prefix(text) => {
            if urn.len() <= 4 {
                return Err(format!(
                    "{} at position {pos} is not a schema URN followed by ':' and an attribute name",
                    quote(text)
                ));
            }
            if let Some(bad) = urn.chars().find(|c| !is_urn_char(*c)) {
                return Err(format!(
                    "the schema URN {} at position {pos} contains {}, which a URN cannot contain",
                    quote(urn),
                    quote(&bad.to_string())
                ));
            }
            (Some(urn.to_string()), rest, pos + urn.chars().count() + 1)
        }
        _ => (None, text, pos),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    check_name(name, rest_pos)?;
    let sub_attr = match sub {
        None => None,
        Some(sub) => {
            let sub_pos = rest_pos + name.chars().count() + 1;
            if sub.contains('.') {
                return Err(format!(
                    "{} at position {rest_pos} has more than one '.'; a path is 'name' or \
                     'name.subAttribute'",
                    quote(rest)
                ));
            }
            check_name(sub, sub_pos)?;
            Some(sub.to_string())
        }
    };
    Ok(AttrPath {
        urn,
        name: name.to_string(),
        sub_attr,
    })
}

/// Check an attribute or sub-attribute name that starts at character `pos`.
pub(super) fn check_name(name: &str, pos: usize) -> Result<(), String> {
    if name.is_empty() {
        Err(format!("expected an attribute name at position {pos}"))
    } else if is_attr_name(name) {
        Ok(())
    } else {
        Err(format!(
            "{} at position {pos} is not a valid attribute name (a letter followed by letters, \
             digits, '-' or '_')",
            quote(name)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> AttrPath {
        parse_path_text(text, 0).unwrap()
    }

    fn urn(u: &str, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: Some(u.into()),
            name: name.into(),
            sub_attr: sub.map(Into::into),
        }
    }

    #[test]
    fn simple_and_dotted() {
        assert_eq!(p("userName"), AttrPath::simple("userName"));
        assert_eq!(p("name.givenName"), AttrPath::with_sub("name", "givenName"));
        assert_eq!(p("members.$ref"), AttrPath::with_sub("members", "$ref"));
        assert_eq!(p("x509Certificates"), AttrPath::simple("x509Certificates"));
        assert_eq!(p("a-b_c"), AttrPath::simple("a-b_c"));
    }

    #[test]
    fn urn_split_at_last_colon() {
        let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        assert_eq!(
            p(&format!("{ent}:manager.value")),
            urn(ent, "manager", Some("value"))
        );
        assert_eq!(
            p(&format!("{ent}:employeeNumber")),
            urn(ent, "employeeNumber", None)
        );
        let core = "urn:ietf:params:scim:schemas:core:2.0:User";
        assert_eq!(
            p(&format!("{core}:name.givenName")),
            urn(core, "name", Some("givenName"))
        );
        // A bare extension URN: the caller checks `full_urn`.
        let bare = p(ent);
        assert_eq!(
            bare,
            urn(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0",
                "User",
                None
            )
        );
        assert_eq!(bare.full_urn().as_deref(), Some(ent));
        // The prefix is case-insensitive and kept as written.
        assert_eq!(p("URN:a:b:c"), urn("URN:a:b", "c", None));
    }

    #[test]
    fn rejects_bad_names() {
        let err = |t: &str| parse_path_text(t, 3).unwrap_err();
        assert_eq!(
            err("1abc"),
            "'1abc' at position 3 is not a valid attribute name (a letter followed by letters, \
             digits, '-' or '_')"
        );
        assert!(err("user==").contains("'user=='"));
        assert!(err("a.b.c").contains("more than one '.'"));
        assert_eq!(err("a."), "expected an attribute name at position 5");
        assert_eq!(err(".a"), "expected an attribute name at position 3");
        assert!(err("urn:foo").contains("is not a schema URN"));
        assert!(err("urn:a:b:").contains("expected an attribute name at position 11"));
        assert!(err("urn:a:2.0").contains("'2'"));
        assert!(err("urn:a\u{e9}:b").contains("a URN cannot contain"));
        assert!(err("foo:bar").contains("not a valid attribute name"));
        assert!(err("us\u{e9}r").contains("not a valid attribute name"));
    }

    #[test]
    fn multibyte_prefix_never_panics() {
        assert!(parse_path_text("ur\u{e9}:x", 0).is_err());
        assert!(parse_path_text("\u{e9}", 0).is_err());
    }
}
