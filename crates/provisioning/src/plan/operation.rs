//! What a plan is made of: one [`Operation`] per directory object, its [`Action`] and the
//! [`Step`]s that explain it. These types are what `plan` prints, what `plan --json` emits and
//! what the executor runs.
//!
//! The JSON form never shows a redacted value: changes marked redacted serialise as
//! `"[redacted]"`, and a create body is serialised without its redacted targets (they are named
//! in `redacted`). The executor reads the real values from the fields, never from the JSON.

use scimitar_scim::schema::ResourceKind;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
use serde_json::Value as Json;

use super::RunKind;
use crate::mapping::AttributeChange;

/// What the engine will do for one object kind of one app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    #[serde(serialize_with = "kind_name")]
    pub kind: ResourceKind,
    pub run: RunKind,
    pub operations: Vec<Operation>,
}

/// The decision for one directory object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// The object's id in Scimitar's directory.
    pub source_id: String,
    #[serde(serialize_with = "kind_name")]
    pub kind: ResourceKind,
    /// `userName` or `displayName`, for people reading the plan; `None` for a deleted object.
    pub name: Option<String>,
    pub action: Action,
    /// Why, in order: source, scope, match, action.
    pub steps: Vec<Step>,
    /// References (manager, members) that could not be turned into the app's ids: left out
    /// of the body or the changes, to be sent once the referenced object is in the app.
    pub unresolved: Vec<Unresolved>,
}

/// What to do in the app.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Create the object (no account matched in the app).
    Create(CreateAction),
    /// Send these changes to the linked account (never empty; no changes is a skip).
    Update {
        target_id: String,
        #[serde(serialize_with = "changes_json")]
        changes: Vec<AttributeChange>,
    },
    /// Adopt an existing account found by the matching attributes (record the link, never
    /// create a duplicate), then send `changes` (possibly none).
    Link {
        target_id: String,
        #[serde(serialize_with = "changes_json")]
        changes: Vec<AttributeChange>,
    },
    /// The object is back in scope: send `changes`, which always include `active = true`.
    Enable {
        target_id: String,
        #[serde(serialize_with = "changes_json")]
        changes: Vec<AttributeChange>,
    },
    /// `active = false`.
    Disable {
        target_id: String,
    },
    Delete {
        target_id: String,
    },
    /// Nothing to do, or nothing that can be done; [`SkipReason::is_error`] says which.
    Skip {
        reason: SkipReason,
    },
    /// The planner needs something only the app can tell. Not executable: the engine performs
    /// the lookup and plans the object again.
    NeedsLookup {
        lookup: Lookup,
    },
}

/// A create: the SCIM body, and what was decided to build it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateAction {
    /// The body to POST, with real values.
    pub body: Json,
    /// Targets whose values must not be shown (left out of the body's JSON form).
    pub redacted: Vec<String>,
    /// `SelectUniqueValue` targets: the value in the body, and the ones to try next when the
    /// app answers with a uniqueness conflict.
    pub unique: Vec<UniqueChoice>,
    /// The body as it may be shown: without the redacted targets.
    pub(super) shown: Json,
    /// The bodies to try next, in order, when the app answers with a uniqueness conflict
    /// (`unique`'s alternatives); not shown, as they differ only there.
    pub(super) retries: Vec<Json>,
}

impl CreateAction {
    /// The body as logs and plans may show it.
    pub fn shown_body(&self) -> &Json {
        &self.shown
    }

    /// The bodies to POST after a uniqueness conflict, in order.
    pub fn retry_bodies(&self) -> &[Json] {
        &self.retries
    }
}

impl Serialize for CreateAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CreateAction", 3)?;
        s.serialize_field("body", &self.shown)?;
        s.serialize_field("redacted", &self.redacted)?;
        s.serialize_field("unique", &self.unique)?;
        s.end()
    }
}

/// A `SelectUniqueValue` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UniqueChoice {
    pub path: String,
    pub chosen: String,
    /// In the order to try them.
    pub alternatives: Vec<String>,
}

/// Why nothing is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum SkipReason {
    /// Out of scope and Scimitar never provisioned it.
    OutOfScope,
    /// The app's account already is what the mappings say.
    Unchanged,
    /// Out of scope, but the deprovision policy is `nothing`.
    DeprovisionNothing,
    /// Out of scope and the linked account is disabled already.
    AlreadyDisabled,
    /// Out of scope and the app no longer has the linked account.
    AlreadyGone,
    /// Several accounts in the app match: an error the operator must resolve.
    AmbiguousMatch { ids: Vec<String> },
    /// The mappings could not produce the object (an expression failed, a required attribute
    /// has no value, no matching attribute has a value): an error.
    MappingFailed { message: String },
    /// The app could not be asked what the plan needed (it kept failing, after retries): the
    /// object fails in this run and is retried from the escrow.
    LookupFailed { error: String, hint: String },
}

