//! Services: where SCIM's rules are enforced between the HTTP layer and the storage traits.
//!
//! `Directory` validates and normalises bodies with the `scim` crate, hashes passwords, assigns
//! ids and timestamps, translates Group member operations into row operations (so adding one
//! member never loads the others), retries optimistic PATCHes, and renders resources.

mod app_oauth;
mod apps;
mod bulk;
mod groups_patch;
mod list;
mod render;
mod tenants;
mod write;

pub use app_oauth::{AuthorizationState, AUTHORIZATION_TTL_SECONDS};
pub use apps::{parse_scim_url, AppAdmin, AppView};
pub use bulk::{BulkOutcome, BulkRequest};
pub use list::ListParams;
pub use tenants::{policy_named, Authenticated, TenantAdmin};

use std::sync::Arc;

use scimitar_scim::CompatPolicy;

use crate::clock::Clock;
use crate::limits::Limits;
use crate::store::DirectoryStore;
use crate::tenant::TenantId;

/// Who is asking, and how to render for them.
#[derive(Debug, Clone)]
pub struct TenantContext {
    pub tenant: TenantId,
    pub policy: CompatPolicy,
    /// Absolute base URL of the SCIM endpoint, e.g. `http://host:8080/scim/v2`.
    pub base_url: String,
}

/// The directory service for users and groups.
#[derive(Clone)]
pub struct Directory {
    store: Arc<dyn DirectoryStore>,
    clock: Arc<dyn Clock>,
    limits: Limits,
    patch_locks: Arc<PatchLocks>,
    /// Woken after every committed write through this service, so continuous provisioning in
    /// the same process reacts at once instead of at its next poll.
    changed: Arc<tokio::sync::Notify>,
}

/// Striped locks that serialise read-modify-write PATCHes of the same resource inside this
/// process, so concurrent PATCHes queue instead of racing and exhausting optimistic retries.
/// (Writers in other processes are still caught by the version check and retried.)
pub(crate) struct PatchLocks(Vec<tokio::sync::Mutex<()>>);

impl PatchLocks {
    const STRIPES: usize = 256;

    fn new() -> Self {
        PatchLocks(
            (0..Self::STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        )
    }

    pub(crate) fn stripe(&self, tenant: TenantId, id: &str) -> &tokio::sync::Mutex<()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (tenant, id).hash(&mut h);
        &self.0[(h.finish() as usize) % Self::STRIPES]
    }
}

impl Directory {
    pub fn new(store: Arc<dyn DirectoryStore>, clock: Arc<dyn Clock>, limits: Limits) -> Self {
        Directory {
            store,
            clock,
            limits,
            patch_locks: Arc::new(PatchLocks::new()),
            changed: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Notified after each committed create, update or delete made through this service (a
    /// permit is kept when nobody waits, so a waiter never misses the latest write).
    pub fn change_signal(&self) -> Arc<tokio::sync::Notify> {
        self.changed.clone()
    }
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
    pub fn store(&self) -> &Arc<dyn DirectoryStore> {
        &self.store
    }
    fn now(&self) -> String {
        crate::clock::format_timestamp(self.clock.now())
    }
}

/// A resource as returned to a client: its JSON (already projected) and its version for ETag.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub json: serde_json::Value,
    pub version: i64,
}

pub use render::{etag_for, parse_etag};
pub use write::WriteResult;
