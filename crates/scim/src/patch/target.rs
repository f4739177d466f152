//! What a PATCH operation points at: a whole extension object, or an attribute (optionally with
//! a value filter and/or a sub-attribute), resolved against the resource type's schemas. This is
//! where paths are refused: unknown names and impossible shapes are `400 invalidPath`, read-only
//! targets are `400 mutability`. Path-less `add`/`replace` values are turned into the same
//! targets, key by key, so both forms share one implementation.

use serde_json::Value;

use crate::error::{ScimError, ScimResult};
use crate::filter::Filter;
use crate::path::{parse_patch_path, PatchPath};
use crate::resource::{
    display_path, lookup, read_only_error, resolve_key, Ctx, Located, ReadOnlyRule,
};
use crate::schema::{AttributeDef, Mutability, ResourceType};

#[derive(Debug, Clone)]
pub(super) enum Target {
    /// A whole extension object, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    Extension(&'static str),
    Attr(AttrTarget),
}

#[derive(Debug, Clone)]
pub(super) struct AttrTarget {
    pub loc: Located,
    /// The value filter of `emails[type eq "work"]`; only on multi-valued attributes.
    pub filter: Option<Filter>,
    /// The sub-attribute of `name.givenName` or `emails[...].value`; only on complex attributes.
    pub sub: Option<&'static AttributeDef>,
}

impl AttrTarget {
    pub(super) fn whole(loc: Located) -> Self {
        AttrTarget {
            loc,
            filter: None,
            sub: None,
        }
    }

    /// The attribute's name for messages, without filter or sub-attribute.
    pub(super) fn name(&self) -> String {
        display_path(&self.loc)
    }
}

/// Resolve a parsed PATCH path against `rt`.
pub(super) fn resolve(rt: &ResourceType, path: &PatchPath) -> ScimResult<Target> {
    if path.filter.is_none() && path.sub_attr.is_none() {
        let whole = match &path.urn {
            Some(urn) => rt.extension_urn(&format!("{urn}:{}", path.name)),
            None => rt.extension_urn(&path.name),
        };
        if let Some(urn) = whole {
            return Ok(Target::Extension(urn));
        }
    }
    let loc = lookup(rt, path.urn.as_deref(), &path.name).ok_or_else(|| {
        let written = match &path.urn {
            Some(urn) => format!("{urn}:{}", path.name),
            None => path.name.clone(),
        };
        ScimError::invalid_path(format!(
            "unknown attribute '{written}' for resource type {}",
            rt.name
        ))
    })?;
    let name = display_path(&loc);
    if loc.def.mutability == Mutability::ReadOnly {
        return Err(read_only_error(&name));
    }
    if let Some(filter) = &path.filter {
        if !loc.def.multi_valued {
            return Err(ScimError::invalid_path(format!(
                "attribute '{name}' is single-valued, so a path cannot filter its values"
            )));
        }
        check_filter(loc.def, filter, &name)?;
    }
    let sub = match &path.sub_attr {
        None => None,
        Some(s) => {
            if !loc.def.is_complex() {
                return Err(ScimError::invalid_path(format!(
                    "attribute '{name}' is not complex, so it has no sub-attribute '{s}'"
                )));
            }
            let sub = loc.def.sub(s).ok_or_else(|| {
                ScimError::invalid_path(format!(
                    "unknown attribute '{name}.{s}' for resource type {}",
                    rt.name
                ))
            })?;
            match sub.mutability {
                Mutability::ReadOnly => {
                    return Err(read_only_error(&format!("{name}.{}", sub.name)))
                }
                Mutability::Immutable => {
                    return Err(ScimError::mutability(format!(
                        "attribute '{name}.{}' is immutable: replace the whole value instead",
                        sub.name
                    )))
                }
                Mutability::ReadWrite | Mutability::WriteOnly => Some(sub),
            }
        }
    };
    Ok(Target::Attr(AttrTarget {
        loc,
        filter: path.filter.clone(),
        sub,
    }))
}

/// Every attribute a value filter names must be a sub-attribute of the filtered attribute (or
/// `value`, for a multi-valued attribute of simple type); filters do not nest.
fn check_filter(def: &AttributeDef, filter: &Filter, name: &str) -> ScimResult<()> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            check_filter(def, a, name)?;
            check_filter(def, b, name)
        }
        Filter::Not(a) => check_filter(def, a, name),
        Filter::Compare { path, .. } | Filter::Present(path) => {
            let known = path.urn.is_none()
                && path.sub_attr.is_none()
                && if def.is_complex() {
                    def.sub(&path.name).is_some()
                } else {
                    path.name.eq_ignore_ascii_case("value")
                };
            if known {
                Ok(())
            } else {
                Err(ScimError::invalid_path(format!(
                    "the filter on '{name}' names '{path}', which is not a sub-attribute of '{name}'"
                )))
            }
        }
        Filter::ValuePath { .. } => Err(ScimError::invalid_path(format!(
            "the filter on '{name}' cannot contain another value filter"
        ))),
    }
}

/// Resolve one key of a path-less `add`/`replace` value object. `Ok(None)`: skip the key
/// (`schemas`, or a read-only attribute the policy ignores).
pub(super) fn resolve_value_key(
    rt: &ResourceType,
    key: &str,
    cx: &Ctx<'_>,
) -> ScimResult<Option<Target>> {
    if key.eq_ignore_ascii_case("schemas") {
        return Ok(None);
    }
    if let Some(urn) = rt.extension_urn(key) {
        return Ok(Some(Target::Extension(urn)));
    }
    if let Some(loc) = resolve_key(rt, key) {
        if !cx.admit(loc.def, &display_path(&loc))? {
            return Ok(None);
        }
        return Ok(Some(Target::Attr(AttrTarget::whole(loc))));
    }
    // Only a key shaped like a path is read as one; a plain unknown name is an unknown
    // attribute, as in a POST body.
    if !cx.policy.dotted_keys_in_pathless_values || !key.contains(['.', '[']) {
        return Err(cx.unknown(key));
    }
    // Entra ID (aadOptscim062020): keys such as "name.givenName" or
    // "emails[type eq \"work\"].value" are paths in their own right.
    let path = parse_patch_path(key).map_err(|e| {
        ScimError::invalid_path(format!(
            "value key {}: {}",
            Value::String(key.to_string()),
            e.detail
        ))
    })?;
    if cx.read_only == ReadOnlyRule::Drop && names_read_only(rt, &path) {
        return Ok(None);
    }
    resolve(rt, &path).map(Some)
}

/// Whether `path` names a read-only attribute or sub-attribute (`meta.version`,
/// `manager.displayName`).
fn names_read_only(rt: &ResourceType, path: &PatchPath) -> bool {
    let Some(loc) = lookup(rt, path.urn.as_deref(), &path.name) else {
        return false;
    };
    let sub = path.sub_attr.as_deref().and_then(|s| loc.def.sub(s));
    loc.def.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
}
