//! Rate limits: a global and a per-principal limit on tool calls (refused with the time to
//! wait), and outbound pacing of requests to Wazuh (delayed, never refused). GCRA limiters from
//! `governor`, which is lock-free and made for exactly this.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};

use super::{AuditError, LimitSettings, Metrics};
use crate::principal::Principal;

/// Which limit refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    /// All callers together (`limits.global_per_second`).
    Global,
    /// The calling principal (`limits.per_principal_per_second`).
    Principal,
}

impl LimitScope {
    /// `global` or `principal`, as in the `scope` label of `wazuh_mcp_rate_limited_total`.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitScope::Global => "global",
            LimitScope::Principal => "principal",
        }
    }
}

/// A call refused by a rate limit, with how long to wait before the next one can pass.
///
/// Its `Display` is the message for the JSON-RPC error: `rate limit exceeded: retry after 120 ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    /// Time until a call would pass (at least 1 ms).
    pub wait: Duration,
    /// The limit that refused the call.
    pub scope: LimitScope,
}

impl RetryAfter {
    /// `wait` in whole milliseconds, rounded up (at least 1).
    pub fn millis(&self) -> u64 {
        let ms = self.wait.as_micros().div_ceil(1000);
        u64::try_from(ms).unwrap_or(u64::MAX).max(1)
    }

    /// `wait` in whole seconds, rounded up (at least 1), for a `Retry-After` header.
    pub fn seconds(&self) -> u64 {
        self.millis().div_ceil(1000).max(1)
    }
}

impl std::fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rate limit exceeded: retry after {} ms", self.millis())
    }
}

impl std::error::Error for RetryAfter {}

/// The rate limits of one server. Cheap to clone (an `Arc` inside); all clones share the state.
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    global: Option<DefaultDirectRateLimiter>,
    per_principal: Option<DefaultKeyedRateLimiter<String>>,
    upstream: Option<DefaultDirectRateLimiter>,
    clock: DefaultClock,
    metrics: Metrics,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("global", &self.inner.global.is_some())
            .field("per_principal", &self.inner.per_principal.is_some())
            .field("upstream", &self.inner.upstream.is_some())
            .finish()
    }
}

/// Idle principals' states are dropped every this many checks (states of principals that are
/// back to a full burst carry no information).
const CLEANUP_EVERY: u64 = 4096;

impl RateLimiter {
    /// The limiters `settings` ask for (a rate of 0 switches one off). Fails, naming the key,
    /// on a negative or non-finite rate.
    pub fn new(settings: &LimitSettings, metrics: Metrics) -> Result<RateLimiter, AuditError> {
        let global = quota(
            "limits.global_per_second",
            settings.global_per_second,
            1.0,
            settings.global_burst,
        )?
        .map(DefaultDirectRateLimiter::direct);
        let per_principal = quota(
            "limits.per_principal_per_second",
            settings.per_principal_per_second,
            1.0,
            settings.per_principal_burst,
        )?
        .map(DefaultKeyedRateLimiter::keyed);
        let upstream = quota(
            "limits.upstream_per_minute",
            settings.upstream_per_minute,
            60.0,
            settings.upstream_burst,
        )?
        .map(DefaultDirectRateLimiter::direct);
        Ok(RateLimiter {
            inner: Arc::new(Inner {
                global,
                per_principal,
                upstream,
                clock: DefaultClock::default(),
                metrics,
                checks: AtomicU64::new(0),
            }),
        })
    }

    /// A limiter that never refuses nor waits (tests, or `limits` all set to 0).
    pub fn unlimited() -> RateLimiter {
        RateLimiter {
            inner: Arc::new(Inner {
                global: None,
                per_principal: None,
                upstream: None,
                clock: DefaultClock::default(),
                metrics: Metrics::new(),
                checks: AtomicU64::new(0),
            }),
        }
    }

