//! The results as a table for people and as JSON for tools (the targets are in `targets.rs`).
//!
//! Ratios divide by the no-work scenario (a) of the same run: the machine is shared and noisy, so
//! only figures from one run are compared with each other.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::facts::Facts;
use crate::load::LoadResult;
use crate::server::Memory;
use crate::stats::{ratio, summarize, Summary};

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
    pub resources: Resources,
}

/// What the scenario cost the machine, over its measured window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Resources {
    /// Server CPU seconds per second: 1.0 is one core busy.
    pub server_cores: Option<f64>,
    /// The same for this harness, the load generator.
    pub client_cores: Option<f64>,
    /// Server CPU per completed request (all of the scenario's request kinds), in microseconds:
    /// less sensitive to a noisy neighbour than req/s.
    pub server_cpu_us_per_request: Option<f64>,
    /// The server's resident memory after the scenario.
    pub server_rss: Option<u64>,
}

/// The table rows of one scenario's load: one per request kind.
pub fn rows_from(
    key: char,
    label: &str,
    items: Option<&'static str>,
    result: &LoadResult,
    server_rss: Option<u64>,
) -> Vec<Row> {
    let seconds = result.window.as_secs_f64();
    let per_second = |cpu: Option<f64>| cpu.filter(|_| seconds > 0.0).map(|c| c / seconds);
    let requests: u64 = result.steps.iter().map(|s| s.histogram.len()).sum();
    let resources = Resources {
        server_cores: per_second(result.cpu.server),
        client_cores: per_second(result.cpu.client),
        server_cpu_us_per_request: result
            .cpu
            .server
            .filter(|_| requests > 0)
            .map(|c| c * 1e6 / requests as f64),
        server_rss,
    };
    let multi = result.steps.len() > 1;
    result
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| Row {
            key,
            label: if multi {
                format!("{label}: {}", step.name)
            } else {
                label.to_owned()
            },
            step: step.name,
            connections: result.connections,
            summary: summarize(&step.histogram, step.errors, step.items, result.window),
            items,
            error_samples: if i == 0 {
                result.error_samples.clone()
            } else {
                Vec::new()
            },
            resources,
        })
        .collect()
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

impl Report {
    pub(crate) fn row(&self, key: char, step: &str) -> Option<&Row> {
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
            "{:<36} {:>5} {:>8} {:>9} {:>8} {:>8} {:>6} {:>6} {:>8} {:>9} {:>10} {:>7}",
            "scenario",
            "conns",
            "requests",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "ratio",
            "srv cpu",
            "bench cpu",
            "srv us/req",
            "RSS MB"
        );
        let opt = |v: Option<f64>, digits: usize| {
            v.map_or_else(|| "-".to_owned(), |v| format!("{v:.digits$}"))
        };
        for row in &self.rows {
            let (s, r) = (&row.summary, &row.resources);
            let _ = writeln!(
                out,
                "{:<36} {:>5} {:>8} {:>9.1} {:>8.2} {:>8.2} {:>6} {:>6} {:>8} {:>9} {:>10} {:>7}{}",
                format!("{}  {}", row.key, row.label),
                row.connections,
                s.requests,
                s.requests_per_sec,
                s.p50_ms,
                s.p99_ms,
                s.errors,
                opt(self.ratio_of(row), 3),
                opt(r.server_cores, 2),
                opt(r.client_cores, 2),
                opt(r.server_cpu_us_per_request, 0),
                opt(r.server_rss.map(|b| b as f64 / MB), 0),
                if flag(row).is_some() { "  !" } else { "" }
            );
        }
        for row in &self.rows {
            if let Some(why) = flag(row) {
                let _ = writeln!(out, "   {} FLAGGED ({}): {why}", row.key, row.step);
            }
            for sample in &row.error_samples {
                let _ = writeln!(out, "   {} error: {sample}", row.key);
            }
        }
        for row in self.rows.iter().filter(|r| r.items.is_some()) {
            let _ = writeln!(
                out,
                "   {}: {:.0} {}/s created ({:.2} requests/s)",
                row.key,
                row.summary.items_per_sec,
                row.items.unwrap_or("items"),
                row.summary.requests_per_sec
            );
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
                    "flagged": flag(r).is_some(),
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
                    "server_cores": r.resources.server_cores,
                    "client_cores": r.resources.client_cores,
                    "server_cpu_us_per_request": r.resources.server_cpu_us_per_request,
                    "server_rss_bytes_after": r.resources.server_rss,
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

/// Why a row's figures should not be trusted as they are, if they should not.
fn flag(row: &Row) -> Option<String> {
    if row.summary.errors > 0 {
        Some(format!("{} errors", row.summary.errors))
    } else if row.summary.requests == 0 {
        Some("nothing completed in the window (raise --duration)".into())
    } else {
        None
    }
}

#[cfg(test)]
pub mod fixtures {
    //! Rows and reports built by hand, for the report's and the targets' tests.
    use super::*;

    pub fn summary(rps: f64, p50: f64, errors: u64) -> Summary {
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

    pub fn row(key: char, step: &'static str, rps: f64, p50: f64, errors: u64) -> Row {
        Row {
            key,
            label: format!("{key} {step}"),
            step,
            connections: 32,
            summary: summary(rps, p50, errors),
            items: None,
            error_samples: Vec::new(),
            resources: Resources::default(),
        }
    }

    pub fn report(rows: Vec<Row>, users: usize, peak: u64) -> Report {
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
}

#[cfg(test)]
mod tests {
    use super::fixtures::{report, row};
    use super::*;

    #[test]
    fn a_scenario_with_no_completed_request_is_flagged() {
        let r = report(vec![row('j', "request", 0.0, 0.0, 0)], 1_000, 1);
        assert!(r.table().contains("FLAGGED (request): nothing completed"));
        assert_eq!(r.to_json()["results"][0]["flagged"], json!(true));
    }

    #[test]
    fn rows_carry_cpu_per_request_over_all_request_kinds() {
        use crate::load::{CpuUse, StepStats};
        let mut add = StepStats::new("add member").unwrap();
        let mut remove = StepStats::new("remove member").unwrap();
        for _ in 0..300 {
            add.histogram.record(1_000).unwrap();
            remove.histogram.record(2_000).unwrap();
        }
        let result = LoadResult {
            steps: vec![add, remove],
            window: std::time::Duration::from_secs(2),
            connections: 8,
            error_samples: vec!["boom".into()],
            cpu: CpuUse {
                server: Some(1.2),
                client: Some(0.5),
            },
        };
        let rows = rows_from('h', "group of 10", None, &result, Some(50_000_000));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].label, "group of 10: remove member");
        assert_eq!(rows[0].summary.requests_per_sec, 150.0);
        let r = rows[1].resources;
        assert_eq!(r.server_cores, Some(0.6));
        assert_eq!(r.client_cores, Some(0.25));
        assert_eq!(r.server_cpu_us_per_request, Some(2000.0));
        assert_eq!(rows[0].error_samples.len() + rows[1].error_samples.len(), 1);
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
