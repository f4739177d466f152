//! `scimitar-bench`: builds and starts a real `scimitar` server on a loopback port, seeds it
//! through the SCIM API, drives each scenario over keep-alive connections for a fixed time, and
//! prints latencies, throughput and ratios to the no-work ceiling (see bench/README.md).
//!
//! With `--provisioning initial|cpu|propagation` it measures the provisioning engine instead: one
//! Scimitar provisioning into another (`provisioning.rs`).
//!
//! It only talks to the server over HTTP on 127.0.0.1 and through its CLI, and it never leaves the
//! server running: errors, Ctrl-C and SIGTERM all end in the child being killed.

mod cli;
mod command;
mod facts;
mod groups;
mod http;
mod load;
mod nowork;
mod propagation;
mod provisioning;
mod provisioning_report;
mod report;
mod scenarios;
mod scim;
mod seed;
mod server;
mod stats;
mod sync_run;
mod targets;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use serde_json::json;

use crate::cli::{seconds, Args};
use crate::facts::{redact_password, Facts};
use crate::http::Target;
use crate::load::{CpuProbe, CpuUse, LoadConfig};
use crate::report::{Report, SeedFacts};
use crate::scenarios::{Bound, Kind, Scenario};
use crate::scim::BulkLimits;
use crate::seed::{SeedPlan, Seeded};
use crate::server::{Server, ServerOptions};

fn main() -> ExitCode {
    let args = Args::parse();
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scimitar-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn start(args: Args) -> Result<()> {
    let scenarios = scenarios::select(args.only.as_deref())?;
    ensure!(
        args.connections > 0 && args.bulk_connections > 0,
        "connections must be > 0"
    );
    ensure!(args.client_threads > 0, "--client-threads must be > 0");
    ensure!(args.duration > 0.0, "--duration must be > 0");
    let facts = Facts::collect(&server::workspace_root());
    let bin = server::locate_or_build(args.server_bin.as_deref())?;
    let runtime = if args.client_threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.client_threads)
            .enable_all()
            .build()?
    };
    runtime.block_on(async {
        tokio::select! {
            result = run(&args, &scenarios, facts, bin) => result,
            signal = shutdown_signal() => {
                // Dropping `run` dropped the server's child handle, which kills it.
                signal?;
                bail!("interrupted; the server was stopped")
            }
        }
    })
}

async fn shutdown_signal() -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

async fn run(args: &Args, scenarios: &[Scenario], facts: Facts, bin: PathBuf) -> Result<()> {
    if let Some(mode) = args.provisioning {
        return provisioning::run(args, mode, facts, bin).await;
    }
    let options = ServerOptions {
        database_url: args.database_url.clone(),
        startup_timeout: seconds("startup-timeout", args.startup_timeout)?,
    };
    let database = match &args.database_url {
        Some(url) => redact_password(url),
        None => "SQLite in a fresh temporary data dir".into(),
    };
    print_header(args, &facts, &bin, &database);
    let mut server = Server::start(bin, &options).await?;
    eprintln!(
        "server pid {} on {}, data dir {}",
        server.pid().unwrap_or(0),
        server.addr,
        server.data_dir().display()
    );
    let token = server.create_token().await?;
    let target = Target::new(server.addr)?.with_token(&token)?;

    let needs_users = scenarios.iter().any(Scenario::needs_users);
    let needs_bulk = needs_users || scenarios.iter().any(|s| s.kind == Kind::BulkCreate);
    let limits = if needs_bulk {
        Some(seed::service_provider_limits(&target).await?)
    } else {
        None
    };
    let (seeded, seed_facts) = match (needs_users, limits) {
        (true, Some(limits)) => {
            let (seeded, facts) = seed_all(args, scenarios, &target, limits).await?;
            (seeded, Some(facts))
        }
        _ => (Seeded::default(), None),
    };
    let memory_after_seed = seed_facts.as_ref().and_then(|_| server.memory());
    let seeded = Arc::new(seeded);
    let bulk_size = limits.map_or(args.bulk_size, |l| fit_bulk_size(args.bulk_size, l));

    let server_pid = server.pid().map(|p| p.to_string());
    let probe: CpuProbe = Arc::new(move || CpuUse {
        server: server_pid.as_deref().and_then(server::cpu_seconds),
        client: server::cpu_seconds("self"),
    });
    let mut rows = Vec::new();
    for scenario in scenarios {
        server.ensure_running()?;
        let connections = match scenario.kind {
            Kind::BulkCreate => args.bulk_connections,
            _ => args.connections,
        };
        let config = LoadConfig {
            connections,
            warmup: seconds("warmup", args.warmup)?,
            duration: seconds("duration", args.duration)?,
            request_timeout: seconds("request-timeout", args.request_timeout)?,
            max_requests_per_connection: args.max_requests_per_connection,
            seed: args.rng_seed,
        };
        eprintln!("running {}: {} ...", scenario.key, scenario.name);
        let workload = Arc::new(Bound::new(*scenario, seeded.clone(), bulk_size));
        let result = load::run(&target, &config, workload, probe.clone()).await?;
        let items = (scenario.kind == Kind::BulkCreate).then_some("users");
        let rss = server.memory().map(|m| m.rss);
        let label = label(scenario, &seeded, bulk_size);
        rows.extend(report::rows_from(scenario.key, &label, items, &result, rss));
    }
    let memory_end = server.memory();
    server.stop().await?;

    let report = Report {
        facts,
        settings: settings_json(args, &database, bulk_size),
        seed: seed_facts,
        rows,
        memory_after_seed,
        memory_end,
    };
    println!();
    print!("{}", report.table());
    print!("{}", report.memory_lines());
    print!("{}", report.targets_text());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.to_json())?;
        if path.as_os_str() == "-" {
            println!("{text}");
        } else {
            std::fs::write(path, text).with_context(|| format!("write {}", path.display()))?;
            eprintln!("JSON written to {}", path.display());
        }
    }
    Ok(())
}

