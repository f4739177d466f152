//! PATCH paths (RFC 7644 §3.5.2): `attrPath`, `valuePath` (`emails[type eq "work"]`) and
//! `valuePath.subAttr` (`emails[type eq "work"].value`).
//!
//! The grammar is the filter grammar's (same tokenizer, same attribute-path rules, same limits),
//! so the parsing itself lives in `filter`; this module only shapes the result and makes every
//! failure a `400 invalidPath`. Whether the path names a real attribute is for the PATCH engine.

use crate::error::{ScimError, ScimResult};
use crate::filter::{parse_patch_parts, Filter};

/// A parsed PATCH path: `[urn:]name[.sub]` or `[urn:]name[filter][.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub urn: Option<String>,
    pub name: String,
    /// The value filter between brackets, with paths relative to the attribute.
    pub filter: Option<Filter>,
    pub sub_attr: Option<String>,
}

/// Parse a PATCH `path`. Errors are `400 invalidPath`.
///
/// A bare extension URN (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`) parses as
/// `urn = "...:2.0"`, `name = "User"`; the caller recognises it with
/// [`crate::filter::AttrPath::full_urn`] semantics (`urn:name` with no filter or sub-attribute).
pub fn parse_patch_path(input: &str) -> ScimResult<PatchPath> {
    let (path, filter, sub_attr) = parse_patch_parts(input).map_err(ScimError::invalid_path)?;
    Ok(PatchPath {
        urn: path.urn,
        name: path.name,
        filter,
        sub_attr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{AttrPath, CompValue, CompareOp};
    use crate::ScimType;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn p(input: &str) -> PatchPath {
        match parse_patch_path(input) {
            Ok(p) => p,
            Err(e) => panic!("{input:?}: {}", e.detail),
        }
    }

    fn err(input: &str) -> String {
        let e = parse_patch_path(input).unwrap_err();
        assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidPath)));
        e.detail
    }

    fn eq(name: &str, v: &str) -> Filter {
        Filter::Compare {
            path: AttrPath::simple(name),
            op: CompareOp::Eq,
            value: CompValue::Str(v.into()),
        }
    }

    fn path(urn: Option<&str>, name: &str, filter: Option<Filter>, sub: Option<&str>) -> PatchPath {
        PatchPath {
            urn: urn.map(Into::into),
            name: name.into(),
            filter,
            sub_attr: sub.map(Into::into),
        }
    }

    #[test]
    fn attribute_paths() {
        assert_eq!(p("userName"), path(None, "userName", None, None));
        assert_eq!(
            p("name.givenName"),
            path(None, "name", None, Some("givenName"))
        );
        assert_eq!(
            p(&format!("{ENT}:employeeNumber")),
            path(Some(ENT), "employeeNumber", None, None)
        );
        assert_eq!(
            p(&format!("{ENT}:manager.value")),
            path(Some(ENT), "manager", None, Some("value"))
        );
        let core = "urn:ietf:params:scim:schemas:core:2.0:User";
        assert_eq!(
            p(&format!("{core}:name.familyName")),
            path(Some(core), "name", None, Some("familyName"))
        );
    }

    #[test]
    fn bare_extension_urn() {
        let bare = p(ENT);
        assert_eq!(
            bare,
            path(
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
                "User",
                None,
                None
            )
        );
        let as_attr = AttrPath {
            urn: bare.urn,
            name: bare.name,
            sub_attr: None,
        };
        assert_eq!(as_attr.full_urn().as_deref(), Some(ENT));
    }

    #[test]
    fn value_paths_from_entra_and_okta() {
        assert_eq!(
            p(r#"emails[type eq "work"].value"#),
            path(None, "emails", Some(eq("type", "work")), Some("value"))
        );
        assert_eq!(
            p(r#"addresses[type eq "work"].streetAddress"#),
            path(
                None,
                "addresses",
                Some(eq("type", "work")),
                Some("streetAddress")
            )
        );
        assert_eq!(
            p(r#"phoneNumbers[type eq "mobile"].value"#)
                .sub_attr
                .as_deref(),
            Some("value")
        );
        let id = "2819c223-7f76-453a-919d-413861904646";
        assert_eq!(
            p(&format!("members[value eq \"{id}\"]")),
            path(None, "members", Some(eq("value", id)), None)
        );
        assert_eq!(
            p(r#"members[value eq "abc"]"#),
            path(None, "members", Some(eq("value", "abc")), None)
        );
        let both = p(r#"members[value eq "a" or value eq "b"]"#);
        assert!(matches!(both.filter, Some(Filter::Or(..))));
        let qualified = p(&format!("{ENT}:manager[value pr].displayName"));
        assert_eq!(
            (qualified.urn.as_deref(), qualified.sub_attr.as_deref()),
            (Some(ENT), Some("displayName"))
        );
        assert_eq!(
            p(r#"  emails[ type EQ "work" ] "#).filter,
            Some(eq("type", "work"))
        );
    }

    #[test]
    fn errors_are_invalid_path() {
        assert_eq!(err(""), "the path is empty");
        assert_eq!(err("   "), "the path is empty");
        assert_eq!(
            err("[x pr]"),
            "expected an attribute path at position 0, found '['"
        );
        assert_eq!(
            err("userName extra"),
            "expected the end of the path after 'userName' at position 9, found 'extra'"
        );
        assert!(err("name.givenName.x").contains("more than one '.'"));
        assert!(err("1name").contains("not a valid attribute name"));
        assert!(err(r#"emails[type eq "work""#).contains("closing the '[' at position 6"));
        assert_eq!(
            err(r#"emails[type eq "work"]value"#),
            "expected '.subAttribute' or the end of the path after ']' at position 22, found 'value'"
        );
        assert!(err(r#"emails[type eq "work"].value.x"#).contains("not a valid attribute name"));
        assert!(
            err(r#"emails[type eq "work"]."#).contains("expected an attribute name at position 23")
        );
        assert!(err(r#"emails[type eq "work"] and x"#).contains("found 'and'"));
        assert!(err(r#"emails.value[type eq "work"]"#).contains("follows the sub-attribute"));
        assert!(err(r#"emails[type eq "work"][x pr]"#).contains("found '['"));
        assert!(err(r#"emails[x[y pr]]"#).contains("cannot nest"));
        assert!(err(r#"emails[type eq "wo"#).contains("unterminated string"));
        assert!(err(r#"emails[type eq]"#).contains("expected a value"));
        assert!(err(&format!("emails[{}]", "not (".repeat(40))).contains("levels deep"));
        assert!(err(&"a".repeat(5000)).contains("the limit is 4096"));
    }
}
