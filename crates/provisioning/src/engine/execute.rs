//! Executing a plan: each operation becomes connector calls, and Scimitar's links follow what
//! the app now holds. The executor runs exactly the operations of the plan it is given and
//! never decides anything the planner did not (the dry run and the run cannot disagree); an
//! operation that fails is reported with the connector's hint and the run goes on with the
//! next object.
//!
//! Up to the app's concurrency limit of operations are in flight at once. Operations of one
//! plan are independent of each other (each is one object; members and managers were resolved
//! when the plan was made), so their order in the app does not matter; results are reported
//! in plan order.

use std::collections::BTreeSet;

use futures::stream::{FuturesOrdered, StreamExt};

use scimitar_core::{AppLink, AppStore};
use scimitar_scim::schema::ResourceKind;
use serde::Serialize;
use serde_json::Value as Json;

use crate::connector::{self, Connector, ConnectorError};
use crate::mapping;
use crate::plan::{Action, Operation, Plan, SkipReason};

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectResult {
    pub source_id: String,
    pub name: Option<String>,
    /// The plan's action for it (`create`, `update`, `link`, `enable`, `disable`, `delete`,
    /// `skip`, ...).
    pub action: String,
    #[serde(flatten)]
    pub status: Status,
    /// The app's id of the account, when there is one.
    pub target_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Status {
    Done,
    Skipped,
    Failed {
        error: String,
        hint: String,
    },
    /// A disable or delete not done: the run would have passed the accidental-deletion
    /// threshold; it waits for `scimitar app approve-deletes` (`crate::runs::guard`).
    Held,
}

impl Status {
    /// `done`, `skipped` or `failed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Skipped => "skipped",
            Status::Failed { .. } => "failed",
            Status::Held => "held",
        }
    }
}

/// The results of one run, in plan order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunResult {
    pub objects: Vec<ObjectResult>,
}

impl RunResult {
    pub fn failed(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| matches!(o.status, Status::Failed { .. }))
            .count()
    }

    pub fn done(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| o.status == Status::Done)
            .count()
    }
}

/// The changes of a plan as the connector sends them.
fn connector_changes(changes: &[mapping::AttributeChange]) -> Vec<connector::AttributeChange> {
    changes
        .iter()
        .map(|c| match &c.new {
            Some(value) => connector::AttributeChange::set(c.path.clone(), value.clone()),
            None => connector::AttributeChange::clear(c.path.clone()),
        })
        .collect()
}

