//! The storage traits: small, async, storage-agnostic, implemented by SQLite and PostgreSQL.
//! Every directory write appends its change records in the same transaction.

use async_trait::async_trait;
use scimitar_scim::schema::ResourceKind;
use std::collections::HashMap;

use crate::app::{AppChange, AppLink, AppRecord, Assignment, EscrowEntry, RunObjectLog, RunRecord};
use crate::error::StoreResult;
use crate::resource::{
    ChangeRecord, GroupMembership, ListPage, ListQuery, Member, NewResource, ResourceUpdate,
    StoredResource,
};
use crate::tenant::{Tenant, TenantId};
use crate::token::{Token, TokenScope};

/// Tenants and their tokens.
#[async_trait]
pub trait TenantStore: Send + Sync + 'static {
    async fn create_tenant(&self, name: &str, now: &str) -> StoreResult<Tenant>;
    async fn tenant_by_name(&self, name: &str) -> StoreResult<Option<Tenant>>;
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
    async fn create_token(
        &self,
        tenant: TenantId,
        id: &str,
        digest: &str,
        label: Option<&str>,
        scope: TokenScope,
        now: &str,
    ) -> StoreResult<Token>;
    /// The live (not revoked) token with this digest, with its tenant.
    async fn token_by_digest(&self, digest: &str) -> StoreResult<Option<(Token, Tenant)>>;
    async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<Token>>;
    /// Revoke by id; `NotFound` if no such live token.
    async fn revoke_token(&self, id: &str, now: &str) -> StoreResult<Token>;
}

/// Users, groups, members and the change log of one tenant at a time.
#[async_trait]
pub trait DirectoryStore: Send + Sync + 'static {
    /// Create; `Conflict` on a uniqueness violation, `InvalidReference` for a member that does
    /// not exist in the tenant.
    async fn create(&self, tenant: TenantId, new: NewResource) -> StoreResult<StoredResource>;
    /// Read one resource; `with_computed` also reads Group.members or User.groups in the same
    /// operation.
    async fn get(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        with_computed: bool,
    ) -> StoreResult<Option<StoredResource>>;
    /// Update; `NotFound`, `VersionMismatch`, `Conflict`, `InvalidReference` as they apply.
    /// The returned resource carries members only if the update changed them... never: callers
    /// who need members read them again.
    async fn update(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        update: ResourceUpdate,
    ) -> StoreResult<StoredResource>;
    /// Delete, removing the resource from every group it belonged to.
    async fn delete(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        expected_version: Option<i64>,
        now: &str,
    ) -> StoreResult<()>;
    async fn list(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        query: &ListQuery,
    ) -> StoreResult<ListPage>;
    async fn members(&self, tenant: TenantId, group_id: &str) -> StoreResult<Vec<Member>>;
    /// Direct and indirect groups of each user id given.
    async fn groups_of(
        &self,
        tenant: TenantId,
        member_ids: &[String],
    ) -> StoreResult<HashMap<String, Vec<GroupMembership>>>;
    /// Change records after `position`, oldest first.
    async fn changes_since(
        &self,
        tenant: TenantId,
        position: i64,
        limit: i64,
    ) -> StoreResult<Vec<ChangeRecord>>;
}

