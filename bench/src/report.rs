//! The results as a table for people and as JSON for tools, and the project's performance
//! targets checked against them.
//!
//! Ratios divide by the no-work scenario (a) of the same run: the machine is shared and noisy, so
//! only figures from one run are compared with each other.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::facts::Facts;
use crate::server::Memory;
use crate::stats::{ratio, Summary};

pub const MB: f64 = 1_000_000.0;

/// One line of the table: a scenario, or one request kind of a scenario that mixes several.
pub struct Row {
    pub key: char,
    pub label: String,
    pub step: &'static str,
    pub connections: usize,
    pub summary: Summary,
    /// What one item is when a request carries several (Bulk: users).
    pub items: Option<&'static str>,
    pub error_samples: Vec<String>,
}

pub struct SeedFacts {
    pub users: usize,
    pub users_secs: f64,
    pub groups_secs: f64,
    pub small_group: usize,
    pub big_group: usize,
}

pub struct Report {
    pub facts: Facts,
    pub settings: Value,
    pub seed: Option<SeedFacts>,
    pub rows: Vec<Row>,
    pub memory_after_seed: Option<Memory>,
    pub memory_end: Option<Memory>,
}

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
    fn row(&self, key: char, step: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.key == key && r.step == step)
    }

    fn ceiling(&self) -> Option<f64> {
        self.row('a', "request").map(|r| r.summary.requests_per_sec)
    }

    pub fn ratio_of(&self, row: &Row) -> Option<f64> {
        ratio(row.summary.requests_per_sec, self.ceiling())
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<44} {:>5} {:>9} {:>10} {:>9} {:>9} {:>7} {:>6}",
            "scenario", "conns", "requests", "req/s", "p50 ms", "p99 ms", "errors", "ratio"
        );
        for row in &self.rows {
            let ratio = self
                .ratio_of(row)
                .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"));
            let flag = if row.summary.errors > 0 {
                "  FLAGGED: errors"
            } else if row.summary.requests == 0 {
                "  FLAGGED: nothing completed in the window (raise --duration)"
            } else {
                ""
            };
            let s = &row.summary;
            let _ = writeln!(
                out,
                "{:<44} {:>5} {:>9} {:>10.1} {:>9.3} {:>9.3} {:>7} {:>6}{flag}",
                format!("{}  {}", row.key, row.label),
                row.connections,
                s.requests,
                s.requests_per_sec,
                s.p50_ms,
                s.p99_ms,
                s.errors,
                ratio
            );
        }
        for row in self.rows.iter().filter(|r| r.items.is_some()) {
            let _ = writeln!(
                out,
                "   {}: {:.0} {}/s created ({:.1} requests/s)",
                row.key,
                row.summary.items_per_sec,
                row.items.unwrap_or("items"),
                row.summary.requests_per_sec
            );
        }
        for row in self.rows.iter().filter(|r| !r.error_samples.is_empty()) {
            for sample in &row.error_samples {
                let _ = writeln!(out, "   {} error: {sample}", row.key);
            }
        }
        out
    }

    pub fn memory_lines(&self) -> String {
        let mb = |b: u64| b as f64 / MB;
        let mut out = String::new();
        if let Some(m) = self.memory_after_seed {
            let _ = writeln!(
                out,
                "server RSS after seeding: {:.1} MB (peak so far {:.1} MB)",
                mb(m.rss),
                mb(m.peak)
            );
        }
        match self.memory_end {
            Some(m) => {
                let _ = writeln!(
                    out,
                    "server peak RSS (VmHWM at the end): {:.1} MB",
                    mb(m.peak)
                );
            }
            None => out.push_str("server peak RSS: unavailable (/proc not readable)\n"),
        }
        out
    }

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
        let mut out = String::from("targets:\n");
        for check in self.targets() {
            let mark = match check.verdict {
                Verdict::Met => "met    ",
                Verdict::Missed => "MISSED ",
                Verdict::NotMeasured => "n/a    ",
            };
            let _ = writeln!(out, "  {mark} {} ({})", check.target, check.detail);
        }
        out
    }

    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let s = &r.summary;
                json!({
                    "key": r.key.to_string(),
                    "scenario": r.label,
                    "step": r.step,
                    "connections": r.connections,
                    "requests": s.requests,
                    "errors": s.errors,
                    "flagged": s.errors > 0 || s.requests == 0,
                    "requests_per_sec": s.requests_per_sec,
                    "items": r.items,
                    "items_per_sec": r.items.map(|_| s.items_per_sec),
                    "p50_ms": s.p50_ms,
                    "p90_ms": s.p90_ms,
                    "p99_ms": s.p99_ms,
                    "max_ms": s.max_ms,
                    "mean_ms": s.mean_ms,
                    "ratio_to_ceiling": self.ratio_of(r),
                    "error_samples": r.error_samples,
                })
            })
            .collect();
        let memory =
            |m: Option<Memory>| m.map(|m| json!({"rss_bytes": m.rss, "peak_bytes": m.peak}));
        let targets: Vec<Value> = self
            .targets()
            .into_iter()
            .map(|c| json!({"target": c.target, "verdict": format!("{:?}", c.verdict), "detail": c.detail}))
            .collect();
        json!({
            "facts": self.facts.to_json(),
            "settings": self.settings,
            "seed": self.seed.as_ref().map(|s| json!({
                "users": s.users,
                "users_seconds": s.users_secs,
                "groups_seconds": s.groups_secs,
                "small_group_members": s.small_group,
                "big_group_members": s.big_group,
            })),
            "results": rows,
            "server_memory_after_seed": memory(self.memory_after_seed),
            "server_memory_end": memory(self.memory_end),
            "targets": targets,
        })
    }
}

