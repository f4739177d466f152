//! The rules: one directory object and what is known of it → one operation.
//!
//! In scope = assigned, passing the scoping filters, and (users) not deactivated. In scope and
//! linked: update (enable if Scimitar had disabled it; re-match and create if the app lost it);
//! in scope and not linked: by the match result (adopt, create, ambiguous → error, not looked
//! up → ask). Out of scope (or deleted) and linked: the deprovision policy; out of scope and
//! never provisioned: skip. The in-scope rules are in `provision.rs`. Every branch pushes the
//! steps that explain it; none reads anything but its arguments.

use scimitar_scim::schema::ResourceKind;
use serde_json::Value as Json;

use super::operation::{Action, Operation, SkipReason, Stage};
use super::steps::{noun, step, step_with};
use super::{Deprovision, DirectoryObject, PlanInput, SourceState, TargetState};

/// Decide for one object.
pub(super) fn plan_one(input: &PlanInput<'_>, state: &SourceState) -> Operation {
    let mut planner = Planner {
        input,
        state,
        op: Operation {
            source_id: state.source_id().to_string(),
            kind: input.kind,
            name: display_name(input.kind, &state.object),
            action: Action::Skip {
                reason: SkipReason::OutOfScope,
            },
            steps: Vec::new(),
            unresolved: Vec::new(),
        },
    };
    planner.op.action = planner.decide();
    planner.op
}

/// The decision for one object in the making: its inputs and the operation so far.
pub(super) struct Planner<'a, 'i> {
    pub(super) input: &'a PlanInput<'i>,
    pub(super) state: &'a SourceState,
    pub(super) op: Operation,
}

impl Planner<'_, '_> {
    pub(super) fn kind(&self) -> &'static str {
        noun(self.input.kind)
    }

    pub(super) fn push(&mut self, stage: Stage, summary: impl Into<String>) {
        self.op.steps.push(step(stage, summary));
    }

    fn decide(&mut self) -> Action {
        let resource = match &self.state.object {
            DirectoryObject::Resource(r) => {
                let name = self.op.name.clone().unwrap_or_default();
                self.push(
                    Stage::Source,
                    format!(
                        "Read {} {name:?} ({}) from the directory",
                        self.kind(),
                        self.op.source_id
                    ),
                );
                if self.op.source_id.is_empty() {
                    return self.fail("the directory object has no id".into());
                }
                Some(r)
            }
            DirectoryObject::Deleted { id } => {
                self.push(
                    Stage::Source,
                    format!("The {} {id} was deleted in the directory", self.kind()),
                );
                None
            }
        };
        let why_out = self.out_of_scope(resource);
        match resource {
            Some(r) if why_out.is_empty() => {
                self.push(Stage::Scope, self.in_scope_text(r));
                self.provision(r)
            }
            _ => {
                self.op
                    .steps
                    .push(step_with(Stage::Scope, "Out of scope", why_out));
                self.deprovision()
            }
        }
    }

    /// Why the object is out of scope; empty when it is in scope.
    fn out_of_scope(&self, resource: Option<&Json>) -> Vec<String> {
        let Some(r) = resource else {
            return vec!["deleted in the directory".into()];
        };
        let kind = self.input.kind;
        let mut why = Vec::new();
        if !self.state.assigned {
            why.push("not assigned to the app (directly, through a group, or as everyone)".into());
        }
        if kind == ResourceKind::User && deactivated(r) {
            why.push("deactivated in the directory (active is false)".into());
        }
        if !self.input.scope.in_scope(kind, r) {
            for (i, filter) in self.input.scope.filters().iter().enumerate() {
                if let Some(clause) = filter.failing_clause(kind, r) {
                    why.push(format!("scoping filter {}: {clause} is not true", i + 1));
                }
            }
        }
        why
    }

    fn in_scope_text(&self, r: &Json) -> String {
        let active = if self.input.kind == ResourceKind::User {
            ", active"
        } else {
            ""
        };
        let filters = self.input.scope.filters();
        let passing = filters
            .iter()
            .position(|f| f.matches(self.input.kind, r))
            .map(|i| format!("passes scoping filter {} ({})", i + 1, filters[i]));
        let filter_text = passing.unwrap_or_else(|| "no scoping filters".into());
        format!("In scope: assigned{active}, {filter_text}")
    }

    fn deprovision(&mut self) -> Action {
        let Some(link) = &self.state.link else {
            self.push(
                Stage::Match,
                "Not linked: Scimitar never provisioned it in the app",
            );
            self.push(Stage::Action, "Skip: out of scope and not in the app");
            return Action::Skip {
                reason: SkipReason::OutOfScope,
            };
        };
        let target_id = link.target_id.clone();
        self.push(
            Stage::Match,
            format!("Linked to account {target_id} in the app"),
        );
        if self.state.target == TargetState::NotFound {
            self.push(
                Stage::Action,
                "Skip: the app no longer has the account; nothing to deprovision",
            );
            return Action::Skip {
                reason: SkipReason::AlreadyGone,
            };
        }
        match (self.input.deprovision, self.input.kind) {
            (Deprovision::Nothing, _) => {
                self.push(
                    Stage::Action,
                    "Skip: the deprovision policy is 'nothing'; the account is left as it is",
                );
                Action::Skip {
                    reason: SkipReason::DeprovisionNothing,
                }
            }
            (Deprovision::Delete, _) => {
                self.push(
                    Stage::Action,
                    format!("Delete account {target_id} in the app"),
                );
                Action::Delete { target_id }
            }
            (Deprovision::Disable, ResourceKind::Group) => {
                self.push(
                    Stage::Action,
                    format!(
                        "Delete group {target_id} in the app (groups have no 'active' to disable)"
                    ),
                );
                Action::Delete { target_id }
            }
            (Deprovision::Disable, ResourceKind::User) => {
                if link.disabled || self.target_inactive() {
                    self.push(Stage::Action, "Skip: the account is disabled already");
                    return Action::Skip {
                        reason: SkipReason::AlreadyDisabled,
                    };
                }
                self.push(
                    Stage::Action,
                    format!("Disable account {target_id} in the app (active → false)"),
                );
                Action::Disable { target_id }
            }
        }
    }

    fn target_inactive(&self) -> bool {
        match &self.state.target {
            TargetState::Found(t) => deactivated(&t.body),
            _ => false,
        }
    }

    pub(super) fn fail(&mut self, message: String) -> Action {
        self.push(Stage::Action, format!("Error: {message}"));
        Action::Skip {
            reason: SkipReason::MappingFailed { message },
        }
    }
}

/// `active` is false (or `"False"`).
pub(super) fn deactivated(resource: &Json) -> bool {
    match resource.get("active") {
        Some(Json::Bool(b)) => !b,
        Some(Json::String(s)) => s.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

fn display_name(kind: ResourceKind, object: &DirectoryObject) -> Option<String> {
    let DirectoryObject::Resource(r) = object else {
        return None;
    };
    let key = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    r.get(key).and_then(Json::as_str).map(str::to_string)
}
