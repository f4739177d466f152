//! Filter and sortBy paths resolved against the schema, the same for every SQL dialect: which
//! attribute (core or extension), which sub-attribute, and the errors for paths that name
//! nothing usable. Each dialect maps a [`Resolution`] to where its values live.

use scimitar_scim::filter::AttrPath;
use scimitar_scim::schema::{AttributeDef, ResourceType, Returned};
use scimitar_scim::ScimError;

#[derive(Debug)]
pub(crate) enum PathError {
    /// The path as written.
    Unknown(String),
    /// The canonical name of an attribute that exists but cannot be used.
    NotFilterable(String),
    /// A sub-attribute on a simple attribute: (canonical name, path as written).
    NoSubAttributes(String, String),
}

impl PathError {
    pub(crate) fn for_filter(self) -> ScimError {
        ScimError::invalid_filter(match self {
            PathError::Unknown(p) => format!("unknown attribute '{p}' in filter"),
            PathError::NotFilterable(a) => format!("{a} cannot be used in a filter"),
            PathError::NoSubAttributes(a, p) => {
                format!("attribute '{a}' has no sub-attributes: '{p}' is not valid in a filter")
            }
        })
    }

    pub(crate) fn for_sort(self) -> ScimError {
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
pub(crate) enum Resolution {
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

pub(crate) fn resolve(rt: &ResourceType, path: &AttrPath) -> Result<Resolution, PathError> {
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
