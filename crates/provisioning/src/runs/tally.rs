//! What a run has done so far, per kind of object: counts by action and outcome, and the
//! failures with their errors and hints (the first [`MAX_FAILURES`]; the run's log has all of
//! them). Small whatever the run's size, so a run over a million users reports in constant
//! memory.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{ObjectResult, RunResult, Status};

/// Failures kept in a tally; the run's log keeps every one.
pub const MAX_FAILURES: usize = 1000;

/// Counts and failures of one kind of object in a run.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// Objects by `action.status`, e.g. `create.done`, `update.failed`, `skip.skipped`.
    pub counts: BTreeMap<String, u64>,
    pub objects: u64,
    pub done: u64,
    pub failed: u64,
    /// Disables and deletes held back by the accidental-deletion threshold.
    pub held: u64,
    /// The first failed objects, with error and hint.
    pub failures: Vec<ObjectResult>,
}

impl Tally {
    /// Count one batch's results.
    pub fn add(&mut self, results: &RunResult) {
        for o in &results.objects {
            *self
                .counts
                .entry(format!("{}.{}", o.action, o.status.as_str()))
                .or_default() += 1;
            self.objects += 1;
            match o.status {
                Status::Done => self.done += 1,
                Status::Skipped => {}
                Status::Held => self.held += 1,
                Status::Failed { .. } => {
                    self.failed += 1;
                    if self.failures.len() < MAX_FAILURES {
                        self.failures.push(o.clone());
                    }
                }
            }
        }
    }

    /// Objects that needed nothing, or were skipped.
    pub fn unchanged(&self) -> u64 {
        self.objects - self.done - self.failed - self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(action: &str, status: Status) -> ObjectResult {
        ObjectResult {
            source_id: format!("{action}-{}", status.as_str()),
            name: None,
            action: action.into(),
            status,
            target_id: None,
        }
    }

    #[test]
    fn counts_batches_by_action_and_outcome() {
        let mut t = Tally::default();
        let failed = Status::Failed {
            error: "e".into(),
            hint: "h".into(),
        };
        t.add(&RunResult {
            objects: vec![
                result("create", Status::Done),
                result("create", failed.clone()),
            ],
        });
        t.add(&RunResult {
            objects: vec![
                result("create", Status::Done),
                result("skip", Status::Skipped),
            ],
        });
        assert_eq!(t.objects, 4);
        assert_eq!((t.done, t.failed, t.unchanged()), (2, 1, 1));
        assert_eq!(t.counts["create.done"], 2);
        assert_eq!(t.counts["create.failed"], 1);
        assert_eq!(t.counts["skip.skipped"], 1);
        assert_eq!(t.failures.len(), 1);
        assert_eq!(t.failures[0].status, failed);
    }
}
