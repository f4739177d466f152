//! The figures of the three provisioning benchmarks, as text for people, as JSON for tools, and
//! against the acceptance targets (initial run < 2 minutes at 100,000 users and 1,000 groups;
//! propagation p99 < 2 s). Pure: everything here is computed from measurements already taken.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Value};

use crate::nowork::{Kind, Received, Route};
use crate::stats::Summary;
use crate::sync_run::{cpu_text, per_object_us, Seeding, SyncRun};
use crate::targets::{not_measured, verdict, TargetCheck};
use crate::verify::{Expected, Verified};

pub struct InitialReport {
    pub seeding: Seeding,
    pub sync: SyncRun,
    /// CPU seconds of B's server over the sync's window.
    pub target_cpu: Option<f64>,
    pub expected: Expected,
    pub verified: Verified,
}

const INITIAL_TARGET: &str = "initial run of 100,000 users and 1,000 groups of 50 < 2 minutes";
const PROPAGATION_TARGET: &str = "propagation p99 < 2 s, regardless of directory size";

impl InitialReport {
    pub fn ok(&self) -> bool {
        self.sync.ok && self.verified.ok()
    }

    pub fn text(&self) -> String {
        let s = &self.seeding;
        let mut out = format!(
            "initial run, A -> B: {} users and {} groups of {} members ({} memberships)\n",
            s.users,
            s.groups,
            s.members,
            s.groups * s.members
        );
        out.push_str(&s.line());
        out.push_str(&self.sync.lines());
        let _ = writeln!(
            out,
            "  B CPU:         {} (B's server, same window)",
            cpu_text(self.target_cpu, self.sync.objects, "object")
        );
        let _ = writeln!(
            out,
            "  verified in B: {}",
            self.verified.summary(self.expected)
        );
        out
    }

    pub fn targets(&self) -> Vec<TargetCheck> {
        let s = &self.seeding;
        let secs = self.sync.wall.as_secs_f64();
        if s.users < 100_000 || s.groups < 1000 || s.members < 50 {
            return vec![not_measured(
                INITIAL_TARGET,
                &format!(
                    "{secs:.1} s for {} users and {} groups of {}",
                    s.users, s.groups, s.members
                ),
            )];
        }
        let correct = self.ok();
        vec![verdict(
            INITIAL_TARGET,
            secs < 120.0 && correct,
            format!(
                "{secs:.1} s{}",
                if correct { "" } else { ", but the run failed" }
            ),
        )]
    }

    pub fn to_json(&self) -> Value {
        json!({
            "seeding": self.seeding.to_json(),
            "sync": self.sync.to_json(),
            "target_cpu_seconds": self.target_cpu,
            "target_cpu_us_per_object": per_object_us(self.target_cpu, self.sync.objects),
            "verified": {"ok": self.verified.ok(), "users": self.verified.users,
                         "groups": self.verified.groups, "memberships": self.verified.memberships,
                         "problems": self.verified.problems},
        })
    }
}

pub struct CpuReport {
    pub seeding: Seeding,
    pub sync: SyncRun,
    /// CPU seconds of this harness (the no-work target) over the sync's window.
    pub harness_cpu: Option<f64>,
    pub received: Received,
}

impl CpuReport {
    /// The no-work target must have received one create per object and every member.
    pub fn check(&self) -> Result<(), String> {
        let s = &self.seeding;
        let users = self.received.get(Route::Create(Kind::User));
        let groups = self.received.get(Route::Create(Kind::Group));
        let members = (s.groups * s.members) as u64;
        if users == s.users as u64
            && groups == s.groups as u64
            && self.received.members_added == members
        {
            Ok(())
        } else {
            Err(format!(
                "the target received {users} POST /Users ({} expected), {groups} POST /Groups ({} expected), {} members added ({members} expected)",
                s.users, s.groups, self.received.members_added
            ))
        }
    }

    pub fn ok(&self) -> bool {
        self.sync.ok && self.check().is_ok()
    }

