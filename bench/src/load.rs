//! The load engine: C workers, each with one keep-alive connection, send requests back to back
//! (a closed loop) for a warm-up and then a measured window, and record every latency in an
//! HdrHistogram.
//!
//! What counts: a request that completed inside the measured window, whenever it started.
//! Throughput is those completions divided by the window, which is unbiased in a steady state
//! whatever the request length (requiring the start inside the window too would lose up to two
//! requests per connection, a large bias for Bulk requests that take seconds). Every loop here is bounded in time and count and stops by itself:
//! workers issue nothing after the window (except to finish a started cycle, see
//! `Workload::cycle_len`), each request has a deadline, and each connection a request cap.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use hdrhistogram::Histogram;
use hyper::Method;

use crate::http::{Conn, Reply, Target};
use crate::scim;
use crate::stats::{new_histogram, SplitMix64};

/// Error messages kept per scenario, to show what went wrong without flooding the report.
const ERROR_SAMPLES: usize = 3;

#[derive(Clone, Debug)]
pub struct LoadConfig {
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub request_timeout: Duration,
    pub max_requests_per_connection: u64,
    pub seed: u64,
}

/// What a worker knows when it plans its next request.
pub struct Worker {
    pub index: usize,
    pub iteration: u64,
    pub rng: SplitMix64,
}

/// How to judge a response.
#[derive(Clone, Copy, Debug)]
pub enum Check {
    /// Any 2xx is a success worth one item.
    Success,
    /// A Bulk response whose every operation must succeed; each is an item.
    BulkAll { operations: usize },
}

pub struct Planned {
    pub step: usize,
    pub method: Method,
    pub path: String,
    pub body: Option<Bytes>,
    pub check: Check,
}

pub trait Workload: Send + Sync + 'static {
    /// Names of the request kinds this workload mixes; each gets its own histogram.
    fn steps(&self) -> &'static [&'static str];
    /// Requests that belong together (add then remove a member): a worker only stops between
    /// cycles, so the data is left as it was found.
    fn cycle_len(&self) -> u64 {
        1
    }
    fn plan(&self, worker: &mut Worker) -> Planned;
}

/// Counts and latencies of one request kind.
#[derive(Clone)]
pub struct StepStats {
    pub name: &'static str,
    pub histogram: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    /// Successful items: 1 per successful request, or the created users of a Bulk request.
    pub items: u64,
}

impl StepStats {
    pub fn new(name: &'static str) -> Result<Self> {
        Ok(Self {
            name,
            histogram: new_histogram()?,
            ok: 0,
            errors: 0,
            items: 0,
        })
    }

    fn merge(&mut self, other: &StepStats) -> Result<()> {
        self.histogram
            .add(&other.histogram)
            .context("merge histograms")?;
        self.ok += other.ok;
        self.errors += other.errors;
        self.items += other.items;
        Ok(())
    }
}

pub struct LoadResult {
    pub steps: Vec<StepStats>,
    pub window: Duration,
    pub connections: usize,
    pub error_samples: Vec<String>,
    /// CPU seconds used during the measured window, by the server and by this harness.
    pub cpu: CpuUse,
}

/// CPU seconds used so far by the server and by this process, where known.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuUse {
    pub server: Option<f64>,
    pub client: Option<f64>,
}

impl CpuUse {
    fn since(self, earlier: CpuUse) -> CpuUse {
        let delta = |now: Option<f64>, then: Option<f64>| Some(now? - then?);
        CpuUse {
            server: delta(self.server, earlier.server),
            client: delta(self.client, earlier.client),
        }
    }
}

/// Reads the CPU counters; called at both edges of the measured window.
pub type CpuProbe = Arc<dyn Fn() -> CpuUse + Send + Sync>;

pub async fn run(
    target: &Target,
    config: &LoadConfig,
    workload: Arc<dyn Workload>,
    probe: CpuProbe,
) -> Result<LoadResult> {
    let started = Instant::now();
    let window = Window {
        start: started + config.warmup,
        end: started + config.warmup + config.duration,
    };
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(window.start.into()).await;
        let before = probe();
        tokio::time::sleep_until(window.end.into()).await;
        probe().since(before)
    });
    let mut tasks = Vec::new();
    for index in 0..config.connections.max(1) {
        let (target, config, workload) = (target.clone(), config.clone(), workload.clone());
        tasks.push(tokio::spawn(async move {
            worker(target, config, workload, index, window).await
        }));
    }
    let mut steps: Vec<StepStats> = workload
        .steps()
        .iter()
        .map(|name| StepStats::new(name))
        .collect::<Result<_>>()?;
    let mut error_samples = Vec::new();
    for task in tasks {
        let (worker_steps, samples) = task.await.context("load worker")??;
        for (total, part) in steps.iter_mut().zip(&worker_steps) {
            total.merge(part)?;
        }
        for sample in samples {
            if error_samples.len() < ERROR_SAMPLES {
                error_samples.push(sample);
            }
        }
    }
    Ok(LoadResult {
        steps,
        window: config.duration,
        connections: config.connections.max(1),
        error_samples,
        cpu: cpu.await.context("CPU sampler")?,
    })
}

#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

impl Window {
    /// A request counts when it completes inside the window, whenever it started: the count of
    /// completions over the window is then an unbiased rate even for requests that take seconds.
    fn counts(&self, done: Instant) -> bool {
        done >= self.start && done <= self.end
    }
}

