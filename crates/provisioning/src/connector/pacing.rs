//! How fast and how persistently the engine talks to one app (PRODUCT.md C3): a request rate
//! it never exceeds, a pause the whole app observes when the app asks for one (`429` or `503`
//! with `Retry-After`), and the retry schedule for requests that failed in a way that may work
//! later. Entra ID does not document its backoff; ours is written here and in
//! `docs/operations.md`.
//!
//! **Retry schedule.** A request that fails with a timeout, a refused or reset connection, a
//! `429`, or a `5xx` is sent again, up to [`RetryPolicy::attempts`] times in all. Before retry
//! `n` (1, 2, ...) the engine waits the app's `Retry-After` when it gave one (exactly that long:
//! every request to the app waits, not only the one refused), otherwise a random time between
//! half and all of `min(cap, base × 2^(n-1))` ("equal jitter": never less than half, so the
//! app gets room, and never in lockstep with other clients). A `Retry-After` longer than
//! [`RetryPolicy::max_retry_after`] is not waited for inside the run: the object fails and is
//! retried later from the escrow. A `POST` is only sent again when the app surely did not act
//! on it (the connection was refused, or it answered `429` or `503`); after a timeout or a
//! `500` the object fails instead, and the next attempt matches before creating, so a create
//! the app did perform is adopted, never duplicated.

use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use tokio::time::Instant;

/// Requests sent at most, in all, for one request (the first and the retries).
pub const DEFAULT_ATTEMPTS: u32 = 4;
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(500);
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(30);
/// The longest `Retry-After` waited for inside a run.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// When to send a failed request again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests sent at most for one request (1 = never retry).
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: DEFAULT_ATTEMPTS,
            base: DEFAULT_BACKOFF_BASE,
            cap: DEFAULT_BACKOFF_CAP,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// The ceiling of the wait before retry `n` (1-based): `min(cap, base × 2^(n-1))`.
    pub fn ceiling(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1).min(30));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait before retry `n`: uniformly between half the ceiling and the ceiling.
    pub fn backoff(&self, n: u32) -> Duration {
        let ceiling = self.ceiling(n);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_micros() as u64;
        let extra = if spread == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=spread)
        };
        half + Duration::from_micros(extra)
    }
}

/// The gate every request to one app passes: the app-wide pause, then the rate limit.
#[derive(Debug)]
pub struct Pacer {
    limiter: Option<DefaultDirectRateLimiter>,
    rate: Option<f64>,
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    /// At most `rate` requests per second, evenly spaced (no bursts above the rate); `None`:
    /// no limit. `rate` must be positive and finite.
    pub fn new(rate: Option<f64>) -> Result<Pacer, String> {
        let limiter = match rate {
            None => None,
            Some(r) if r.is_finite() && r > 0.0 && r <= 100_000.0 => {
                let period = Duration::from_secs_f64(1.0 / r);
                let quota = Quota::with_period(period)
                    .ok_or_else(|| format!("the rate limit {r} is too high"))?
                    .allow_burst(NonZeroU32::MIN);
                Some(RateLimiter::direct(quota))
            }
            Some(r) => {
                return Err(format!(
                    "the rate limit must be a number of requests per second from 0.01 to 100000, not {r}"
                ))
            }
        };
        Ok(Pacer {
            limiter,
            rate,
            paused_until: Mutex::new(None),
        })
    }

    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Wait until a request may be sent: the pause is over and the rate allows one more.
    pub async fn ready(&self) {
        loop {
            let until = *self
                .paused_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => break,
            }
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
    }

    /// The app asked for a pause (`Retry-After`): no request is sent before `wait` is over.
    pub fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if paused.is_none_or(|t| t < until) {
            *paused = Some(until);
        }
    }
}
