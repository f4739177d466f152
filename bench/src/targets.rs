//! The project's performance targets (bench/README.md), checked against one run's report: each is
//! met, missed, or not measured when the run lacks the scenarios it needs.

use std::fmt::Write as _;

use crate::report::{Report, MB};
use crate::stats::ratio;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    NotMeasured,
}

pub struct TargetCheck {
    pub target: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

impl Report {
    pub fn targets(&self) -> Vec<TargetCheck> {
        let mut checks = vec![
            self.ratio_target("GET /Users/{id} >= 50% of the ceiling", 'b', 0.5),
            self.ratio_target("filter userName eq >= 40% of the ceiling", 'c', 0.4),
        ];
        checks.push(match self.row('f', "request") {
            Some(r) => verdict(
                "POST /Users >= 2,000/s",
                r.summary.requests_per_sec >= 2000.0 && r.summary.errors == 0,
                format!(
                    "{:.0}/s, {} errors",
                    r.summary.requests_per_sec, r.summary.errors
                ),
            ),
            None => not_measured("POST /Users >= 2,000/s", "scenario f not run"),
        });
        checks.push(self.membership_target());
        checks.push(self.memory_target());
        checks
    }

    fn ratio_target(&self, target: &'static str, key: char, at_least: f64) -> TargetCheck {
        match self.row(key, "request") {
            Some(r) => match self.ratio_of(r) {
                Some(x) => verdict(
                    target,
                    x >= at_least && r.summary.errors == 0,
                    format!("ratio {x:.3}, {} errors", r.summary.errors),
                ),
                None => not_measured(target, "no ceiling: scenario a not run"),
            },
            None => not_measured(target, &format!("scenario {key} not run")),
        }
    }

    fn membership_target(&self) -> TargetCheck {
        const TARGET: &str = "add member, 100k group within 1.5x of the 10 group (p50, req/s)";
        let (Some(small), Some(big)) = (self.row('h', "add member"), self.row('i', "add member"))
        else {
            return not_measured(TARGET, "scenarios h and i must both run");
        };
        let (s, b) = (&small.summary, &big.summary);
        let p50 = ratio(b.p50_ms, Some(s.p50_ms)).unwrap_or(f64::INFINITY);
        let rate = ratio(s.requests_per_sec, Some(b.requests_per_sec)).unwrap_or(f64::INFINITY);
        verdict(
            TARGET,
            p50 <= 1.5 && rate <= 1.5 && s.errors == 0 && b.errors == 0,
            format!("p50 {p50:.2}x, req/s {rate:.2}x slower"),
        )
    }

    fn memory_target(&self) -> TargetCheck {
        const TARGET: &str = "server RSS < 200 MB at 100k users";
        let users = self.seed.as_ref().map_or(0, |s| s.users);
        match self.memory_after_seed {
            Some(m) if users >= 100_000 => verdict(
                TARGET,
                (m.peak as f64) < 200.0 * MB,
                format!(
                    "peak {:.1} MB while seeding {users} users",
                    m.peak as f64 / MB
                ),
            ),
            Some(_) => not_measured(TARGET, &format!("only {users} users seeded")),
            None => not_measured(TARGET, "no seeding or no /proc"),
        }
    }

    pub fn targets_text(&self) -> String {
        targets_text(&self.targets())
    }
}

/// The `targets:` block: one line per target, `met`, `MISSED` or `n/a`.
pub fn targets_text(checks: &[TargetCheck]) -> String {
    let mut out = String::from("targets:\n");
    for check in checks {
        let _ = writeln!(
            out,
            "  {} {} ({})",
            check.verdict.mark(),
            check.target,
            check.detail
        );
    }
    out
}

impl Verdict {
    fn mark(&self) -> &'static str {
        match self {
            Verdict::Met => "met    ",
            Verdict::Missed => "MISSED ",
            Verdict::NotMeasured => "n/a    ",
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::NotMeasured => "not measured",
        }
    }
}

pub fn verdict(target: &'static str, met: bool, detail: String) -> TargetCheck {
    let verdict = if met { Verdict::Met } else { Verdict::Missed };
    TargetCheck {
        target,
        verdict,
        detail,
    }
}

pub fn not_measured(target: &'static str, why: &str) -> TargetCheck {
    TargetCheck {
        target,
        verdict: Verdict::NotMeasured,
        detail: why.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{report, row};

    fn verdicts(r: &Report) -> Vec<Verdict> {
        r.targets().into_iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn checks_every_target() {
        let r = report(
            vec![
                row('a', "request", 10_000.0, 1.0, 0),
                row('b', "request", 6_000.0, 1.0, 0),
                row('c', "request", 3_000.0, 1.0, 0),
                row('f', "request", 2_500.0, 1.0, 0),
                row('h', "add member", 1_000.0, 2.0, 0),
                row('i', "add member", 800.0, 2.5, 0),
            ],
            100_000,
            150_000_000,
        );
        use Verdict::*;
        assert_eq!(verdicts(&r), vec![Met, Missed, Met, Met, Met]);
        assert_eq!(r.ratio_of(&r.rows[1]), Some(0.6));
    }

    #[test]
    fn errors_or_slow_big_groups_miss_and_absent_scenarios_are_not_measured() {
        let r = report(
            vec![
                row('b', "request", 6_000.0, 1.0, 0),
                row('f', "request", 2_500.0, 1.0, 1),
                row('h', "add member", 1_000.0, 2.0, 0),
                row('i', "add member", 1_000.0, 3.1, 0),
            ],
            1_000,
            150_000_000,
        );
        use Verdict::*;
        assert_eq!(
            verdicts(&r),
            vec![NotMeasured, NotMeasured, Missed, Missed, NotMeasured]
        );
        assert!(r.table().contains("f FLAGGED (request): 1 errors"));
        assert_eq!(r.table().lines().count(), 6);
    }
}
