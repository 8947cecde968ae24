//! When and how long to wait before trying again.
//!
//! Only requests marked idempotent are retried (GET, login, `PUT /logtest`, indexer searches);
//! writes such as `PUT /agents/{id}/restart` or `PUT /active-response` are sent once, except when
//! the connection could not even be opened (then nothing was sent). Retried: connection failures,
//! broken or truncated answers, undecodable bodies, 5xx and 429. The wait is exponential
//! (`backoff_factor`, doubled each time: 0.5 s, 1 s, 2 s ... up to `backoff_max`) with ±20 %
//! jitter; a 429's `Retry-After` (seconds or an HTTP date) replaces it, capped at
//! `retry_after_cap`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// How a client retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay.
    pub backoff_factor: Duration,
    /// Upper bound of one backoff delay.
    pub backoff_max: Duration,
    /// Upper bound of a `Retry-After` wait.
    pub retry_after_cap: Duration,
}

impl RetryPolicy {
    /// The nominal delay before retry number `retry` (1-based), without jitter:
    /// `backoff_factor * 2^(retry-1)`, at most `backoff_max`.
    pub fn nominal_backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let delay = self
            .backoff_factor
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.backoff_max);
        delay.min(self.backoff_max)
    }

    /// The delay before retry number `retry`, with jitter `unit` in `[0, 1)` spreading it over
    /// ±20 % of the nominal delay (never above `backoff_max`).
    pub fn backoff_with(&self, retry: u32, unit: f64) -> Duration {
        let nominal = self.nominal_backoff(retry);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.5
        };
        nominal.mul_f64(0.8 + 0.4 * unit).min(self.backoff_max)
    }

    /// The delay before retry number `retry`, with random jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        self.backoff_with(retry, jitter_unit())
    }

    /// How long to wait after a 429: its `Retry-After` (capped) or the backoff.
    pub fn after_rate_limit(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.retry_after_cap),
            None => self.backoff(retry),
        }
    }
}

/// Parses a `Retry-After` value: delay seconds (`"120"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. A date in the past is zero.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        // Not allowed by RFC 9110, but some proxies send it.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let when = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(date.timestamp()).ok()?))?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A uniform number in `[0, 1)`, good enough for jitter (not for anything secret).
fn jitter_unit() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    // 53 random bits make a double in [0, 1).
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            backoff_factor: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(30),
        }
    }

    #[test]
    fn backoff_doubles_from_the_factor_and_is_capped() {
        let p = policy();
        let ms = |d: Duration| d.as_millis();
        assert_eq!(ms(p.nominal_backoff(1)), 500);
        assert_eq!(ms(p.nominal_backoff(2)), 1000);
        assert_eq!(ms(p.nominal_backoff(3)), 2000);
        assert_eq!(ms(p.nominal_backoff(4)), 4000);
        assert_eq!(ms(p.nominal_backoff(5)), 8000);
        assert_eq!(ms(p.nominal_backoff(6)), 8000);
        assert_eq!(ms(p.nominal_backoff(200)), 8000);
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_the_cap() {
        let p = policy();
        assert_eq!(p.backoff_with(1, 0.0).as_millis(), 400);
        assert_eq!(p.backoff_with(1, 1.0).as_millis(), 600);
        assert_eq!(p.backoff_with(2, 0.5).as_millis(), 1000);
        assert_eq!(p.backoff_with(9, 1.0), Duration::from_secs(8));
        assert_eq!(p.backoff_with(1, f64::NAN).as_millis(), 500);
        for retry in 1..6 {
            let nominal = p.nominal_backoff(retry);
            for _ in 0..50 {
                let d = p.backoff(retry);
                assert!(d >= nominal.mul_f64(0.8) && d <= nominal.mul_f64(1.2).min(p.backoff_max));
            }
        }
    }

    #[test]
    fn jitter_is_spread() {
        let values: Vec<f64> = (0..100).map(|_| jitter_unit()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.iter().any(|v| *v < 0.5) && values.iter().any(|v| *v >= 0.5));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 07:27:50 GMT
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn retry_after_is_capped() {
        let p = policy();
        assert_eq!(
            p.after_rate_limit(1, Some(Duration::from_secs(600))),
            Duration::from_secs(30)
        );
        assert_eq!(
            p.after_rate_limit(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        let fallback = p.after_rate_limit(2, None);
        assert!(fallback >= Duration::from_millis(800) && fallback <= Duration::from_millis(1200));
    }
}
