//! Create, read, replace (PUT), PATCH and delete of users and groups.

use scimitar_scim::patch::{apply_patch, parse_patch_request};
use scimitar_scim::projection::Projection;
use scimitar_scim::resource::{check_required, normalize_resource};
use scimitar_scim::schema::{resource_type, ResourceKind};
use scimitar_scim::ScimError;
use serde_json::Value;

use super::groups_patch::{member_refs, plan_group_patch, GroupPatchPlan};
use super::{Directory, Rendered, TenantContext};
use crate::error::{CoreError, CoreResult, StoreError};
use crate::password::hash_password;
use crate::resource::{MemberOp, NewResource, PasswordChange, ResourceUpdate, StoredResource};

/// How many times an optimistic read-modify-write PATCH is retried when another writer got in
/// between (only without If-Match; with it, the client asked for exactly one version).
const PATCH_RETRIES: u32 = 32;

/// The outcome of a write: the rendered resource when the caller wants a body.
#[derive(Debug, Clone)]
pub struct WriteResult {
    pub rendered: Option<Rendered>,
    pub id: String,
    pub version: i64,
}

fn not_found(kind: ResourceKind, id: &str) -> CoreError {
    CoreError::Scim(ScimError::not_found(format!(
        "{} {id} not found",
        kind.as_str()
    )))
}

/// Take `password` out of a normalised document and hash it.
async fn take_password(doc: &mut Value) -> CoreResult<PasswordChange> {
    let pw = doc.as_object_mut().and_then(|o| o.remove("password"));
    match pw {
        Some(Value::String(s)) => Ok(PasswordChange::Set(hash_password(s).await?)),
        Some(_) => Err(ScimError::invalid_value("attribute 'password' must be a string").into()),
        None => Ok(PasswordChange::Keep),
    }
}

fn take_members(doc: &mut Value) -> CoreResult<Vec<crate::resource::MemberRef>> {
    match doc.as_object_mut().and_then(|o| o.remove("members")) {
        Some(v) => Ok(member_refs(&v)?),
        None => Ok(vec![]),
    }
}

impl Directory {
    pub async fn get(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        id: &str,
        projection: &Projection,
    ) -> CoreResult<Rendered> {
        let with_computed =
            projection.wants(resource_type(kind), super::render::computed_attribute(kind));
        let r = self
            .store
            .get(ctx.tenant, kind, id, with_computed)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        self.render_one(ctx, r, projection).await
    }

    pub async fn create(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        body: &Value,
        projection: &Projection,
    ) -> CoreResult<WriteResult> {
        let rt = resource_type(kind);
        let mut doc = normalize_resource(rt, body, &ctx.policy)?;
        check_required(rt, &doc)?;
        let password_hash = match take_password(&mut doc).await? {
            PasswordChange::Set(h) => Some(h),
            PasswordChange::Keep => None,
        };
        let members = take_members(&mut doc)?;
        let new = NewResource {
            kind,
            id: uuid::Uuid::new_v4().to_string(),
            data: doc,
            password_hash,
            members,
            now: self.now(),
        };
        let stored = self.store.create(ctx.tenant, new).await?;
        self.finish(ctx, stored, projection, true).await
    }

    pub async fn replace(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        if_match: Option<i64>,
        projection: &Projection,
    ) -> CoreResult<WriteResult> {
        let rt = resource_type(kind);
        let mut doc = normalize_resource(rt, body, &ctx.policy)?;
        check_required(rt, &doc)?;
        let password = take_password(&mut doc).await?;
        let members = if kind == ResourceKind::Group {
            vec![MemberOp::ReplaceAll(take_members(&mut doc)?)]
        } else {
            vec![]
        };
        let update = ResourceUpdate {
            expected_version: if_match,
            data: Some(doc),
            password,
            members,
            now: self.now(),
        };
        let stored = self
            .store
            .update(ctx.tenant, kind, id, update)
            .await
            .map_err(|e| map_missing(e, kind, id))?;
        self.finish(ctx, stored, projection, true).await
    }

    pub async fn delete(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        id: &str,
        if_match: Option<i64>,
    ) -> CoreResult<()> {
        let now = self.now();
        self.store
            .delete(ctx.tenant, kind, id, if_match, &now)
            .await
            .map_err(|e| map_missing(e, kind, id))?;
        self.changed.notify_one();
        Ok(())
    }

