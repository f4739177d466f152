//! The rules for an object in scope: update the linked account (enable it if Scimitar had
//! disabled it), or find one to adopt by the matching attributes, or create one.
//!
//! Nothing is created without a search first: an unlinked object that has not been looked up,
//! or whose linked account the app lost, gets [`Lookup::Match`], and an ambiguous search is an
//! error for the operator, never a guess.

use serde_json::Value as Json;

use super::decide::Planner;
use super::operation::{
    Action, CreateAction, Lookup, MatchKey, SkipReason, Stage, UniqueCandidates, UniqueChoice,
    Unresolved,
};
use super::steps::{change_lines, count, filters_text, noun, step_with};
use super::{Linked, MatchResult, TargetState};
use crate::connector::TargetObject;
use crate::mapping::{diff, map_object, AttributeChange, MappedObject, MappedValue};

impl Planner<'_, '_> {
    pub(super) fn provision(&mut self, r: &Json) -> Action {
        let Some(link) = &self.state.link else {
            return self.by_match(r);
        };
        let id = &link.target_id;
        match &self.state.target {
            TargetState::NotRead => {
                self.push(
                    Stage::Match,
                    format!("Linked to account {id}; the app has not been read yet"),
                );
                self.push(
                    Stage::Action,
                    "Needs lookup: read the account from the app, then plan again",
                );
                Action::NeedsLookup {
                    lookup: Lookup::Read {
                        target_id: id.clone(),
                    },
                }
            }
            TargetState::Found(current) => {
                self.push(Stage::Match, format!("Linked to account {id} in the app"));
                self.update_linked(r, link, current)
            }
            TargetState::NotFound => {
                self.push(
                    Stage::Match,
                    format!("Linked to account {id}, but the app no longer has it: it will be matched again and created if none matches"),
                );
                self.by_match(r)
            }
        }
    }

    fn update_linked(&mut self, r: &Json, link: &Linked, current: &TargetObject) -> Action {
        let mapped = match self.map(r, false) {
            Ok(m) => m,
            Err(e) => return self.fail(e),
        };
        let mut changes = self.changes(&mapped, &current.body);
        let target_id = link.target_id.clone();
        if link.disabled {
            changes.retain(|c| !c.path.eq_ignore_ascii_case("active"));
            changes.insert(
                0,
                AttributeChange {
                    path: "active".into(),
                    old: Some(
                        current
                            .body
                            .get("active")
                            .cloned()
                            .unwrap_or(Json::Bool(false)),
                    ),
                    new: Some(Json::Bool(true)),
                    redacted: false,
                },
            );
            let summary = format!(
                "Enable account {target_id} (back in scope) and update {}",
                count(changes.len(), "attribute")
            );
            self.op
                .steps
                .push(step_with(Stage::Action, summary, change_lines(&changes)));
            return Action::Enable { target_id, changes };
        }
        if changes.is_empty() {
            self.push(
                Stage::Action,
                "Skip: unchanged; the account in the app already matches the mappings",
            );
            return Action::Skip {
                reason: SkipReason::Unchanged,
            };
        }
        let summary = format!(
            "Update {} of account {target_id}",
            count(changes.len(), "attribute")
        );
        self.op
            .steps
            .push(step_with(Stage::Action, summary, change_lines(&changes)));
        Action::Update { target_id, changes }
    }

