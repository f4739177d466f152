//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) and the `returned` characteristic.
//!
//! Applied to every response that carries a resource: GET, list, search, POST, PUT, PATCH.
//! `returned: always` cannot be excluded, `never` is never shown, `request` only when asked.

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use crate::filter::{parse_attr_path, AttrPath};
use crate::schema::{AttributeDef, ResourceType, Returned};

/// A resolved attribute reference: which container (core or an extension URN), which
/// attribute, and optionally which sub-attribute. `attr: None` names a whole extension.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Selector {
    extension: Option<&'static str>,
    attr: Option<&'static str>,
    sub: Option<&'static str>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    attributes: Vec<Selector>,
    excluded: Vec<Selector>,
}

impl Projection {
    /// No projection: default attributes.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parse the comma-separated `attributes` and `excludedAttributes` parameters.
    pub fn parse(
        rt: &ResourceType,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> ScimResult<Self> {
        Ok(Projection {
            attributes: parse_list(rt, attributes, "attributes")?,
            excluded: parse_list(rt, excluded, "excludedAttributes")?,
        })
    }

    /// Whether the top-level core attribute `name` (e.g. `members`, `groups`) will appear, so
    /// callers can skip loading it.
    pub fn wants(&self, rt: &ResourceType, name: &str) -> bool {
        let Some(located) = rt.attribute(None, name) else {
            return false;
        };
        let def = located.def;
        if def.returned == Returned::Never {
            return false;
        }
        if def.returned == Returned::Always {
            return true;
        }
        if !self.attributes.is_empty() {
            return self
                .attributes
                .iter()
                .any(|s| s.extension.is_none() && s.attr == Some(def.name));
        }
        if def.returned == Returned::Request {
            return false;
        }
        !self
            .excluded
            .iter()
            .any(|s| s.extension.is_none() && s.attr == Some(def.name) && s.sub.is_none())
    }

    /// Apply to a full resource representation.
    pub fn apply(&self, rt: &ResourceType, resource: &Value) -> Value {
        self.apply_owned(rt, resource.clone())
    }

    /// Apply to a resource the caller no longer needs: attributes are moved and filtered in
    /// place, never copied (rendering is on every read's hot path).
    pub fn apply_owned(&self, rt: &ResourceType, resource: Value) -> Value {
        let Value::Object(obj) = resource else {
            return resource;
        };
        let mut out = Map::with_capacity(obj.len());
        for (key, value) in obj {
            if key == "schemas" {
                out.insert(key, value);
                continue;
            }
            if let Some(ext) = rt.extension_urn(&key) {
                if let Value::Object(inner) = value {
                    let projected = self.container(rt, Some(ext), inner);
                    if !projected.is_empty() {
                        out.insert(key, Value::Object(projected));
                    }
                }
                continue;
            }
            if let Some(located) = rt.attribute(None, &key) {
                if let Some(v) = self.attribute(None, located.def, value) {
                    out.insert(key, v);
                }
            }
        }
        Value::Object(out)
    }

    fn container(
        &self,
        rt: &ResourceType,
        ext: Option<&'static str>,
        obj: Map<String, Value>,
    ) -> Map<String, Value> {
        let mut out = Map::with_capacity(obj.len());
        for (key, value) in obj {
            if let Some(located) = rt.attribute(ext, &key) {
                if let Some(v) = self.attribute(ext, located.def, value) {
                    out.insert(key, v);
                }
            }
        }
        out
    }

    fn attribute(
        &self,
        ext: Option<&'static str>,
        def: &AttributeDef,
        value: Value,
    ) -> Option<Value> {
        match def.returned {
            Returned::Never => return None,
            Returned::Always => return Some(value),
            _ => {}
        }
        let same_attr = |s: &&Selector| s.extension == ext && s.attr == Some(def.name);
        let whole_ext = |s: &Selector| ext.is_some() && s.extension == ext && s.attr.is_none();
        if !self.attributes.is_empty() {
            if self.attributes.iter().any(whole_ext) {
                return filter_subs(def, value, |sub| sub.returned != Returned::Never);
            }
            let selected: Vec<&Selector> = self.attributes.iter().filter(same_attr).collect();
            if selected.is_empty() {
                return None;
            }
            if selected.iter().any(|s| s.sub.is_none()) {
                return filter_subs(def, value, |sub| {
                    sub.returned != Returned::Never && sub.returned != Returned::Request
                });
            }
            return filter_subs(def, value, |sub| {
                sub.returned == Returned::Always || selected.iter().any(|s| s.sub == Some(sub.name))
            });
        }
        if def.returned == Returned::Request {
            return None;
        }
        if self.excluded.iter().any(whole_ext) {
            return None;
        }
        let excluded: Vec<&Selector> = self.excluded.iter().filter(same_attr).collect();
        if excluded.iter().any(|s| s.sub.is_none()) {
            return None;
        }
        filter_subs(def, value, |sub| {
            sub.returned == Returned::Always
                || (sub.returned != Returned::Never
                    && sub.returned != Returned::Request
                    && !excluded.iter().any(|s| s.sub == Some(sub.name)))
        })
    }
}

/// Keep the sub-attributes of a complex value (or of each element) that `keep` accepts,
/// filtering in place; an element left empty is dropped, and so is an attribute left empty.
fn filter_subs(
    def: &AttributeDef,
    value: Value,
    keep: impl Fn(&AttributeDef) -> bool,
) -> Option<Value> {
    if !def.is_complex() {
        return Some(value);
    }
    let one = |v: Value| -> Option<Value> {
        let Value::Object(mut obj) = v else {
            return None;
        };
        obj.retain(|k, _| def.sub(k).map(&keep).unwrap_or(false));
        (!obj.is_empty()).then_some(Value::Object(obj))
    };
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(one).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => one(other),
    }
}

fn parse_list(rt: &ResourceType, list: Option<&str>, param: &str) -> ScimResult<Vec<Selector>> {
    let Some(list) = list else { return Ok(vec![]) };
    let mut out = Vec::new();
    for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        out.push(resolve(rt, raw, param)?);
    }
    Ok(out)
}

fn resolve(rt: &ResourceType, raw: &str, param: &str) -> ScimResult<Selector> {
    let unknown = || ScimError::invalid_value(format!("{param}: unknown attribute '{raw}'"));
    if let Some(ext) = rt.extension_urn(raw) {
        return Ok(Selector {
            extension: Some(ext),
            attr: None,
            sub: None,
        });
    }
    let path: AttrPath = parse_attr_path(raw).map_err(|_| unknown())?;
    if let Some(full) = path.full_urn() {
        if let Some(ext) = rt.extension_urn(&full) {
            return Ok(Selector {
                extension: Some(ext),
                attr: None,
                sub: None,
            });
        }
    }
    let located = rt
        .attribute(path.urn.as_deref(), &path.name)
        .ok_or_else(unknown)?;
    let sub = match &path.sub_attr {
        None => None,
        Some(s) => Some(located.def.sub(s).ok_or_else(unknown)?.name),
    };
    Ok(Selector {
        extension: located.extension,
        attr: Some(located.def.name),
        sub,
    })
}
