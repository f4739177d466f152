//! Applying mappings to one directory object: what each target of the app's object should be.
//!
//! Null handling is explicit. A source that is null (or empty text) takes the mapping's default;
//! without one the target is [`MappedValue::Clear`]ed, so clearing an attribute in the directory
//! clears it in the app (Entra ID leaves the old value there). `IgnoreFlowIfNullOrEmpty` gives
//! [`MappedValue::Ignore`]: leave the target as it is. Values are converted to the target
//! attribute's SCIM type here, once, so the create body and the diff agree.

use scimitar_scim::schema::{
    AttrType, AttributeDef, Mutability, ResourceKind, ENTERPRISE_USER_SCHEMA,
};
use serde_json::Value as Json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::MappingError;
use super::schema_path::resolve_target;
use super::source::{MappingSource, ReferenceKind};
use super::validate::ObjectMappings;
use super::{ApplyWhen, AttributeMapping, TargetPath};
use crate::expr::{evaluate, EvalContext, Number, Outcome, ScimSource, Value};

/// What an evaluation may draw on besides the object: the time, and a seed when GUIDs and
/// random strings must repeat (previews, tests). Without a seed they come from the operating
/// system's generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingContext {
    pub now: OffsetDateTime,
    pub seed: Option<u64>,
}

/// The app's object as the mappings say it should be, target by target, in mapping order.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedObject {
    pub kind: ResourceKind,
    pub attributes: Vec<MappedAttribute>,
}

/// One target and what it should hold.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedAttribute {
    pub target: TargetPath,
    pub value: MappedValue,
    /// Matching precedence, copied from the mapping.
    pub matching: Option<u8>,
    /// The value must not be shown in logs or plans (`Redact(...)`, a write-only target).
    pub redacted: bool,
    /// The value changes between evaluations (`Now()`, `Guid()`, `RandomString`): a new value
    /// is not a change of the source, so [`diff`](super::diff) does not report it.
    pub volatile: bool,
}

/// What one target should hold.
#[derive(Debug, Clone, PartialEq)]
pub enum MappedValue {
    /// This value, already of the target's SCIM type (text, boolean, number).
    Set(Json),
    /// No value: remove it from the app's object.
    Clear,
    /// `IgnoreFlowIfNullOrEmpty`: leave the target as the app has it.
    Ignore,
    /// `SelectUniqueValue`: the values to try, in order; the engine writes the first one the app
    /// does not have yet.
    Candidates(Vec<String>),
    /// Directory objects whose ids in the app go here, still unresolved (never empty).
    References(Vec<DirectoryRef>),
}

/// A directory object referred to by the object being mapped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DirectoryRef {
    /// The id in Scimitar's directory.
    pub id: String,
    pub kind: ResourceKind,
}

impl MappedObject {
    /// The mapped attribute for `target`, compared as written.
    pub fn get(&self, target: &str) -> Option<&MappedAttribute> {
        self.attributes.iter().find(|a| a.target.as_str() == target)
    }

    /// The matching attributes that have a value, by precedence: what to search the app by.
    pub fn matching_values(&self) -> Vec<(&TargetPath, &Json)> {
        let mut out: Vec<(u8, &TargetPath, &Json)> = self
            .attributes
            .iter()
            .filter_map(|a| match (&a.value, a.matching) {
                (MappedValue::Set(v), Some(p)) => Some((p, &a.target, v)),
                _ => None,
            })
            .collect();
        out.sort_by_key(|(p, _, _)| *p);
        out.into_iter().map(|(_, t, v)| (t, v)).collect()
    }

    /// Settle a `SelectUniqueValue` target on `value` (the engine's pick). Returns whether the
    /// target had candidates to settle.
    pub fn choose(&mut self, target: &str, value: &str) -> bool {
        match self
            .attributes
            .iter_mut()
            .find(|a| a.target.as_str() == target)
        {
            Some(a) if matches!(a.value, MappedValue::Candidates(_)) => {
                a.value = MappedValue::Set(Json::String(value.to_string()));
                true
            }
            _ => false,
        }
    }

