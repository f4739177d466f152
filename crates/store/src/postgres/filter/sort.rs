//! `sortBy` (RFC 7644 §3.4.2.3) as an SQL expression for `ORDER BY`.
//!
//! It reuses the filter's mapping, so a list sorts by the same folded, canonical values it
//! filters on: `caseExact=false` strings sort case-insensitively and dateTimes chronologically.
//! A multi-valued attribute sorts by its primary (or else first) element's `value`. Strings sort
//! by code point (`COLLATE "C"`), as on SQLite, whatever the database's collation.

use scimitar_scim::filter::AttrPath;
use scimitar_scim::schema::{resource_type, ResourceKind};
use scimitar_scim::{ScimError, ScimResult};

use super::target::{resolve, target, Resolution, Target};

/// An SQL expression on alias `r` to order resources by `path`. Errors are
/// `400 invalidValue` naming `sortBy`.
pub fn sort_key_sql(kind: ResourceKind, path: &AttrPath) -> ScimResult<String> {
    let resolution = resolve(resource_type(kind), path).map_err(|e| e.for_sort())?;
    if let Resolution::Attr {
        extension: None,
        def,
        sub: Some(sub),
        ..
    } = &resolution
    {
        // The ETag text would order "W/\"10\"" before "W/\"9\"".
        if def.name == "meta" && sub.name == "version" {
            return Ok("r.version".to_string());
        }
        // meta.location is `<base>/<endpoint>/<id>`: same order as the id.
        if def.name == "meta" && sub.name == "location" {
            return Ok("(r.id) COLLATE \"C\"".to_string());
        }
    }
    match target(kind, resolution).map_err(|e| e.for_sort())? {
        Target::Value(o) => Ok(o.ordered()),
        // `manager` sorts by `manager.value`, as it compares.
        Target::Whole {
            attr: Some(def), ..
        } if def.sub("value").is_some() => sort_key_sql(
            kind,
            &AttrPath {
                sub_attr: Some("value".into()),
                ..path.clone()
            },
        ),
        Target::Whole { label, .. } => Err(ScimError::invalid_value(format!(
            "sortBy: attribute '{label}' is complex: sort by one of its sub-attributes"
        ))),
        Target::Elements {
            src,
            attr,
            sub,
            label,
        } => {
            let sub = match sub {
                Some(s) => Some(s),
                None if attr.is_complex() => Some(attr.sub("value").ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "sortBy: attribute '{label}' is complex: sort by one of its sub-attributes"
                    ))
                })?),
                None => None,
            };
            src.first(attr, sub, &label).map_err(|e| e.for_sort())
        }
    }
}
