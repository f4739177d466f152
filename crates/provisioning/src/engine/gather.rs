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
    plan_objects, Action, Deprovision, DirectoryObject, Linked, Lookup, MatchResult, Plan,
    PlanInput, RunKind, SourceState, TargetState,
};
use crate::scope::ScopingFilters;

/// What the app's stored settings say, loaded and checked.
pub struct AppSettings {
    pub mappings: ObjectMappings,
    pub user_scope: ScopingFilters,
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
    let deprovision = match app.deprovision {
        scimitar_core::Deprovision::Disable => Deprovision::Disable,
        scimitar_core::Deprovision::Delete => Deprovision::Delete,
        scimitar_core::Deprovision::Nothing => Deprovision::Nothing,
    };
    Ok(AppSettings {
        mappings,
        user_scope,
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

/// One user as the SCIM API renders it, or `None` when it no longer exists.
async fn read_user(side: &DirectorySide<'_>, id: &str) -> Result<Option<Json>, EngineError> {
    let projection = Projection::parse(resource_type(ResourceKind::User), None, None)
        .map_err(|e| EngineError::Directory(e.detail))?;
    match side
        .directory
        .get(side.ctx, ResourceKind::User, id, &projection)
        .await
    {
        Ok(r) => Ok(Some(r.json)),
        Err(scimitar_core::CoreError::Scim(e)) if e.status == 404 => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Every user of the tenant, page by page.
async fn all_users(side: &DirectorySide<'_>) -> Result<BTreeMap<String, Json>, EngineError> {
    let mut out = BTreeMap::new();
    let mut start = 1;
    loop {
        let params = ListParams {
            start_index: Some(start),
            count: Some(500),
            ..ListParams::default()
        };
        let page = side
            .directory
            .list(side.ctx, ResourceKind::User, &params)
            .await?;
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

/// The plan for the app's users (or, with `only`, for that one user: on-demand provisioning),
/// after reading from the app what the planner asked for.
pub async fn plan_users(
    side: &DirectorySide<'_>,
    apps: &dyn AppStore,
    app: &AppRecord,
    connector: &dyn Connector,
    run: RunKind,
    context: MappingContext,
    only: Option<&str>,
) -> Result<Plan, EngineError> {
    let settings = app_settings(app)?;
    let mut assigned = BTreeSet::new();
    let mut everyone = false;
    let mut seen = BTreeSet::new();
    for a in apps.assignments(&app.id).await? {
        match a {
            Assignment::AllUsers => everyone = true,
            Assignment::User(id) => {
                assigned.insert(id);
            }
            Assignment::Group(id) => expand_group(side, &id, &mut assigned, &mut seen).await?,
        }
    }
    let mut resources = if everyone {
        all_users(side).await?
    } else {
        let mut found = BTreeMap::new();
        for id in &assigned {
            if let Some(json) = read_user(side, id).await? {
                found.insert(id.clone(), json);
            }
        }
        found
    };
    if everyone {
        assigned = resources.keys().cloned().collect();
    }
    let links: HashMap<String, scimitar_core::AppLink> = apps
        .all_links(&app.id, ResourceKind::User)
        .await?
        .into_iter()
        .map(|l| (l.source_id.clone(), l))
        .collect();
    let mut deleted = Vec::new();
    for id in links.keys() {
        if !resources.contains_key(id) {
            match read_user(side, id).await? {
                Some(json) => {
                    resources.insert(id.clone(), json);
                }
                None => deleted.push(id.clone()),
            }
        }
    }
    let mut objects: Vec<SourceState> = resources
        .into_iter()
        .map(|(id, json)| {
            state(
                DirectoryObject::Resource(json),
                assigned.contains(&id),
                links.get(&id),
            )
        })
        .collect();
    objects.extend(deleted.into_iter().map(|id| {
        let link = links.get(&id);
        state(DirectoryObject::Deleted { id }, false, link)
    }));
    if let Some(id) = only {
        // On demand: this user alone, whether or not it is assigned (the plan says so).
        objects.retain(|o| o.source_id() == id);
        if objects.is_empty() {
            let object = match read_user(side, id).await? {
                Some(json) => DirectoryObject::Resource(json),
                None => return Err(EngineError::Directory(format!("no user with id '{id}'"))),
            };
            objects.push(state(object, assigned.contains(id), links.get(id)));
        }
    }
    let resolve = |id: &str| links.get(id).map(|l| l.target_id.clone());
    let input = |objects: &[SourceState]| -> Plan {
        plan_objects(&PlanInput {
            kind: ResourceKind::User,
            mappings: &settings.mappings,
            scope: &settings.user_scope,
            deprovision: settings.deprovision,
            run,
            context,
            objects,
            resolve: &resolve,
        })
    };
    let first = input(&objects);
    let mut answers: HashMap<String, (Option<TargetState>, Option<MatchResult>)> = HashMap::new();
    for (op, lookup) in first.pending_lookups() {
        let answer = match lookup {
            Lookup::Read { target_id } => (Some(read_target(connector, target_id).await?), None),
            Lookup::Match { keys } => {
                let mut result = MatchResult::NotFound;
                for key in keys {
                    let value = match &key.value {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    match connector.find(ResourceKind::User, &key.path, &value).await {
                        Ok(Some(found)) => {
                            result = MatchResult::Found(found);
                            break;
                        }
                        Ok(None) => {}
                        Err(ConnectorError::AmbiguousMatch { ids, .. }) => {
                            result = MatchResult::Ambiguous { ids };
                            break;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                (None, Some(result))
            }
        };
        answers.insert(op.source_id.clone(), answer);
    }
    if answers.is_empty() {
        return Ok(first);
    }
    for object in &mut objects {
        if let Some((target, matched)) = answers.remove(object.source_id()) {
            if let Some(t) = target {
                object.target = t;
            }
            if let Some(m) = matched {
                object.matched = m;
            }
        }
    }
    let second = input(&objects);
    // A linked account found gone is matched again: one more round for those.
    if second.is_complete() {
        return Ok(second);
    }
    for (op, lookup) in second.pending_lookups() {
        if let Lookup::Match { keys } = lookup {
            let mut result = MatchResult::NotFound;
            for key in keys {
                let value = key
                    .value
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| key.value.to_string());
                if let Some(found) = connector
                    .find(ResourceKind::User, &key.path, &value)
                    .await?
                {
                    result = MatchResult::Found(found);
                    break;
                }
            }
            answers.insert(op.source_id.clone(), (None, Some(result)));
        }
    }
    for object in &mut objects {
        if let Some((_, Some(m))) = answers.remove(object.source_id()) {
            object.matched = m;
        }
    }
    Ok(input(&objects))
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

async fn read_target(connector: &dyn Connector, id: &str) -> Result<TargetState, EngineError> {
    match connector.get(ResourceKind::User, id).await {
        Ok(found) => Ok(TargetState::Found(found)),
        Err(ConnectorError::NotFound(_)) => Ok(TargetState::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Whether an operation changes the app (for summaries that only count real work).
pub fn changes_app(action: &Action) -> bool {
    !matches!(action, Action::Skip { .. } | Action::NeedsLookup { .. })
}
