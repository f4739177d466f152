//! Where a SCIM path lands in the schemas of the `scim` crate, for the two ends of a mapping.
//!
//! A *target* is written into the app: it must name a writable attribute of the User or Group
//! schema (extension attributes URN-qualified, as they are sent), and a filtered path must
//! describe the entry it creates (`emails[type eq "work"].value` creates `{"type": "work"}`), as
//! the PATCH engine that builds create bodies requires. A *source* is read from Scimitar's
//! directory the way the expression language reads it (unqualified extension names and Entra
//! attribute names work too); what matters there is that it exists and whether it is one value
//! or several. Scoping clauses use the source rules.

use scimitar_scim::filter::{CompareOp, Filter};
use scimitar_scim::path::PatchPath;
use scimitar_scim::schema::{resource_type, AttributeDef, Mutability, ResourceKind};

use crate::expr::entra_alias;

/// A target path resolved against the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TargetSlot<'p> {
    /// The extension URN for extension attributes; `None` for core and common ones.
    pub extension: Option<&'static str>,
    pub attribute: &'static AttributeDef,
    pub filter: Option<&'p Filter>,
    pub sub: Option<&'static AttributeDef>,
}

impl TargetSlot<'_> {
    /// The attribute whose type and case rules the value follows.
    pub fn leaf(&self) -> &'static AttributeDef {
        self.sub.unwrap_or(self.attribute)
    }

    /// A canonical spelling, equal for two paths that name the same slot however they are
    /// written (`Name.GivenName`, `urn:...:core:2.0:User:name.givenName`).
    pub fn key(&self) -> String {
        let mut key = String::new();
        if let Some(urn) = self.extension {
            key.push_str(urn);
            key.push(':');
        }
        key.push_str(self.attribute.name);
        if let Some(filter) = self.filter {
            key.push_str(&format!("[{filter}]"));
        }
        if let Some(sub) = self.sub {
            key.push('.');
            key.push_str(sub.name);
        }
        key.to_lowercase()
    }
}

/// Resolve a target path for `kind`, or say why it cannot be written.
pub(crate) fn resolve_target(
    kind: ResourceKind,
    path: &PatchPath,
) -> Result<TargetSlot<'_>, String> {
    let rt = resource_type(kind);
    let written = written(path);
    let Some(located) = rt.attribute(path.urn.as_deref(), &path.name) else {
        if path.urn.is_none() {
            if let Some(ext) = rt
                .extension_schemas()
                .find(|s| s.attribute(&path.name).is_some())
            {
                return Err(format!(
                    "extension attributes are written with their schema URN: {}:{written}",
                    ext.id
                ));
            }
        }
        return Err(format!(
            "the SCIM {} schema has no attribute '{written}'",
            rt.name
        ));
    };
    let attribute = located.def;
    if attribute.mutability == Mutability::ReadOnly {
        return Err(format!(
            "'{}' is read-only: the app sets it, Scimitar cannot",
            attribute.name
        ));
    }
    let sub = match &path.sub_attr {
        None => None,
        Some(s) if !attribute.is_complex() => {
            return Err(format!(
                "'{}' has no sub-attributes, so '.{s}' names nothing",
                attribute.name
            ))
        }
        Some(s) => {
            let sub = attribute.sub(s).ok_or_else(|| unknown_part(attribute, s))?;
            match sub.mutability {
                Mutability::ReadOnly => {
                    return Err(format!("'{}.{}' is read-only", attribute.name, sub.name))
                }
                Mutability::Immutable => {
                    return Err(format!(
                        "'{}.{}' cannot be written on its own; map the whole '{}'",
                        attribute.name, sub.name, attribute.name
                    ))
                }
                Mutability::ReadWrite | Mutability::WriteOnly => Some(sub),
            }
        }
    };
    let filter = path.filter.as_ref();
    if let Some(f) = filter {
        if !attribute.multi_valued {
            return Err(format!(
                "'{}' holds one value, so it cannot be filtered",
                attribute.name
            ));
        }
        if sub.is_none() {
            return Err(format!(
                "a filtered target names one part of the entry, such as {}[{f}].value",
                attribute.name
            ));
        }
        check_entry_filter(attribute, f)?;
    } else if attribute.multi_valued && sub.is_some() {
        return Err(format!(
            "'{}' holds several values; say which with a filter, such as {}[type eq \"work\"].{}",
            attribute.name,
            attribute.name,
            sub.map_or("value", |s| s.name)
        ));
    }
    Ok(TargetSlot {
        extension: located.extension,
        attribute,
        filter,
        sub,
    })
}

