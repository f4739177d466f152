//! Query parameters and conditional headers, parsed into service inputs with SCIM errors.

use std::collections::HashMap;

use axum::extract::RawQuery;
use axum::http::{header, HeaderMap};
use scimitar_core::service::{parse_etag, ListParams};
use scimitar_scim::projection::Projection;
use scimitar_scim::schema::{resource_type, ResourceKind};
use scimitar_scim::ScimError;

/// Query parameters with case-insensitive names (clients disagree on `startindex`).
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn from_raw(RawQuery(raw): RawQuery) -> Self {
        let mut map = HashMap::new();
        if let Some(q) = raw {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                map.insert(k.to_ascii_lowercase(), v.into_owned());
            }
        }
        Params(map)
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
    fn int(&self, name: &str) -> Result<Option<i64>, ScimError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                ScimError::invalid_value(format!(
                    "{name} must be an integer between {} and {}, not '{v}'",
                    i64::MIN,
                    i64::MAX
                ))
            }),
        }
    }
    pub fn has_projection(&self) -> bool {
        self.get("attributes").is_some() || self.get("excludedAttributes").is_some()
    }
    pub fn projection(&self, kind: ResourceKind) -> Result<Projection, ScimError> {
        Projection::parse(
            resource_type(kind),
            self.get("attributes"),
            self.get("excludedAttributes"),
        )
    }
    pub fn list_params(&self) -> Result<ListParams, ScimError> {
        Ok(ListParams {
            filter: self.get("filter").map(str::to_string),
            sort_by: self.get("sortBy").map(str::to_string),
            sort_order: self.get("sortOrder").map(str::to_string),
            start_index: self.int("startIndex")?,
            count: self.int("count")?,
            cursor: self.get("cursor").map(str::to_string),
            attributes: self.get("attributes").map(str::to_string),
            excluded_attributes: self.get("excludedAttributes").map(str::to_string),
        })
    }
}

/// `If-Match`: `None` = no condition; `Some(None)` = `*`; `Some(Some(v))` = that version.
/// A value that is not one of our ETags can never match: 412.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ScimError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let raw = raw.to_str().unwrap_or_default();
    match raw.split(',').map(parse_etag).find_map(|x| x) {
        Some(v) => Ok(v),
        None => Err(ScimError::precondition_failed(format!(
            "If-Match {raw} does not match the resource's current version"
        ))),
    }
}

/// Whether `If-None-Match` names the given version (or is `*`).
pub fn if_none_match_hits(headers: &HeaderMap, version: i64) -> bool {
    let Some(raw) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    raw.split(',')
        .filter_map(parse_etag)
        .any(|v| v.is_none() || v == Some(version))
}
