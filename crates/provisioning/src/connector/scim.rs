//! The SCIM 2.0 connector: the [`Connector`] operations as RFC 7644 requests, adapted to what
//! the app's discovery documents say (PUT where it has no PATCH, a clear error where it cannot
//! filter, its own endpoints and page size).
//!
//! Filters and PATCH paths are built from the `scim` crate's types, so values are escaped by the
//! same rules the server parses them with. Requests go through [`Transport`], which owns
//! timeouts, size caps and error classification.

use std::sync::{PoisonError, RwLock};
use std::time::Instant;

use async_trait::async_trait;
use reqwest::Method;
use scimitar_scim::filter::{parse_attr_path, CompValue, CompareOp, Filter};
use serde_json::Value;

use super::capabilities::{Capabilities, Support};
use super::changes::{
    add_members_request, apply_changes, edit_members, patch_request, remove_members_request,
};
use super::http::{ScimConnectorConfig, Transport};
use super::list::ListResponse;
use super::{
    AttributeChange, ConnectionReport, Connector, ConnectorError, DeleteOutcome, PageRequest,
    ResourceKind, TargetObject, TargetPage,
};

/// Matches asked for by `find`: enough to name a few duplicates when there are several.
const FIND_COUNT: u64 = 10;
/// A connector to a SCIM 2.0 app.
#[derive(Debug)]
pub struct ScimConnector {
    pub(super) transport: Transport,
    member_batch_size: usize,
    capabilities: RwLock<Capabilities>,
}

impl ScimConnector {
    /// A connector with these settings; the base URL and limits are checked here. Until
    /// [`Connector::discover`] runs, nothing is known of the app and PATCH and filtering are
    /// assumed to work.
    pub fn new(config: ScimConnectorConfig) -> Result<ScimConnector, ConnectorError> {
        if config.member_batch_size == 0 {
            return Err(ConnectorError::InvalidConfig(
                "the member batch size must be at least 1".into(),
            ));
        }
        if config.max_response_bytes == 0 {
            return Err(ConnectorError::InvalidConfig(
                "the response size limit must be positive".into(),
            ));
        }
        Ok(ScimConnector {
            transport: Transport::new(&config)?,
            member_batch_size: config.member_batch_size,
            capabilities: RwLock::new(Capabilities::unknown()),
        })
    }

    /// The same connector with capabilities known in advance (stored from an earlier discovery,
    /// or set by the operator), instead of the unknown ones.
    pub fn with_capabilities(self, capabilities: Capabilities) -> ScimConnector {
        self.set_capabilities(capabilities);
        self
    }