    /// PATCH. `want_body`: render the result (Users always; Groups only when the client asked
    /// for attributes, otherwise 204 and nothing is read back).
    #[allow(clippy::too_many_arguments)]
    pub async fn patch(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        if_match: Option<i64>,
        projection: &Projection,
        want_body: bool,
    ) -> CoreResult<WriteResult> {
        let ops = parse_patch_request(body, &ctx.policy)?;
        if kind == ResourceKind::Group {
            if let GroupPatchPlan::Rows {
                member_ops,
                attr_ops,
            } = plan_group_patch(&ops, &ctx.policy, self.limits.max_members_per_op)?
            {
                if attr_ops.is_empty() {
                    let update = ResourceUpdate {
                        expected_version: if_match,
                        data: None,
                        password: PasswordChange::Keep,
                        members: member_ops,
                        now: self.now(),
                    };
                    let stored = self
                        .store
                        .update(ctx.tenant, kind, id, update)
                        .await
                        .map_err(|e| map_missing(e, kind, id))?;
                    return self.finish(ctx, stored, projection, want_body).await;
                }
                return self
                    .patch_document(
                        ctx, kind, id, &attr_ops, member_ops, false, if_match, projection,
                        want_body,
                    )
                    .await;
            }
            return self
                .patch_document(
                    ctx,
                    kind,
                    id,
                    &ops,
                    vec![],
                    true,
                    if_match,
                    projection,
                    want_body,
                )
                .await;
        }
        self.patch_document(
            ctx,
            kind,
            id,
            &ops,
            vec![],
            false,
            if_match,
            projection,
            want_body,
        )
        .await
    }

    /// Read-modify-write PATCH of the attribute document, retried optimistically.
    /// `with_members`: load members into the document too (the general Group path).
    #[allow(clippy::too_many_arguments)]
    async fn patch_document(
        &self,
        ctx: &TenantContext,
        kind: ResourceKind,
        id: &str,
        ops: &[scimitar_scim::patch::PatchOperation],
        extra_member_ops: Vec<MemberOp>,
        with_members: bool,
        if_match: Option<i64>,
        projection: &Projection,
        want_body: bool,
    ) -> CoreResult<WriteResult> {
        let rt = resource_type(kind);
        let _serialised = self.patch_locks.stripe(ctx.tenant, id).lock().await;
        for attempt in 0..PATCH_RETRIES {
            if attempt > 0 {
                // Another process wrote in between: back off with jitter before re-reading.
                let cap = 1u64 << attempt.min(6);
                let wait = rand::Rng::gen_range(&mut rand::thread_rng(), 1..=cap);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            let current = self
                .store
                .get(ctx.tenant, kind, id, with_members)
                .await?
                .ok_or_else(|| not_found(kind, id))?;
            if let Some(v) = if_match {
                if v != current.version {
                    return Err(StoreError::VersionMismatch.into());
                }
            }
            let mut doc = current.data.clone();
            if with_members {
                if let (Some(obj), Some(members)) = (doc.as_object_mut(), &current.members) {
                    if !members.is_empty() {
                        let list = members
                            .iter()
                            .map(|m| serde_json::json!({"value": m.value, "type": m.kind.as_str()}))
                            .collect();
                        obj.insert("members".into(), Value::Array(list));
                    }
                }
            }
            // The engine's output is already normalised and checked for required attributes.
            apply_patch(rt, &mut doc, ops, &ctx.policy)?;
            let password = take_password(&mut doc).await?;
            let mut members = extra_member_ops.clone();
            if with_members {
                members.push(MemberOp::ReplaceAll(take_members(&mut doc)?));
            }
            let update = ResourceUpdate {
                expected_version: Some(current.version),
                data: Some(doc),
                password,
                members,
                now: self.now(),
            };
            match self.store.update(ctx.tenant, kind, id, update).await {
                Ok(stored) => return self.finish(ctx, stored, projection, want_body).await,
                Err(StoreError::VersionMismatch) if if_match.is_none() => continue,
                Err(e) => return Err(map_missing(e, kind, id)),
            }
        }
        Err(ScimError::new(
            409,
            None,
            "the resource is being modified concurrently; retry",
        )
        .into())
    }

    async fn finish(
        &self,
        ctx: &TenantContext,
        mut stored: StoredResource,
        projection: &Projection,
        want_body: bool,
    ) -> CoreResult<WriteResult> {
        // Every create and update commits before it is finished here.
        self.changed.notify_one();
        let (id, version) = (stored.id.clone(), stored.version);
        if !want_body {
            return Ok(WriteResult {
                rendered: None,
                id,
                version,
            });
        }
        if stored.kind == ResourceKind::Group
            && stored.members.is_none()
            && projection.wants(resource_type(ResourceKind::Group), "members")
        {
            stored.members = Some(self.store.members(ctx.tenant, &stored.id).await?);
        }
        let rendered = self.render_one(ctx, stored, projection).await?;
        Ok(WriteResult {
            rendered: Some(rendered),
            id,
            version,
        })
    }
}

fn map_missing(e: StoreError, kind: ResourceKind, id: &str) -> CoreError {
    match e {
        StoreError::NotFound => not_found(kind, id),
        other => other.into(),
    }
}
