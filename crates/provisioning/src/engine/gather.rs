//! Gathering a run's users: who is assigned (directly, through nested groups, or everyone),
//! who is linked in the app already (and so must be deprovisioned when no longer assigned),
//! then two planning passes: the first says which accounts to read or look up in the app, the
//! second plans with the answers.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};

use scimitar_core::{AppRecord, AppStore, Directory, DirectoryStore, TenantContext};
use scimitar_scim::schema::ResourceKind;
use serde_json::Value as Json;

use super::batches::{Batches, Population, Source};
use super::EngineError;
use crate::connector::{Connector, ConnectorError};
use crate::mapping::{MappingContext, ObjectMappings};
use crate::plan::{
    plan_objects, Action, Deprovision, DirectoryObject, Linked, Lookup, MatchKey, MatchResult,
    Plan, PlanInput, RunKind, SkipReason, SourceState, Stage, Step, TakenValues, TargetState,
    UniqueCandidates,
};
use crate::scope::ScopingFilters;

/// Requests in flight to an app at once, unless its settings say otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The most an app may be given: beyond this a 2-core hub only queues.
pub const MAX_CONCURRENCY: usize = 64;

/// What the app's stored settings say, loaded and checked.
pub struct AppSettings {
    pub mappings: ObjectMappings,
    pub user_scope: ScopingFilters,
    pub group_scope: ScopingFilters,
    pub deprovision: Deprovision,
    /// Requests in flight to the app at once (lookups while planning, operations while
    /// executing).
    pub concurrency: usize,
    /// Requests per second at most (`rate_limit`); `None`: no limit.
    pub rate_limit: Option<f64>,
    /// Per request, including reading the answer (`timeout`, seconds).
    pub timeout: Duration,
    /// Requests sent at most for one request, retries included (`attempts`).
    pub attempts: u32,
    /// The escrow's first wait and longest wait between attempts at a failed object
    /// (`escrow_base`, `escrow_cap`, seconds; `crate::runs::escrow`).
    pub escrow_base: Duration,
    pub escrow_cap: Duration,
}

/// The longest escrow wait an app may be given (a day).
pub const MAX_ESCROW_SECONDS: u64 = 86_400;

/// The longest per-request timeout an app may be given.
pub const MAX_TIMEOUT_SECONDS: u64 = 600;
/// The most attempts an app may be given for one request.
pub const MAX_ATTEMPTS: u64 = 10;

/// The app's mappings (the Entra ID defaults until some are imported), scoping filters and
/// deprovisioning policy.
pub fn app_settings(app: &AppRecord) -> Result<AppSettings, EngineError> {
    let settings = &app.settings;
    let mappings = match settings.get("mappings").and_then(Json::as_str) {
        Some(text) => {
            ObjectMappings::from_toml(text).map_err(|e| EngineError::Settings(e.to_string()))?
        }
        None => ObjectMappings::entra_defaults(),
    };
    let user_scope = match settings.pointer("/scope/users").and_then(Json::as_str) {
        Some(text) => {
            ScopingFilters::parse(text).map_err(|e| EngineError::Settings(e.to_string()))?
        }
        None => ScopingFilters::everything(),
    };
    let group_scope = match settings.pointer("/scope/groups").and_then(Json::as_str) {
        Some(text) => {
            ScopingFilters::parse(text).map_err(|e| EngineError::Settings(e.to_string()))?
        }
        None => ScopingFilters::everything(),
    };
    let deprovision = match app.deprovision {
        scimitar_core::Deprovision::Disable => Deprovision::Disable,
        scimitar_core::Deprovision::Delete => Deprovision::Delete,
        scimitar_core::Deprovision::Nothing => Deprovision::Nothing,
    };
    let concurrency = match settings.get("concurrency") {
        None | Some(Json::Null) => DEFAULT_CONCURRENCY,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_CONCURRENCY as u64).contains(&n) => n as usize,
            _ => {
                return Err(EngineError::Settings(format!(
                    "concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, not {v}"
                )))
            }
        },
    };
    let rate_limit = rate_limit(settings.get("rate_limit").unwrap_or(&Json::Null))?;
    let timeout = Duration::from_secs(whole(
        settings,
        "timeout",
        1,
        MAX_TIMEOUT_SECONDS,
        crate::connector::DEFAULT_TIMEOUT.as_secs(),
    )?);
    let attempts = whole(
        settings,
        "attempts",
        1,
        MAX_ATTEMPTS,
        crate::connector::DEFAULT_ATTEMPTS.into(),
    )? as u32;
    let escrow_base = whole(settings, "escrow_base", 1, MAX_ESCROW_SECONDS, 60)?;
    let escrow_cap = whole(settings, "escrow_cap", 1, MAX_ESCROW_SECONDS, 3600)?;
    Ok(AppSettings {
        mappings,
        user_scope,
        group_scope,
        deprovision,
        concurrency,
        rate_limit,
        timeout,
        attempts,
        escrow_base: Duration::from_secs(escrow_base),
        escrow_cap: Duration::from_secs(escrow_cap.max(escrow_base)),
    })
}

