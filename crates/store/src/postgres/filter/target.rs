//! Attribute paths resolved against the schema, then mapped to where their values live in
//! PostgreSQL: an indexed column of `users`/`groups`, a membership table, or the `search` JSONB
//! document (read with `->`/`->>`, keys as quoted SQL strings, since URNs hold `:` and `.`).
//!
//! The same mapping as SQLite's, column for column. Filters and `sortBy` share it so a list
//! sorts by exactly what it filters on. Only canonical schema names reach SQL text here; the
//! spelling in the request never does.

use scimitar_scim::filter::AttrPath;
use scimitar_scim::schema::{AttributeDef, ResourceKind, ResourceType, Returned};
use scimitar_scim::ScimError;

use super::operand::Operand;
use super::source::{json_at, json_present, Source};

/// A path that names nothing usable, described for the caller to word (filter or sortBy).
#[derive(Debug)]
pub(super) enum PathError {
    /// The path as written.
    Unknown(String),
    /// The canonical name of an attribute that exists but cannot be used.
    NotFilterable(String),
    /// A sub-attribute on a simple attribute: (canonical name, path as written).
    NoSubAttributes(String, String),
}

impl PathError {
    pub(super) fn for_filter(self) -> ScimError {
        ScimError::invalid_filter(match self {
            PathError::Unknown(p) => format!("unknown attribute '{p}' in filter"),
            PathError::NotFilterable(a) => format!("{a} cannot be used in a filter"),
            PathError::NoSubAttributes(a, p) => {
                format!("attribute '{a}' has no sub-attributes: '{p}' is not valid in a filter")
            }
        })
    }

    pub(super) fn for_sort(self) -> ScimError {
        ScimError::invalid_value(match self {
            PathError::Unknown(p) => format!("sortBy: unknown attribute '{p}'"),
            PathError::NotFilterable(a) => format!("sortBy: {a} cannot be used for sorting"),
            PathError::NoSubAttributes(a, p) => {
                format!("sortBy: attribute '{a}' has no sub-attributes: '{p}' is not valid")
            }
        })
    }
}

/// A path resolved against the schema.
pub(super) enum Resolution {
    /// An attribute, and the sub-attribute if the path names one.
    Attr {
        extension: Option<&'static str>,
        def: &'static AttributeDef,
        sub: Option<&'static AttributeDef>,
        /// Canonical `name` or `name.sub`, for messages.
        label: String,
    },
    /// A whole extension (`urn:...:enterprise:2.0:User`): only presence makes sense.
    Extension(&'static str),
}

pub(super) fn resolve(rt: &ResourceType, path: &AttrPath) -> Result<Resolution, PathError> {
    let Some(loc) = rt.attribute(path.urn.as_deref(), &path.name) else {
        if let Some(urn) = path.full_urn().and_then(|u| rt.extension_urn(&u)) {
            return Ok(Resolution::Extension(urn));
        }
        return Err(PathError::Unknown(path.to_string()));
    };
    let def = loc.def;
    if def.returned == Returned::Never {
        return Err(PathError::NotFilterable(def.name.to_string()));
    }
    let sub = match &path.sub_attr {
        None => None,
        Some(_) if !def.is_complex() => {
            return Err(PathError::NoSubAttributes(
                def.name.to_string(),
                path.to_string(),
            ));
        }
        Some(s) => match def.sub(s) {
            Some(sub) if sub.returned == Returned::Never => {
                return Err(PathError::NotFilterable(format!(
                    "{}.{}",
                    def.name, sub.name
                )));
            }
            Some(sub) => Some(sub),
            None => return Err(PathError::Unknown(path.to_string())),
        },
    };
    let label = match sub {
        Some(s) => format!("{}.{}", def.name, s.name),
        None => def.name.to_string(),
    };
    Ok(Resolution::Attr {
        extension: loc.extension,
        def,
        sub,
        label,
    })
}

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
                present: json_present(&json_at("r.search", &[urn])),
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
            array: json_at("r.search", &segments),
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
            let parent = json_at("r.search", &segments);
            Ok(Target::Value(Operand::json_member(
                &parent, s.name, s, label,
            )))
        }
        None if def.is_complex() => Ok(Target::Whole {
            present: json_present(&json_at("r.search", &segments)),
            label,
            attr: Some(def),
        }),
        None => {
            let parent = json_at("r.search", &segments[..segments.len() - 1]);
            Ok(Target::Value(Operand::json_member(
                &parent, def.name, def, label,
            )))
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
            present: "TRUE".into(),
            label: label.into(),
            attr: Some(def),
        }),
        (_, "meta", Some("created")) => not_null("r.created"),
        (_, "meta", Some("lastModified")) => not_null("r.last_modified"),
        (ResourceKind::User, "meta", Some("resourceType")) => not_null("'User'::text"),
        (ResourceKind::Group, "meta", Some("resourceType")) => not_null("'Group'::text"),
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
