//! The text form of a plan, read like a `terraform plan`: one block per object with a sign
//! (`+ create`, `~ update`, `& link`, `^ enable`, `- disable`, `x delete`, `= skip`,
//! `! error`, `? needs lookup`), the steps that explain it, and a summary line.
//!
//! Built from the steps, so it says exactly what the logs and the JSON say; redacted values
//! never reach it (the steps never hold them).

use std::fmt;

use super::operation::{Action, Operation, Plan, Summary};
use super::steps::noun;

impl Action {
    /// The sign and the word of the text plan.
    pub fn label(&self) -> (&'static str, &'static str) {
        match self {
            Action::Create(_) => ("+", "create"),
            Action::Update { .. } => ("~", "update"),
            Action::Link { .. } => ("&", "link"),
            Action::Enable { .. } => ("^", "enable"),
            Action::Disable { .. } => ("-", "disable"),
            Action::Delete { .. } => ("x", "delete"),
            Action::Skip { reason } if reason.is_error() => ("!", "error"),
            Action::Skip { .. } => ("=", "skip"),
            Action::NeedsLookup { .. } => ("?", "needs lookup"),
        }
    }

    /// The app's id of the object the action touches, when it has one yet.
    pub fn target_id(&self) -> Option<&str> {
        match self {
            Action::Update { target_id, .. }
            | Action::Link { target_id, .. }
            | Action::Enable { target_id, .. }
            | Action::Disable { target_id }
            | Action::Delete { target_id } => Some(target_id),
            Action::Create(_) | Action::Skip { .. } | Action::NeedsLookup { .. } => None,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sign, word) = self.action.label();
        let name = match &self.name {
            Some(name) => format!("{name:?}"),
            None => "(deleted)".to_string(),
        };
        write!(
            f,
            "{sign} {word} {} {name} ({})",
            noun(self.kind),
            self.source_id
        )?;
        if let Some(id) = self.action.target_id() {
            write!(f, " → app {id}")?;
        }
        writeln!(f)?;
        for step in &self.steps {
            writeln!(
                f,
                "    {:<7} {}",
                format!("{:?}:", step.stage).to_lowercase(),
                step.summary
            )?;
            for line in &step.details {
                writeln!(f, "              {line}")?;
            }
        }
        if let Action::Create(create) = &self.action {
            let body = serde_json::to_string_pretty(create.shown_body()).unwrap_or_default();
            writeln!(f, "    body:")?;
            for line in body.lines() {
                writeln!(f, "      {line}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            (self.create, "to create"),
            (self.update, "to update"),
            (self.link, "to link"),
            (self.enable, "to enable"),
            (self.disable, "to disable"),
            (self.delete, "to delete"),
            (self.skip, "skipped"),
            (self.error, "in error"),
            (self.needs_lookup, "awaiting lookup"),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if text.is_empty() {
            f.write_str("nothing to do")
        } else {
            f.write_str(&text.join(", "))
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let run = serde_json::to_value(self.run)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        writeln!(
            f,
            "Plan: {} {}s, {run} run",
            self.operations.len(),
            noun(self.kind)
        )?;
        writeln!(f)?;
        for op in &self.operations {
            writeln!(f, "{op}")?;
        }
        writeln!(f, "Summary: {}", self.summary())
    }
}
