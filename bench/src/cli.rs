//! The command-line options, with their defaults; bench/README.md documents the same table.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{ensure, Result};
use clap::Parser;

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
    }
}