/// `rate_limit`: requests per second, or null for none.
fn rate_limit(v: &Json) -> Result<Option<f64>, EngineError> {
    match v {
        Json::Null => Ok(None),
        v => match v.as_f64() {
            Some(r) if r.is_finite() && (0.01..=100_000.0).contains(&r) => Ok(Some(r)),
            _ => Err(EngineError::Settings(format!(
                "rate_limit must be a number of requests per second from 0.01 to 100000, not {v}"
            ))),
        },
    }
}

/// Check one of the limits an operator sets (`concurrency`, `rate_limit`, `timeout`,
/// `attempts`, `escrow_base`, `escrow_cap`, `quarantine_after`, `quarantine_share`,
/// `probe_interval`, `deletion_threshold`, `deletion_share`, `reconcile_interval`) before it is stored; null removes it. The error says what is allowed.
pub fn check_limit(key: &str, value: &Json) -> Result<(), String> {
    let settings = serde_json::json!({ key: value });
    let checked = match key {
        "concurrency" => whole(&settings, key, 1, MAX_CONCURRENCY as u64, 1).map(drop),
        "timeout" => whole(&settings, key, 1, MAX_TIMEOUT_SECONDS, 1).map(drop),
        "attempts" => whole(&settings, key, 1, MAX_ATTEMPTS, 1).map(drop),
        "rate_limit" => rate_limit(value).map(drop),
        "escrow_base" | "escrow_cap" | "probe_interval" => {
            whole(&settings, key, 1, MAX_ESCROW_SECONDS, 1).map(drop)
        }
        "quarantine_after" => whole(&settings, key, 1, 1000, 1).map(drop),
        "reconcile_interval" => whole(&settings, key, 0, 365 * 86_400, 0).map(drop),
        "deletion_threshold" => whole(&settings, key, 0, u64::MAX, 0).map(drop),
        "deletion_share" => match value.as_f64() {
            Some(x) if (0.0..=1.0).contains(&x) => Ok(()),
            _ => Err(EngineError::Settings(format!(
                "deletion_share must be a share of the objects provisioned, from 0 to 1, not {value}"
            ))),
        },
        "quarantine_share" => match value.as_f64() {
            Some(x) if x > 0.0 && x <= 1.0 => Ok(()),
            _ => Err(EngineError::Settings(format!(
                "quarantine_share must be a share of the objects tried, above 0 and at most 1, not {value}"
            ))),
        },
        _ => return Err(format!("'{key}' is not a limit")),
    };
    checked.map_err(|e| match e {
        EngineError::Settings(m) => m,
        other => other.to_string(),
    })
}

/// A whole-number setting from `min` to `max`, `default` when absent.
fn whole(settings: &Json, key: &str, min: u64, max: u64, default: u64) -> Result<u64, EngineError> {
    match settings.get(key) {
        None | Some(Json::Null) => Ok(default),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(EngineError::Settings(format!(
                "{key} must be a whole number from {min} to {max}, not {v}"
            ))),
        },
    }
}

/// The directory side: the service (rendering, filters) and the store (members).
pub struct DirectorySide<'a> {
    pub directory: &'a Directory,
    pub store: &'a dyn DirectoryStore,
    pub ctx: &'a TenantContext,
}

/// The dry run of the app's users or groups (or, with `only`, of just those objects: on-demand
/// provisioning, or an incremental run of what changed): every batch planned, after reading
/// from the app what the planner asked for, as one plan. A run plans and executes the same
/// batches one at a time (`crate::runs`).
#[allow(clippy::too_many_arguments)]
pub async fn plan_kind(
    kind: ResourceKind,
    side: &DirectorySide<'_>,
    apps: &dyn AppStore,
    app: &AppRecord,
    connector: &dyn Connector,
    run: RunKind,
    context: MappingContext,
    only: Option<&BTreeSet<String>>,
) -> Result<Plan, EngineError> {
    let settings = app_settings(app)?;
    let mut batches = Batches::new(side, apps, app, kind, only).await?;
    let mut plan = Plan {
        kind,
        run,
        operations: Vec::new(),
    };
    while let Some(batch) = batches.next(side, apps).await? {
        let part = plan_batch(
            kind,
            apps,
            app,
            &settings,
            connector,
            run,
            context,
            batches.population(),
            batch,
        )
        .await?;
        plan.operations.extend(part.operations);
    }
    Ok(plan)
}