    /// Takes one tool call from `principal`'s allowance and the global one, or says how long
    /// to wait. The principal's own limit is checked first, so one noisy principal is refused
    /// without using up the allowance everyone shares.
    pub fn check(&self, principal: &Principal) -> Result<(), RetryAfter> {
        let inner = &self.inner;
        if let Some(limiter) = &inner.per_principal {
            if inner.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
            if let Err(not_until) = limiter.check_key(&principal.subject) {
                return Err(self.refuse(
                    LimitScope::Principal,
                    not_until.wait_time_from(inner.clock.now()),
                ));
            }
        }
        if let Some(limiter) = &inner.global
            && let Err(not_until) = limiter.check()
        {
            return Err(self.refuse(
                LimitScope::Global,
                not_until.wait_time_from(inner.clock.now()),
            ));
        }
        Ok(())
    }

    fn refuse(&self, scope: LimitScope, wait: Duration) -> RetryAfter {
        self.inner.metrics.rate_limited(scope.as_str());
        RetryAfter {
            wait: wait.max(Duration::from_millis(1)),
            scope,
        }
    }

    /// Waits until one more request to Wazuh fits in `limits.upstream_per_minute`. Await it
    /// before each upstream request; waits are counted as `scope="upstream"`.
    pub async fn pace(&self) {
        let Some(limiter) = &self.inner.upstream else {
            return;
        };
        if limiter.check().is_ok() {
            return;
        }
        self.inner.metrics.rate_limited("upstream");
        tracing::debug!("pacing requests to Wazuh (limits.upstream_per_minute)");
        limiter.until_ready().await;
    }
}

impl LimitSettings {
    /// Checks the rates (what [`RateLimiter::new`] would refuse), naming the key to fix.
    pub fn validate(&self) -> Result<(), AuditError> {
        quota(
            "limits.global_per_second",
            self.global_per_second,
            1.0,
            self.global_burst,
        )?;
        quota(
            "limits.per_principal_per_second",
            self.per_principal_per_second,
            1.0,
            self.per_principal_burst,
        )?;
        quota(
            "limits.upstream_per_minute",
            self.upstream_per_minute,
            60.0,
            self.upstream_burst,
        )?;
        Ok(())
    }
}