    pub fn text(&self) -> String {
        let s = &self.seeding;
        let requests = self.received.total();
        let mut out = format!(
            "engine CPU against a no-work target: {} users and {} groups of {} members\n",
            s.users, s.groups, s.members
        );
        out.push_str(&s.line());
        out.push_str(&self.sync.lines());
        let _ = writeln!(
            out,
            "  per request:   {} ({requests} requests)",
            cpu_text(self.sync.engine_cpu, requests, "request")
        );
        let _ = writeln!(
            out,
            "  target CPU:    {} (the no-work target, inside this harness)",
            cpu_text(self.harness_cpu, self.sync.objects, "object")
        );
        let routes: Vec<String> = self
            .received
            .by_route
            .iter()
            .map(|(route, n)| format!("{route} {n}"))
            .collect();
        let _ = writeln!(out, "  requests:      {}", routes.join(", "));
        let _ = writeln!(
            out,
            "  check:         {}",
            match self.check() {
                Ok(()) => format!(
                    "OK: one create per object, {} members added",
                    self.received.members_added
                ),
                Err(why) => format!("FAILED: {why}"),
            }
        );
        out
    }

    pub fn to_json(&self) -> Value {
        let requests = self.received.total();
        json!({
            "seeding": self.seeding.to_json(),
            "sync": self.sync.to_json(),
            "requests": requests,
            "engine_cpu_us_per_request": per_object_us(self.sync.engine_cpu, requests),
            "harness_cpu_seconds": self.harness_cpu,
            "requests_by_route": self.received.by_route,
            "members_added": self.received.members_added,
            "check": self.check().err(),
        })
    }
}

pub struct PropagationReport {
    pub seeding: Seeding,
    /// The initial run that set B up.
    pub setup: SyncRun,
    /// The first change (not counted): it waits for the scheduler's first pass.
    pub probe: Duration,
    pub samples: usize,
    /// Latencies in milliseconds, as the stats module summarises them.
    pub latency: Summary,
    pub failures: Vec<String>,
    pub timeout: Duration,
    pub window: Duration,
    /// CPU seconds of A's and B's servers over the sampling.
    pub a_cpu: Option<f64>,
    pub b_cpu: Option<f64>,
}

impl PropagationReport {
    pub fn text(&self) -> String {
        let s = &self.seeding;
        let l = &self.latency;
        let mut out = format!(
            "propagation, A -> B under `scimitar app start`: {} users and {} groups in A\n",
            s.users, s.groups
        );
        out.push_str(&s.line());
        out.push_str(
            &self
                .setup
                .lines()
                .replace("  app sync:      ", "  setup sync:    "),
        );
        let _ = writeln!(
            out,
            "  first change:  visible in B after {:.3} s (not counted)",
            self.probe.as_secs_f64()
        );
        let _ = writeln!(
            out,
            "  changes:       {} made, {} visible, {} not visible within {} s, over {:.1} s",
            self.samples,
            l.requests,
            self.failures.len(),
            self.timeout.as_secs_f64(),
            self.window.as_secs_f64()
        );
        let _ = writeln!(
            out,
            "  latency:       p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms, mean {:.0} ms",
            l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.mean_ms
        );
        let n = self.samples as u64;
        let _ = writeln!(
            out,
            "  CPU meanwhile: A {}; B {}",
            cpu_text(self.a_cpu, n, "change"),
            cpu_text(self.b_cpu, n, "change")
        );
        for failure in self.failures.iter().take(5) {
            let _ = writeln!(out, "  NOT VISIBLE:   {failure}");
        }
        out
    }

    pub fn targets(&self) -> Vec<TargetCheck> {
        let l = &self.latency;
        let detail = format!(
            "p99 {:.0} ms over {} changes, {} not visible, at {} users (acceptance: 1,000,000)",
            l.p99_ms,
            self.samples,
            self.failures.len(),
            self.seeding.users
        );
        if l.requests == 0 {
            return vec![not_measured(PROPAGATION_TARGET, &detail)];
        }
        vec![verdict(
            PROPAGATION_TARGET,
            l.p99_ms < 2000.0 && self.failures.is_empty(),
            detail,
        )]
    }

    pub fn to_json(&self) -> Value {
        let l = &self.latency;
        json!({
            "seeding": self.seeding.to_json(),
            "setup_sync": self.setup.to_json(),
            "probe_seconds": self.probe.as_secs_f64(),
            "changes": self.samples,
            "visible": l.requests,
            "not_visible": self.failures,
            "timeout_seconds": self.timeout.as_secs_f64(),
            "window_seconds": self.window.as_secs_f64(),
            "latency_ms": {"p50": l.p50_ms, "p90": l.p90_ms, "p99": l.p99_ms,
                           "max": l.max_ms, "mean": l.mean_ms},
            "a_cpu_seconds": self.a_cpu,
            "b_cpu_seconds": self.b_cpu,
        })
    }
}

