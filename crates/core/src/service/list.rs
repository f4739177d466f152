//! Listing and searching (RFC 7644 §3.4.2, §3.4.3): filter, sort, index and cursor paging.

use scimitar_scim::filter::{parse_attr_path, parse_filter};
use scimitar_scim::projection::Projection;
use scimitar_scim::schema::{resource_type, ResourceKind, LIST_RESPONSE_SCHEMA};
use scimitar_scim::{ScimError, ScimResult};
use serde_json::{json, Value};

use super::render::computed_attribute;
use super::{Directory, TenantContext};
use crate::error::CoreResult;
use crate::resource::{ListQuery, PageRequest};

/// Query parameters of a list or search, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    /// RFC 9865: `Some("")` asks for the first page of cursor paging.
    pub cursor: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl Directory {
    fn list_query(
        &self,
        kind: ResourceKind,
        p: &ListParams,
        projection: &Projection,
    ) -> ScimResult<ListQuery> {
        let rt = resource_type(kind);
        let filter = match p.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(f) => Some(parse_filter(f, self.limits.filter)?),
        };
        let sort_by = match p.sort_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let path = parse_attr_path(s).map_err(|_| {
                    ScimError::invalid_value(format!("sortBy: '{s}' is not an attribute path"))
                })?;
                if rt.attribute(path.urn.as_deref(), &path.name).is_none() {
                    return Err(ScimError::invalid_value(format!(
                        "sortBy: unknown attribute '{s}'"
                    )));
                }
                Some(path)
            }
        };
        let descending = match p.sort_order.as_deref() {
            None | Some("") => false,
            Some(o) if o.eq_ignore_ascii_case("ascending") => false,
            Some(o) if o.eq_ignore_ascii_case("descending") => true,
            Some(o) => {
                return Err(ScimError::invalid_value(format!(
                    "sortOrder must be 'ascending' or 'descending', not '{o}'"
                )))
            }
        };
        // RFC 7644 §3.4.2.4: count < 0 means 0; over the maximum is capped to it (advertised
        // as filter.maxResults, and visible in itemsPerPage).
        let count = match p.count {
            None => self.limits.default_page_size,
            Some(c) if c < 0 => 0,
            Some(c) => (c as u64).min(self.limits.max_page_size),
        };
        let page = match &p.cursor {
            Some(c) => {
                if p.start_index.is_some() {
                    return Err(ScimError::invalid_value(
                        "use either cursor or startIndex paging, not both",
                    ));
                }
                PageRequest::Cursor {
                    cursor: (!c.is_empty()).then(|| c.clone()),
                    count,
                }
            }
            None => PageRequest::Index {
                start_index: p.start_index.unwrap_or(1).max(1) as u64,
                count,
            },
        };
        Ok(ListQuery {
            filter,
            sort_by,
            descending,
            page,
            with_computed: projection.wants(rt, computed_attribute(kind)),
        })
    }

    /// A ListResponse for one resource type.
    pub async fn list(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        p: &ListParams,
    ) -> CoreResult<Value> {
        let rt = resource_type(kind);
        let projection = Projection::parse(
            rt,
            p.attributes.as_deref(),
            p.excluded_attributes.as_deref(),
        )?;
        let query = self.list_query(kind, p, &projection)?;
        let page = self.store.list(ctx.tenant, kind, &query).await?;
        let rendered = self.render_many(ctx, kind, page.items, &projection).await?;
        let resources: Vec<Value> = rendered.into_iter().map(|r| r.json).collect();
        let mut body = json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": page.total_results,
            "itemsPerPage": resources.len(),
        });
        if let Some(obj) = body.as_object_mut() {
            match &query.page {
                PageRequest::Index { start_index, .. } => {
                    obj.insert("startIndex".into(), json!(start_index));
                }
                PageRequest::Cursor { .. } => {
                    if let Some(next) = page.next_cursor {
                        obj.insert("nextCursor".into(), json!(next));
                    }
                }
            }
            obj.insert("Resources".into(), Value::Array(resources));
        }
        Ok(body)
    }

    /// A search across Users and Groups (POST /.search at the root). A filter that names an
    /// attribute only one type has simply finds nothing of the other type.
    pub async fn search_all(&self, ctx: &TenantContext, p: &ListParams) -> CoreResult<Value> {
        if p.cursor.is_some() {
            return Err(ScimError::invalid_value(
                "cursor paging is supported per resource type, not at the root",
            )
            .into());
        }
        let start = p.start_index.unwrap_or(1).max(1) as u64;
        let count = match p.count {
            None => self.limits.default_page_size,
            Some(c) if c < 0 => 0,
            Some(c) => (c as u64).min(self.limits.max_page_size),
        };
        let mut total = 0u64;
        let mut resources = Vec::new();
        let mut errors = Vec::new();
        let mut skip = start - 1;
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let mut params = p.clone();
            params.count = Some(0);
            params.start_index = Some(1);
            let totals = match self.list(ctx, kind, &params).await {
                Ok(v) => v,
                Err(crate::error::CoreError::Scim(e)) if e.status == 400 => {
                    errors.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let n = totals
                .get("totalResults")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            total += n;
            let wanted = count.saturating_sub(resources.len() as u64);
            if skip >= n {
                skip -= n;
                continue;
            }
            if wanted > 0 {
                params.start_index = Some(skip as i64 + 1);
                params.count = Some(wanted as i64);
                let page = self.list(ctx, kind, &params).await?;
                if let Some(Value::Array(items)) = page.get("Resources") {
                    resources.extend(items.iter().cloned());
                }
            }
            skip = 0;
        }
        if errors.len() == 2 {
            if let Some(e) = errors.pop() {
                return Err(e.into());
            }
        }
        Ok(json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": total,
            "itemsPerPage": resources.len(),
            "startIndex": start,
            "Resources": resources,
        }))
    }
}
