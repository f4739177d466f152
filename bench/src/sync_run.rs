//! What one measured `scimitar app sync --initial` and the seeding before it amount to: the
//! wall and CPU time, the sync's own summary lines (`users of 'bench': N done, M failed, K
//! unchanged or skipped`, read from its output a line at a time: a run over a million users prints
//! hundreds of megabytes of plan), and on failure its first FAILED lines. Shared by the three
//! provisioning reports.

use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::command::{self, Timed};

/// What the source was seeded with, and how long that took (setup, not measured work).
#[derive(Clone, Debug, PartialEq)]
pub struct Seeding {
    pub users: usize,
    pub groups: usize,
    pub members: usize,
    pub users_secs: f64,
    pub groups_secs: f64,
}

impl Seeding {
    pub fn objects(&self) -> u64 {
        (self.users + self.groups) as u64
    }

    pub fn line(&self) -> String {
        let groups = if self.groups > 0 {
            format!(", {} groups in {:.1} s", self.groups, self.groups_secs)
        } else {
            String::new()
        };
        format!(
            "  seeding A:     {} users in {:.1} s{groups}\n",
            self.users, self.users_secs
        )
    }

    pub fn to_json(&self) -> Value {
        json!({"users": self.users, "groups": self.groups, "group_members": self.members,
               "users_seconds": self.users_secs, "groups_seconds": self.groups_secs})
    }
}

/// One kind's line of `scimitar app sync`'s summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub done: u64,
    pub failed: u64,
    pub other: u64,
}

/// `users of 'bench': 2000 done, 0 failed, 0 unchanged or skipped`, and the same for groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncCounts {
    pub users: Option<Tally>,
    pub groups: Option<Tally>,
}

impl SyncCounts {
    /// Reads the summary lines from `scimitar app sync`'s output, a line at a time (a run over
    /// a million users prints hundreds of megabytes of plan).
    pub fn read(path: &Path) -> Self {
        let mut counts = Self::default();
        let Ok(file) = std::fs::File::open(path) else {
            return counts;
        };
        for line in std::io::BufReader::new(file).lines().map_while(Result::ok) {
            counts.add_line(&line);
        }
        counts
    }

    pub fn add_line(&mut self, line: &str) {
        let (slot, rest) = if let Some(rest) = line.strip_prefix("users of '") {
            (&mut self.users, rest)
        } else if let Some(rest) = line.strip_prefix("groups of '") {
            (&mut self.groups, rest)
        } else {
            return;
        };
        if let Some(tally) = parse_tally(rest) {
            *slot = Some(tally);
        }
    }

    fn text(&self) -> String {
        let one = |name: &str, t: Option<Tally>| match t {
            Some(t) => format!(
                "{name} {} done, {} failed, {} other",
                t.done, t.failed, t.other
            ),
            None => format!("{name} ? (no summary line)"),
        };
        format!(
            "{}; {}",
            one("users", self.users),
            one("groups", self.groups)
        )
    }
}

/// `bench': 2000 done, 0 failed, 0 unchanged or skipped` (after the prefix).
fn parse_tally(rest: &str) -> Option<Tally> {
    let (_, numbers) = rest.split_once("': ")?;
    let mut parts = numbers.split(", ");
    let mut number =
        |suffix: &str| -> Option<u64> { parts.next()?.strip_suffix(suffix)?.trim().parse().ok() };
    Some(Tally {
        done: number(" done")?,
        failed: number(" failed")?,
        other: number(" unchanged or skipped")?,
    })
}

/// One measured `scimitar app sync --initial`.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncRun {
    pub objects: u64,
    pub wall: Duration,
    /// CPU seconds of the `scimitar app sync` process.
    pub engine_cpu: Option<f64>,
    pub counts: SyncCounts,
    /// Exit status 0.
    pub ok: bool,
    /// Why it failed: the first FAILED lines and the end of its standard error.
    pub failure: Option<String>,
}

