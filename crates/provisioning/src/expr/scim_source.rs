//! The evaluation context over a SCIM 2.0 User or Group: attribute references resolve as SCIM
//! paths against the resource's schemas, with the same case rules and value filters as the
//! inbound server (`scimitar-scim`'s schemas and `matches_value`).
//!
//! Resolution, in order: a name of the core schema (or, unqualified, of an extension such as the
//! enterprise `employeeNumber`); then the name of a common Entra ID source attribute
//! (`givenName` → `name.givenName`, `mail` → `emails[type eq "work"].value`) so pasted Entra
//! expressions work; then whatever key the JSON has (custom extensions). A multi-valued attribute
//! without a filter is a list; with a filter it is the primary matching value, else the first.

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use scimitar_scim::filter::matches_value;
use scimitar_scim::path::{parse_patch_path, PatchPath};
use scimitar_scim::schema::{resource_type, AttrType, AttributeDef, ResourceKind, ResourceType};
use serde_json::Value as Json;
use std::sync::{Mutex, OnceLock};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ast::AttributeRef;
use super::context::EvalContext;
use super::error::AttributeError;
use super::value::{Number, Value};

/// An [`EvalContext`] over one SCIM resource, with the time and a random source supplied.
pub struct ScimSource<'a> {
    resource: &'a Json,
    resource_type: &'static ResourceType,
    now: OffsetDateTime,
    rng: Mutex<StdRng>,
}

impl<'a> ScimSource<'a> {
    /// A context for `resource` (canonical SCIM JSON of kind `kind`) at time `now`, drawing
    /// GUIDs and random strings from a generator seeded by the operating system.
    pub fn new(kind: ResourceKind, resource: &'a Json, now: OffsetDateTime) -> Self {
        ScimSource {
            resource,
            resource_type: resource_type(kind),
            now,
            rng: Mutex::new(StdRng::from_entropy()),
        }
    }

    /// The same context with a fixed seed, so `Guid()` and `RandomString` repeat (for tests and
    /// for previews that must show the same value twice).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = Mutex::new(StdRng::seed_from_u64(seed));
        self
    }

    fn resolve(&self, path: &PatchPath) -> Result<Value, AttributeError> {
        let rt = self.resource_type;
        let located = rt
            .attribute(path.urn.as_deref(), &path.name)
            .map(|l| (l.extension, l.def))
            .or_else(|| {
                path.urn.is_none().then(|| {
                    rt.extension_schemas()
                        .find_map(|s| s.attribute(&path.name).map(|def| (Some(s.id), def)))
                })?
            });
        if let Some((extension, def)) = located {
            let container = match extension {
                Some(urn) => get_ci(self.resource, urn),
                None => Some(self.resource),
            };
            return from_schema(container.and_then(|c| get_ci(c, def.name)), def, path);
        }
        let plain = path.urn.is_none() && path.filter.is_none() && path.sub_attr.is_none();
        if plain && path.name.eq_ignore_ascii_case("IsSoftDeleted") {
            let active = get_ci(self.resource, "active").and_then(|a| match a {
                Json::Bool(b) => Some(*b),
                Json::String(s) => Value::string(s.as_str()).to_bool().ok().flatten(),
                _ => None,
            });
            return Ok(Value::Boolean(active == Some(false)));
        }
        if plain {
            if let Some(target) = entra_alias(&path.name) {
                return self.resolve(target);
            }
        }
        self.raw(path)
    }

    /// An attribute no schema defines: read the JSON as it is.
    fn raw(&self, path: &PatchPath) -> Result<Value, AttributeError> {
        if path.filter.is_some() {
            return Err(AttributeError(format!(
                "the SCIM {} schema has no attribute {:?}, so it cannot be filtered",
                self.resource_type.name, path.name
            )));
        }
        let container = match &path.urn {
            Some(urn) => get_ci(self.resource, urn),
            None => Some(self.resource),
        };
        let top = container.and_then(|c| get_ci(c, &path.name));
        Ok(match (&path.sub_attr, top) {
            (Some(sub), Some(Json::Array(items))) => {
                list(items.iter().map(|e| to_value(get_ci(e, sub), None)))
            }
            (Some(sub), Some(object)) => to_value(get_ci(object, sub), None),
            (None, top) => to_value(top, None),
            (_, None) => Value::Null,
        })
    }
}

impl EvalContext for ScimSource<'_> {
    fn attribute(&self, reference: &AttributeRef) -> Result<Value, AttributeError> {
        self.resolve(&reference.path)
    }

    fn now(&self) -> OffsetDateTime {
        self.now
    }

    fn new_guid(&self) -> Uuid {
        let mut bytes = [0u8; 16];
        self.rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn random_u64(&self) -> u64 {
        self.rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .next_u64()
    }
}