    fn by_match(&mut self, r: &Json) -> Action {
        let mapped = match self.map(r, false) {
            Ok(m) => m,
            Err(e) => return self.fail(e),
        };
        let keys: Vec<MatchKey> = mapped
            .matching_values()
            .into_iter()
            .map(|(path, value)| MatchKey {
                path: path.as_str().to_string(),
                value: value.clone(),
            })
            .collect();
        match &self.state.matched {
            MatchResult::Found(found) => {
                let by = matched_by(&mapped, &keys, &found.body, self.input.resolve);
                self.push(
                    Stage::Match,
                    format!("Matched account {} in the app by {by}", found.id),
                );
                let changes = self.changes(&mapped, &found.body);
                let target_id = found.id.clone();
                let summary = format!(
                    "Link to account {target_id} (adopted, not created) and update {}",
                    count(changes.len(), "attribute")
                );
                self.op
                    .steps
                    .push(step_with(Stage::Action, summary, change_lines(&changes)));
                Action::Link { target_id, changes }
            }
            MatchResult::NotFound => {
                self.push(
                    Stage::Match,
                    format!("No account in the app matches {}", filters_text(&keys)),
                );
                self.create(r)
            }
            MatchResult::Ambiguous { ids } => {
                let summary = format!(
                    "{} accounts in the app match {}: {}",
                    ids.len(),
                    filters_text(&keys),
                    ids.join(", ")
                );
                self.push(Stage::Match, summary);
                self.push(Stage::Action, "Error: the match is ambiguous; remove the duplicates in the app or change the matching attributes");
                Action::Skip {
                    reason: SkipReason::AmbiguousMatch { ids: ids.clone() },
                }
            }
            MatchResult::NotLookedUp if keys.is_empty() => {
                self.fail("no matching attribute has a value, so the app cannot be searched".into())
            }
            MatchResult::NotLookedUp => {
                self.push(
                    Stage::Match,
                    format!(
                        "Not looked up yet: search the app for {}",
                        filters_text(&keys)
                    ),
                );
                self.push(
                    Stage::Action,
                    "Needs lookup: search the app, then plan again",
                );
                Action::NeedsLookup {
                    lookup: Lookup::Match { keys },
                }
            }
        }
    }

    fn create(&mut self, r: &Json) -> Action {
        let mut mapped = match self.map(r, true) {
            Ok(m) => m,
            Err(e) => return self.fail(e),
        };
        let unique = match self.unique_choices(&mapped) {
            Ok(u) => u,
            Err(action) => return *action,
        };
        let undecided = mapped.clone();
        for choice in &unique {
            mapped.choose(&choice.path, &choice.chosen);
        }
        let resolve = self.input.resolve;
        let retries = retry_bodies(&undecided, &unique, resolve);
        let body = match mapped.to_scim_body(resolve) {
            Ok(b) => b,
            Err(e) => return self.fail(e.to_string()),
        };
        self.op
            .unresolved
            .extend(body.unresolved.iter().map(|u| Unresolved {
                path: u.target.clone(),
                id: u.id.clone(),
                kind: u.kind,
            }));
        let redacted: Vec<String> = mapped
            .attributes
            .iter()
            .filter(|a| a.redacted)
            .map(|a| a.target.to_string())
            .collect();
        let shown = if redacted.is_empty() {
            body.body.clone()
        } else {
            mapped.attributes.retain(|a| !a.redacted);
            mapped
                .to_scim_body(resolve)
                .map(|b| b.body)
                .unwrap_or(Json::Null)
        };
        let mut details: Vec<String> = unique
            .iter()
            .map(|u| match u.alternatives.as_slice() {
                [] => format!(
                    "{}: {:?} (SelectUniqueValue; no other candidate)",
                    u.path, u.chosen
                ),
                rest => format!(
                    "{}: {:?} (SelectUniqueValue; then {rest:?} on a uniqueness conflict)",
                    u.path, u.chosen
                ),
            })
            .collect();
        details.extend(redacted.iter().map(|p| format!("{p}: [redacted]")));
        details.extend(self.op.unresolved.iter().map(|u| {
            format!(
                "{}: {} {} is not in the app yet; sent once it is",
                u.path,
                noun(u.kind),
                u.id
            )
        }));
        self.op.steps.push(step_with(
            Stage::Action,
            format!("Create the {} in the app", self.kind()),
            details,
        ));
        Action::Create(CreateAction {
            body: body.body,
            redacted,
            unique,
            shown,
            retries,
        })
    }

