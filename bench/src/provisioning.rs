//! `--provisioning initial | cpu | propagation | rate`: the provisioning engine measured end to
//! end, Scimitar A provisioning into Scimitar B (or into the no-work target of `nowork.rs`,
//! for `rate` limited to 25 requests/second and answering in 50 ms).
//!
//! A and B are real `scimitar serve` processes, each in its own fresh data directory (A on
//! `--database-url` when given, B always on SQLite). A is seeded over SCIM; the app is connected
//! and assigned with the CLI against A's database, as an operator would; the run being measured
//! is `scimitar app sync --initial`, a child process whose wall and CPU time are taken
//! (`command.rs`); propagation uses A's own scheduler after `scimitar app start`. The steps and
//! the meaning of each figure are in bench/README.md.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use serde_json::json;

use crate::cli::{seconds, Args, Mode};
use crate::command;
use crate::facts::{redact_password, Facts};
use crate::http::Target;
use crate::nowork::{NoWork, Shape};
use crate::propagation::{Pair, Sampling};
use crate::provisioning_report::{targets_json, CpuReport, InitialReport, PropagationReport};
use crate::seed::SeedPlan;
use crate::server::{cpu_seconds, Server, ServerOptions};
use crate::stats::summarize;
use crate::sync_run::{Seeding, SyncRun};
use crate::targets::{targets_text, verdict, TargetCheck};
use crate::verify::Expected;
use crate::{groups, seed, verify};

const TENANT: &str = "default";
/// The first change waits for the scheduler's first pass, which may take longer than a sample.
const PROBE_TIMEOUT: Duration = Duration::from_secs(300);

/// A report of any mode, for printing and JSON.
struct Outcome {
    text: String,
    targets: Vec<TargetCheck>,
    json: serde_json::Value,
    /// Why the benchmark failed (a failed run or verification), after the report is printed.
    failure: Option<String>,
}

