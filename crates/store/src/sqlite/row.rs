//! Mapping between resources and table rows: which attributes have their own indexed column.

use scimitar_core::StoredResource;
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::search_doc::{fold_case, search_document};
use scimitar_core::StoreError;

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

pub(crate) const SELECT_COLUMNS: &str =
    "r.seq, r.id, r.data, r.created, r.last_modified, r.version";

pub(crate) fn resource_from_row(
    kind: ResourceKind,
    row: &SqliteRow,
) -> Result<StoredResource, StoreError> {
    let data: String = row.try_get("data").map_err(super::backend)?;
    let data: Value = serde_json::from_str(&data)
        .map_err(|e| StoreError::Backend(format!("corrupt resource document: {e}")))?;
    Ok(StoredResource {
        kind,
        id: row.try_get("id").map_err(super::backend)?,
        data,
        created: row.try_get("created").map_err(super::backend)?,
        last_modified: row.try_get("last_modified").map_err(super::backend)?,
        version: row.try_get("version").map_err(super::backend)?,
        members: None,
    })
}