impl SyncRun {
    pub fn objects_per_sec(&self) -> f64 {
        self.objects as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    pub fn lines(&self) -> String {
        let mut out = format!(
            "  app sync:      {} objects in {:.2} s = {:.1} objects/s ({})\n",
            self.objects,
            self.wall.as_secs_f64(),
            self.objects_per_sec(),
            self.counts.text()
        );
        let _ = writeln!(
            out,
            "  engine CPU:    {} (the `scimitar app sync` process)",
            cpu_text(self.engine_cpu, self.objects, "object")
        );
        if let Some(why) = &self.failure {
            let _ = writeln!(
                out,
                "  SYNC FAILED:   {}",
                why.replace('\n', "\n                 ")
            );
        }
        out
    }

    pub fn to_json(&self) -> Value {
        let tally = |t: Option<Tally>| {
            t.map(|t| json!({"done": t.done, "failed": t.failed, "other": t.other}))
        };
        json!({
            "objects": self.objects,
            "wall_seconds": self.wall.as_secs_f64(),
            "objects_per_second": self.objects_per_sec(),
            "engine_cpu_seconds": self.engine_cpu,
            "engine_cpu_us_per_object": per_object_us(self.engine_cpu, self.objects),
            "users": tally(self.counts.users),
            "groups": tally(self.counts.groups),
            "ok": self.ok,
            "failure": self.failure,
        })
    }
}

/// CPU microseconds per item.
pub fn per_object_us(cpu: Option<f64>, objects: u64) -> Option<f64> {
    cpu.filter(|_| objects > 0)
        .map(|c| c * 1e6 / objects as f64)
}

pub fn cpu_text(cpu: Option<f64>, items: u64, item: &str) -> String {
    match (cpu, per_object_us(cpu, items)) {
        (Some(c), Some(us)) => format!("{c:.2} s = {us:.0} µs/{item}"),
        (Some(c), None) => format!("{c:.2} s"),
        _ => "unknown (no /proc)".into(),
    }
}

impl SyncRun {
    /// The figures of a finished `scimitar app sync` over `objects` objects.
    pub fn from_timed(timed: &Timed, objects: u64) -> SyncRun {
        let ok = timed.status.success();
        let failure = (!ok).then(|| {
            let failed = first_failed_lines(&timed.stdout, 5);
            format!(
                "scimitar app sync exited with {}\n{failed}{}",
                timed.status,
                command::tail(&timed.stderr, 10)
            )
        });
        SyncRun {
            objects,
            wall: timed.wall,
            engine_cpu: timed.cpu_seconds,
            counts: SyncCounts::read(&timed.stdout),
            ok,
            failure,
        }
    }
}

/// The first `FAILED` lines of the sync's output (with their hint lines).
fn first_failed_lines(path: &Path, n: usize) -> String {
    let Ok(file) = std::fs::File::open(path) else {
        return String::new();
    };
    let mut out = String::new();
    let mut taken = 0;
    let mut after_failed = false;
    for line in std::io::BufReader::new(file).lines().map_while(Result::ok) {
        if line.starts_with("FAILED") {
            if taken == n {
                break;
            }
            taken += 1;
            after_failed = true;
        } else if !(after_failed && line.trim_start().starts_with("hint:")) {
            after_failed = false;
            continue;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sync_summary_lines() {
        let mut c = SyncCounts::default();
        c.add_line("users of 'my app': 7 done, 2 failed, 1 unchanged or skipped");
        c.add_line("+ create user \"x\"");
        c.add_line("groups of 'x': nonsense");
        assert_eq!(
            c.users,
            Some(Tally {
                done: 7,
                failed: 2,
                other: 1
            })
        );
        assert_eq!(c.groups, None);
        assert_eq!(
            c.text(),
            "users 7 done, 2 failed, 1 other; groups ? (no summary line)"
        );
    }

    #[test]
    fn reads_the_summary_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.out");
        std::fs::write(
            &path,
            "Plan: 1 users\n+ create\nusers of 'b': 1 done, 0 failed, 0 unchanged or skipped\n\ngroups of 'b': 0 done, 0 failed, 0 unchanged or skipped\n",
        )
        .unwrap();
        let c = SyncCounts::read(&path);
        assert_eq!(c.users.map(|t| t.done), Some(1));
        assert_eq!(c.groups.map(|t| t.done), Some(0));
        assert_eq!(
            SyncCounts::read(&dir.path().join("none")),
            SyncCounts::default()
        );
    }

    #[test]
    fn keeps_the_first_failures_with_their_hints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.out");
        std::fs::write(
            &path,
            "+ create user a\nFAILED create a: 409\n       hint: h1\n  body\nFAILED create b: 500\n       hint: h2\nFAILED create c: x\n",
        )
        .unwrap();
        assert_eq!(
            first_failed_lines(&path, 2),
            "FAILED create a: 409\n       hint: h1\nFAILED create b: 500\n       hint: h2\n"
        );
        assert_eq!(first_failed_lines(&dir.path().join("none"), 2), "");
    }
}
