//! What an app says it supports, read from its discovery endpoints (RFC 7644 §4):
//! `/ServiceProviderConfig` (PATCH, filtering, bulk, ETags, limits), `/ResourceTypes` (where
//! users and groups live, which extensions) and `/Schemas` (the attributes of each).
//!
//! Real apps often lack some of these endpoints or fill them in loosely, so reading is
//! forgiving: whatever is missing or unreadable is [`Support::Unknown`] (or `None`) with a note
//! saying why, never an error. The connector adapts to what is known and assumes the common
//! case (PATCH and filtering work) for what is not.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Whether an app supports a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Support {
    Supported,
    Unsupported,
    /// The app did not say (no ServiceProviderConfig, or no such entry in it).
    Unknown,
}

impl Support {
    fn from_flag(section: Option<&Value>) -> Support {
        match section
            .and_then(|s| get_ci(s, "supported"))
            .and_then(as_bool)
        {
            Some(true) => Support::Supported,
            Some(false) => Support::Unsupported,
            None => Support::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Support::Supported => "supported",
            Support::Unsupported => "unsupported",
            Support::Unknown => "unknown",
        }
    }
}

/// What discovery found out about an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub patch: Support,
    pub filter: Support,
    pub bulk: Support,
    pub etag: Support,
    pub sort: Support,
    pub change_password: Support,
    /// `filter.maxResults`: the most resources one query returns.
    pub max_results: Option<u64>,
    pub bulk_max_operations: Option<u64>,
    pub bulk_max_payload_size: Option<u64>,
    /// `None` when `/ResourceTypes` could not be read.
    pub resource_types: Option<Vec<ResourceTypeInfo>>,
    /// What could not be read, and why.
    pub notes: Vec<String>,
}

/// One entry of `/ResourceTypes`, with its attributes from `/Schemas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceTypeInfo {
    pub name: String,
    /// As the app wrote it, e.g. `/Users`.
    pub endpoint: String,
    pub schema: String,
    pub extensions: Vec<String>,
    /// The core schema's attributes, then each extension's (named `urn:...:attr`); `None`
    /// when `/Schemas` could not be read.
    pub attributes: Option<Vec<AttributeInfo>>,
}

/// One attribute of a discovered schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeInfo {
    pub name: String,
    pub attr_type: String,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: String,
    pub uniqueness: String,
    pub sub_attributes: Vec<AttributeInfo>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::unknown()
    }
}

impl Capabilities {
    /// Nothing known yet: the connector assumes PATCH and filtering work.
    pub fn unknown() -> Self {
        Capabilities {
            patch: Support::Unknown,
            filter: Support::Unknown,
            bulk: Support::Unknown,
            etag: Support::Unknown,
            sort: Support::Unknown,
            change_password: Support::Unknown,
            max_results: None,
            bulk_max_operations: None,
            bulk_max_payload_size: None,
            resource_types: None,
            notes: Vec::new(),
        }
    }

    /// Read the three discovery documents; each is `Err(why)` when the app did not serve it.
    pub fn from_documents(
        service_provider_config: Result<Value, String>,
        resource_types: Result<Value, String>,
        schemas: Result<Value, String>,
    ) -> Capabilities {
        let mut caps = Capabilities::unknown();
        match service_provider_config {
            Ok(spc) => caps.read_service_provider_config(&spc),
            Err(why) => caps.notes.push(format!(
                "/ServiceProviderConfig: {why}; features are unknown"
            )),
        }
        let schemas = match schemas {
            Ok(doc) => Some(list_items(&doc)),
            Err(why) => {
                caps.notes
                    .push(format!("/Schemas: {why}; attributes are unknown"));
                None
            }
        };
        match resource_types {
            Ok(doc) => {
                let types = list_items(&doc)
                    .iter()
                    .filter_map(|rt| resource_type_info(rt, schemas.as_deref()))
                    .collect();
                caps.resource_types = Some(types);
            }
            Err(why) => caps.notes.push(format!(
                "/ResourceTypes: {why}; the default /Users and /Groups are used"
            )),
        }
        caps
    }