    /// The `SelectUniqueValue` decisions for a create: for each such target, the first
    /// candidate the app does not have. Until the app has been asked, a lookup of the
    /// candidates; when the app has them all, an error.
    fn unique_choices(&mut self, mapped: &MappedObject) -> Result<Vec<UniqueChoice>, Box<Action>> {
        let mut candidates = Vec::new();
        for attribute in &mapped.attributes {
            if let MappedValue::Candidates(values) = &attribute.value {
                if values.is_empty() {
                    return Err(Box::new(self.fail(format!(
                        "{}: SelectUniqueValue gave no value",
                        attribute.target
                    ))));
                }
                candidates.push(UniqueCandidates {
                    path: attribute.target.to_string(),
                    values: values.clone(),
                });
            }
        }
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let Some(taken) = &self.state.taken else {
            let wanted: Vec<String> = candidates
                .iter()
                .map(|c| format!("{} in {:?}", c.path, c.values))
                .collect();
            self.push(
                Stage::Match,
                format!(
                    "Not checked yet: which SelectUniqueValue candidates the app already has ({})",
                    wanted.join("; ")
                ),
            );
            self.push(
                Stage::Action,
                "Needs lookup: search the app for the candidates, then plan again",
            );
            return Err(Box::new(Action::NeedsLookup {
                lookup: Lookup::Unique { candidates },
            }));
        };
        let mut choices = Vec::new();
        for c in candidates {
            let in_app = taken.get(&c.path);
            let is_taken = |v: &String| in_app.is_some_and(|t| t.contains(v));
            let mut free = c.values.iter().filter(|v| !is_taken(v));
            let Some(chosen) = free.next() else {
                return Err(Box::new(self.fail(format!(
                    "{}: the app already has every SelectUniqueValue candidate ({}); add a rule \
                     that gives another value",
                    c.path,
                    c.values
                        .iter()
                        .map(|v| format!("{v:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))));
            };
            let taken_here: Vec<&String> = c.values.iter().filter(|v| is_taken(v)).collect();
            let summary = if taken_here.is_empty() {
                format!("{}: the app does not have {chosen:?}", c.path)
            } else {
                format!(
                    "{}: the app already has {}; {chosen:?} is free",
                    c.path,
                    taken_here
                        .iter()
                        .map(|v| format!("{v:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.push(Stage::Match, summary);
            choices.push(UniqueChoice {
                path: c.path.clone(),
                chosen: chosen.clone(),
                alternatives: free.cloned().collect(),
            });
        }
        Ok(choices)
    }

    fn map(&self, r: &Json, on_create: bool) -> Result<MappedObject, String> {
        map_object(
            self.input.mappings,
            self.input.kind,
            r,
            &self.input.context,
            on_create,
        )
        .map_err(|e| e.to_string())
    }

    /// The diff, with unresolved references recorded. A reference target whose references
    /// cannot be resolved is not cleared: the app keeps what it has until they can be sent.
    fn changes(&mut self, mapped: &MappedObject, current: &Json) -> Vec<AttributeChange> {
        let d = diff(mapped, current, self.input.resolve);
        let mut changes = d.changes;
        changes.retain(|c| c.new.is_some() || !d.unresolved.iter().any(|u| u.target == c.path));
        self.op
            .unresolved
            .extend(d.unresolved.into_iter().map(|u| Unresolved {
                path: u.target,
                id: u.id,
                kind: u.kind,
            }));
        changes
    }
}

/// The bodies to POST, in order, when the app answers a create with a uniqueness conflict:
/// the `k`-th uses each `SelectUniqueValue` target's `k`-th alternative (or its last one).
fn retry_bodies(
    undecided: &MappedObject,
    unique: &[UniqueChoice],
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Vec<Json> {
    let most = unique
        .iter()
        .map(|u| u.alternatives.len())
        .max()
        .unwrap_or(0);
    (0..most)
        .filter_map(|k| {
            let mut mapped = undecided.clone();
            for u in unique {
                let value = u.alternatives.get(k).or(u.alternatives.last());
                mapped.choose(&u.path, value.unwrap_or(&u.chosen));
            }
            mapped.to_scim_body(resolve).ok().map(|b| b.body)
        })
        .collect()
}

/// Which matching attribute found `found`: the first, by precedence, whose value the app's
/// account holds (compared with the attribute's case rules).
fn matched_by(
    mapped: &MappedObject,
    keys: &[MatchKey],
    found: &Json,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> String {
    for key in keys {
        let Some(attribute) = mapped.get(&key.path) else {
            continue;
        };
        let one = MappedObject {
            kind: mapped.kind,
            attributes: vec![attribute.clone()],
        };
        if diff(&one, found, resolve).changes.is_empty() {
            return key.filter();
        }
    }
    format!("the matching attributes ({})", filters_text(keys))
}
