//! Turning a stored resource into its SCIM representation (RFC 7643 §3): `schemas`, `id`,
//! attributes, computed `User.groups` / `Group.members`, and `meta` with a weak ETag.

use scimitar_scim::projection::Projection;
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::{json, Map, Value};

use super::{Directory, Rendered, TenantContext};
use crate::error::CoreResult;
use crate::resource::{GroupMembership, StoredResource};

/// The weak ETag of a version: `W/"3"`.
/// The computed, multi-valued attribute of each kind: Group.members, User.groups.
pub(super) fn computed_attribute(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "groups",
        ResourceKind::Group => "members",
    }
}

pub fn etag_for(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Parse an ETag from If-Match / If-None-Match. `Some(None)` is `*`; `None` means the text is
/// not one of ours (so it can never match).
pub fn parse_etag(raw: &str) -> Option<Option<i64>> {
    let t = raw.trim();
    if t == "*" {
        return Some(None);
    }
    let t = t.strip_prefix("W/").unwrap_or(t);
    let t = t.trim_matches('"');
    t.parse::<i64>().ok().map(Some)
}

pub(super) fn location(ctx: &TenantContext, kind: ResourceKind, id: &str) -> String {
    format!("{}/{}/{}", ctx.base_url, kind.endpoint(), id)
}

/// The full representation. Takes the stored resource by value: its document is moved into
/// the response, not copied.
fn full_json(ctx: &TenantContext, r: StoredResource, groups: Option<&[GroupMembership]>) -> Value {
    let mut data = match r.data {
        Value::Object(d) => d,
        _ => Map::new(),
    };
    let mut out = Map::with_capacity(data.len() + 4);
    if let Some(schemas) = data.remove("schemas") {
        out.insert("schemas".into(), schemas);
    }
    out.insert("id".into(), Value::String(r.id.clone()));
    out.extend(data);
    if let Some(groups) = groups {
        if !groups.is_empty() {
            let list: Vec<Value> = groups
                .iter()
                .map(|g| {
                    json!({
                        "value": g.group_id,
                        "$ref": location(ctx, ResourceKind::Group, &g.group_id),
                        "display": g.display,
                        "type": if g.direct { "direct" } else { "indirect" },
                    })
                })
                .collect();
            out.insert("groups".into(), Value::Array(list));
        }
    }
    if let Some(members) = r.members {
        let list: Vec<Value> = members
            .iter()
            .map(|m| {
                let mut o = Map::new();
                o.insert("value".into(), Value::String(m.value.clone()));
                o.insert(
                    "$ref".into(),
                    Value::String(location(ctx, m.kind, &m.value)),
                );
                if let Some(d) = &m.display {
                    o.insert("display".into(), Value::String(d.clone()));
                }
                o.insert("type".into(), Value::String(m.kind.as_str().into()));
                Value::Object(o)
            })
            .collect();
        out.insert("members".into(), Value::Array(list));
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": r.kind.as_str(),
            "created": r.created,
            "lastModified": r.last_modified,
            "location": location(ctx, r.kind, &r.id),
            "version": etag_for(r.version),
        }),
    );
    Value::Object(out)
}

impl Directory {
    /// Render resources with their computed attributes, as the projection asks.
    pub(super) async fn render_many(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        items: Vec<StoredResource>,
        projection: &Projection,
    ) -> CoreResult<Vec<Rendered>> {
        let rt = resource_type(kind);
        // Reads bring their groups along; only writes that return a user need a second query.
        let missing = items.iter().any(|r| r.groups.is_none());
        let groups = if kind == ResourceKind::User && missing && projection.wants(rt, "groups") {
            let ids: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
            Some(self.store.groups_of(ctx.tenant, &ids).await?)
        } else {
            None
        };
        Ok(items
            .into_iter()
            .map(|mut r| {
                let own = r.groups.take();
                let g = match (&own, &groups) {
                    (Some(own), _) => Some(own.as_slice()),
                    (None, Some(m)) => Some(m.get(&r.id).map(Vec::as_slice).unwrap_or(&[])),
                    (None, None) => None,
                };
                let version = r.version;
                Rendered {
                    json: projection.apply_owned(rt, full_json(ctx, r, g)),
                    version,
                }
            })
            .collect())
    }

    pub(super) async fn render_one(
        &self,
        ctx: &TenantContext,
        r: StoredResource,
        projection: &Projection,
    ) -> CoreResult<Rendered> {
        let mut v = self.render_many(ctx, r.kind, vec![r], projection).await?;
        v.pop()
            .ok_or_else(|| crate::error::CoreError::Internal("render produced nothing".into()))
    }
}
