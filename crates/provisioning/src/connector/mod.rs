//! Connectors: how the engine talks to a connected app. The `Connector` trait is the set of
//! app-side operations the planner's operations turn into; the SCIM 2.0 connector implements it
//! over HTTP with the same `scim` crate the server uses.
//!
//! The trait is app-agnostic: objects are SCIM-shaped JSON (what the mappings produce), kinds
//! are the SCIM resource kinds, changes are SCIM paths. A REST connector implements the same
//! trait by translating. A connector never decides *what* to do (that is the planner's job) and
//! never retries by itself: it says what happened, with an error the executor can act on
//! ([`ConnectorError::is_retryable`], [`ConnectorError::retry_after`]) and a hint for the
//! operator.

mod capabilities;
mod changes;
mod error;
mod http;
mod list;
mod pacing;
mod replace;
mod scim;

#[cfg(test)]
mod tests_changes;
#[cfg(test)]
mod tests_documents;

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

pub use capabilities::{AttributeInfo, Capabilities, ResourceTypeInfo, Support};
pub use changes::AttributeChange;
pub use error::{parse_retry_after, ConnectorError};
pub use http::{
    normalize_base_url, Auth, ScimConnectorConfig, Secret, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MEMBER_BATCH_SIZE, DEFAULT_TIMEOUT,
};
pub use pacing::{Pacer, RetryPolicy, DEFAULT_ATTEMPTS};
pub use scim::ScimConnector;
pub use scimitar_scim::schema::ResourceKind;

/// An object in the app: its id there and the body the app returned.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetObject {
    pub id: String,
    pub body: Value,
}

impl TargetObject {
    /// An object from an app response; a body without a string `id` is invalid.
    pub fn from_body(body: Value) -> Result<TargetObject, ConnectorError> {
        match body.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Ok(TargetObject {
                id: id.clone(),
                body,
            }),
            Some(Value::Number(n)) => Ok(TargetObject {
                id: n.to_string(),
                body,
            }),
            _ => Err(ConnectorError::InvalidResponse(
                "the app returned an object without an 'id'".into(),
            )),
        }
    }
}

/// Which page of a listing to read: 1-based `start_index`, at most `count` objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub start_index: u64,
    pub count: u64,
}

impl PageRequest {
    /// The first page of `count` objects.
    pub fn first(count: u64) -> PageRequest {
        PageRequest {
            start_index: 1,
            count,
        }
    }
}

/// One page of a listing, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetPage {
    pub objects: Vec<TargetObject>,
    /// How many objects the app says there are in all.
    pub total_results: u64,
    /// The next page to read; `None` when this was the last.
    pub next: Option<PageRequest>,
}

/// What `delete` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    /// The app answered 404: someone removed it already.
    AlreadyGone,
}

/// What "Test connection" checked, for the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionReport {
    /// The URL queried, without its query string.
    pub endpoint: String,
    /// The filter sent: the matching attribute with a random value.
    pub filter: String,
    pub elapsed: Duration,
    /// One line per check that passed, in order.
    pub checks: Vec<String>,
}

/// The app-side operations the provisioning engine needs.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Test connection (as Entra ID does it): query `matching_attribute` with a random value and
    /// expect an empty result. Fails with the error that explains why not.
    async fn test(
        &self,
        kind: ResourceKind,
        matching_attribute: &str,
    ) -> Result<ConnectionReport, ConnectorError>;

    /// Read what the app says it supports; missing discovery endpoints are recorded as unknown.
    /// The connector adapts to the result from then on.
    async fn discover(&self) -> Result<Capabilities, ConnectorError>;

    /// The object whose `attribute` equals `value`: `None` when there is none, and
    /// [`ConnectorError::AmbiguousMatch`] when there are several.
    async fn find(
        &self,
        kind: ResourceKind,
        attribute: &str,
        value: &str,
    ) -> Result<Option<TargetObject>, ConnectorError>;

    async fn get(&self, kind: ResourceKind, id: &str) -> Result<TargetObject, ConnectorError>;

    async fn create(&self, kind: ResourceKind, body: Value)
        -> Result<TargetObject, ConnectorError>;

    /// Apply attribute-level changes in one request (or a read and a replace, for apps that
    /// cannot PATCH). No changes, no request.
    async fn update(
        &self,
        kind: ResourceKind,
        id: &str,
        changes: &[AttributeChange],
    ) -> Result<(), ConnectorError>;

    /// `active = false`.
    async fn disable(&self, kind: ResourceKind, id: &str) -> Result<(), ConnectorError> {
        self.update(
            kind,
            id,
            &[AttributeChange::set("active", Value::Bool(false))],
        )
        .await
    }

    /// `active = true`.
    async fn enable(&self, kind: ResourceKind, id: &str) -> Result<(), ConnectorError> {
        self.update(
            kind,
            id,
            &[AttributeChange::set("active", Value::Bool(true))],
        )
        .await
    }

    /// Delete; an object that is already gone is [`DeleteOutcome::AlreadyGone`], not an error.
    async fn delete(&self, kind: ResourceKind, id: &str) -> Result<DeleteOutcome, ConnectorError>;

    /// One page of everything of `kind` in the app, for reconcile.
    async fn list(
        &self,
        kind: ResourceKind,
        page: PageRequest,
    ) -> Result<TargetPage, ConnectorError>;

    /// Add members (app ids) to a group, in batches.
    async fn add_members(
        &self,
        group_id: &str,
        member_ids: &[String],
    ) -> Result<(), ConnectorError>;

    /// Remove members (app ids) from a group, in batches; other members stay.
    async fn remove_members(
        &self,
        group_id: &str,
        member_ids: &[String],
    ) -> Result<(), ConnectorError>;

    async fn rename_group(&self, group_id: &str, display_name: &str) -> Result<(), ConnectorError> {
        self.update(
            ResourceKind::Group,
            group_id,
            &[AttributeChange::set(
                "displayName",
                Value::String(display_name.into()),
            )],
        )
        .await
    }
}