async fn worker(
    target: Target,
    config: LoadConfig,
    workload: Arc<dyn Workload>,
    index: usize,
    window: Window,
) -> Result<(Vec<StepStats>, Vec<String>)> {
    let mut steps: Vec<StepStats> = workload
        .steps()
        .iter()
        .map(|name| StepStats::new(name))
        .collect::<Result<_>>()?;
    let mut samples = Vec::new();
    let mut state = Worker {
        index,
        iteration: 0,
        rng: SplitMix64::new(config.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    };
    let cycle = workload.cycle_len().max(1);
    let mut conn: Option<Conn> = None;
    while state.iteration < config.max_requests_per_connection {
        let at_cycle_start = state.iteration % cycle == 0;
        if at_cycle_start && Instant::now() >= window.end {
            break;
        }
        let planned = workload.plan(&mut state);
        state.iteration += 1;
        // Connecting is not part of a request's latency; a failure to connect is an error.
        let connected = match conn.take() {
            Some(c) => Ok(c),
            None => Conn::connect(&target).await,
        };
        let sent = Instant::now();
        let outcome = match connected {
            Ok(c) => send(conn.insert(c), &config, &planned).await,
            Err(e) => Err(e),
        };
        let done = Instant::now();
        let step = &mut steps[planned.step];
        let (items, error) = match outcome {
            Ok(reply) => judge(&reply, planned.check),
            Err(e) => {
                // The connection's state is unknown: start a fresh one, and do not spin if the
                // server is gone.
                conn = None;
                tokio::time::sleep(Duration::from_millis(20)).await;
                let message = format!("{} {}: {e:#}", planned.method, planned.path);
                (0, Some(message))
            }
        };
        if window.counts(done) {
            let micros = u64::try_from(done.duration_since(sent).as_micros()).unwrap_or(u64::MAX);
            step.histogram.saturating_record(micros.max(1));
            step.items += items;
            match &error {
                None => step.ok += 1,
                Some(_) => step.errors += 1,
            }
        }
        if let Some(message) = error {
            if samples.len() < ERROR_SAMPLES {
                let phase = if window.counts(done) {
                    "measured"
                } else {
                    "unmeasured"
                };
                samples.push(format!("[{phase}] {message}"));
            }
        }
    }
    Ok((steps, samples))
}

async fn send(conn: &mut Conn, config: &LoadConfig, planned: &Planned) -> Result<Reply> {
    conn.send_within(
        config.request_timeout,
        planned.method.clone(),
        &planned.path,
        planned.body.clone(),
    )
    .await
}

/// Successful items and, for a failure, what to say about it.
fn judge(reply: &Reply, check: Check) -> (u64, Option<String>) {
    if !reply.is_success() {
        return (
            0,
            Some(format!("HTTP {}: {}", reply.status, reply.snippet())),
        );
    }
    match check {
        Check::Success => (1, None),
        Check::BulkAll { operations } => {
            let outcomes = reply
                .json()
                .and_then(|body| scim::parse_bulk_response(&body));
            match outcomes {
                Ok(outcomes) => {
                    let ok = outcomes.iter().filter(|o| o.is_success()).count();
                    if ok == operations && outcomes.len() == operations {
                        (ok as u64, None)
                    } else {
                        let first = outcomes.iter().find(|o| !o.is_success());
                        let message = format!(
                            "Bulk: {ok} of {operations} operations succeeded; first failure: {first:?}"
                        );
                        (ok as u64, Some(message))
                    }
                }
                Err(e) => (0, Some(format!("Bulk response: {e:#}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::StatusCode;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn judges_plain_requests_by_status() {
        assert_eq!(judge(&reply(204, ""), Check::Success), (1, None));
        let (items, error) = judge(&reply(409, "conflict"), Check::Success);
        assert_eq!(items, 0);
        assert!(error.unwrap().contains("409"));
    }

    #[test]
    fn judges_bulk_requests_by_every_operation() {
        let all_ok = r#"{"Operations":[{"status":"201"},{"status":"201"}]}"#;
        assert_eq!(
            judge(&reply(200, all_ok), Check::BulkAll { operations: 2 }),
            (2, None)
        );
        let one_failed = r#"{"Operations":[{"status":"201"},{"status":"409"}]}"#;
        let (items, error) = judge(&reply(200, one_failed), Check::BulkAll { operations: 2 });
        assert_eq!(items, 1);
        assert!(error.is_some());
        let (_, error) = judge(&reply(200, all_ok), Check::BulkAll { operations: 3 });
        assert!(error.is_some(), "missing operations are failures");
    }

    #[test]
    fn requests_count_when_they_complete_inside_the_window() {
        let t0 = Instant::now();
        let window = Window {
            start: t0 + Duration::from_secs(1),
            end: t0 + Duration::from_secs(2),
        };
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(window.counts(at(1500)));
        assert!(!window.counts(at(900)), "completed in the warm-up");
        assert!(!window.counts(at(2100)), "completed after the window");
    }

    #[test]
    fn cpu_use_is_a_difference_of_known_counters() {
        let before = CpuUse {
            server: Some(1.0),
            client: None,
        };
        let after = CpuUse {
            server: Some(3.5),
            client: Some(2.0),
        };
        assert_eq!(
            after.since(before),
            CpuUse {
                server: Some(2.5),
                client: None
            }
        );
    }
}