    /// Every directory object this object refers to, for the engine to provision first.
    pub fn references(&self) -> Vec<&DirectoryRef> {
        self.attributes
            .iter()
            .filter_map(|a| match &a.value {
                MappedValue::References(refs) => Some(refs.iter()),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

/// Apply the mappings of `kind` to `source`, a SCIM resource from Scimitar's directory.
/// `on_create`: whether the object is being created (mappings applied on create only are left
/// out otherwise). An error names the target whose value could not be computed.
pub fn map_object(
    mappings: &ObjectMappings,
    kind: ResourceKind,
    source: &Json,
    ctx: &MappingContext,
    on_create: bool,
) -> Result<MappedObject, MappingError> {
    let mut scim = ScimSource::new(kind, source, ctx.now);
    if let Some(seed) = ctx.seed {
        scim = scim.with_seed(seed);
    }
    let mut attributes = Vec::with_capacity(mappings.for_kind(kind).len());
    for mapping in mappings.for_kind(kind) {
        if mapping.apply == ApplyWhen::OnCreateOnly && !on_create {
            continue;
        }
        attributes.push(map_one(kind, mapping, source, &scim)?);
    }
    Ok(MappedObject { kind, attributes })
}

fn map_one(
    kind: ResourceKind,
    mapping: &AttributeMapping,
    source: &Json,
    scim: &ScimSource<'_>,
) -> Result<MappedAttribute, MappingError> {
    let target = mapping.target.as_str();
    let value_error = |message: String| MappingError::Value {
        target: target.to_string(),
        message,
    };
    let slot = resolve_target(kind, mapping.target.path()).map_err(value_error)?;
    let leaf = slot.leaf();
    let outcome = match &mapping.source {
        MappingSource::Direct(a) => Outcome::Value(
            scim.attribute(a)
                .map_err(|e| value_error(format!("[{}]: {e}", a.text)))?,
        ),
        MappingSource::Constant(s) => Outcome::Value(Value::String(s.clone())),
        MappingSource::Expression(e) => {
            evaluate(e.expression(), scim).map_err(|error| MappingError::Evaluation {
                target: target.to_string(),
                error,
            })?
        }
        MappingSource::Reference(r) => {
            let refs = references(*r, source);
            let value = if refs.is_empty() {
                MappedValue::Clear
            } else {
                MappedValue::References(refs)
            };
            return Ok(attribute(mapping, leaf, false, value));
        }
    };
    let value = match outcome {
        Outcome::Ignore => MappedValue::Ignore,
        Outcome::Candidates(c) => MappedValue::Candidates(c),
        Outcome::Value(v) if v.is_null_or_empty() => match &mapping.default {
            Some(d) => MappedValue::Set(
                to_json(leaf, &Value::String(d.clone()))
                    .map_err(|m| value_error(format!("the default value {d:?}: {m}")))?,
            ),
            None => MappedValue::Clear,
        },
        Outcome::Value(v) => MappedValue::Set(to_json(leaf, &v).map_err(value_error)?),
    };
    let volatile = mapping
        .source
        .parsed_expression()
        .is_some_and(|e| e.is_volatile());
    Ok(attribute(mapping, leaf, volatile, value))
}

fn attribute(
    mapping: &AttributeMapping,
    leaf: &AttributeDef,
    volatile: bool,
    value: MappedValue,
) -> MappedAttribute {
    let redacted = leaf.mutability == Mutability::WriteOnly
        || mapping
            .source
            .parsed_expression()
            .is_some_and(|e| e.redacts());
    MappedAttribute {
        target: mapping.target.clone(),
        value,
        matching: mapping.matching,
        redacted,
        volatile,
    }
}

/// The directory ids a reference source carries, in order, each once.
fn references(kind: ReferenceKind, source: &Json) -> Vec<DirectoryRef> {
    let mut out: Vec<DirectoryRef> = Vec::new();
    let mut push = |id: Option<&str>, of: ResourceKind| {
        if let Some(id) = id.map(str::trim).filter(|id| !id.is_empty()) {
            if !out.iter().any(|r| r.id == id) {
                out.push(DirectoryRef {
                    id: id.to_string(),
                    kind: of,
                });
            }
        }
    };
    match kind {
        ReferenceKind::Manager => {
            let manager =
                get_ci(source, ENTERPRISE_USER_SCHEMA).and_then(|ext| get_ci(ext, "manager"));
            let id = match manager {
                Some(Json::String(s)) => Some(s.as_str()),
                Some(object) => get_ci(object, "value").and_then(Json::as_str),
                None => None,
            };
            push(id, ResourceKind::User);
        }
        ReferenceKind::Members => {
            let members = get_ci(source, "members").and_then(Json::as_array);
            for member in members.into_iter().flatten() {
                let of = match get_ci(member, "type").and_then(Json::as_str) {
                    Some(t) if t.eq_ignore_ascii_case("Group") => ResourceKind::Group,
                    _ => ResourceKind::User,
                };
                push(get_ci(member, "value").and_then(Json::as_str), of);
            }
        }
    }
    out
}

/// An expression value as JSON of the target attribute's type; a message when it is not one.
pub(super) fn to_json(def: &AttributeDef, value: &Value) -> Result<Json, String> {
    let missing = || "has no value".to_string();
    match def.attr_type {
        AttrType::Boolean => value.to_bool()?.map(Json::Bool).ok_or_else(missing),
        AttrType::Integer => value.to_integer()?.map(Json::from).ok_or_else(missing),
        AttrType::Decimal => match value.to_number()? {
            Some(Number::Int(i)) => Ok(Json::from(i)),
            Some(Number::Float(f)) => serde_json::Number::from_f64(f)
                .map(Json::Number)
                .ok_or_else(|| format!("{f} is not a number SCIM can carry")),
            None => Err(missing()),
        },
        AttrType::DateTime => {
            let date = value.to_date()?.ok_or_else(missing)?;
            date.format(&Rfc3339)
                .map(Json::String)
                .map_err(|e| format!("the date cannot be written as RFC 3339: {e}"))
        }
        AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::Complex => {
            value.to_text()?.map(Json::String).ok_or_else(missing)
        }
    }
}

/// `value[key]`, trying the exact spelling first and then any case (RFC 7643 §2.1).
pub(super) fn get_ci<'v>(value: &'v Json, key: &str) -> Option<&'v Json> {
    let map = value.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}
