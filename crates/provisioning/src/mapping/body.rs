//! The SCIM body that creates a mapped object in the app.
//!
//! The body is assembled by the `scim` crate's PATCH engine: every set target becomes a
//! `replace` on an empty resource, so `emails[type eq "work"].value` creates
//! `"emails": [{"type": "work", "value": ...}]`, extension attributes land under their URN with
//! the URN listed in `schemas`, and the result is in the canonical form the server itself
//! stores. References are resolved to the app's ids through the caller's function; one that
//! cannot be resolved yet is left out of the body and reported, never dropped silently.

use scimitar_scim::patch::{apply_patch, PatchOpKind, PatchOperation};
use scimitar_scim::schema::{resource_type, ResourceKind};
use scimitar_scim::CompatPolicy;
use serde_json::{json, Map, Value as Json};

use super::apply::{DirectoryRef, MappedAttribute, MappedObject, MappedValue};
use super::error::MappingError;
use super::schema_path::resolve_target;

/// A create body, and the references it could not carry yet.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimBody {
    pub body: Json,
    /// Directory objects the app does not have yet (or whose app id is unknown): create them,
    /// then send these references in an update.
    pub unresolved: Vec<UnresolvedReference>,
}

/// A reference that could not be turned into the app's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedReference {
    /// The target path it belongs to (`members`, `urn:...:User:manager`).
    pub target: String,
    /// The directory id.
    pub id: String,
    pub kind: ResourceKind,
}

impl MappedObject {
    /// The body of the SCIM `POST` that creates this object in the app. `resolve` turns a
    /// directory id into the app's id, or `None` when the app does not have that object yet.
    /// Cleared and ignored targets are simply absent from a create. Errors: a
    /// `SelectUniqueValue` target not yet [`choose`](MappedObject::choose)n, or a body the target
    /// schema refuses (a required attribute such as `userName` has no value).
    pub fn to_scim_body(
        &self,
        resolve: impl Fn(&str) -> Option<String>,
    ) -> Result<ScimBody, MappingError> {
        let rt = resource_type(self.kind);
        let mut operations = Vec::with_capacity(self.attributes.len());
        let mut unresolved = Vec::new();
        for attribute in &self.attributes {
            let value = match &attribute.value {
                MappedValue::Set(v) => v.clone(),
                MappedValue::Clear | MappedValue::Ignore => continue,
                MappedValue::Candidates(c) => {
                    return Err(MappingError::UndecidedCandidates {
                        target: attribute.target.as_str().to_string(),
                        count: c.len(),
                    })
                }
                MappedValue::References(refs) => {
                    match reference_value(self.kind, attribute, refs, &resolve, &mut unresolved) {
                        Some(v) => v,
                        None => continue,
                    }
                }
            };
            operations.push(PatchOperation {
                op: PatchOpKind::Replace,
                path: Some(attribute.target.path().clone()),
                value: Some(value),
            });
        }
        let mut body = json!({ "schemas": [rt.schema] });
        apply_patch(rt, &mut body, &operations, &CompatPolicy::compatible())
            .map_err(|e| MappingError::Body(e.detail))?;
        Ok(ScimBody { body, unresolved })
    }
}

/// Resolve `refs` into the value of a reference target: `{"value": id}` for a single-valued one
/// (manager), `[{"value": id}, ...]` for a multi-valued one (members). `None` when nothing could
/// be resolved; what could not be is added to `unresolved`.
pub(super) fn reference_value(
    kind: ResourceKind,
    attribute: &MappedAttribute,
    refs: &[DirectoryRef],
    resolve: &impl Fn(&str) -> Option<String>,
    unresolved: &mut Vec<UnresolvedReference>,
) -> Option<Json> {
    let mut values = Vec::with_capacity(refs.len());
    for r in refs {
        match resolve(&r.id) {
            Some(app_id) => values.push(reference_entry(app_id)),
            None => unresolved.push(UnresolvedReference {
                target: attribute.target.as_str().to_string(),
                id: r.id.clone(),
                kind: r.kind,
            }),
        }
    }
    let multi = resolve_target(kind, attribute.target.path())
        .map(|slot| slot.attribute.multi_valued)
        .unwrap_or(true);
    if multi {
        (!values.is_empty()).then_some(Json::Array(values))
    } else {
        values.into_iter().next()
    }
}

fn reference_entry(app_id: String) -> Json {
    let mut entry = Map::new();
    entry.insert("value".to_string(), Json::String(app_id));
    Json::Object(entry)
}