    /// The normalised base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.transport.base.as_str()
    }

    /// What the connector currently believes about the app.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_capabilities(&self, capabilities: Capabilities) {
        *self
            .capabilities
            .write()
            .unwrap_or_else(PoisonError::into_inner) = capabilities;
    }

    /// Where objects of `kind` live: the app's `/ResourceTypes` endpoint when it names a plain
    /// one (`/Users`), the RFC default otherwise.
    fn endpoint(&self, kind: ResourceKind) -> String {
        let caps = self
            .capabilities
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        caps.resource_type(kind.as_str())
            .map(|rt| rt.endpoint.trim_matches('/').to_string())
            .filter(|e| {
                !e.is_empty()
                    && e.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
            .unwrap_or_else(|| kind.endpoint().to_string())
    }

    /// `base/{endpoint}/{id}`. The id is one percent-encoded path segment; the ids `.` and
    /// `..` would be dropped from the URL (or climb out of it), so they are refused.
    pub(super) fn object_url(
        &self,
        kind: ResourceKind,
        id: &str,
    ) -> Result<url::Url, ConnectorError> {
        if matches!(id.trim(), "" | "." | "..") {
            return Err(ConnectorError::InvalidChange(format!(
                "'{id}' is not a usable object id"
            )));
        }
        Ok(self.transport.url(&[&self.endpoint(kind), id], &[]))
    }

    pub(super) fn support(&self, pick: fn(&Capabilities) -> Support) -> Support {
        pick(
            &self
                .capabilities
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// `GET /{endpoint}?filter=...&startIndex=1&count=N` (members left out for groups, as
    /// Entra ID does, so matching a large group stays cheap).
    async fn query(
        &self,
        kind: ResourceKind,
        filter: &str,
        count: u64,
    ) -> Result<(ListResponse, String), ConnectorError> {
        if self.support(|c| c.filter) == Support::Unsupported {
            return Err(no_filter(
                "its ServiceProviderConfig says filter.supported is false",
            ));
        }
        let endpoint = self.endpoint(kind);
        let count = count.to_string();
        let mut query = vec![
            ("filter", filter),
            ("startIndex", "1"),
            ("count", count.as_str()),
        ];
        if kind == ResourceKind::Group {
            query.push(("excludedAttributes", "members"));
        }
        let url = self.transport.url(&[&endpoint], &query);
        let shown = format!("{}{}", url.origin().ascii_serialization(), url.path());
        let reply = match self.transport.send(Method::GET, url, None, None).await {
            Ok(reply) => reply,
            Err(ConnectorError::Rejected {
                scim_type: Some(t),
                detail,
                ..
            }) if t.eq_ignore_ascii_case("invalidFilter") => {
                return Err(no_filter(&format!("it refused `{filter}`: {detail}")))
            }
            Err(ConnectorError::Unsupported(why)) => return Err(no_filter(&why)),
            Err(e) => return Err(e),
        };
        Ok((
            ListResponse::parse(reply.body, &format!("GET /{endpoint}"))?,
            shown,
        ))
    }
}

#[async_trait]
impl Connector for ScimConnector {
    async fn test(
        &self,
        kind: ResourceKind,
        matching_attribute: &str,
    ) -> Result<ConnectionReport, ConnectorError> {
        let filter = eq_filter(matching_attribute, &uuid::Uuid::new_v4().to_string())?;
        let started = Instant::now();
        let (list, endpoint) = self.query(kind, &filter, 1).await?;
        let found = list.total_results.max(list.resources.len() as u64);
        if found > 0 {
            return Err(no_filter(&format!(
                "it returned {found} object(s) for `{filter}`, which matches nothing: it ignores filters"
            )));
        }
        Ok(ConnectionReport {
            checks: vec![
                format!("reached {endpoint}; the credentials were accepted"),
                "the answer is a SCIM ListResponse".to_string(),
                format!("`{filter}` matched nothing, as it should: matching by {matching_attribute} works"),
            ],
            endpoint,
            filter,
            elapsed: started.elapsed(),
        })
    }

    async fn discover(&self) -> Result<Capabilities, ConnectorError> {
        let (spc, types, schemas) = tokio::join!(
            self.discovery_document("ServiceProviderConfig"),
            self.discovery_document("ResourceTypes"),
            self.discovery_document("Schemas"),
        );
        let caps = Capabilities::from_documents(spc?, types?, schemas?);
        self.set_capabilities(caps.clone());
        Ok(caps)
    }

    async fn find(
        &self,
        kind: ResourceKind,
        attribute: &str,
        value: &str,
    ) -> Result<Option<TargetObject>, ConnectorError> {
        let filter = eq_filter(attribute, value)?;
        let (list, _) = self.query(kind, &filter, FIND_COUNT).await?;
        let count = list.total_results.max(list.resources.len() as u64);
        let mut objects = list.objects()?;
        match count {
            0 => Ok(None),
            1 if objects.len() == 1 => Ok(objects.pop()),
            1 => Err(ConnectorError::InvalidResponse(format!(
                "`{filter}`: totalResults is 1 but the ListResponse holds {} resources",
                objects.len()
            ))),
            _ => Err(ConnectorError::AmbiguousMatch {
                filter,
                count,
                ids: objects.into_iter().map(|o| o.id).collect(),
            }),
        }
    }

    async fn get(&self, kind: ResourceKind, id: &str) -> Result<TargetObject, ConnectorError> {
        let url = self.object_url(kind, id)?;
        let reply = self.transport.send(Method::GET, url, None, None).await?;
        TargetObject::from_body(reply.body.unwrap_or(Value::Null))
    }

    async fn create(
        &self,
        kind: ResourceKind,
        body: Value,
    ) -> Result<TargetObject, ConnectorError> {
        let url = self.transport.url(&[&self.endpoint(kind)], &[]);
        let reply = self
            .transport
            .send(Method::POST, url, Some(&body), None)
            .await?;
        match reply.body {
            Some(created) => TargetObject::from_body(created),
            None => Err(ConnectorError::InvalidResponse(format!(
                "the app answered {} to a create with no body, so the new object's id is unknown",
                reply.status
            ))),
        }
    }

    async fn update(
        &self,
        kind: ResourceKind,
        id: &str,
        changes: &[AttributeChange],
    ) -> Result<(), ConnectorError> {
        if changes.is_empty() {
            return Ok(());
        }
        let patch = patch_request(changes)?;
        self.patch_or_replace(kind, id, &[patch], &|doc| apply_changes(kind, doc, changes))
            .await
    }

    async fn delete(&self, kind: ResourceKind, id: &str) -> Result<DeleteOutcome, ConnectorError> {
        let url = self.object_url(kind, id)?;
        match self.transport.send(Method::DELETE, url, None, None).await {
            Ok(_) => Ok(DeleteOutcome::Deleted),
            Err(ConnectorError::NotFound(_)) => Ok(DeleteOutcome::AlreadyGone),
            Err(e) => Err(e),
        }
    }

    async fn list(
        &self,
        kind: ResourceKind,
        page: PageRequest,
    ) -> Result<TargetPage, ConnectorError> {
        let endpoint = self.endpoint(kind);
        let max = self.capabilities().max_results.unwrap_or(u64::MAX);
        let page = PageRequest {
            start_index: page.start_index.max(1),
            count: page.count.clamp(1, max.max(1)),
        };
        let (start, count) = (page.start_index.to_string(), page.count.to_string());
        let url = self
            .transport
            .url(&[&endpoint], &[("startIndex", &start), ("count", &count)]);
        let reply = self.transport.send(Method::GET, url, None, None).await?;
        ListResponse::parse(reply.body, &format!("GET /{endpoint}"))?.into_page(page)
    }

    async fn add_members(
        &self,
        group_id: &str,
        member_ids: &[String],
    ) -> Result<(), ConnectorError> {
        if member_ids.is_empty() {
            return Ok(());
        }
        let patches: Vec<Value> = member_ids
            .chunks(self.member_batch_size)
            .map(add_members_request)
            .collect();
        self.patch_or_replace(ResourceKind::Group, group_id, &patches, &|doc| {
            edit_members(doc, member_ids, &[]);
            Ok(())
        })
        .await
    }

    async fn remove_members(
        &self,
        group_id: &str,
        member_ids: &[String],
    ) -> Result<(), ConnectorError> {
        if member_ids.is_empty() {
            return Ok(());
        }
        let patches: Vec<Value> = member_ids
            .chunks(self.member_batch_size)
            .map(remove_members_request)
            .collect();
        self.patch_or_replace(ResourceKind::Group, group_id, &patches, &|doc| {
            edit_members(doc, &[], member_ids);
            Ok(())
        })
        .await
    }
}

impl ScimConnector {
    /// One discovery document, `Err(why)` when the app does not serve it. Failures that stop
    /// everything else too (credentials, rate limits, an unreachable app) are errors.
    async fn discovery_document(
        &self,
        name: &str,
    ) -> Result<Result<Value, String>, ConnectorError> {
        let url = self.transport.url(&[name], &[]);
        match self.transport.send(Method::GET, url, None, None).await {
            Ok(reply) => Ok(reply
                .body
                .ok_or_else(|| "the app answered with no body".to_string())),
            Err(
                e @ (ConnectorError::Unauthorized { .. }
                | ConnectorError::RateLimited { .. }
                | ConnectorError::Transient(_)),
            ) => Err(e),
            Err(ConnectorError::NotFound(_)) => Ok(Err("the app does not serve it (404)".into())),
            Err(e) => Ok(Err(e.to_string())),
        }
    }
}

/// `attribute eq "value"`, the value escaped as a SCIM (JSON) string.
pub(crate) fn eq_filter(attribute: &str, value: &str) -> Result<String, ConnectorError> {
    let path = parse_attr_path(attribute).map_err(|e| {
        ConnectorError::InvalidConfig(format!("matching attribute '{attribute}': {}", e.detail))
    })?;
    Ok(Filter::Compare {
        path,
        op: CompareOp::Eq,
        value: CompValue::Str(value.to_string()),
    }
    .to_string())
}

fn no_filter(why: &str) -> ConnectorError {
    ConnectorError::Unsupported(format!("this app cannot be matched by filter: {why}"))
}