/// Entra ID source attribute names and the SCIM paths Entra's own SCIM mapping sends them to.
const ENTRA_ALIASES: &[(&str, &str)] = &[
    ("userPrincipalName", "userName"),
    ("mailNickname", "externalId"),
    ("givenName", "name.givenName"),
    ("surname", "name.familyName"),
    ("mail", r#"emails[type eq "work"].value"#),
    ("jobTitle", "title"),
    ("accountEnabled", "active"),
    (
        "employeeId",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ),
    (
        "companyName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
    ),
    ("telephoneNumber", r#"phoneNumbers[type eq "work"].value"#),
    ("mobile", r#"phoneNumbers[type eq "mobile"].value"#),
    (
        "facsimileTelephoneNumber",
        r#"phoneNumbers[type eq "fax"].value"#,
    ),
    (
        "streetAddress",
        r#"addresses[type eq "work"].streetAddress"#,
    ),
    ("city", r#"addresses[type eq "work"].locality"#),
    ("state", r#"addresses[type eq "work"].region"#),
    ("postalCode", r#"addresses[type eq "work"].postalCode"#),
    ("country", r#"addresses[type eq "work"].country"#),
];

/// The SCIM path an Entra attribute name stands for, if it is one of [`ENTRA_ALIASES`].
pub fn entra_alias(name: &str) -> Option<&'static PatchPath> {
    static PARSED: OnceLock<Vec<(&'static str, PatchPath)>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            ENTRA_ALIASES
                .iter()
                .filter_map(|(n, p)| parse_patch_path(p).ok().map(|path| (*n, path)))
                .collect()
        })
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, p)| p)
}

/// Resolve `path` within the value `top` of the schema attribute `def`.
fn from_schema(
    top: Option<&Json>,
    def: &'static AttributeDef,
    path: &PatchPath,
) -> Result<Value, AttributeError> {
    let sub = match (&path.sub_attr, def.is_complex()) {
        (Some(sub), true) => Some(def.sub(sub).ok_or_else(|| no_such_sub(def, sub))?),
        (Some(sub), false) => {
            return Err(AttributeError(format!(
                "{} has no sub-attributes, so '{}.{sub}' names nothing",
                def.name, def.name
            )))
        }
        // A complex attribute stands for its `value` (emails, manager, members).
        (None, true) => Some(def.sub("value").ok_or_else(|| {
            AttributeError(format!(
                "{} is made of parts; name one, such as [{}.{}]",
                def.name,
                def.name,
                def.sub_attributes.first().map_or("value", |s| s.name)
            ))
        })?),
        (None, false) => None,
    };
    let pick = |element: &Json| match sub {
        Some(s) if def.is_complex() => to_value(get_ci(element, s.name), Some(s)),
        _ => to_value(Some(element), Some(def)),
    };
    let elements: Vec<&Json> = match top {
        Some(Json::Array(items)) => items.iter().collect(),
        Some(Json::Null) | None => Vec::new(),
        Some(one) => vec![one],
    };
    let Some(filter) = &path.filter else {
        return Ok(match top {
            Some(Json::Array(_)) => list(elements.into_iter().map(pick)),
            _ => elements.first().map_or(Value::Null, |e| pick(e)),
        });
    };
    if !def.multi_valued && !def.is_complex() {
        return Err(AttributeError(format!(
            "{} holds a single value; a [filter] needs a multi-valued attribute such as emails",
            def.name
        )));
    }
    let matching: Vec<&Json> = elements
        .into_iter()
        .filter(|e| matches_value(def, e, filter))
        .collect();
    let primary = matching.iter().find(|e| {
        get_ci(e, "primary").is_some_and(|p| {
            p.as_bool() == Some(true) || p.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
        })
    });
    Ok(primary
        .or(matching.first())
        .map_or(Value::Null, |e| pick(e)))
}

fn no_such_sub(def: &AttributeDef, sub: &str) -> AttributeError {
    let known: Vec<&str> = def.sub_attributes.iter().map(|s| s.name).collect();
    AttributeError(format!(
        "{} has no part {sub:?}; its parts are {}",
        def.name,
        known.join(", ")
    ))
}

/// The values of a multi-valued attribute; null when there are none (RFC 7643 §2.5).
fn list(values: impl Iterator<Item = Value>) -> Value {
    let items: Vec<Value> = values.filter(|v| !v.is_null()).collect();
    if items.is_empty() {
        Value::Null
    } else {
        Value::List(items)
    }
}

/// A JSON value as an expression value; `def`, when known, turns dateTime text into a date.
fn to_value(json: Option<&Json>, def: Option<&AttributeDef>) -> Value {
    match json {
        None | Some(Json::Null) => Value::Null,
        Some(Json::String(s)) if def.is_some_and(|d| d.attr_type == AttrType::DateTime) => {
            OffsetDateTime::parse(s, &Rfc3339)
                .map_or_else(|_| Value::String(s.clone()), Value::DateTime)
        }
        Some(Json::String(s)) => Value::String(s.clone()),
        Some(Json::Bool(b)) => Value::Boolean(*b),
        Some(Json::Number(n)) => match n.as_i64() {
            Some(i) => Value::Number(Number::Int(i)),
            None => n
                .as_f64()
                .map_or(Value::Null, |f| Value::Number(Number::Float(f))),
        },
        Some(Json::Array(items)) => list(items.iter().map(|i| to_value(Some(i), def))),
        Some(Json::Object(_)) => to_value(json.and_then(|o| get_ci(o, "value")), None),
    }
}

/// `value[key]`, trying the exact spelling first and then any case (RFC 7643 §2.1).
fn get_ci<'v>(value: &'v Json, key: &str) -> Option<&'v Json> {
    let map = value.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}
