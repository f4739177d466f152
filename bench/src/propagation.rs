//! Propagation latency for `--provisioning propagation`: how long a change made in the source
//! takes to be visible in the target while the source's server provisions continuously
//! (`scimitar app start`).
//!
//! One sample: PATCH a random seeded user's `displayName` in A to a value never used before,
//! note the instant A answered, then ask B for that user every 10 ms until it shows the new
//! value. The latency is from A's answer to the first answer of B that shows it, so it
//! includes up to one poll interval plus one request of measurement slack. Samples are made one
//! at a time, each after a random pause of 0 to `--change-pause` seconds (0.2 by default) once
//! the previous one was seen. Against a scheduler that polls every P seconds, a pause much
//! shorter than P starts every change just after a pass, so the latencies are close to the worst
//! case (P plus the run); a pause of 0 to 2P spreads the changes evenly over the cycle.

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use bytes::Bytes;
use hdrhistogram::Histogram;
use hyper::Method;
use serde_json::Value;

use crate::http::{encode_query_value, Conn, Target};
use crate::scim::{replace_display_name, seeded_user_name};
use crate::stats::{new_histogram, SplitMix64};

const POLL: Duration = Duration::from_millis(10);

pub struct Sampling {
    pub samples: usize,
    /// A change not visible after this long is a failure.
    pub timeout: Duration,
    pub request_timeout: Duration,
    /// The longest random pause between a change being seen and the next change.
    pub max_pause: Duration,
    pub seed: u64,
}

pub struct Propagation {
    /// Latencies of the visible changes, in microseconds.
    pub histogram: Histogram<u64>,
    /// The changes that never became visible within the timeout.
    pub failures: Vec<String>,
    /// Wall time of the whole sampling.
    pub window: Duration,
}

/// The two servers, one keep-alive connection each.
pub struct Pair {
    a: Conn,
    b: Conn,
    request_timeout: Duration,
}

impl Pair {
    pub async fn connect(a: &Target, b: &Target, request_timeout: Duration) -> Result<Self> {
        Ok(Self {
            a: Conn::connect(a).await?,
            b: Conn::connect(b).await?,
            request_timeout,
        })
    }

    /// Sets user `index`'s displayName in A to `value` and waits for B to show it: the
    /// latency, or `None` after `timeout`.
    pub async fn change(
        &mut self,
        id: &str,
        index: usize,
        value: &str,
        timeout: Duration,
    ) -> Result<Option<Duration>> {
        let body = Bytes::from(serde_json::to_vec(&replace_display_name(value))?);
        let path = format!("/scim/v2/Users/{id}");
        let reply = self
            .a
            .send_within(self.request_timeout, Method::PATCH, &path, Some(body))
            .await?;
        ensure!(
            reply.is_success(),
            "PATCH {path} in A: {} {}",
            reply.status,
            reply.snippet()
        );
        let answered = Instant::now();
        let filter =
            encode_query_value(&format!("userName eq \"{}\"", seeded_user_name(index + 1)));
        let query = format!("/scim/v2/Users?filter={filter}&attributes=displayName");
        loop {
            let reply = self
                .b
                .send_within(self.request_timeout, Method::GET, &query, None)
                .await?;
            ensure!(
                reply.is_success(),
                "GET {query} in B: {} {}",
                reply.status,
                reply.snippet()
            );
            if display_name(&reply.json()?) == Some(value) {
                return Ok(Some(answered.elapsed()));
            }
            if answered.elapsed() >= timeout {
                return Ok(None);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A random pause in `0..=max`, to the millisecond.
fn pause(rng: &mut SplitMix64, max: Duration) -> Duration {
    let max_ms = usize::try_from(max.as_millis()).unwrap_or(usize::MAX - 1);
    Duration::from_millis(rng.below(max_ms + 1) as u64)
}

/// The displayName of the only resource of a ListResponse.
pub fn display_name(list: &Value) -> Option<&str> {
    list.get("Resources")?
        .as_array()?
        .first()?
        .get("displayName")?
        .as_str()
}

/// `samples` changes to random users among `user_ids` (A's ids of the seeded users, in order).
pub async fn sample(
    pair: &mut Pair,
    user_ids: &[String],
    sampling: &Sampling,
) -> Result<Propagation> {
    let mut rng = SplitMix64::new(sampling.seed);
    let mut histogram = new_histogram()?;
    let mut failures = Vec::new();
    let started = Instant::now();
    for n in 0..sampling.samples {
        let index = rng.below(user_ids.len());
        let value = format!("Propagated {} (seed {})", n + 1, sampling.seed);
        match pair
            .change(&user_ids[index], index, &value, sampling.timeout)
            .await?
        {
            Some(latency) => {
                let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
                histogram.saturating_record(micros.max(1));
            }
            None => failures.push(format!(
                "{}: not visible in B after {} s",
                seeded_user_name(index + 1),
                sampling.timeout.as_secs_f64()
            )),
        }
        if (n + 1) % 20 == 0 || n + 1 == sampling.samples {
            eprintln!("  {}/{} changes", n + 1, sampling.samples);
        }
        tokio::time::sleep(pause(&mut rng, sampling.max_pause)).await;
    }
    Ok(Propagation {
        histogram,
        failures,
        window: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pauses_stay_within_the_maximum() {
        let mut rng = SplitMix64::new(1);
        let max = Duration::from_millis(200);
        let pauses: Vec<Duration> = (0..1000).map(|_| pause(&mut rng, max)).collect();
        assert!(pauses.iter().all(|p| *p <= max));
        assert!(pauses.iter().any(|p| *p > Duration::from_millis(150)));
        assert_eq!(pause(&mut rng, Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn reads_the_display_name_of_the_match() {
        let list = json!({"totalResults": 1, "Resources": [{"id": "x", "displayName": "New"}]});
        assert_eq!(display_name(&list), Some("New"));
        assert_eq!(
            display_name(&json!({"totalResults": 0, "Resources": []})),
            None
        );
        assert_eq!(display_name(&json!({"totalResults": 0})), None);
        assert_eq!(display_name(&json!({"Resources": [{"id": "x"}]})), None);
    }
}
