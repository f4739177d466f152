//! A resource split by where its attributes live: the core/common attributes, and one map per
//! schema extension. The body walker fills it and the PATCH engine edits it, so neither has to
//! find (or create) the extension object inside raw JSON; `into_value` is the single place that
//! decides the canonical output shape and order.
//!
//! Every key in these maps is an attribute's canonical name from the schema; nothing here
//! validates values.

use serde_json::{Map, Value};

use crate::schema::ResourceType;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ResourceDoc {
    /// Common (`externalId`, ...) and core-schema attributes, keyed by canonical name.
    pub core: Map<String, Value>,
    /// Extension attributes per extension URN (canonical spelling), in first-seen order.
    pub extensions: Vec<(&'static str, Map<String, Value>)>,
}

impl ResourceDoc {
    /// The attribute map for `extension` (`None` for core), created when missing.
    pub(crate) fn slot(&mut self, extension: Option<&'static str>) -> &mut Map<String, Value> {
        let Some(urn) = extension else {
            return &mut self.core;
        };
        let idx = match self.extensions.iter().position(|(u, _)| *u == urn) {
            Some(idx) => idx,
            None => {
                self.extensions.push((urn, Map::new()));
                self.extensions.len() - 1
            }
        };
        &mut self.extensions[idx].1
    }

    /// Drop a whole extension object.
    pub(crate) fn remove_extension(&mut self, urn: &str) {
        self.extensions.retain(|(u, _)| *u != urn);
    }

    /// The canonical JSON: `schemas` (core URN first, then each extension that has attributes),
    /// then the attributes in schema order, each non-empty extension object last.
    pub(crate) fn into_value(self, rt: &ResourceType) -> Value {
        Value::Object(self.into_map(rt))
    }

    /// [`ResourceDoc::into_value`] without the `Value` wrapper.
    pub(crate) fn into_map(mut self, rt: &ResourceType) -> Map<String, Value> {
        let mut out = Map::new();
        let mut schemas = vec![Value::String(rt.schema.to_string())];
        for (urn, _) in &rt.extensions {
            if self
                .extensions
                .iter()
                .any(|(u, m)| u == urn && !m.is_empty())
            {
                schemas.push(Value::String(urn.to_string()));
            }
        }
        out.insert("schemas".to_string(), Value::Array(schemas));

        for located in rt.all_attributes() {
            if located.extension.is_none() {
                if let Some(v) = self.core.remove(located.def.name) {
                    out.insert(located.def.name.to_string(), v);
                }
            }
        }
        // Nothing else should be left; if something is, keep it rather than lose data.
        out.extend(std::mem::take(&mut self.core));

        for ext in rt.extension_schemas() {
            let Some(pos) = self.extensions.iter().position(|(u, _)| *u == ext.id) else {
                continue;
            };
            let (_, mut attrs) = self.extensions.remove(pos);
            let mut ordered = Map::new();
            for def in &ext.attributes {
                if let Some(v) = attrs.remove(def.name) {
                    ordered.insert(def.name.to_string(), v);
                }
            }
            ordered.extend(attrs);
            if !ordered.is_empty() {
                out.insert(ext.id.to_string(), Value::Object(ordered));
            }
        }
        out
    }
}
