//! How a change reaches an app: one PATCH per request body where the app has PATCH, or a
//! read, an edit and a PUT of the whole object where it has not (Okta's way of updating). An
//! app whose discovery said nothing is tried with PATCH first; a `501` or `405` answer to that
//! first PATCH switches the connector to PUT for good, so it never sends a PATCH twice to an
//! app that cannot take one.
//!
//! The PUT is conditional (`If-Match`) when the app gave a version, and the read-edit-write is
//! repeated when another writer got in between (`412`), so a concurrent change in the app is
//! never overwritten with stale values.

use reqwest::Method;
use serde_json::Value;

use super::capabilities::Support;
use super::scim::ScimConnector;
use super::{ConnectorError, ResourceKind};

/// Read-and-replace attempts when another writer changes the object in between (412).
const REPLACE_ATTEMPTS: usize = 3;

/// An edit of the object read from the app, for the PUT fallback.
pub(super) type Edit<'a> = dyn Fn(&mut Value) -> Result<(), ConnectorError> + Send + Sync + 'a;

impl ScimConnector {
    /// Send PATCH requests in order; where the app has no PATCH (by discovery, or because it
    /// answers the first one with 501 or 405), read the object, `edit` it, and PUT it back.
    pub(super) async fn patch_or_replace(
        &self,
        kind: ResourceKind,
        id: &str,
        patches: &[Value],
        edit: &Edit<'_>,
    ) -> Result<(), ConnectorError> {
        if self.support(|c| c.patch) != Support::Unsupported {
            let url = self.object_url(kind, id)?;
            for (i, body) in patches.iter().enumerate() {
                match self
                    .transport
                    .send(Method::PATCH, url.clone(), Some(body), None)
                    .await
                {
                    Ok(_) => {}
                    Err(e) if i == 0 && patch_missing(&e) => {
                        tracing::info!(error = %e, "the app has no PATCH; using GET and PUT");
                        let mut caps = self.capabilities();
                        caps.patch = Support::Unsupported;
                        self.set_capabilities(caps);
                        return self.replace(kind, id, edit).await;
                    }
                    Err(e) => return Err(e),
                }
            }
            return Ok(());
        }
        self.replace(kind, id, edit).await
    }

    /// GET, edit, PUT; with `If-Match` when the app gave a version, retried when it changed.
    async fn replace(
        &self,
        kind: ResourceKind,
        id: &str,
        edit: &Edit<'_>,
    ) -> Result<(), ConnectorError> {
        let url = self.object_url(kind, id)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reply = self
                .transport
                .send(Method::GET, url.clone(), None, None)
                .await?;
            let mut doc = reply.body.ok_or_else(|| {
                ConnectorError::InvalidResponse(format!("GET {} answered with no body", url.path()))
            })?;
            let version = reply.etag.or_else(|| {
                doc.pointer("/meta/version")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            edit(&mut doc)?;
            if let Value::Object(map) = &mut doc {
                // Read-only: servers must ignore them in a PUT, but some refuse them instead.
                let read_only = |k: &str| {
                    k.eq_ignore_ascii_case("meta")
                        || (kind == ResourceKind::User && k.eq_ignore_ascii_case("groups"))
                };
                map.retain(|k, _| !read_only(k));
            }
            let if_match = version.filter(|_| self.support(|c| c.etag) != Support::Unsupported);
            match self
                .transport
                .send_conditional(Method::PUT, url.clone(), Some(&doc), if_match.as_deref())
                .await
            {
                Ok(_) => return Ok(()),
                Err((Some(412), _)) if attempt < REPLACE_ATTEMPTS => continue,
                Err((_, e)) => return Err(e),
            }
        }
    }
}

/// The answer of an app without PATCH: 501 Not Implemented or 405 Method Not Allowed.
fn patch_missing(e: &ConnectorError) -> bool {
    matches!(
        e,
        ConnectorError::Unsupported(_) | ConnectorError::Rejected { status: 405, .. }
    )
}