impl SkipReason {
    /// Whether the skip is an error the operator has to act on.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            SkipReason::AmbiguousMatch { .. }
                | SkipReason::MappingFailed { .. }
                | SkipReason::LookupFailed { .. }
        )
    }
}

/// What the engine must ask the app before this object can be planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "lookup", rename_all = "kebab-case")]
pub enum Lookup {
    /// Read the linked account.
    Read { target_id: String },
    /// Search by these matching attributes, in precedence order; the first that finds
    /// anything decides.
    Match { keys: Vec<MatchKey> },
    /// Search the app for `SelectUniqueValue` candidates, in order, until one is free.
    Unique { candidates: Vec<UniqueCandidates> },
}

/// One `SelectUniqueValue` target and the values to check in the app, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UniqueCandidates {
    pub path: String,
    pub values: Vec<String>,
}

/// One matching attribute and the value to search for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchKey {
    pub path: String,
    pub value: Json,
}

impl MatchKey {
    /// The SCIM filter: `userName eq "bjensen"`.
    pub fn filter(&self) -> String {
        format!("{} eq {}", self.path, self.value)
    }
}

/// A reference that could not be translated into the app's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    /// The target path (`members`, `urn:...:User:manager`).
    pub path: String,
    /// The directory id of the referenced object.
    pub id: String,
    #[serde(serialize_with = "kind_name")]
    pub kind: ResourceKind,
}

/// One step of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub stage: Stage,
    /// One sentence.
    pub summary: String,
    /// Further lines: failing scoping clauses, modified properties `path: old → new`.
    pub details: Vec<String>,
}

/// The stages of Entra ID's provisioning log, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Reading the object from the directory.
    Source,
    /// Whether the object is in scope.
    Scope,
    /// Finding the account in the app.
    Match,
    /// What will be done.
    Action,
}

/// How many operations of each action a plan holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub link: usize,
    pub enable: usize,
    pub disable: usize,
    pub delete: usize,
    /// Skips that are not errors.
    pub skip: usize,
    /// Skips that are errors (ambiguous match, mapping failure).
    pub error: usize,
    pub needs_lookup: usize,
}

impl Plan {
    /// Counts by action.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for op in &self.operations {
            match &op.action {
                Action::Create(_) => s.create += 1,
                Action::Update { .. } => s.update += 1,
                Action::Link { .. } => s.link += 1,
                Action::Enable { .. } => s.enable += 1,
                Action::Disable { .. } => s.disable += 1,
                Action::Delete { .. } => s.delete += 1,
                Action::Skip { reason } if reason.is_error() => s.error += 1,
                Action::Skip { .. } => s.skip += 1,
                Action::NeedsLookup { .. } => s.needs_lookup += 1,
            }
        }
        s
    }

    /// Whether every operation can be executed as is (no lookup is pending).
    pub fn is_complete(&self) -> bool {
        self.pending_lookups().next().is_none()
    }

    /// The operations waiting for a lookup, with what to look up.
    pub fn pending_lookups(&self) -> impl Iterator<Item = (&Operation, &Lookup)> {
        self.operations.iter().filter_map(|op| match &op.action {
            Action::NeedsLookup { lookup } => Some((op, lookup)),
            _ => None,
        })
    }

    /// The JSON form (`plan --json`).
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

fn kind_name<S: Serializer>(kind: &ResourceKind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.as_str())
}

/// The shown value of one side of a change.
pub(super) fn shown(value: Option<&Json>, redacted: bool) -> Json {
    match value {
        None => Json::Null,
        Some(_) if redacted => Json::String("[redacted]".into()),
        Some(v) => v.clone(),
    }
}

fn changes_json<S: Serializer>(
    changes: &[AttributeChange],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Shown<'a> {
        path: &'a str,
        old: Json,
        new: Json,
        redacted: bool,
    }
    serializer.collect_seq(changes.iter().map(|c| Shown {
        path: &c.path,
        old: shown(c.old.as_ref(), c.redacted),
        new: shown(c.new.as_ref(), c.redacted),
        redacted: c.redacted,
    }))
}
