//! Gathering a run's users: who is assigned (directly, through nested groups, or everyone),
//! who is linked in the app already (and so must be deprovisioned when no longer assigned),
//! then two planning passes: the first says which accounts to read or look up in the app, the
//! second plans with the answers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// What the app's stored settings say, loaded and checked.
pub struct AppSettings {
    pub mappings: ObjectMappings,
    pub user_scope: ScopingFilters,
    pub group_scope: ScopingFilters,
    pub deprovision: Deprovision,
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
    Ok(AppSettings {
        mappings,
        user_scope,
        group_scope,
        deprovision,
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
    let links: HashMap<String, scimitar_core::AppLink> = apps
        .all_links(&app.id, kind)
        .await?
        .into_iter()
        .map(|l| (l.source_id.clone(), l))
        .collect();
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
    // Members may be users or groups: resolve through both kinds' links.
    let mut targets: HashMap<String, String> = HashMap::new();
    for k in [ResourceKind::User, ResourceKind::Group] {
        for l in apps.all_links(&app.id, k).await? {
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
        let mut answers: HashMap<String, Answer> = HashMap::new();
        for (op, lookup) in plan.pending_lookups() {
            let answer = match lookup {
                Lookup::Read { target_id } => {
                    Answer::Target(read_target(connector, kind, target_id).await?)
                }
                Lookup::Match { keys } => Answer::Matched(match_keys(connector, kind, keys).await?),
            };
            answers.insert(op.source_id.clone(), answer);
        }
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

/// What the app said about one object.
enum Answer {
    Target(TargetState),
    Matched(MatchResult),
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
