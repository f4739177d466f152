//! The planner: what the engine will do in an app, decided from state alone.
//!
//! [`plan_objects`] is a pure function from (directory objects, mappings, scope, deprovision
//! policy, what Scimitar and the app know of each object) to a [`Plan`]: one [`Operation`] per
//! directory object, with the [`Action`] to take and the [`Step`]s that explain it the way
//! Entra ID's provisioning logs do (scope, match, action, each modified property old → new).
//! `scimitar app plan` prints the plan; the executor runs exactly the same plan, so the dry run
//! and the real run cannot disagree.
//!
//! It never does I/O, never awaits, never reads the clock (time comes in the
//! [`MappingContext`]) and never guesses: when it needs something only the app can tell (the
//! linked object's current state, the result of a search by matching attributes) it says so
//! with [`Action::NeedsLookup`], which the engine must resolve and plan again before executing.
//! The rules are in `decide.rs` (scope, deprovisioning) and `provision.rs` (update, match,
//! create); the output types in `operation.rs`, their text form in `render.rs`.

mod decide;
mod operation;
mod provision;
mod render;
mod steps;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_deprovision;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_output;
#[cfg(test)]
mod tests_users;

pub use operation::{
    Action, CreateAction, Lookup, MatchKey, Operation, Plan, SkipReason, Stage, Step, Summary,
    UniqueCandidates, UniqueChoice, Unresolved,
};

use scimitar_scim::schema::ResourceKind;
use serde::Serialize;
use serde_json::Value as Json;

use crate::connector::TargetObject;
use crate::mapping::{MappingContext, ObjectMappings};
use crate::scope::ScopingFilters;

/// Everything the planner decides from, for one object kind of one app.
pub struct PlanInput<'a> {
    /// Users or groups; every object in `objects` is of this kind.
    pub kind: ResourceKind,
    pub mappings: &'a ObjectMappings,
    /// The app's scoping filters for `kind`.
    pub scope: &'a ScopingFilters,
    pub deprovision: Deprovision,
    pub run: RunKind,
    /// The time and the seed for expressions (`Now()`, `Guid()`).
    pub context: MappingContext,
    /// One entry per directory object considered in this run.
    pub objects: &'a [SourceState],
    /// A directory id to the id of the same object in the app, from Scimitar's links; `None`
    /// when the app does not have it (yet). Used for `manager` and `members`.
    pub resolve: &'a dyn Fn(&str) -> Option<String>,
}

/// What happens in the app to a user who leaves scope, is deactivated or is deleted in the
/// directory. Mirrors the app's setting; the engine converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Deprovision {
    /// `active = false` (Entra ID's default). Groups have no `active`: they are deleted.
    Disable,
    Delete,
    /// Leave the account as it is.
    Nothing,
}

/// Which kind of run the plan is for; recorded in the plan and its rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    /// Everything in scope: match, then create or update.
    Initial,
    /// The objects the directory's change log names since the last run.
    Incremental,
    /// One object, now, every step shown.
    OnDemand,
    /// Every object, each linked account read back and repaired (`runs::reconcile`).
    Reconcile,
}

/// One directory object and what is known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub object: DirectoryObject,
    /// Assigned to the app, directly or through (nested) group membership, or "everyone".
    pub assigned: bool,
    /// The account in the app that Scimitar created or adopted for this object, if any.
    pub link: Option<Linked>,
    /// The linked account as the app has it now, if the engine read it.
    pub target: TargetState,
    /// For an object without a link (or whose linked account is gone): the search in the app by
    /// the matching attributes, in precedence order.
    pub matched: MatchResult,
    /// For an object to be created with `SelectUniqueValue` targets: the candidates the app
    /// already has, by target path (`None` until the app has been asked).
    pub taken: Option<TakenValues>,
}

/// `SelectUniqueValue` candidates found in the app, by target path. Only the values checked
/// are here: the check stops at the first free one.
pub type TakenValues = std::collections::BTreeMap<String, std::collections::BTreeSet<String>>;

/// The directory's side.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectoryObject {
    /// The SCIM resource as the directory holds it.
    Resource(Json),
    /// Deleted in the directory (from the change log); only its id is left.
    Deleted { id: String },
}

/// Scimitar's record of the account it manages in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub target_id: String,
    /// Scimitar disabled it (deprovisioned with the `disable` policy).
    pub disabled: bool,
}

/// The linked account as the app has it.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetState {
    /// The engine did not read it.
    NotRead,
    Found(TargetObject),
    /// The app answered that it does not exist (404).
    NotFound,
}

/// The result of looking an unlinked object up in the app by its matching attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchResult {
    /// Exactly one account, by the first matching attribute that found anything.
    Found(TargetObject),
    NotFound,
    /// Several accounts: the operator must resolve it.
    Ambiguous {
        ids: Vec<String>,
    },
    /// The engine did not search (yet).
    NotLookedUp,
}

impl SourceState {
    /// An assigned directory resource with no link and no lookups yet.
    pub fn new(resource: Json) -> SourceState {
        SourceState {
            object: DirectoryObject::Resource(resource),
            assigned: true,
            link: None,
            target: TargetState::NotRead,
            matched: MatchResult::NotLookedUp,
            taken: None,
        }
    }

    /// The directory id: the resource's `id`, or the deleted object's.
    pub fn source_id(&self) -> &str {
        match &self.object {
            DirectoryObject::Resource(r) => r.get("id").and_then(Json::as_str).unwrap_or(""),
            DirectoryObject::Deleted { id } => id,
        }
    }
}

/// Plan one object kind: one operation per object in `input.objects`, ordered by directory id
/// (then by input position), so the same input always gives the same plan.
pub fn plan_objects(input: &PlanInput<'_>) -> Plan {
    let mut operations: Vec<Operation> = input
        .objects
        .iter()
        .map(|state| decide::plan_one(input, state))
        .collect();
    operations.sort_by(|a, b| a.source_id.cmp(&b.source_id));
    Plan {
        kind: input.kind,
        run: input.run,
        operations,
    }
}
