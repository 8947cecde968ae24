//! Fault injection: switches that make the simulator misbehave the way real deployments do.
//!
//! Set them from the command line (`wazuh-mcp sim --latency-ms 200 ...`), in-process through
//! [`Faults`], or over HTTP with `POST /__sim/faults` on the manager port (a JSON object with
//! any of the fields of [`FaultSpec`]); `GET /__sim/faults` shows the current state.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// A set of faults to switch on; absent fields leave the current state unchanged.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Added latency, in milliseconds, before every answer (manager and indexer).
    pub latency_ms: Option<u64>,
    /// Revoke every token issued so far (they answer 401 "Invalid token" from now on).
    pub expire_tokens: Option<bool>,
    /// Answer the next N manager requests with 429 and a `Retry-After` header.
    pub too_many_requests: Option<u32>,
    /// `Retry-After` of those 429 answers, in seconds (default 1).
    pub retry_after_secs: Option<u64>,
    /// Answer the next N manager requests with a 500 error.
    pub server_errors: Option<u32>,
    /// Close the connection without an answer for the next N manager requests.
    pub resets: Option<u32>,
    /// Send the next N manager answers slowly, in small pieces over about this many ms.
    pub slow_body_ms: Option<u64>,
    /// How many answers `slow_body_ms` applies to.
    pub slow_bodies: Option<u32>,
    /// Cut the next N manager answers in half (the connection closes mid-body).
    pub truncated: Option<u32>,
    /// Take the indexer down (connections refused) or bring it back.
    pub indexer_down: Option<bool>,
}

/// The live fault switches, shared by every listener of one simulator.
#[derive(Debug, Default)]
pub struct Faults {
    latency_ms: AtomicU64,
    too_many_requests: AtomicU32,
    retry_after_secs: AtomicU64,
    server_errors: AtomicU32,
    resets: AtomicU32,
    slow_body_ms: AtomicU64,
    slow_bodies: AtomicU32,
    truncated: AtomicU32,
    indexer_down: AtomicBool,
    expire_tokens: AtomicBool,
    /// Bumped on every change so watchers (the indexer listener) wake up.
    notify: tokio::sync::Notify,
}

/// What to do with one manager request, decided by [`Faults::take`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    TooManyRequests { retry_after_secs: u64 },
    ServerError,
    Reset,
    SlowBody { total_ms: u64 },
    Truncated,
}

impl Faults {
    /// Applies `spec`.
    pub fn set(&self, spec: &FaultSpec) {
        let relaxed = Ordering::Relaxed;
        if let Some(v) = spec.latency_ms {
            self.latency_ms.store(v, relaxed);
        }
        if let Some(v) = spec.too_many_requests {
            self.too_many_requests.store(v, relaxed);
        }
        if let Some(v) = spec.retry_after_secs {
            self.retry_after_secs.store(v, relaxed);
        }
        if let Some(v) = spec.server_errors {
            self.server_errors.store(v, relaxed);
        }
        if let Some(v) = spec.resets {
            self.resets.store(v, relaxed);
        }
        if let Some(v) = spec.slow_body_ms {
            self.slow_body_ms.store(v, relaxed);
            if spec.slow_bodies.is_none() {
                self.slow_bodies.store(u32::MAX, relaxed);
            }
        }
        if let Some(v) = spec.slow_bodies {
            self.slow_bodies.store(v, relaxed);
        }
        if let Some(v) = spec.truncated {
            self.truncated.store(v, relaxed);
        }
        if let Some(v) = spec.indexer_down {
            self.indexer_down.store(v, relaxed);
        }
        if spec.expire_tokens == Some(true) {
            self.expire_tokens.store(true, relaxed);
        }
        self.notify.notify_waiters();
    }

    /// Switches every fault off.
    pub fn clear(&self) {
        self.set(&FaultSpec {
            latency_ms: Some(0),
            expire_tokens: None,
            too_many_requests: Some(0),
            retry_after_secs: Some(1),
            server_errors: Some(0),
            resets: Some(0),
            slow_body_ms: Some(0),
            slow_bodies: Some(0),
            truncated: Some(0),
            indexer_down: Some(false),
        });
    }

    /// The current state.
    pub fn snapshot(&self) -> FaultSpec {
        let relaxed = Ordering::Relaxed;
        FaultSpec {
            latency_ms: Some(self.latency_ms.load(relaxed)),
            expire_tokens: Some(false),
            too_many_requests: Some(self.too_many_requests.load(relaxed)),
            retry_after_secs: Some(self.retry_after_secs()),
            server_errors: Some(self.server_errors.load(relaxed)),
            resets: Some(self.resets.load(relaxed)),
            slow_body_ms: Some(self.slow_body_ms.load(relaxed)),
            slow_bodies: Some(self.slow_bodies.load(relaxed)),
            truncated: Some(self.truncated.load(relaxed)),
            indexer_down: Some(self.indexer_down()),
        }
    }

    /// Added latency.
    pub fn latency(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    /// Whether the indexer should be down.
    pub fn indexer_down(&self) -> bool {
        self.indexer_down.load(Ordering::Relaxed)
    }

    /// Waits until any switch changes.
    pub async fn changed(&self) {
        self.notify.notified().await;
    }

    /// Takes the pending "expire all tokens" request, if any.
    pub(crate) fn take_expire_tokens(&self) -> bool {
        self.expire_tokens.swap(false, Ordering::Relaxed)
    }

    fn retry_after_secs(&self) -> u64 {
        match self.retry_after_secs.load(Ordering::Relaxed) {
            0 => 1,
            n => n,
        }
    }

    /// Consumes one pending fault for the next manager request, in a fixed order.
    pub(crate) fn take(&self) -> Option<Fault> {
        if take_one(&self.resets) {
            return Some(Fault::Reset);
        }
        if take_one(&self.too_many_requests) {
            return Some(Fault::TooManyRequests {
                retry_after_secs: self.retry_after_secs(),
            });
        }
        if take_one(&self.server_errors) {
            return Some(Fault::ServerError);
        }
        if take_one(&self.truncated) {
            return Some(Fault::Truncated);
        }
        let slow = self.slow_body_ms.load(Ordering::Relaxed);
        if slow > 0 && take_one(&self.slow_bodies) {
            return Some(Fault::SlowBody { total_ms: slow });
        }
        None
    }
}

/// Decrements `counter` if it is positive; true when it did.
fn take_one(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out() {
        let faults = Faults::default();
        faults.set(&FaultSpec {
            too_many_requests: Some(2),
            retry_after_secs: Some(3),
            ..FaultSpec::default()
        });
        let expected = Some(Fault::TooManyRequests {
            retry_after_secs: 3,
        });
        assert_eq!(faults.take(), expected);
        assert_eq!(faults.take(), expected);
        assert_eq!(faults.take(), None);
    }

    #[test]
    fn clear_switches_everything_off() {
        let faults = Faults::default();
        faults.set(&FaultSpec {
            server_errors: Some(5),
            latency_ms: Some(100),
            indexer_down: Some(true),
            ..FaultSpec::default()
        });
        faults.clear();
        assert_eq!(faults.take(), None);
        assert_eq!(faults.latency(), std::time::Duration::ZERO);
        assert!(!faults.indexer_down());
    }

    #[test]
    fn unknown_fault_names_are_rejected() {
        let parsed: Result<FaultSpec, _> = serde_json::from_str(r#"{"lag": 5}"#);
        assert!(parsed.is_err());
    }
}