/// The ids in a `members` value (`[{"value": id}, ...]`).
fn member_ids(value: Option<&Json>) -> BTreeSet<String> {
    value
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| m["value"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Send `changes` to account `target_id`: group membership as member adds and removes in
/// batches (never a whole-list replace, which loses concurrent changes in the app), the rest
/// as one update.
async fn send_changes(
    connector: &dyn Connector,
    kind: ResourceKind,
    target_id: &str,
    changes: &[mapping::AttributeChange],
) -> Result<(), ConnectorError> {
    let (members, rest): (Vec<_>, Vec<_>) = changes
        .iter()
        .partition(|c| kind == ResourceKind::Group && c.path == "members");
    if !rest.is_empty() {
        let rest: Vec<mapping::AttributeChange> = rest.into_iter().cloned().collect();
        connector
            .update(kind, target_id, &connector_changes(&rest))
            .await?;
    }
    for change in members {
        let old = member_ids(change.old.as_ref());
        let new = member_ids(change.new.as_ref());
        let add: Vec<String> = new.difference(&old).cloned().collect();
        let remove: Vec<String> = old.difference(&new).cloned().collect();
        if !add.is_empty() {
            connector.add_members(target_id, &add).await?;
        }
        if !remove.is_empty() {
            connector.remove_members(target_id, &remove).await?;
        }
    }
    Ok(())
}

/// Run `plan` against the app, at most `concurrency` operations at a time; `now` stamps the
/// links.
pub async fn execute(
    plan: &Plan,
    app_id: &str,
    apps: &dyn AppStore,
    connector: &dyn Connector,
    now: &str,
    concurrency: usize,
) -> RunResult {
    let mut result = RunResult::default();
    // Only the operations in flight exist as futures; results come back in plan order.
    let mut in_flight = FuturesOrdered::new();
    let mut next = plan.operations.iter();
    loop {
        while in_flight.len() < concurrency.max(1) {
            match next.next() {
                Some(op) => in_flight.push_back(run_tagged(op, app_id, apps, connector, now)),
                None => break,
            }
        }
        let Some((op, outcome)) = in_flight.next().await else {
            break;
        };
        let (status, target_id) = match outcome {
            Ok(Some(target)) => (Status::Done, Some(target)),
            Ok(None) => (Status::Skipped, op.action.target_id().map(str::to_string)),
            Err(Failure { error, hint }) => (
                Status::Failed { error, hint },
                op.action.target_id().map(str::to_string),
            ),
        };
        result.objects.push(ObjectResult {
            source_id: op.source_id.clone(),
            name: op.name.clone(),
            action: op.action.label().1.to_string(),
            status,
            target_id,
        });
    }
    result
}

struct Failure {
    error: String,
    hint: String,
}

impl From<ConnectorError> for Failure {
    fn from(e: ConnectorError) -> Self {
        Failure {
            hint: e.hint(),
            error: e.to_string(),
        }
    }
}

impl From<scimitar_core::StoreError> for Failure {
    fn from(e: scimitar_core::StoreError) -> Self {
        Failure {
            error: format!("recording the link: {e}"),
            hint: "the app was changed but Scimitar could not record it; the next run matches the account again".into(),
        }
    }
}

/// POST the body; on a uniqueness conflict, the next `SelectUniqueValue` alternative, until
/// one is accepted or none is left (then the last conflict is the error).
pub(super) async fn create_unique(
    connector: &dyn Connector,
    kind: ResourceKind,
    body: Json,
    retries: &[Json],
) -> Result<connector::TargetObject, ConnectorError> {
    let mut result = connector.create(kind, body).await;
    for next in retries {
        match result {
            Err(ConnectorError::Conflict(_)) => {
                result = connector
                    .create(kind, strip_members(kind, next.clone()))
                    .await
            }
            _ => break,
        }
    }
    result
}

/// A group's body without `members` (they are added after the create, in batches).
fn strip_members(kind: ResourceKind, mut body: Json) -> Json {
    if let (ResourceKind::Group, Some(map)) = (kind, body.as_object_mut()) {
        map.remove("members");
    }
    body
}

async fn run_tagged<'o>(
    op: &'o Operation,
    app_id: &str,
    apps: &dyn AppStore,
    connector: &dyn Connector,
    now: &str,
) -> (&'o Operation, Result<Option<String>, Failure>) {
    (op, run_one(op, app_id, apps, connector, now).await)
}

/// One operation; `Ok(None)` for a skip, else the app's id of the account.
async fn run_one(
    op: &Operation,
    app_id: &str,
    apps: &dyn AppStore,
    connector: &dyn Connector,
    now: &str,
) -> Result<Option<String>, Failure> {
    let kind = op.kind;
    let link = |target: &str, disabled: bool| AppLink {
        kind,
        source_id: op.source_id.clone(),
        target_id: target.to_string(),
        disabled,
        synced: now.to_string(),
    };
    match &op.action {
        Action::Create(create) => {
            // Groups are created empty, then filled by member adds in batches.
            let members = match kind {
                ResourceKind::Group => create.body.get("members").cloned(),
                ResourceKind::User => None,
            };
            let body = strip_members(kind, create.body.clone());
            let created = create_unique(connector, kind, body, create.retry_bodies()).await?;
            apps.link(app_id, &link(&created.id, false)).await?;
            let ids: Vec<String> = member_ids(members.as_ref()).into_iter().collect();
            if !ids.is_empty() {
                connector.add_members(&created.id, &ids).await?;
            }
            Ok(Some(created.id))
        }
        Action::Update { target_id, changes } => {
            send_changes(connector, kind, target_id, changes).await?;
            apps.link(app_id, &link(target_id, false)).await?;
            Ok(Some(target_id.clone()))
        }
        Action::Link { target_id, changes } => {
            // Record the adoption first: if the update fails, the next run updates instead of
            // matching again.
            apps.link(app_id, &link(target_id, false)).await?;
            send_changes(connector, kind, target_id, changes).await?;
            Ok(Some(target_id.clone()))
        }
        Action::Enable { target_id, changes } => {
            send_changes(connector, kind, target_id, changes).await?;
            apps.link(app_id, &link(target_id, false)).await?;
            Ok(Some(target_id.clone()))
        }
        Action::Disable { target_id } => {
            connector.disable(kind, target_id).await?;
            apps.link(app_id, &link(target_id, true)).await?;
            Ok(Some(target_id.clone()))
        }
        Action::Delete { target_id } => {
            connector.delete(kind, target_id).await?;
            apps.unlink(app_id, kind, &op.source_id).await?;
            Ok(Some(target_id.clone()))
        }
        Action::Skip {
            reason: SkipReason::LookupFailed { error, hint },
        } => Err(Failure {
            error: error.clone(),
            hint: hint.clone(),
        }),
        Action::Skip { reason } if reason.is_error() => Err(Failure {
            error: format!("{reason:?}"),
            hint: "see the plan's steps for this object (`scimitar app plan`)".into(),
        }),
        Action::Skip { .. } => Ok(None),
        Action::NeedsLookup { .. } => Err(Failure {
            error: "the plan was not complete for this object (a lookup in the app is missing)".into(),
            hint: "run the sync again; if it persists, report it with the output of `scimitar app plan --json`".into(),
        }),
    }
}