pub async fn run(args: &Args, mode: Mode, facts: Facts, bin: PathBuf) -> Result<()> {
    let groups = args.groups_for(mode);
    ensure!(args.users > 0, "--users must be > 0");
    groups::check_sizes(groups, args.group_members, args.users)?;
    ensure!(
        mode != Mode::Propagation || args.changes > 0,
        "--changes must be > 0"
    );
    let sync_timeout = seconds("sync-timeout", args.sync_timeout)?;
    let database = match &args.database_url {
        Some(url) => redact_password(url),
        None => "SQLite in a fresh temporary data dir".into(),
    };
    print!("{}", facts.header());
    let b = match mode {
        Mode::Cpu => "B: none, a no-work target inside this harness",
        Mode::Rate => "B: none, a no-work target inside this harness limited to 25 requests/s, answering in 50 ms",
        Mode::Initial | Mode::Propagation => "B: SQLite in a fresh temporary data dir",
    };
    println!("server:   {} (A: {database}; {b})", bin.display());
    println!(
        "settings: --provisioning {}, {} users, {groups} groups of {} members{}",
        mode.name(),
        args.users,
        args.group_members,
        if mode == Mode::Propagation {
            format!(
                ", {} changes, {} s timeout, pauses of 0-{} s",
                args.changes, args.sync_timeout, args.change_pause
            )
        } else {
            String::new()
        }
    );

    let startup_timeout = seconds("startup-timeout", args.startup_timeout)?;
    let a = Server::start(
        bin.clone(),
        &ServerOptions {
            database_url: args.database_url.clone(),
            startup_timeout,
        },
    )
    .await?;
    eprintln!("A: pid {} on {}", a.pid().unwrap_or(0), a.addr);
    let target_a = Target::new(a.addr)?.with_token(&a.create_token().await?)?;
    let (seeding, user_ids) = seed_source(args, &target_a, groups).await?;
    // The CLI's output files: a run over many objects prints a lot, kept out of memory.
    let work = tempfile::Builder::new()
        .prefix("scimitar-bench-sync-")
        .tempdir()
        .context("create a work dir")?;
    let b_options = ServerOptions {
        database_url: None,
        startup_timeout,
    };
    let outcome = match mode {
        Mode::Initial => initial(&a, &bin, &b_options, seeding, work.path()).await?,
        Mode::Cpu => cpu(&a, seeding, work.path()).await?,
        Mode::Rate => rate(&a, seeding, work.path()).await?,
        Mode::Propagation => {
            let sampling = Sampling {
                samples: args.changes,
                timeout: sync_timeout,
                request_timeout: seconds("request-timeout", args.request_timeout)?,
                max_pause: seconds("change-pause", args.change_pause)?,
                seed: args.rng_seed,
            };
            let context = PropagationRun {
                a: &a,
                target_a: &target_a,
                user_ids: &user_ids,
                sampling,
            };
            propagation(context, &bin, &b_options, seeding, work.path()).await?
        }
    };
    a.stop().await?;

    println!();
    print!("{}", outcome.text);
    if outcome.targets.is_empty() {
        println!("targets:  none in this mode");
    } else {
        print!("{}", targets_text(&outcome.targets));
    }
    if let Some(path) = &args.json {
        let report = json!({
            "facts": facts.to_json(),
            "mode": mode.name(),
            "settings": {
                "users": args.users, "groups": groups, "group_members": args.group_members,
                "changes": args.changes, "sync_timeout_seconds": args.sync_timeout,
                "change_pause_seconds": args.change_pause,
                "database": database, "rng_seed": args.rng_seed,
            },
            "results": outcome.json,
            "targets": targets_json(&outcome.targets),
        });
        let text = serde_json::to_string_pretty(&report)?;
        if path.as_os_str() == "-" {
            println!("{text}");
        } else {
            std::fs::write(path, text).with_context(|| format!("write {}", path.display()))?;
            eprintln!("JSON written to {}", path.display());
        }
    }
    match outcome.failure {
        Some(why) => bail!("{why}"),
        None => Ok(()),
    }
}

/// Seeds A with the users (by Bulk, as the HTTP benchmark does) and the groups.
async fn seed_source(
    args: &Args,
    target: &Target,
    groups: usize,
) -> Result<(Seeding, Arc<Vec<String>>)> {
    let limits = seed::service_provider_limits(target).await?;
    seed::ensure_empty(target).await?;
    let plan = SeedPlan {
        users: args.users,
        spares: 0,
        small_group: 0,
        big_group: 0,
        groups: false,
        connections: args.seed_connections,
        bulk_size: args.bulk_size,
    };
    eprintln!("seeding A with {} users by Bulk ...", args.users);
    let seeded = seed::seed(target, &plan, limits).await?;
    let user_ids = Arc::new(seeded.user_ids);
    if groups > 0 {
        eprintln!(
            "seeding A with {groups} groups of {} members ...",
            args.group_members
        );
    }
    let groups_time = groups::seed(
        target,
        groups,
        args.group_members,
        user_ids.clone(),
        args.seed_connections,
    )
    .await?;
    let seeding = Seeding {
        users: user_ids.len(),
        groups,
        members: args.group_members,
        users_secs: seeded.users_time.as_secs_f64(),
        groups_secs: groups_time.as_secs_f64(),
    };
    Ok((seeding, user_ids))
}

/// `scimitar app create NAME` pointing at `scim_url`, then `app assign NAME --all`.
async fn connect_app(a: &Server, name: &str, scim_url: &str, token: &str) -> Result<()> {
    let create = [
        "app",
        "create",
        name,
        "--tenant",
        TENANT,
        "--scim-url",
        scim_url,
        "--bearer-token",
        token,
    ];
    command::run(a, &create).await?;
    command::run(a, &["app", "assign", name, "--tenant", TENANT, "--all"]).await?;
    Ok(())
}