async fn seed_all(
    args: &Args,
    scenarios: &[Scenario],
    target: &Target,
    limits: BulkLimits,
) -> Result<(Seeded, SeedFacts)> {
    seed::ensure_empty(target).await?;
    let groups = scenarios.iter().any(Scenario::needs_groups);
    let plan = SeedPlan {
        users: args.users,
        spares: if groups { args.connections } else { 0 },
        small_group: 10,
        big_group: args.big_group,
        groups,
        connections: args.seed_connections,
        bulk_size: args.bulk_size,
    };
    ensure!(
        args.users > 0,
        "--users must be > 0 for the selected scenarios"
    );
    eprintln!(
        "seeding {} users (+{} spare) by Bulk, limits {limits:?} ...",
        plan.users, plan.spares
    );
    let seeded = seed::seed(target, &plan, limits).await?;
    let facts = SeedFacts {
        users: seeded.user_ids.len(),
        users_secs: seeded.users_time.as_secs_f64(),
        groups_secs: seeded.groups_time.as_secs_f64(),
        small_group: seeded.small_group_members,
        big_group: seeded.big_group_members,
    };
    let rate = (facts.users + plan.spares) as f64 / facts.users_secs.max(1e-9);
    println!(
        "seeded {} users (+{} spare) in {:.1} s ({rate:.0} users/s)",
        facts.users, plan.spares, facts.users_secs
    );
    if groups {
        println!(
            "seeded groups of {} and {} members in {:.1} s",
            facts.small_group, facts.big_group, facts.groups_secs
        );
    }
    Ok((seeded, facts))
}

/// The Bulk size for scenario j: the asked size, within maxOperations and maxPayloadSize.
fn fit_bulk_size(asked: usize, limits: BulkLimits) -> usize {
    let mut size = asked.min(limits.max_operations).max(1);
    let request_len = |n: usize| {
        let users: Vec<_> = (0..n)
            .map(|k| {
                let name = format!("bulk-w999-99999-{k:04}@bench.example");
                (format!("b{k}"), scim::user(&name, "Bulk 999 99999 9999"))
            })
            .collect();
        serde_json::to_vec(&scim::bulk_create_users(&users)).map_or(usize::MAX, |v| v.len())
    };
    while size > 1 && request_len(size) > limits.max_payload_size {
        size = size * 9 / 10;
    }
    size
}

fn label(scenario: &Scenario, seeded: &Seeded, bulk_size: usize) -> String {
    match scenario.kind {
        Kind::GroupSmall => format!("group of {}", seeded.small_group_members),
        Kind::GroupBig => format!("group of {}", seeded.big_group_members),
        Kind::BulkCreate => format!("Bulk create, {bulk_size} users/request"),
        _ => scenario.name.to_owned(),
    }
}

fn print_header(args: &Args, facts: &Facts, bin: &std::path::Path, database: &str) {
    print!("{}", facts.header());
    println!("server:   {} ({database})", bin.display());
    println!(
        "settings: {} users, {} s per scenario after {} s warm-up, {} connections ({} for Bulk), {} client thread(s)",
        args.users, args.duration, args.warmup, args.connections, args.bulk_connections, args.client_threads
    );
}

fn settings_json(args: &Args, database: &str, bulk_size: usize) -> serde_json::Value {
    json!({
        "users": args.users,
        "duration_seconds": args.duration,
        "warmup_seconds": args.warmup,
        "connections": args.connections,
        "bulk_connections": args.bulk_connections,
        "bulk_size": bulk_size,
        "seed_connections": args.seed_connections,
        "big_group": args.big_group,
        "client_threads": args.client_threads,
        "only": args.only,
        "database": database,
        "rng_seed": args.rng_seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_size_fits_the_limits() {
        let roomy = BulkLimits {
            max_operations: 1000,
            max_payload_size: 1 << 20,
        };
        assert_eq!(fit_bulk_size(1000, roomy), 1000);
        assert_eq!(fit_bulk_size(5000, roomy), 1000);
        let tight = BulkLimits {
            max_operations: 1000,
            max_payload_size: 64 * 1024,
        };
        let size = fit_bulk_size(1000, tight);
        assert!(size < 1000 && size > 100, "{size}");
    }
}