fn verdict(target: &'static str, met: bool, detail: String) -> TargetCheck {
    let verdict = if met { Verdict::Met } else { Verdict::Missed };
    TargetCheck {
        target,
        verdict,
        detail,
    }
}

fn not_measured(target: &'static str, why: &str) -> TargetCheck {
    TargetCheck {
        target,
        verdict: Verdict::NotMeasured,
        detail: why.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(rps: f64, p50: f64, errors: u64) -> Summary {
        Summary {
            requests: (rps * 10.0) as u64,
            errors,
            requests_per_sec: rps,
            items_per_sec: rps,
            p50_ms: p50,
            p90_ms: p50,
            p99_ms: p50 * 2.0,
            max_ms: p50 * 3.0,
            mean_ms: p50,
        }
    }

    fn row(key: char, step: &'static str, rps: f64, p50: f64, errors: u64) -> Row {
        Row {
            key,
            label: format!("{key} {step}"),
            step,
            connections: 32,
            summary: summary(rps, p50, errors),
            items: None,
            error_samples: Vec::new(),
        }
    }

    fn report(rows: Vec<Row>, users: usize, peak: u64) -> Report {
        Report {
            facts: Facts::collect(std::path::Path::new(".")),
            settings: json!({}),
            seed: Some(SeedFacts {
                users,
                users_secs: 1.0,
                groups_secs: 1.0,
                small_group: 10,
                big_group: users,
            }),
            rows,
            memory_after_seed: Some(Memory { rss: peak, peak }),
            memory_end: None,
        }
    }

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
        assert!(r.table().contains("FLAGGED: errors"));
        assert_eq!(r.table().lines().count(), 5);
    }

    #[test]
    fn a_scenario_with_no_completed_request_is_flagged() {
        let r = report(vec![row('j', "request", 0.0, 0.0, 0)], 1_000, 1);
        assert!(r.table().contains("FLAGGED: nothing completed"));
        assert_eq!(r.to_json()["results"][0]["flagged"], json!(true));
    }

    #[test]
    fn json_carries_ratios_and_targets() {
        let r = report(
            vec![
                row('a', "request", 100.0, 1.0, 0),
                row('b', "request", 50.0, 1.0, 0),
            ],
            100_000,
            250_000_000,
        );
        let v = r.to_json();
        assert_eq!(v["results"][1]["ratio_to_ceiling"], json!(0.5));
        assert_eq!(v["targets"][4]["verdict"], "Missed");
    }
}