/// The plan for one batch of directory objects: their links (and those of the objects they
/// refer to) are read, then the planner runs, the app is asked what it needs to know (reads
/// of linked accounts, matches for unlinked ones, `concurrency` at a time), and the planner
/// runs again with the answers.
#[allow(clippy::too_many_arguments)]
pub async fn plan_batch(
    kind: ResourceKind,
    apps: &dyn AppStore,
    app: &AppRecord,
    settings: &AppSettings,
    connector: &dyn Connector,
    run: RunKind,
    context: MappingContext,
    population: &Population,
    batch: Vec<Source>,
) -> Result<Plan, EngineError> {
    let ids: Vec<String> = batch.iter().map(|s| s.id().to_string()).collect();
    let links = apps.links(&app.id, kind, &ids).await?;
    let mut objects = Vec::new();
    for source in batch {
        match source {
            Source::Found { id, json } => objects.push(state(
                DirectoryObject::Resource(json),
                population.covers(&id),
                links.get(&id),
            )),
            // Gone and linked means deleted here; gone and never linked is nothing to do.
            Source::Gone(id) if links.contains_key(&id) => {
                let link = links.get(&id);
                objects.push(state(DirectoryObject::Deleted { id }, false, link))
            }
            Source::Gone(_) => {}
        }
    }
    // Members and managers may be users or groups: resolve through both kinds' links.
    let referred = references(&objects);
    let mut targets: HashMap<String, String> = HashMap::new();
    if !referred.is_empty() {
        for k in [ResourceKind::User, ResourceKind::Group] {
            for (source, l) in apps.links(&app.id, k, &referred).await? {
                targets.insert(source, l.target_id);
            }
        }
    }
    let scope = match kind {
        ResourceKind::User => &settings.user_scope,
        ResourceKind::Group => &settings.group_scope,
    };
    let resolve = |id: &str| targets.get(id).cloned();
    let input = |objects: &[SourceState]| -> Plan {
        plan_objects(&PlanInput {
            kind,
            mappings: &settings.mappings,
            scope,
            deprovision: settings.deprovision,
            run,
            context,
            objects,
            resolve: &resolve,
        })
    };
    // Plan; answer what the plan asks of the app; plan again. A linked account found gone is
    // matched in the next round, and a create with `SelectUniqueValue` targets checks its
    // candidates in the round after that, so at most four plans are needed.
    let mut plan = input(&objects);
    let mut failed: HashMap<String, ConnectorError> = HashMap::new();
    let mut answered = 0;
    for _ in 0..3 {
        if plan.is_complete() {
            break;
        }
        let mut answers = ask_all(&plan, connector, kind, settings.concurrency, &failed).await?;
        if answers.is_empty() {
            break;
        }
        for object in &mut objects {
            let id = object.source_id().to_string();
            match answers.remove(&id) {
                Some(Answer::Target(t)) => object.target = t,
                Some(Answer::Matched(m)) => object.matched = m,
                Some(Answer::Taken(t)) => object.taken = Some(t),
                Some(Answer::Failed(e)) => {
                    failed.insert(id, e);
                    continue;
                }
                None => continue,
            }
            answered += 1;
        }
        plan = input(&objects);
    }
    // Nothing answered at all: the app is down or unreachable, which is the run's failure
    // (quarantine counts it), not each object's.
    if answered == 0 {
        if let Some(e) = failed.into_values().next() {
            return Err(e.into());
        }
        return Ok(plan);
    }
    for op in &mut plan.operations {
        if let (Action::NeedsLookup { .. }, Some(e)) = (&op.action, failed.get(&op.source_id)) {
            op.steps.push(Step {
                stage: Stage::Match,
                summary: format!("Error: the app could not be asked: {e}"),
                details: vec![format!("hint: {}", e.hint())],
            });
            op.action = Action::Skip {
                reason: SkipReason::LookupFailed {
                    error: e.to_string(),
                    hint: e.hint(),
                },
            };
        }
    }
    Ok(plan)
}