/// A target filter must describe one entry: `eq` comparisons of sub-attributes joined by `and`.
fn check_entry_filter(def: &AttributeDef, filter: &Filter) -> Result<(), String> {
    match filter {
        Filter::And(a, b) => {
            check_entry_filter(def, a)?;
            check_entry_filter(def, b)
        }
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            ..
        } if path.urn.is_none() && path.sub_attr.is_none() => match def.sub(&path.name) {
            Some(_) => Ok(()),
            None => Err(unknown_part(def, &path.name)),
        },
        other => Err(format!(
            "the filter [{other}] must pick one entry with 'eq' comparisons joined by 'and', \
             such as [type eq \"work\"], so that Scimitar can create the entry when it is missing"
        )),
    }
}

/// What a source path reads: whether it is one value or a list of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourceShape {
    pub multi_valued: bool,
}

/// Resolve a source path of the directory for `kind` (the rules of `expr::ScimSource`).
pub(crate) fn resolve_source(kind: ResourceKind, path: &PatchPath) -> Result<SourceShape, String> {
    let rt = resource_type(kind);
    let located = rt
        .attribute(path.urn.as_deref(), &path.name)
        .map(|l| l.def)
        .or_else(|| {
            path.urn
                .is_none()
                .then(|| rt.extension_schemas().find_map(|s| s.attribute(&path.name)))?
        });
    let Some(def) = located else {
        let plain = path.urn.is_none() && path.filter.is_none() && path.sub_attr.is_none();
        if plain && kind == ResourceKind::User && path.name.eq_ignore_ascii_case("IsSoftDeleted") {
            return Ok(SourceShape {
                multi_valued: false,
            });
        }
        if plain && kind == ResourceKind::User {
            if let Some(alias) = entra_alias(&path.name) {
                return resolve_source(kind, alias);
            }
        }
        return Err(format!(
            "the SCIM {} schema has no attribute '{}'",
            rt.name,
            written(path)
        ));
    };
    match &path.sub_attr {
        Some(s) if !def.is_complex() => {
            return Err(format!(
                "'{}' has no sub-attributes, so '.{s}' names nothing",
                def.name
            ))
        }
        Some(s) => {
            def.sub(s).ok_or_else(|| unknown_part(def, s))?;
        }
        None if def.is_complex() && def.sub("value").is_none() => {
            return Err(format!(
                "'{}' is made of parts; name one, such as {}.{}",
                def.name,
                def.name,
                def.sub_attributes.first().map_or("value", |s| s.name)
            ))
        }
        None => {}
    }
    if path.filter.is_some() && !def.multi_valued {
        return Err(format!(
            "'{}' holds one value, so it cannot be filtered",
            def.name
        ));
    }
    Ok(SourceShape {
        multi_valued: def.multi_valued && path.filter.is_none(),
    })
}

fn unknown_part(def: &AttributeDef, part: &str) -> String {
    let parts: Vec<&str> = def.sub_attributes.iter().map(|s| s.name).collect();
    format!(
        "'{}' has no part '{part}'; its parts are {}",
        def.name,
        parts.join(", ")
    )
}

/// A path as written, for messages.
fn written(path: &PatchPath) -> String {
    let mut out = match &path.urn {
        Some(urn) => format!("{urn}:{}", path.name),
        None => path.name.clone(),
    };
    if let Some(f) = &path.filter {
        out.push_str(&format!("[{f}]"));
    }
    if let Some(s) = &path.sub_attr {
        out.push('.');
        out.push_str(s);
    }
    out
}