/// The measured run: `scimitar app sync NAME --initial` against A's database.
async fn sync_initial(
    a: &Server,
    name: &str,
    objects: u64,
    dir: &std::path::Path,
) -> Result<SyncRun> {
    eprintln!("running scimitar app sync {name} --tenant {TENANT} --initial ...");
    let args = ["app", "sync", name, "--tenant", TENANT, "--initial"];
    let timed = command::run_timed(a, &args, dir, &format!("sync-{name}")).await?;
    Ok(SyncRun::from_timed(&timed, objects))
}

fn cpu_of(server: &Server) -> Option<f64> {
    server.pid().and_then(|p| cpu_seconds(&p.to_string()))
}

fn delta(before: Option<f64>, after: Option<f64>) -> Option<f64> {
    Some(after? - before?)
}

async fn start_b(bin: &std::path::Path, options: &ServerOptions) -> Result<(Server, String)> {
    let b = Server::start(bin.to_path_buf(), options).await?;
    eprintln!("B: pid {} on {}", b.pid().unwrap_or(0), b.addr);
    let token = b.create_token().await?;
    Ok((b, token))
}

async fn initial(
    a: &Server,
    bin: &std::path::Path,
    b_options: &ServerOptions,
    seeding: Seeding,
    dir: &std::path::Path,
) -> Result<Outcome> {
    let (mut b, token) = start_b(bin, b_options).await?;
    let target_b = Target::new(b.addr)?.with_token(&token)?;
    connect_app(a, "bench", &format!("http://{}/scim/v2", b.addr), &token).await?;
    let before = cpu_of(&b);
    let sync = sync_initial(a, "bench", seeding.objects(), dir).await?;
    let target_cpu = delta(before, cpu_of(&b));
    b.ensure_running()?;
    eprintln!("verifying B ...");
    let expected = Expected {
        users: seeding.users,
        groups: seeding.groups,
        members: seeding.members,
    };
    let verified = verify::verify(&target_b, expected).await?;
    b.stop().await?;
    let report = InitialReport {
        seeding,
        sync,
        target_cpu,
        expected,
        verified,
    };
    let failure = (!report.ok()).then(|| {
        if report.sync.ok {
            format!(
                "B does not hold what A does: {}",
                report.verified.summary(expected)
            )
        } else {
            "the initial run failed (see above)".to_owned()
        }
    });
    Ok(Outcome {
        text: report.text(),
        targets: report.targets(),
        json: report.to_json(),
        failure,
    })
}

async fn cpu(a: &Server, seeding: Seeding, dir: &std::path::Path) -> Result<Outcome> {
    let target = NoWork::start().await?;
    eprintln!("no-work target on {}", target.addr);
    connect_app(a, "nowork", &target.scim_url(), "no-work-token").await?;
    let before = cpu_seconds("self");
    let sync = sync_initial(a, "nowork", seeding.objects(), dir).await?;
    let harness_cpu = delta(before, cpu_seconds("self"));
    let report = CpuReport {
        seeding,
        sync,
        harness_cpu,
        received: target.received(),
    };
    let failure = (!report.ok()).then(|| match report.check() {
        Err(why) => why,
        Ok(()) => "the run failed (see above)".to_owned(),
    });
    Ok(Outcome {
        text: report.text(),
        targets: Vec::new(),
        json: report.to_json(),
        failure,
    })
}

/// The app's rate limit and the target's: the engine should use it fully, never exceed it.
const RATE: f64 = 25.0;

