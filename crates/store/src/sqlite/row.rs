//! Mapping between resources and table rows: which attributes have their own indexed column,
//! and how binds and rows cross into rusqlite.

use rusqlite::types::Value as SqlValue;
use rusqlite::Row;
use scimitar_core::{StoreError, StoredResource};
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::Value;

use super::filter_sql::Bind;
use super::search_doc::{fold_case, search_document};

pub(crate) fn table(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    }
}

/// The indexed columns of a resource, taken from its canonical document.
pub(crate) struct Columns {
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub external_id: Option<String>,
    pub active: Option<bool>,
    pub emails: Vec<String>,
    pub data: String,
    pub search: String,
}

impl Columns {
    pub(crate) fn user_name_ci(&self) -> String {
        fold_case(self.user_name.as_deref().unwrap_or_default())
    }
    pub(crate) fn display_name_ci(&self) -> Option<String> {
        self.display_name.as_deref().map(fold_case)
    }
}

pub(crate) fn columns(kind: ResourceKind, data: &Value) -> Columns {
    let s = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_string);
    let emails = data
        .get("emails")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("value").and_then(Value::as_str))
                .map(fold_case)
                .collect()
        })
        .unwrap_or_default();
    Columns {
        user_name: s("userName"),
        display_name: s("displayName"),
        external_id: s("externalId"),
        active: data.get("active").and_then(Value::as_bool),
        emails,
        data: data.to_string(),
        search: search_document(resource_type(kind), data).to_string(),
    }
}

/// The columns every resource query selects, in this order (see [`resource_from_row`]).
pub(crate) const SELECT_COLUMNS: &str =
    "r.seq, r.id, r.data, r.created, r.last_modified, r.version";

pub(crate) fn resource_from_row(
    kind: ResourceKind,
    row: &Row<'_>,
) -> rusqlite::Result<StoredResource> {
    let data: String = row.get(2)?;
    let data: Value = serde_json::from_str(&data).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(StoredResource {
        kind,
        id: row.get(1)?,
        data,
        created: row.get(3)?,
        last_modified: row.get(4)?,
        version: row.get(5)?,
        members: None,
        groups: None,
    })
}

pub(crate) fn sql_value(b: &Bind) -> SqlValue {
    match b {
        Bind::Text(s) => SqlValue::Text(s.clone()),
        Bind::Int(i) => SqlValue::Integer(*i),
        Bind::Real(f) => SqlValue::Real(*f),
        Bind::Null => SqlValue::Null,
    }
}

pub(crate) fn corrupt(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("reading a row: {e}"))
}
