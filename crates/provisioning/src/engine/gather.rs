//! Gathering a run's users: who is assigned (directly, through nested groups, or everyone),
//! who is linked in the app already (and so must be deprovisioned when no longer assigned),
//! then two planning passes: the first says which accounts to read or look up in the app, the
//! second plans with the answers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::stream::{FuturesUnordered, StreamExt};

use scimitar_core::service::ListParams;
use scimitar_core::{AppRecord, AppStore, Assignment, Directory, DirectoryStore, TenantContext};
use scimitar_scim::projection::Projection;
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::Value as Json;

use super::EngineError;
use crate::connector::{Connector, ConnectorError};
use crate::mapping::{MappingContext, ObjectMappings};
use crate::plan::{
    plan_objects, Deprovision, DirectoryObject, Linked, Lookup, MatchKey, MatchResult, Plan,
    PlanInput, RunKind, SourceState, TargetState,
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
}

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
    Ok(AppSettings {
        mappings,
        user_scope,
        group_scope,
        deprovision,
        concurrency,
    })
}

/// The directory side: the service (rendering, filters) and the store (members).
pub struct DirectorySide<'a> {
    pub directory: &'a Directory,
    pub store: &'a dyn DirectoryStore,
    pub ctx: &'a TenantContext,
}

/// Users below group `id`, through nested groups, each group visited once.
async fn expand_group(
    side: &DirectorySide<'_>,
    id: &str,
    users: &mut BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) -> Result<(), EngineError> {
    let mut pending = vec![id.to_string()];
    while let Some(group) = pending.pop() {
        if !seen.insert(group.clone()) {
            continue;
        }
        for m in side.store.members(side.ctx.tenant, &group).await? {
            match m.kind {
                ResourceKind::User => {
                    users.insert(m.value);
                }
                ResourceKind::Group => pending.push(m.value),
            }
        }
    }
    Ok(())
}

/// The users whose assignment to the app may have changed with a group's membership: assigned
/// (through their groups) but without an active account in the app, or with one but no longer
/// assigned. Ids only, nothing read from the app; empty when every user is assigned anyway.
pub async fn assignment_drift(
    side: &DirectorySide<'_>,
    apps: &dyn AppStore,
    app: &AppRecord,
) -> Result<BTreeSet<String>, EngineError> {
    let mut assigned = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for a in apps.assignments(&app.id).await? {
        match a {
            Assignment::AllUsers => return Ok(BTreeSet::new()),
            Assignment::User(id) => {
                assigned.insert(id);
            }
            Assignment::Group(id) => expand_group(side, &id, &mut assigned, &mut seen).await?,
        }
    }
    let active: BTreeSet<String> = apps
        .all_links(&app.id, ResourceKind::User)
        .await?
        .into_iter()
        .filter(|l| !l.disabled)
        .map(|l| l.source_id)
        .collect();
    Ok(assigned.symmetric_difference(&active).cloned().collect())
}