async fn rate(a: &Server, seeding: Seeding, dir: &std::path::Path) -> Result<Outcome> {
    let target = NoWork::start_shaped(Shape {
        latency: Duration::from_millis(50),
        limit: Some(RATE as usize),
    })
    .await?;
    eprintln!("rate-limited target on {}", target.addr);
    connect_app(a, "limited", &target.scim_url(), "no-work-token").await?;
    command::run(
        a,
        &[
            "app",
            "set",
            "limited",
            "--tenant",
            TENANT,
            "--rate-limit",
            "25",
            "--concurrency",
            "8",
        ],
    )
    .await?;
    let sync = sync_initial(a, "limited", seeding.objects(), dir).await?;
    let received = target.received();
    let achieved = received.achieved_rate().unwrap_or(0.0);
    let share = achieved / RATE;
    let mut text = sync.lines();
    text.push_str(&format!(
        "  target:        {} requests accepted, {} answered 429; achieved {achieved:.2} requests/s = {:.1}% of the allowed {RATE}\n",
        received.accepted.len(),
        received.throttled,
        share * 100.0
    ));
    let targets = vec![
        verdict(
            "achieved rate >= 95% of the allowed 25 requests/s",
            share >= 0.95,
            format!("{achieved:.2} requests/s ({:.1}%)", share * 100.0),
        ),
        verdict(
            "zero 429s caused by Scimitar",
            received.throttled == 0,
            format!("{} answered 429", received.throttled),
        ),
    ];
    let failure = sync.failure.clone();
    Ok(Outcome {
        text,
        targets,
        json: json!({
            "objects": sync.objects, "wall_seconds": sync.wall.as_secs_f64(),
            "accepted": received.accepted.len(), "throttled": received.throttled,
            "achieved_per_second": achieved, "allowed_per_second": RATE, "share": share,
        }),
        failure,
    })
}

struct PropagationRun<'a> {
    a: &'a Server,
    target_a: &'a Target,
    user_ids: &'a [String],
    sampling: Sampling,
}

async fn propagation(
    run: PropagationRun<'_>,
    bin: &std::path::Path,
    b_options: &ServerOptions,
    seeding: Seeding,
    dir: &std::path::Path,
) -> Result<Outcome> {
    let a = run.a;
    let (mut b, token) = start_b(bin, b_options).await?;
    let target_b = Target::new(b.addr)?.with_token(&token)?;
    connect_app(a, "bench", &format!("http://{}/scim/v2", b.addr), &token).await?;
    let setup = sync_initial(a, "bench", seeding.objects(), dir).await?;
    if let Some(why) = &setup.failure {
        bail!("the initial run that sets B up failed: {why}");
    }
    command::run(a, &["app", "start", "bench", "--tenant", TENANT]).await?;
    let mut pair = Pair::connect(run.target_a, &target_b, run.sampling.request_timeout).await?;
    eprintln!("first change (waits for the scheduler's first pass) ...");
    let probe_timeout = PROBE_TIMEOUT.max(run.sampling.timeout);
    let probe = pair
        .change(&run.user_ids[0], 0, "Probe", probe_timeout)
        .await?
        .with_context(|| {
            format!(
                "the first change did not reach B within {} s: is continuous provisioning working?",
                probe_timeout.as_secs()
            )
        })?;
    eprintln!("making {} changes, one at a time ...", run.sampling.samples);
    let (a_before, b_before) = (cpu_of(a), cpu_of(&b));
    let sampled = crate::propagation::sample(&mut pair, run.user_ids, &run.sampling).await?;
    let (a_cpu, b_cpu) = (delta(a_before, cpu_of(a)), delta(b_before, cpu_of(&b)));
    b.ensure_running()?;
    b.stop().await?;
    let failures = sampled.failures.len() as u64;
    let report = PropagationReport {
        seeding,
        setup,
        probe,
        samples: run.sampling.samples,
        latency: summarize(&sampled.histogram, failures, 0, sampled.window),
        failures: sampled.failures,
        timeout: run.sampling.timeout,
        window: sampled.window,
        a_cpu,
        b_cpu,
    };
    Ok(Outcome {
        text: report.text(),
        targets: report.targets(),
        json: report.to_json(),
        failure: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_deltas_need_both_ends() {
        assert_eq!(delta(Some(1.0), Some(3.5)), Some(2.5));
        assert_eq!(delta(None, Some(3.5)), None);
    }
}