/// Connected apps of a tenant. Names are unique per tenant, case-insensitively (a second one is
/// `StoreError::Conflict`); credentials arrive and leave sealed.
#[async_trait]
pub trait AppStore: Send + Sync + 'static {
    async fn create_app(&self, app: AppRecord) -> StoreResult<AppRecord>;
    /// By name, case-insensitively.
    async fn app_by_name(&self, tenant: TenantId, name: &str) -> StoreResult<Option<AppRecord>>;
    /// Ordered by name.
    async fn list_apps(&self, tenant: TenantId) -> StoreResult<Vec<AppRecord>>;
    /// `StoreError::NotFound`, or `VersionMismatch` when `expected_version` is stale.
    async fn update_app(
        &self,
        tenant: TenantId,
        id: &str,
        change: AppChange,
    ) -> StoreResult<AppRecord>;
    async fn delete_app(&self, tenant: TenantId, id: &str) -> StoreResult<()>;
    /// Assign to app `app_id` (of the caller's tenant: the service checks); `false` when it
    /// was assigned already.
    async fn assign(&self, app_id: &str, assignment: &Assignment, now: &str) -> StoreResult<bool>;
    /// `false` when it was not assigned.
    async fn unassign(&self, app_id: &str, assignment: &Assignment) -> StoreResult<bool>;
    /// In a stable order: every-user first, then groups, then users, each by id.
    async fn assignments(&self, app_id: &str) -> StoreResult<Vec<Assignment>>;
    /// Record (or replace) the link of `link.source_id`; `StoreError::Conflict` when the app
    /// account is already linked to another directory object.
    async fn link(&self, app_id: &str, link: &AppLink) -> StoreResult<()>;
    /// `false` when there was no link.
    async fn unlink(&self, app_id: &str, kind: ResourceKind, source_id: &str) -> StoreResult<bool>;
    /// The links of these directory objects (absent ones are simply missing).
    async fn links(
        &self,
        app_id: &str,
        kind: ResourceKind,
        source_ids: &[String],
    ) -> StoreResult<HashMap<String, AppLink>>;
    /// How many objects of `kind` the app has linked (provisioned) accounts for.
    async fn link_count(&self, app_id: &str, kind: ResourceKind) -> StoreResult<i64>;
    /// Every link of the app for `kind`, by source id.
    async fn all_links(&self, app_id: &str, kind: ResourceKind) -> StoreResult<Vec<AppLink>>;
    /// Start `run` (state `running`): first marks the app's running runs whose lease ended
    /// before `run.started` as abandoned; `StoreError::Conflict` naming the run in progress
    /// when another one still holds its lease.
    async fn start_run(&self, run: &RunRecord) -> StoreResult<()>;
    /// Progress of a running run: renew its lease, replace its summary so far, and append
    /// `objects` to its log (after those logged before). `StoreError::Conflict` when the run no
    /// longer runs (its lease ran out and another process took the app over): it must stop.
    async fn log_run_progress(
        &self,
        run_id: &str,
        lease_until: &str,
        summary: &serde_json::Value,
        objects: &[RunObjectLog],
    ) -> StoreResult<()>;
    /// Delete the logs of runs started before `before` (RFC 3339) that are not running,
    /// keeping each app's newest `keep` runs whatever their age (the newest finished run
    /// records where the next incremental run starts). Returns how many runs were deleted.
    async fn prune_runs(&self, before: &str, keep: i64) -> StoreResult<u64>;
    /// Move the lease of a running run to `lease_until` (a heartbeat; or the past, to give up
    /// a run whose process is known to be dead). `false` when the run no longer runs.
    async fn renew_run_lease(&self, run_id: &str, lease_until: &str) -> StoreResult<bool>;
    /// Finish a run: its state and summary, and `objects` appended to its log, in one
    /// transaction.
    async fn finish_run(
        &self,
        run_id: &str,
        state: &str,
        finished: &str,
        summary: &serde_json::Value,
        objects: &[RunObjectLog],
    ) -> StoreResult<()>;
    /// The app's runs, newest first.
    async fn runs(&self, app_id: &str, limit: i64) -> StoreResult<Vec<RunRecord>>;
    /// A run's objects in order; only the failed ones with `failed_only`.
    async fn run_objects(&self, run_id: &str, failed_only: bool) -> StoreResult<Vec<RunObjectLog>>;
    /// The escrow entries of these directory objects (absent ones are simply missing).
    async fn escrow_entries(
        &self,
        app_id: &str,
        kind: ResourceKind,
        source_ids: &[String],
    ) -> StoreResult<Vec<EscrowEntry>>;
    /// Record (or replace) these escrow entries.
    async fn escrow_put(&self, app_id: &str, entries: &[EscrowEntry]) -> StoreResult<()>;
    /// Remove these objects from the escrow (they succeeded, or need nothing any more).
    async fn escrow_clear(
        &self,
        app_id: &str,
        kind: ResourceKind,
        source_ids: &[String],
    ) -> StoreResult<()>;
    /// The app's escrow, soonest due first: only the entries due at `due_by` (RFC 3339) when
    /// given; at most `limit`.
    async fn escrow(
        &self,
        app_id: &str,
        due_by: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<EscrowEntry>>;
}