/// One user or group as the SCIM API renders it, or `None` when it no longer exists.
async fn read(
    side: &DirectorySide<'_>,
    kind: ResourceKind,
    id: &str,
) -> Result<Option<Json>, EngineError> {
    let projection = Projection::parse(resource_type(kind), None, None)
        .map_err(|e| EngineError::Directory(e.detail))?;
    match side.directory.get(side.ctx, kind, id, &projection).await {
        Ok(r) => Ok(Some(r.json)),
        Err(scimitar_core::CoreError::Scim(e)) if e.status == 404 => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Every user (or group) of the tenant, page by page.
async fn all_of(
    side: &DirectorySide<'_>,
    kind: ResourceKind,
) -> Result<BTreeMap<String, Json>, EngineError> {
    let mut out = BTreeMap::new();
    let mut start = 1;
    loop {
        let params = ListParams {
            start_index: Some(start),
            count: Some(500),
            ..ListParams::default()
        };
        let page = side.directory.list(side.ctx, kind, &params).await?;
        let items = page["Resources"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return Ok(out);
        }
        start += items.len() as i64;
        for item in items {
            if let Some(id) = item["id"].as_str() {
                out.insert(id.to_string(), item.clone());
            }
        }
    }
}

/// The plan for the app's users or groups (or, with `only`, for just those objects: on-demand
/// provisioning, or an incremental run of what changed), after reading from the app what the planner asked for. Users come from user
/// assignments, the members of assigned groups (through nested groups) or everyone; groups are
/// the assigned groups themselves (or every group). Plan users first: a group's members are
/// resolved through the users' links.
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
    let mut assigned = BTreeSet::new();
    let mut everyone = false;
    let mut seen = BTreeSet::new();
    for a in apps.assignments(&app.id).await? {
        match (a, kind) {
            (Assignment::AllUsers, _) => everyone = true,
            (Assignment::User(id), ResourceKind::User) => {
                assigned.insert(id);
            }
            (Assignment::Group(id), ResourceKind::User) => {
                expand_group(side, &id, &mut assigned, &mut seen).await?
            }
            (Assignment::Group(id), ResourceKind::Group) => {
                assigned.insert(id);
            }
            (Assignment::User(_), ResourceKind::Group) => {}
        }
    }
    // A run of a few objects reads only their links, so its cost follows the number of
    // changes, not the number of accounts in the app.
    let links: HashMap<String, scimitar_core::AppLink> = match only {
        Some(ids) => {
            let ids: Vec<String> = ids.iter().cloned().collect();
            apps.links(&app.id, kind, &ids).await?
        }
        None => apps
            .all_links(&app.id, kind)
            .await?
            .into_iter()
            .map(|l| (l.source_id.clone(), l))
            .collect(),
    };
    let mut objects = Vec::new();
    if let Some(ids) = only {
        // Just these objects (on demand, or what changed): each read once, whether or not it
        // is assigned (the plan says so); gone and linked means deleted here.
        for id in ids {
            match read(side, kind, id).await? {
                Some(json) => objects.push(state(
                    DirectoryObject::Resource(json),
                    everyone || assigned.contains(id),
                    links.get(id),
                )),
                None if links.contains_key(id) => objects.push(state(
                    DirectoryObject::Deleted { id: id.clone() },
                    false,
                    links.get(id),
                )),
                None => {}
            }
        }
    } else {
        let mut resources = if everyone {
            all_of(side, kind).await?
        } else {
            let mut found = BTreeMap::new();
            for id in &assigned {
                if let Some(json) = read(side, kind, id).await? {
                    found.insert(id.clone(), json);
                }
            }
            found
        };
        if everyone {
            assigned = resources.keys().cloned().collect();
        }
        let mut deleted = Vec::new();
        for id in links.keys() {
            if !resources.contains_key(id) {
                match read(side, kind, id).await? {
                    Some(json) => {
                        resources.insert(id.clone(), json);
                    }
                    None => deleted.push(id.clone()),
                }
            }
        }
        objects.extend(resources.into_iter().map(|(id, json)| {
            state(
                DirectoryObject::Resource(json),
                assigned.contains(&id),
                links.get(&id),
            )
        }));
        objects.extend(deleted.into_iter().map(|id| {
            let link = links.get(&id);
            state(DirectoryObject::Deleted { id }, false, link)
        }));
    }
    // Members and managers may be users or groups: resolve through both kinds' links (for a
    // few objects, only the links of the objects they refer to).
    let mut targets: HashMap<String, String> = HashMap::new();
    let referred: Option<Vec<String>> = only.map(|_| references(&objects));
    for k in [ResourceKind::User, ResourceKind::Group] {
        let found = match &referred {
            Some(ids) if ids.is_empty() => Vec::new(),
            Some(ids) => apps.links(&app.id, k, ids).await?.into_values().collect(),
            None => apps.all_links(&app.id, k).await?,
        };
        for l in found {
            targets.insert(l.source_id, l.target_id);
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
    // matched in the next round, so at most three plans are needed.
    let mut plan = input(&objects);
    for _ in 0..2 {
        if plan.is_complete() {
            break;
        }
        let mut answers = ask_all(&plan, connector, kind, settings.concurrency).await?;
        for object in &mut objects {
            match answers.remove(object.source_id()) {
                Some(Answer::Target(t)) => object.target = t,
                Some(Answer::Matched(m)) => object.matched = m,
                None => {}
            }
        }
        plan = input(&objects);
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
}

/// Ask the app everything `plan` is waiting for, `concurrency` questions at a time.
async fn ask_all(
    plan: &Plan,
    connector: &dyn Connector,
    kind: ResourceKind,
    concurrency: usize,
) -> Result<HashMap<String, Answer>, EngineError> {
    let mut answers = HashMap::new();
    let mut questions = plan.pending_lookups();
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
        Lookup::Read { target_id } => {
            Answer::Target(read_target(connector, kind, target_id).await?)
        }
        Lookup::Match { keys } => Answer::Matched(match_keys(connector, kind, keys).await?),
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