/// The ids a set of objects refers to: users' managers and groups' members.
fn references(objects: &[SourceState]) -> Vec<String> {
    let mut ids = BTreeSet::new();
    for o in objects {
        if let DirectoryObject::Resource(json) = &o.object {
            if let Some(m) = json
                .pointer(
                    "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value",
                )
                .and_then(Json::as_str)
            {
                ids.insert(m.to_string());
            }
            for m in json["members"].as_array().into_iter().flatten() {
                if let Some(v) = m["value"].as_str() {
                    ids.insert(v.to_string());
                }
            }
        }
    }
    ids.into_iter().collect()
}

/// What the app said about one object.
enum Answer {
    Target(TargetState),
    Matched(MatchResult),
    Taken(TakenValues),
    /// The app kept failing (after the connector's retries) in a way that may pass later:
    /// this object fails in this run; the others go on.
    Failed(ConnectorError),
}

/// Ask the app everything `plan` is waiting for, `concurrency` questions at a time.
async fn ask_all(
    plan: &Plan,
    connector: &dyn Connector,
    kind: ResourceKind,
    concurrency: usize,
    failed: &HashMap<String, ConnectorError>,
) -> Result<HashMap<String, Answer>, EngineError> {
    let mut answers = HashMap::new();
    let mut questions = plan
        .pending_lookups()
        .filter(|(op, _)| !failed.contains_key(&op.source_id));
    let mut asked = FuturesUnordered::new();
    loop {
        while asked.len() < concurrency.max(1) {
            match questions.next() {
                Some((op, lookup)) => asked.push(ask(connector, kind, &op.source_id, lookup)),
                None => break,
            }
        }
        let Some(answered) = asked.next().await else {
            return Ok(answers);
        };
        let (source_id, answer) = answered?;
        answers.insert(source_id, answer);
    }
}

/// Ask the app what the planner needs to know about one object.
async fn ask(
    connector: &dyn Connector,
    kind: ResourceKind,
    source_id: &str,
    lookup: &Lookup,
) -> Result<(String, Answer), EngineError> {
    let answer = match lookup {
        Lookup::Read { target_id } => read_target(connector, kind, target_id)
            .await
            .map(Answer::Target),
        Lookup::Match { keys } => match_keys(connector, kind, keys).await.map(Answer::Matched),
        Lookup::Unique { candidates } => taken_values(connector, kind, candidates)
            .await
            .map(Answer::Taken),
    };
    let answer = match answer {
        Ok(a) => a,
        Err(EngineError::Connector(e)) if e.is_retryable() => Answer::Failed(e),
        Err(e) => return Err(e),
    };
    Ok((source_id.to_string(), answer))
}

/// Search by the matching attributes in precedence order; the first that finds decides.
async fn match_keys(
    connector: &dyn Connector,
    kind: ResourceKind,
    keys: &[MatchKey],
) -> Result<MatchResult, EngineError> {
    for key in keys {
        let value = match &key.value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        match connector.find(kind, &key.path, &value).await {
            Ok(Some(found)) => return Ok(MatchResult::Found(found)),
            Ok(None) => {}
            Err(ConnectorError::AmbiguousMatch { ids, .. }) => {
                return Ok(MatchResult::Ambiguous { ids })
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(MatchResult::NotFound)
}

/// Which `SelectUniqueValue` candidates the app already has: each target's values are
/// searched in order until one is free (an ambiguous search means taken, too).
async fn taken_values(
    connector: &dyn Connector,
    kind: ResourceKind,
    candidates: &[UniqueCandidates],
) -> Result<TakenValues, EngineError> {
    let mut taken = TakenValues::new();
    for c in candidates {
        let in_app = taken.entry(c.path.clone()).or_default();
        for value in &c.values {
            match connector.find(kind, &c.path, value).await {
                Ok(None) => break,
                Ok(Some(_)) | Err(ConnectorError::AmbiguousMatch { .. }) => {
                    in_app.insert(value.clone());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(taken)
}

fn state(
    object: DirectoryObject,
    assigned: bool,
    link: Option<&scimitar_core::AppLink>,
) -> SourceState {
    SourceState {
        object,
        assigned,
        link: link.map(|l| Linked {
            target_id: l.target_id.clone(),
            disabled: l.disabled,
        }),
        target: TargetState::NotRead,
        matched: MatchResult::NotLookedUp,
        taken: None,
    }
}

async fn read_target(
    connector: &dyn Connector,
    kind: ResourceKind,
    id: &str,
) -> Result<TargetState, EngineError> {
    match connector.get(kind, id).await {
        Ok(found) => Ok(TargetState::Found(found)),
        Err(ConnectorError::NotFound(_)) => Ok(TargetState::NotFound),
        Err(e) => Err(e.into()),
    }
}