    fn read_service_provider_config(&mut self, spc: &Value) {
        self.patch = Support::from_flag(get_ci(spc, "patch"));
        self.filter = Support::from_flag(get_ci(spc, "filter"));
        self.bulk = Support::from_flag(get_ci(spc, "bulk"));
        self.etag = Support::from_flag(get_ci(spc, "etag"));
        self.sort = Support::from_flag(get_ci(spc, "sort"));
        self.change_password = Support::from_flag(get_ci(spc, "changePassword"));
        self.max_results = get_ci(spc, "filter")
            .and_then(|f| get_ci(f, "maxResults"))
            .and_then(as_u64)
            .filter(|n| *n > 0);
        let bulk = get_ci(spc, "bulk");
        self.bulk_max_operations = bulk
            .and_then(|b| get_ci(b, "maxOperations"))
            .and_then(as_u64);
        self.bulk_max_payload_size = bulk
            .and_then(|b| get_ci(b, "maxPayloadSize"))
            .and_then(as_u64);
        if !spc.is_object() {
            self.notes
                .push("/ServiceProviderConfig is not a JSON object; features are unknown".into());
        }
    }

    /// The discovered entry for a resource type name (`User`, `Group`), if any.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceTypeInfo> {
        self.resource_types
            .as_deref()?
            .iter()
            .find(|rt| rt.name.eq_ignore_ascii_case(name))
    }
}

fn resource_type_info(rt: &Value, schemas: Option<&[Value]>) -> Option<ResourceTypeInfo> {
    let name = get_ci(rt, "name").and_then(Value::as_str)?.to_string();
    let endpoint = get_ci(rt, "endpoint")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let schema = get_ci(rt, "schema")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let extensions: Vec<String> = get_ci(rt, "schemaExtensions")
        .and_then(Value::as_array)
        .map(|exts| {
            exts.iter()
                .filter_map(|e| get_ci(e, "schema").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let attributes = schemas.map(|all| {
        let mut attrs = schema_attributes(all, &schema, None);
        for ext in &extensions {
            attrs.extend(schema_attributes(all, ext, Some(ext)));
        }
        attrs
    });
    Some(ResourceTypeInfo {
        name,
        endpoint,
        schema,
        extensions,
        attributes,
    })
}

/// The attributes of schema `id`; with `prefix`, their names are URN-qualified.
fn schema_attributes(all: &[Value], id: &str, prefix: Option<&str>) -> Vec<AttributeInfo> {
    let Some(schema) = all.iter().find(|s| {
        get_ci(s, "id")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case(id))
    }) else {
        return Vec::new();
    };
    get_ci(schema, "attributes")
        .and_then(Value::as_array)
        .map(|attrs| {
            attrs
                .iter()
                .filter_map(|a| attribute_info(a, prefix))
                .collect()
        })
        .unwrap_or_default()
}

fn attribute_info(a: &Value, prefix: Option<&str>) -> Option<AttributeInfo> {
    let name = get_ci(a, "name").and_then(Value::as_str)?;
    let text = |key: &str, default: &str| {
        get_ci(a, key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    let flag = |key: &str| get_ci(a, key).and_then(as_bool).unwrap_or(false);
    Some(AttributeInfo {
        name: match prefix {
            Some(urn) => format!("{urn}:{name}"),
            None => name.to_string(),
        },
        attr_type: text("type", "string"),
        multi_valued: flag("multiValued"),
        required: flag("required"),
        case_exact: flag("caseExact"),
        mutability: text("mutability", "readWrite"),
        uniqueness: text("uniqueness", "none"),
        sub_attributes: get_ci(a, "subAttributes")
            .and_then(Value::as_array)
            .map(|subs| {
                subs.iter()
                    .filter_map(|s| attribute_info(s, None))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The entries of a ListResponse (`Resources`), or of a bare JSON array, as some apps send.
fn list_items(doc: &Value) -> Vec<Value> {
    match doc {
        Value::Array(items) => items.clone(),
        other => get_ci(other, "Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

/// `obj[key]`: the exact spelling first, then any case (SCIM names are case-insensitive).
pub(crate) fn get_ci<'v>(obj: &'v Value, key: &str) -> Option<&'v Value> {
    let map: &Map<String, Value> = obj.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// `true`, or `"true"`/`"True"` as some apps write it.
fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A non-negative integer, or a string holding one.
pub(crate) fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
