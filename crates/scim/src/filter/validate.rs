//! Checking a parsed filter against a resource type before it is used: every path must name an
//! attribute the schemas know, and the operators must suit the attribute types.
//!
//! The evaluator silently treats an unknown attribute as "no match"; a client deserves a
//! `400 invalidFilter` instead, so the server calls this first. It only reads the filter.

use super::ast::{AttrPath, CompareOp, Filter};
use crate::error::{ScimError, ScimResult};
use crate::schema::{AttrType, AttributeDef, ResourceType};

/// Check that every attribute path in `filter` (sub-attributes and value-filter paths included)
/// resolves against `rt`, and that `gt`/`ge`/`lt`/`le` are not used on boolean or binary
/// attributes (RFC 7644 §3.4.2.2 requires `400 invalidFilter` for those).
pub fn validate_filter_paths(rt: &ResourceType, filter: &Filter) -> ScimResult<()> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            validate_filter_paths(rt, a)?;
            validate_filter_paths(rt, b)
        }
        Filter::Not(a) => validate_filter_paths(rt, a),
        Filter::Present(path) => resolve(rt, path).map(|_| ()),
        Filter::Compare { path, op, .. } => check_op(resolve(rt, path)?, *op, &path.to_string()),
        Filter::ValuePath { path, filter } => {
            let def = resolve(rt, path)?;
            if !def.is_complex() {
                return Err(ScimError::invalid_filter(format!(
                    "'{path}' is not a complex attribute, so it cannot take a value filter '[...]'"
                )));
            }
            validate_relative(def, path, filter)
        }
    }
}

fn unknown(path: &str) -> ScimError {
    ScimError::invalid_filter(format!("unknown attribute '{path}' in filter"))
}

fn resolve(rt: &ResourceType, path: &AttrPath) -> ScimResult<&'static AttributeDef> {
    let loc = rt
        .attribute(path.urn.as_deref(), &path.name)
        .ok_or_else(|| unknown(&path.to_string()))?;
    match &path.sub_attr {
        None => Ok(loc.def),
        Some(sub) => loc.def.sub(sub).ok_or_else(|| unknown(&path.to_string())),
    }
}

fn validate_relative(def: &AttributeDef, outer: &AttrPath, filter: &Filter) -> ScimResult<()> {
    let sub = |path: &AttrPath| {
        let shown = format!("{outer}.{path}");
        if path.urn.is_some() || path.sub_attr.is_some() {
            return Err(unknown(&shown));
        }
        def.sub(&path.name)
            .map(|d| (d, shown.clone()))
            .ok_or_else(|| unknown(&shown))
    };
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            validate_relative(def, outer, a)?;
            validate_relative(def, outer, b)
        }
        Filter::Not(a) => validate_relative(def, outer, a),
        Filter::Present(path) => sub(path).map(|_| ()),
        Filter::Compare { path, op, .. } => {
            let (d, shown) = sub(path)?;
            check_op(d, *op, &shown)
        }
        Filter::ValuePath { .. } => Err(ScimError::invalid_filter(format!(
            "value filters cannot nest (inside '{outer}[...]')"
        ))),
    }
}

fn check_op(def: &AttributeDef, op: CompareOp, shown: &str) -> ScimResult<()> {
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
    );
    if ordering && matches!(def.attr_type, AttrType::Boolean | AttrType::Binary) {
        return Err(ScimError::invalid_filter(format!(
            "'{}' cannot be used on '{shown}', a {} attribute; gt, ge, lt and le apply to \
             strings, numbers and dates",
            op.as_str(),
            def.attr_type.as_str()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{parse_filter, FilterLimits};
    use crate::schema::{resource_type, ResourceKind};
    use crate::ScimType;

    fn check(kind: ResourceKind, f: &str) -> Result<(), String> {
        let filter = parse_filter(f, FilterLimits::default()).unwrap();
        validate_filter_paths(resource_type(kind), &filter).map_err(|e| {
            assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
            e.detail
        })
    }

    #[test]
    fn known_paths_pass() {
        let user = ResourceKind::User;
        for f in [
            r#"userName eq "a" and not (USERNAME pr)"#,
            r#"name.givenName sw "B" or emails.value co "@x""#,
            r#"emails[type eq "work" and value co "@x"]"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#,
            r#"meta.lastModified gt "2020-01-01T00:00:00Z" and id eq "x" and externalId pr"#,
            r#"groups.$ref pr and x509Certificates.value eq "AAAA""#,
        ] {
            assert_eq!(check(user, f), Ok(()), "{f}");
        }
        assert_eq!(
            check(
                ResourceKind::Group,
                r#"members[value eq "x" or value eq "y"]"#
            ),
            Ok(())
        );
    }

    #[test]
    fn unknown_paths_fail() {
        let user = ResourceKind::User;
        assert_eq!(
            check(user, "foo pr"),
            Err("unknown attribute 'foo' in filter".into())
        );
        assert_eq!(
            check(user, r#"name.foo eq "x""#),
            Err("unknown attribute 'name.foo' in filter".into())
        );
        assert_eq!(
            check(user, "userName.x pr"),
            Err("unknown attribute 'userName.x' in filter".into())
        );
        assert_eq!(
            check(user, "a pr or (b pr and emails pr)"),
            Err("unknown attribute 'a' in filter".into())
        );
        assert_eq!(
            check(user, "emails[foo pr]"),
            Err("unknown attribute 'emails.foo' in filter".into())
        );
        assert_eq!(
            check(user, r#"not (emails[type eq "a" and x eq "b"])"#),
            Err("unknown attribute 'emails.x' in filter".into())
        );
        assert!(check(user, "urn:x:y:employeeNumber pr")
            .unwrap_err()
            .contains("unknown attribute"));
        assert!(check(ResourceKind::Group, "userName pr").is_err());
        assert!(check(
            user,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr"
        )
        .is_err());
        assert!(check(user, "userName[x pr]")
            .unwrap_err()
            .contains("not a complex attribute"));
    }

    #[test]
    fn ordering_on_booleans_fails() {
        let user = ResourceKind::User;
        assert!(check(user, "active gt false")
            .unwrap_err()
            .contains("'gt' cannot be used on 'active', a boolean"));
        assert!(check(user, "emails[primary le true]")
            .unwrap_err()
            .contains("'emails.primary'"));
        assert_eq!(check(user, "active eq true"), Ok(()));
    }
}