/// `rate` events per `per_seconds` with `burst` at once; `None` when `rate` is 0.
fn quota(key: &str, rate: f64, per_seconds: f64, burst: u32) -> Result<Option<Quota>, AuditError> {
    let invalid = |message: &str| AuditError::Invalid {
        key: key.into(),
        message: message.into(),
    };
    if !rate.is_finite() || rate < 0.0 {
        return Err(invalid("must be a number, 0 (no limit) or more"));
    }
    if rate == 0.0 {
        return Ok(None);
    }
    let period = Duration::try_from_secs_f64(per_seconds / rate)
        .map_err(|_| invalid("is out of range"))?
        .max(Duration::from_nanos(1));
    if period > Duration::from_secs(86_400) {
        return Err(invalid(
            "is below one per day: use 0 to switch the limit off",
        ));
    }
    let quota = Quota::with_period(period).ok_or_else(|| invalid("is out of range"))?;
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Ok(Some(quota.allow_burst(burst)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::PrincipalKind;

    fn principal(subject: &str) -> Principal {
        Principal {
            subject: subject.into(),
            kind: PrincipalKind::ApiKey,
            ..Principal::local()
        }
    }

    fn settings(global: f64, global_burst: u32, each: f64, each_burst: u32) -> LimitSettings {
        LimitSettings {
            global_per_second: global,
            global_burst,
            per_principal_per_second: each,
            per_principal_burst: each_burst,
            ..LimitSettings::default()
        }
    }

    #[test]
    fn burst_then_refused_with_a_wait() {
        let metrics = Metrics::new();
        let limiter = RateLimiter::new(&settings(0.0, 0, 1.0, 3), metrics.clone()).unwrap();
        let alice = principal("alice");
        for i in 0..3 {
            assert!(limiter.check(&alice).is_ok(), "call {i} within the burst");
        }
        let refused = limiter.check(&alice).unwrap_err();
        assert_eq!(refused.scope, LimitScope::Principal);
        assert!(refused.wait > Duration::ZERO && refused.wait <= Duration::from_secs(1));
        assert!(refused.millis() >= 1 && refused.millis() <= 1000);
        let message = refused.to_string();
        assert!(
            message.starts_with("rate limit exceeded: retry after ") && message.ends_with(" ms"),
            "{message}"
        );
        assert!(
            metrics
                .encode()
                .contains("wazuh_mcp_rate_limited_total{scope=\"principal\"} 1")
        );
    }

    #[test]
    fn principals_are_isolated() {
        let limiter = RateLimiter::new(&settings(0.0, 0, 0.1, 2), Metrics::new()).unwrap();
        let (alice, bob) = (principal("alice"), principal("bob"));
        assert!(limiter.check(&alice).is_ok());
        assert!(limiter.check(&alice).is_ok());
        assert!(limiter.check(&alice).is_err());
        // Alice's exhausted allowance does not touch Bob's.
        assert!(limiter.check(&bob).is_ok());
        assert!(limiter.check(&bob).is_ok());
        assert!(limiter.check(&bob).is_err());
    }

    #[test]
    fn global_limit_covers_everyone() {
        let metrics = Metrics::new();
        let limiter = RateLimiter::new(&settings(0.1, 3, 100.0, 100), metrics.clone()).unwrap();
        let callers: Vec<Principal> = ["a", "b", "c", "d"].into_iter().map(principal).collect();
        for p in &callers[..3] {
            assert!(limiter.check(p).is_ok());
        }
        let refused = limiter.check(&callers[3]).unwrap_err();
        assert_eq!(refused.scope, LimitScope::Global);
        assert!(refused.wait > Duration::from_secs(1), "{refused:?}");
        assert!(
            metrics
                .encode()
                .contains("wazuh_mcp_rate_limited_total{scope=\"global\"} 1")
        );
    }

    #[test]
    fn zero_switches_off_and_bad_rates_fail() {
        let p = principal("p");
        for limiter in [
            RateLimiter::new(&settings(0.0, 0, 0.0, 0), Metrics::new()).unwrap(),
            RateLimiter::unlimited(),
        ] {
            for _ in 0..1000 {
                assert!(limiter.check(&p).is_ok());
            }
        }
        assert!(settings(1.0, 1, -2.0, 1).validate().is_err());
        assert!(LimitSettings::default().validate().is_ok());
        let err = RateLimiter::new(&settings(-1.0, 1, 1.0, 1), Metrics::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("limits.global_per_second"), "{err}");
        let err = RateLimiter::new(&settings(1.0, 1, f64::NAN, 1), Metrics::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("limits.per_principal_per_second"), "{err}");
        // A tiny rate is refused rather than overflowing.
        assert!(RateLimiter::new(&settings(1e-300, 1, 1.0, 1), Metrics::new()).is_err());
        assert!(RateLimiter::new(&settings(1e-6, 1, 1.0, 1), Metrics::new()).is_err());
        assert!(RateLimiter::new(&LimitSettings::default(), Metrics::new()).is_ok());
    }

    #[tokio::test]
    async fn pacing_waits_instead_of_refusing() {
        let metrics = Metrics::new();
        // 600 per minute = one every 100 ms, 2 at once.
        let limiter = RateLimiter::new(
            &LimitSettings {
                upstream_per_minute: 600.0,
                upstream_burst: 2,
                ..LimitSettings::default()
            },
            metrics.clone(),
        )
        .unwrap();
        let start = std::time::Instant::now();
        for _ in 0..3 {
            limiter.pace().await;
        }
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        assert!(
            metrics
                .encode()
                .contains("wazuh_mcp_rate_limited_total{scope=\"upstream\"} 1")
        );
        // No pacing configured: never waits.
        let free = RateLimiter::new(
            &LimitSettings {
                upstream_per_minute: 0.0,
                ..LimitSettings::default()
            },
            Metrics::new(),
        )
        .unwrap();
        for _ in 0..100 {
            free.pace().await;
        }
    }
}
