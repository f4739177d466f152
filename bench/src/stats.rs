//! The arithmetic of the report: histograms in microseconds, their quantiles in milliseconds,
//! rates over the measured window, ratios to the no-work ceiling, and a small deterministic
//! random generator for picking seeded users. Pure and unit-tested; no I/O.

use std::time::Duration;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;

/// The longest latency the histograms resolve (larger ones saturate): one minute.
const MAX_MICROS: u64 = 60_000_000;

/// A histogram of latencies in microseconds, 1 µs to 60 s, three significant digits.
pub fn new_histogram() -> Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).context("create histogram")
}

/// The figures of one table row.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub requests: u64,
    pub errors: u64,
    pub requests_per_sec: f64,
    pub items_per_sec: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// Summarises the requests measured in `window`: `requests` counts errors too, and
/// `requests_per_sec` is all measured completions per second.
pub fn summarize(histogram: &Histogram<u64>, errors: u64, items: u64, window: Duration) -> Summary {
    let seconds = window.as_secs_f64();
    let rate = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    let ms = |micros: u64| micros as f64 / 1000.0;
    let empty = histogram.is_empty();
    let quantile = |q: f64| {
        if empty {
            0.0
        } else {
            ms(histogram.value_at_quantile(q))
        }
    };
    Summary {
        requests: histogram.len(),
        errors,
        requests_per_sec: rate(histogram.len()),
        items_per_sec: rate(items),
        p50_ms: quantile(0.50),
        p90_ms: quantile(0.90),
        p99_ms: quantile(0.99),
        max_ms: if empty { 0.0 } else { ms(histogram.max()) },
        mean_ms: if empty {
            0.0
        } else {
            histogram.mean() / 1000.0
        },
    }
}

/// `value / base`, or `None` when there is no base to compare with.
pub fn ratio(value: f64, base: Option<f64>) -> Option<f64> {
    match base {
        Some(b) if b > 0.0 => Some(value / b),
        _ => None,
    }
}

/// SplitMix64: tiny, fast, and seeded, so two runs pick the same users in the same order.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0). The modulo bias is below 1e-9 for the sizes here.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_in_milliseconds() {
        let mut h = new_histogram().unwrap();
        for micros in 1..=1000u64 {
            h.record(micros * 10).unwrap(); // 10 µs .. 10 ms, uniform
        }
        let s = summarize(&h, 3, 1000, Duration::from_secs(2));
        assert_eq!(s.requests, 1000);
        assert_eq!(s.errors, 3);
        assert!((s.requests_per_sec - 500.0).abs() < 1e-9);
        assert!((s.items_per_sec - 500.0).abs() < 1e-9);
        assert!((s.p50_ms - 5.0).abs() < 0.01, "p50 {}", s.p50_ms);
        assert!((s.p99_ms - 9.9).abs() < 0.01, "p99 {}", s.p99_ms);
        assert!((s.max_ms - 10.0).abs() < 0.01);
    }

    #[test]
    fn an_empty_histogram_summarises_to_zeros() {
        let s = summarize(&new_histogram().unwrap(), 0, 0, Duration::from_secs(1));
        assert_eq!(s.requests, 0);
        assert_eq!(s.p99_ms, 0.0);
        assert_eq!(
            summarize(&new_histogram().unwrap(), 0, 0, Duration::ZERO).requests_per_sec,
            0.0
        );
    }

    #[test]
    fn merged_histograms_keep_every_sample() {
        let (mut a, mut b) = (new_histogram().unwrap(), new_histogram().unwrap());
        a.record(1_000).unwrap();
        b.record(3_000).unwrap();
        b.record(3_000).unwrap();
        a.add(&b).unwrap();
        let s = summarize(&a, 0, 3, Duration::from_secs(1));
        assert_eq!(s.requests, 3);
        assert!((s.p50_ms - 3.0).abs() < 0.01);
    }

    #[test]
    fn latencies_beyond_a_minute_saturate() {
        let mut h = new_histogram().unwrap();
        h.saturating_record(10 * MAX_MICROS);
        assert!(summarize(&h, 0, 0, Duration::from_secs(1)).max_ms >= 59_000.0);
    }

    #[test]
    fn ratios_need_a_base() {
        assert_eq!(ratio(50.0, Some(100.0)), Some(0.5));
        assert_eq!(ratio(50.0, Some(0.0)), None);
        assert_eq!(ratio(50.0, None), None);
    }

    #[test]
    fn the_generator_is_deterministic_and_in_range() {
        let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
        for _ in 0..1000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
        assert_eq!(a.below(0), 0);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            seen[a.below(10)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
