//! Who a run covers, a batch at a time: the population the app's assignments name (every user,
//! or the assigned users and the members of assigned groups through nested groups; for groups,
//! the assigned groups or every group), then every object linked in the app that the
//! population did not name (to be deprovisioned, or deleted here). A run of a million users
//! therefore holds one batch in memory, not the directory; a run of a few changed objects
//! (`only`) is one batch of just those.

use std::collections::{BTreeSet, HashSet};

use scimitar_core::service::ListParams;
use scimitar_core::{AppRecord, AppStore, Assignment};
use scimitar_scim::projection::Projection;
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::Value as Json;

use super::{DirectorySide, EngineError};

/// Objects per batch: one directory page, one links query, up to this many app requests.
pub const BATCH_SIZE: usize = 1000;

/// Who the app's assignments cover for one kind of object.
#[derive(Debug, Default)]
pub struct Population {
    pub everyone: bool,
    pub assigned: BTreeSet<String>,
}

impl Population {
    pub fn covers(&self, id: &str) -> bool {
        self.everyone || self.assigned.contains(id)
    }
}

/// One directory object of a batch: as the SCIM API renders it, or gone (only its id known).
#[derive(Debug)]
pub enum Source {
    Found { id: String, json: Json },
    Gone(String),
}

impl Source {
    pub fn id(&self) -> &str {
        match self {
            Source::Found { id, .. } | Source::Gone(id) => id,
        }
    }
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

/// Who the app's assignments cover for `kind`.
pub async fn population(
    side: &DirectorySide<'_>,
    apps: &dyn AppStore,
    app: &AppRecord,
    kind: ResourceKind,
) -> Result<Population, EngineError> {
    let mut p = Population::default();
    let mut seen = BTreeSet::new();
    for a in apps.assignments(&app.id).await? {
        match (a, kind) {
            (Assignment::AllUsers, _) => p.everyone = true,
            (Assignment::User(id), ResourceKind::User) => {
                p.assigned.insert(id);
            }
            (Assignment::Group(id), ResourceKind::User) => {
                expand_group(side, &id, &mut p.assigned, &mut seen).await?
            }
            (Assignment::Group(id), ResourceKind::Group) => {
                p.assigned.insert(id);
            }
            (Assignment::User(_), ResourceKind::Group) => {}
        }
    }
    Ok(p)
}

/// The users whose assignment to the app may have changed with a group's membership: assigned
/// (through their groups) but without an active account in the app, or with one but no longer
/// assigned. Ids only, nothing read from the app; empty when every user is assigned anyway.
pub async fn assignment_drift(
    side: &DirectorySide<'_>,
    apps: &dyn AppStore,
    app: &AppRecord,
) -> Result<BTreeSet<String>, EngineError> {
    let p = population(side, apps, app, ResourceKind::User).await?;
    if p.everyone {
        return Ok(BTreeSet::new());
    }
    let active: BTreeSet<String> = apps
        .all_links(&app.id, ResourceKind::User)
        .await?
        .into_iter()
        .filter(|l| !l.disabled)
        .map(|l| l.source_id)
        .collect();
    Ok(p.assigned.symmetric_difference(&active).cloned().collect())
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

/// Where a walk over the objects of a run is.
enum Phase {
    /// Every object of the kind, a directory page at a time (`cursor`: the next page's).
    Everyone {
        cursor: Option<String>,
    },
    /// These ids, read one by one (the assigned ones, or `only`).
    Ids(std::vec::IntoIter<String>),
    /// The linked objects not seen yet, once the population is done.
    Linked,
    Done,
}

/// The batches of one run (or dry run) of one kind.
pub struct Batches {
    app_id: String,
    kind: ResourceKind,
    population: Population,
    phase: Phase,
    /// Objects already given out (not kept for `only`: its batch is the whole run).
    seen: HashSet<String>,
    walk_links: bool,
}

impl Batches {
    /// The walk over the population then the leftover links, or over `only` those objects.
    pub async fn new(
        side: &DirectorySide<'_>,
        apps: &dyn AppStore,
        app: &AppRecord,
        kind: ResourceKind,
        only: Option<&BTreeSet<String>>,
    ) -> Result<Batches, EngineError> {
        let population = population(side, apps, app, kind).await?;
        let (phase, walk_links) = match only {
            Some(ids) => (
                Phase::Ids(ids.iter().cloned().collect::<Vec<_>>().into_iter()),
                false,
            ),
            None if population.everyone => (
                Phase::Everyone {
                    cursor: Some(String::new()),
                },
                true,
            ),
            None => (
                Phase::Ids(
                    population
                        .assigned
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .into_iter(),
                ),
                true,
            ),
        };
        Ok(Batches {
            app_id: app.id.clone(),
            kind,
            population,
            phase,
            seen: HashSet::new(),
            walk_links,
        })
    }

    pub fn population(&self) -> &Population {
        &self.population
    }

    /// The next batch, or `None` when the walk is over.
    pub async fn next(
        &mut self,
        side: &DirectorySide<'_>,
        apps: &dyn AppStore,
    ) -> Result<Option<Vec<Source>>, EngineError> {
        loop {
            let batch = match &mut self.phase {
                Phase::Done => return Ok(None),
                Phase::Everyone { cursor: None } => Vec::new(),
                Phase::Everyone {
                    cursor: Some(cursor),
                } => {
                    let params = ListParams {
                        cursor: Some(cursor.clone()),
                        count: Some(BATCH_SIZE as i64),
                        ..ListParams::default()
                    };
                    let page = side.directory.list(side.ctx, self.kind, &params).await?;
                    self.phase = Phase::Everyone {
                        cursor: page["nextCursor"].as_str().map(str::to_string),
                    };
                    page["Resources"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| {
                            let id = r["id"].as_str()?.to_string();
                            Some(Source::Found {
                                id,
                                json: r.clone(),
                            })
                        })
                        .collect()
                }
                Phase::Ids(ids) => {
                    let mut batch = Vec::new();
                    for id in ids.by_ref().take(BATCH_SIZE) {
                        batch.push(match read(side, self.kind, &id).await? {
                            Some(json) => Source::Found { id, json },
                            None => Source::Gone(id),
                        });
                    }
                    batch
                }
                Phase::Linked => {
                    let left: Vec<String> = apps
                        .all_links(&self.app_id, self.kind)
                        .await?
                        .into_iter()
                        .map(|l| l.source_id)
                        .filter(|id| !self.seen.contains(id))
                        .collect();
                    self.seen.clear();
                    self.walk_links = false;
                    self.phase = Phase::Ids(left.into_iter());
                    continue;
                }
            };
            if batch.is_empty() {
                // This phase is over: on to the leftover links, or the end.
                self.phase = if self.walk_links {
                    Phase::Linked
                } else {
                    Phase::Done
                };
                continue;
            }
            if self.walk_links {
                self.seen.extend(batch.iter().map(|s| s.id().to_string()));
            }
            return Ok(Some(batch));
        }
    }
}