/// Targets as JSON, as the HTTP report writes them.
pub fn targets_json(checks: &[TargetCheck]) -> Value {
    checks
        .iter()
        .map(|c| json!({"target": c.target, "verdict": c.verdict.as_str(), "detail": c.detail}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{new_histogram, summarize};
    use crate::sync_run::SyncCounts;
    use crate::targets::Verdict;

    fn seeding(users: usize, groups: usize) -> Seeding {
        Seeding {
            users,
            groups,
            members: 50,
            users_secs: 1.0,
            groups_secs: 0.5,
        }
    }

    fn sync(objects: u64, secs: f64) -> SyncRun {
        let mut counts = SyncCounts::default();
        counts.add_line("users of 'bench': 100000 done, 0 failed, 0 unchanged or skipped");
        counts.add_line("groups of 'bench': 1000 done, 0 failed, 0 unchanged or skipped");
        SyncRun {
            objects,
            wall: Duration::from_secs_f64(secs),
            engine_cpu: Some(secs / 2.0),
            counts,
            ok: true,
            failure: None,
        }
    }

    #[test]
    fn the_initial_report_checks_its_target_only_at_the_acceptance_size() {
        let expected = Expected {
            users: 100_000,
            groups: 1000,
            members: 50,
        };
        let verified = Verified {
            users: 100_000,
            groups: 1000,
            memberships: 50_000,
            ..Verified::default()
        };
        let mut r = InitialReport {
            seeding: seeding(100_000, 1000),
            sync: sync(101_000, 100.0),
            target_cpu: Some(20.0),
            expected,
            verified,
        };
        assert_eq!(r.targets()[0].verdict, Verdict::Met);
        let text = r.text();
        assert!(
            text.contains("101000 objects in 100.00 s = 1010.0 objects/s"),
            "{text}"
        );
        assert!(
            text.contains("engine CPU:    50.00 s = 495 µs/object"),
            "{text}"
        );
        assert!(text.contains("verified in B: OK: 100000 users, 1000 groups"));
        r.sync.wall = Duration::from_secs(130);
        assert_eq!(r.targets()[0].verdict, Verdict::Missed);
        r.seeding = seeding(2000, 20);
        assert_eq!(r.targets()[0].verdict, Verdict::NotMeasured);
        assert_eq!(r.to_json()["sync"]["users"]["done"], 100_000);
    }

    #[test]
    fn the_cpu_report_checks_what_the_target_received() {
        let mut received = Received::default();
        received
            .by_route
            .insert(Route::Create(Kind::User).label(), 10);
        received
            .by_route
            .insert(Route::Create(Kind::Group).label(), 2);
        received
            .by_route
            .insert(Route::Search(Kind::User).label(), 10);
        received.members_added = 100;
        let mut r = CpuReport {
            seeding: seeding(10, 2),
            sync: sync(12, 1.2),
            harness_cpu: Some(0.1),
            received,
        };
        assert_eq!(r.check(), Ok(()));
        assert!(r
            .text()
            .contains("per request:   0.60 s = 27273 µs/request (22 requests)"));
        r.received.members_added = 99;
        assert!(r
            .check()
            .unwrap_err()
            .contains("99 members added (100 expected)"));
        assert!(!r.ok());
    }

    #[test]
    fn the_propagation_report_has_quantiles_and_a_target() {
        let mut h = new_histogram().unwrap();
        for ms in 1..=100u64 {
            h.record(ms * 10_000).unwrap(); // 10 ms .. 1 s
        }
        let mut r = PropagationReport {
            seeding: seeding(5000, 0),
            setup: sync(5000, 10.0),
            probe: Duration::from_millis(1500),
            samples: 100,
            latency: summarize(&h, 0, 0, Duration::from_secs(60)),
            failures: Vec::new(),
            timeout: Duration::from_secs(30),
            window: Duration::from_secs(60),
            a_cpu: Some(1.0),
            b_cpu: None,
        };
        let text = r.text();
        assert!(
            text.contains("p50 500 ms, p90 900 ms, p99 990 ms"),
            "{text}"
        );
        assert!(text.contains("setup sync:"), "{text}");
        assert!(
            text.contains("A 1.00 s = 10000 µs/change; B unknown"),
            "{text}"
        );
        assert_eq!(r.targets()[0].verdict, Verdict::Met);
        r.failures
            .push("user000001@bench.example: not visible".into());
        assert_eq!(r.targets()[0].verdict, Verdict::Missed);
        let p50 = r.to_json()["latency_ms"]["p50"].as_f64().unwrap();
        assert!((p50 - 500.0).abs() < 1.0, "{p50}");
        assert_eq!(targets_json(&r.targets())[0]["verdict"], "missed");
    }
}
