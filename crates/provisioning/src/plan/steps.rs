//! The words of a plan: how steps, values and modified properties are written for operators.
//!
//! One place, so the text plan, the JSON plan and the provisioning logs say the same thing.
//! Nothing here may print a redacted value.

use std::collections::BTreeSet;

use scimitar_scim::schema::ResourceKind;
use serde_json::Value as Json;

use super::operation::{MatchKey, Stage, Step};
use crate::mapping::AttributeChange;

/// `user` or `group`, as in sentences.
pub(super) fn noun(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::User => "user",
        ResourceKind::Group => "group",
    }
}

pub(super) fn step(stage: Stage, summary: impl Into<String>) -> Step {
    Step {
        stage,
        summary: summary.into(),
        details: Vec::new(),
    }
}

pub(super) fn step_with(stage: Stage, summary: impl Into<String>, details: Vec<String>) -> Step {
    Step {
        stage,
        summary: summary.into(),
        details,
    }
}

/// A value as an operator reads it: text in quotes, `(none)` for no value.
pub(super) fn value_text(value: Option<&Json>, redacted: bool) -> String {
    match value {
        None | Some(Json::Null) => "(none)".to_string(),
        Some(_) if redacted => "[redacted]".to_string(),
        Some(v) => v.to_string(),
    }
}

/// `path: old → new` for one modified property; members as the ids added and removed.
pub(super) fn change_line(change: &AttributeChange) -> String {
    if let Some(delta) = member_delta(change) {
        return format!("{}: {delta}", change.path);
    }
    let new = match &change.new {
        None => "(cleared)".to_string(),
        Some(v) => value_text(Some(v), change.redacted),
    };
    format!(
        "{}: {} → {new}",
        change.path,
        value_text(change.old.as_ref(), change.redacted)
    )
}

/// For a multi-valued reference (`members`): `+id +id −id`, sorted; `None` for anything else.
fn member_delta(change: &AttributeChange) -> Option<String> {
    if change.redacted {
        return None;
    }
    let ids = |v: Option<&Json>| -> Option<BTreeSet<String>> {
        match v {
            None | Some(Json::Null) => Some(BTreeSet::new()),
            Some(Json::Array(items)) => items
                .iter()
                .map(|e| e.get("value").and_then(Json::as_str).map(str::to_string))
                .collect(),
            Some(_) => None,
        }
    };
    if !matches!(change.old, Some(Json::Array(_))) && !matches!(change.new, Some(Json::Array(_))) {
        return None;
    }
    let old = ids(change.old.as_ref())?;
    let new = ids(change.new.as_ref())?;
    let mut parts: Vec<String> = new.difference(&old).map(|id| format!("+{id}")).collect();
    parts.extend(old.difference(&new).map(|id| format!("−{id}")));
    Some(parts.join(" "))
}

/// The modified properties of a change list, one line each.
pub(super) fn change_lines(changes: &[AttributeChange]) -> Vec<String> {
    changes.iter().map(change_line).collect()
}

/// `userName eq "x"`, or several joined by `, then `.
pub(super) fn filters_text(keys: &[MatchKey]) -> String {
    keys.iter()
        .map(MatchKey::filter)
        .collect::<Vec<_>>()
        .join(", then ")
}

/// "1 attribute", "3 attributes".
pub(super) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
