//! The command-line options, with their defaults; bench/README.md documents the same table.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{ensure, Result};
use clap::{Parser, ValueEnum};

/// Benchmark a real scimitar server over HTTP. Run from the workspace:
/// `cargo run --release -p scimitar-bench -- --users 100000`.
#[derive(Parser, Debug)]
#[command(version)]
pub struct Args {
    /// Users to seed before the scenarios run.
    #[arg(long, default_value_t = 100_000)]
    pub users: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Unmeasured seconds of the same load before each scenario's measurement.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Keep-alive connections per scenario (except Bulk, see --bulk-connections).
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Connections for the Bulk scenario (j).
    #[arg(long, default_value_t = 4)]
    pub bulk_connections: usize,
    /// Users per Bulk request in scenario j (lowered to fit the server's Bulk limits).
    #[arg(long, default_value_t = 1000)]
    pub bulk_size: usize,
    /// Concurrent Bulk requests while seeding.
    #[arg(long, default_value_t = 4)]
    pub seed_connections: usize,
    /// Members of the big group (at most --users).
    #[arg(long, default_value_t = 100_000)]
    pub big_group: usize,
    /// Run only these scenarios, e.g. `a,b,h,i` (default: all, a to j).
    #[arg(long)]
    pub only: Option<String>,
    /// Use this server binary instead of running `cargo build --release -p scimitar`.
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Passed to `scimitar serve` and `scimitar token create` (the database must be empty).
    #[arg(long, env = "SCIMITAR_BENCH_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Also write the results as JSON to this file (`-` for standard output).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Threads of the load generator; it shares the machine with the server.
    #[arg(long, default_value_t = 1)]
    pub client_threads: usize,
    /// Seconds before a request counts as failed.
    #[arg(long, default_value_t = 30.0)]
    pub request_timeout: f64,
    /// Seconds to wait for /healthz after starting the server.
    #[arg(long, default_value_t = 60.0)]
    pub startup_timeout: f64,
    /// Upper bound on requests per connection per scenario (a safety stop).
    #[arg(long, default_value_t = 10_000_000)]
    pub max_requests_per_connection: u64,
    /// Seed of the generator that picks users: same seed, same sequence.
    #[arg(long, default_value_t = 1)]
    pub rng_seed: u64,
    /// Instead of the HTTP scenarios, benchmark the provisioning engine (bench/README.md):
    /// an initial run from one Scimitar into another, the engine's CPU against a no-work
    /// target, or propagation latency under continuous provisioning.
    #[arg(long, value_enum)]
    pub provisioning: Option<Mode>,
    /// Groups to seed in the source for --provisioning (default 1000; 0 for propagation).
    #[arg(long)]
    pub groups: Option<usize>,
    /// Members of each seeded group (--provisioning).
    #[arg(long, default_value_t = 50)]
    pub group_members: usize,
    /// Propagation samples: changes made in the source and timed until seen in the target.
    #[arg(long, default_value_t = 200)]
    pub changes: usize,
    /// Seconds a change may take to reach the target before it counts as failed.
    #[arg(long, default_value_t = 30.0)]
    pub sync_timeout: f64,
    /// Longest random pause, in seconds, after a change is seen and before the next one.
    #[arg(long, default_value_t = 0.2)]
    pub change_pause: f64,
}

/// The three provisioning benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// `scimitar app sync --initial` from Scimitar A into Scimitar B, timed and verified.
    Initial,
    /// Change in A to visible in B under `scimitar app start`: p50 and p99.
    Propagation,
    /// Engine CPU per object against a target that does no work.
    Cpu,
    /// The achieved request rate against a target limited to 25 requests/second that answers
    /// in 50 ms (issue 5): the app's rate limit set to 25.
    Rate,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Initial => "initial",
            Mode::Propagation => "propagation",
            Mode::Cpu => "cpu",
            Mode::Rate => "rate",
        }
    }
}

impl Args {
    /// Groups to seed for a provisioning mode: as given, else 1000 (none for propagation,
    /// whose subject is changes to users).
    pub fn groups_for(&self, mode: Mode) -> usize {
        self.groups.unwrap_or(match mode {
            Mode::Propagation | Mode::Rate => 0,
            Mode::Initial | Mode::Cpu => 1000,
        })
    }
}

pub fn seconds(name: &str, value: f64) -> Result<Duration> {
    ensure!(
        value.is_finite() && value >= 0.0,
        "--{name} must be a number of seconds >= 0"
    );
    Ok(Duration::from_secs_f64(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_options() {
        let args = Args::try_parse_from([
            "scimitar-bench",
            "--users",
            "1000",
            "--only",
            "a,h,i",
            "--duration",
            "0.5",
            "--json",
            "-",
        ])
        .unwrap();
        assert_eq!(args.users, 1000);
        assert_eq!(args.connections, 32);
        assert_eq!(args.only.as_deref(), Some("a,h,i"));
        assert_eq!(
            seconds("duration", args.duration).unwrap(),
            Duration::from_millis(500)
        );
        assert!(seconds("warmup", -1.0).is_err());
        assert_eq!(args.provisioning, None);
    }

    #[test]
    fn parses_the_provisioning_options() {
        let args = Args::try_parse_from([
            "scimitar-bench",
            "--provisioning",
            "propagation",
            "--users",
            "5000",
            "--changes",
            "20",
        ])
        .unwrap();
        assert_eq!(args.provisioning, Some(Mode::Propagation));
        assert_eq!(args.groups_for(Mode::Propagation), 0);
        assert_eq!(args.groups_for(Mode::Initial), 1000);
        assert_eq!((args.group_members, args.changes), (50, 20));
        assert_eq!((args.sync_timeout, args.change_pause), (30.0, 0.2));
        let args =
            Args::try_parse_from(["scimitar-bench", "--provisioning", "cpu", "--groups", "7"])
                .unwrap();
        assert_eq!(args.groups_for(Mode::Cpu), 7);
        assert!(Args::try_parse_from(["scimitar-bench", "--provisioning", "other"]).is_err());
    }
}
