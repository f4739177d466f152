//! Attribute paths resolved against the schema, then mapped to where their values live in
//! SQLite: an indexed column of `users`/`groups`, a membership table, or the `search` document.
//!
//! Filters and `sortBy` share this mapping so a list sorts by exactly what it filters on. Only
//! canonical schema names reach SQL text here; the spelling in the request never does.

use scimitar_scim::schema::{AttributeDef, ResourceKind};

use super::operand::Operand;
use super::source::{json_path, json_present, Source};

/// A path that names nothing usable, described for the caller to word (filter or sortBy).
pub(super) use crate::filter_path::{resolve, PathError, Resolution};

/// Where a resolved path's values are.
pub(super) enum Target {
    /// At most one value per resource.
    Value(Operand),
    /// A complex value or a whole extension, which only `pr` (and, for a complex attribute
    /// `attr`, a value filter) can test. `present` is a NULL-free SQL condition.
    Whole {
        present: String,
        label: String,
        attr: Option<&'static AttributeDef>,
    },
    /// The values of the multi-valued attribute `attr`; `sub` is the sub-attribute named by the
    /// path, if any; `label` is the attribute's canonical name.
    Elements {
        src: Source,
        attr: &'static AttributeDef,
        sub: Option<&'static AttributeDef>,
        label: String,
    },
}

pub(super) fn target(kind: ResourceKind, resolution: Resolution) -> Result<Target, PathError> {
    let (extension, def, sub, label) = match resolution {
        Resolution::Extension(urn) => {
            return Ok(Target::Whole {
                present: object_present(&json_path(&[urn])),
                label: urn.to_string(),
                attr: None,
            });
        }
        Resolution::Attr {
            extension,
            def,
            sub,
            label,
        } => (extension, def, sub, label),
    };
    if extension.is_none() {
        if let Some(t) = column_target(kind, def, sub, &label)? {
            return Ok(t);
        }
    }
    let mut segments: Vec<&str> = extension.into_iter().collect();
    segments.push(def.name);
    if def.multi_valued {
        let emails = kind == ResourceKind::User && extension.is_none() && def.name == "emails";
        let src = Source::Json {
            path: json_path(&segments),
            emails,
        };
        return Ok(Target::Elements {
            src,
            attr: def,
            sub,
            label: def.name.to_string(),
        });
    }
    match sub {
        Some(s) => {
            segments.push(s.name);
            let sql = format!("json_extract(r.search, {})", json_path(&segments));
            Ok(Target::Value(Operand::new(sql, s, label)))
        }
        None if def.is_complex() => Ok(Target::Whole {
            present: object_present(&json_path(&segments)),
            label,
            attr: Some(def),
        }),
        None => {
            let sql = format!("json_extract(r.search, {})", json_path(&segments));
            Ok(Target::Value(Operand::new(sql, def, label)))
        }
    }
}

/// Attributes with a column of their own (or a membership table): the indexed route.
fn column_target(
    kind: ResourceKind,
    def: &'static AttributeDef,
    sub: Option<&'static AttributeDef>,
    label: &str,
) -> Result<Option<Target>, PathError> {
    let leaf = sub.unwrap_or(def);
    let col = |sql: &str| Some(Target::Value(Operand::new(sql, leaf, label.to_string())));
    let not_null = |sql: &str| {
        Some(Target::Value(
            Operand::new(sql, leaf, label.to_string()).not_null(),
        ))
    };
    let elements = |src| {
        Some(Target::Elements {
            src,
            attr: def,
            sub,
            label: def.name.to_string(),
        })
    };
    Ok(match (kind, def.name, sub.map(|s| s.name)) {
        (_, "id", None) => not_null("r.id"),
        (_, "externalId", None) => col("r.external_id"),
        (_, "meta", None) => Some(Target::Whole {
            present: "1".into(),
            label: label.into(),
            attr: Some(def),
        }),
        (_, "meta", Some("created")) => not_null("r.created"),
        (_, "meta", Some("lastModified")) => not_null("r.last_modified"),
        (ResourceKind::User, "meta", Some("resourceType")) => not_null("'User'"),
        (ResourceKind::Group, "meta", Some("resourceType")) => not_null("'Group'"),
        (_, "meta", Some("version")) => not_null("('W/\"' || r.version || '\"')"),
        (_, "meta", Some(_)) => return Err(PathError::NotFilterable(label.to_string())),
        (ResourceKind::User, "userName", None) => not_null("r.user_name_ci"),
        (ResourceKind::User, "displayName", None) => col("r.display_name_ci"),
        (ResourceKind::Group, "displayName", None) => not_null("r.display_name_ci"),
        (ResourceKind::User, "active", None) => col("r.active"),
        (ResourceKind::User, "groups", _) => elements(Source::UserGroups),
        (ResourceKind::Group, "members", _) => elements(Source::Members),
        _ => None,
    })
}

/// A NULL-free condition: the JSON object at `path` has a member that is present.
fn object_present(path: &str) -> String {
    json_present(&format!("r.search, {path}"))
}
