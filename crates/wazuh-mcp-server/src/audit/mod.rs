//! The audit log (one JSON line per tool call and per authentication failure), alerts on
//! repeated failures and unusual patterns, Prometheus metrics and rate limits.
//!
//! - [`AuditLog`] writes the JSON lines through a dedicated writer thread, so a tool call never
//!   waits on the disk, and runs the detectors (authentication-failure alerts, bursts of denied
//!   calls, fleet enumeration by a narrowly scoped principal).
//! - [`Metrics`] holds the Prometheus series; [`metrics_router`] serves them at `GET /metrics`.
//! - [`RateLimiter`] enforces the global and per-principal limits and paces requests to Wazuh.
//!
//! Wiring, in short:
//!
//! ```no_run
//! # use wazuh_mcp_server::audit::*;
//! # use wazuh_mcp_server::principal::Principal;
//! # async fn demo(config: &wazuh_mcp_server::config::Config) -> Result<(), AuditError> {
//! let metrics = Metrics::new();
//! let audit = AuditLog::new(&config.audit, metrics.clone())?;
//! let limiter = RateLimiter::new(&config.limits, metrics.clone())?;
//! let principal = Principal::local();
//! if let Err(retry) = limiter.check(&principal) {
//!     // JSON-RPC error: "rate limit exceeded: retry after N ms"
//!     let _message = retry.to_string();
//! }
//! let mut record = CallRecord::new(&principal, CallTransport::Stdio, "get_agents",
//!     serde_json::json!({"limit": 10}));
//! record.outcome = Outcome::Ok;
//! audit.record_call(&record);
//! audit.flush().await; // on shutdown
//! # Ok(()) }
//! ```

mod detect;
mod limit;
mod log;
mod metrics;
mod redact;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub use limit::{LimitScope, RateLimiter, RetryAfter};
pub use log::{AuditLog, CallRecord, CallTransport, Outcome, UpstreamCall};
pub use metrics::{Metrics, metrics_router, upstream_stats_text};
pub use redact::{REDACTED, redact};

/// Why the audit log or the rate limiter cannot start. Messages name the key to fix.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// `audit.path` cannot be opened for appending.
    #[error("cannot open the audit log {path} (audit.path): {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The writer thread could not be started.
    #[error("cannot start the audit writer thread: {0}")]
    Thread(#[source] std::io::Error),
    /// A setting is out of range.
    #[error("invalid value for {key}: {message}")]
    Invalid { key: String, message: String },
}

/// `audit:` in the configuration.
///
/// ```yaml
/// audit:
///   enabled: true
///   path: /var/log/wazuh-mcp/audit.jsonl   # or "-" (the default): stderr
///   failure_threshold: 5                   # authentication failures from one source...
///   failure_window: 60                     # ...within this many seconds raise an alert
///   denied_threshold: 10                   # denied calls by one principal...
///   denied_window: 60s                     # ...within this window are a burst
///   enumeration_threshold: 20              # fleet enumeration by a group-scoped principal...
///   enumeration_window: 5m                 # ...within this window
/// ```
///
/// Windows are seconds, written as a number (`60`) or with a unit (`60s`, `5m`, `1h`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSettings {
    /// Write audit lines. When off, metrics are still counted and alerts still reach the log
    /// (`tracing` at warn level); only the JSON lines are not written.
    pub enabled: bool,
    /// File the JSON lines are appended to (created with mode 0600 on unix). Unset or `-`
    /// means stderr, never stdout: stdout carries the MCP protocol of the stdio transport.
    pub path: Option<PathBuf>,
    /// Authentication failures from one source address within `failure_window` that raise an
    /// `auth_failure_alert` event (once per window per source).
    pub failure_threshold: u32,
    /// Window of `failure_threshold`, in seconds.
    #[serde(deserialize_with = "seconds")]
    pub failure_window: u64,
    /// Denied calls by one principal within `denied_window` that raise a
    /// `suspicious_activity` event of kind `denied_burst`.
    pub denied_threshold: u32,
    /// Window of `denied_threshold`, in seconds.
    #[serde(deserialize_with = "seconds")]
    pub denied_window: u64,
    /// A principal scoped to agent groups that, within `enumeration_window`, lists every agent
    /// (`get_agents` without filters) more than this many times, or names more than this many
    /// distinct agent ids, raises a `suspicious_activity` event (`fleet_enumeration` or
    /// `agent_id_enumeration`).
    pub enumeration_threshold: u32,
    /// Window of `enumeration_threshold`, in seconds.
    #[serde(deserialize_with = "seconds")]
    pub enumeration_window: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            enabled: true,
            path: None,
            failure_threshold: 5,
            failure_window: 60,
            denied_threshold: 10,
            denied_window: 60,
            enumeration_threshold: 20,
            enumeration_window: 300,
        }
    }
}

impl AuditSettings {
    /// The file to write to; `None` means stderr.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.path
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty() && p.as_os_str() != "-")
    }

    /// Checks the ranges (thresholds and windows of at least 1).
    pub fn validate(&self) -> Result<(), AuditError> {
        let positive = |key: &str, value: u64| {
            if value == 0 {
                Err(AuditError::Invalid {
                    key: format!("audit.{key}"),
                    message: "must be at least 1".into(),
                })
            } else {
                Ok(())
            }
        };
        positive("failure_threshold", self.failure_threshold.into())?;
        positive("failure_window", self.failure_window)?;
        positive("denied_threshold", self.denied_threshold.into())?;
        positive("denied_window", self.denied_window)?;
        positive("enumeration_threshold", self.enumeration_threshold.into())?;
        positive("enumeration_window", self.enumeration_window)
    }
}

/// `limits:` in the configuration. A rate of `0` switches that limit off.
///
/// ```yaml
/// limits:
///   global_per_second: 10        # all callers together (the reference design's default)
///   global_burst: 20
///   per_principal_per_second: 5  # each principal (API key, token subject, `local`...)
///   per_principal_burst: 10
///   upstream_per_minute: 250     # requests to the Wazuh API (its own limit is 300/min)
///   upstream_burst: 10
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Tool calls per second across all callers; fractions allowed (`0.5`); `0` = no limit.
    pub global_per_second: f64,
    /// Calls allowed at once above the steady rate, across all callers.
    pub global_burst: u32,
    /// Tool calls per second for each principal; `0` = no limit.
    pub per_principal_per_second: f64,
    /// Calls allowed at once above the steady rate, for each principal.
    pub per_principal_burst: u32,
    /// Requests per minute sent to the Wazuh API (outbound pacing: requests wait, they are not
    /// refused). Keep `upstream_per_minute + upstream_burst` below Wazuh's
    /// `max_request_per_minute` (300 by default); `0` = no pacing.
    pub upstream_per_minute: f64,
    /// Requests sent at once above the steady upstream rate.
    pub upstream_burst: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            global_per_second: 10.0,
            global_burst: 20,
            per_principal_per_second: 5.0,
            per_principal_burst: 10,
            upstream_per_minute: 250.0,
            upstream_burst: 10,
        }
    }
}

/// A window in seconds: `60`, `"60"`, `"60s"`, `"5m"`, `"1h"`.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrStr {
        N(u64),
        S(String),
    }
    match NumOrStr::deserialize(d)? {
        NumOrStr::N(n) => Ok(n),
        NumOrStr::S(s) => parse_seconds(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not a duration (seconds, or a number with s, m or h)"
            ))
        }),
    }
}

fn parse_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let number: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    number.checked_mul(factor)
}

fn window(seconds: u64) -> Duration {
    Duration::from_secs(seconds.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_yaml() {
        let settings: AuditSettings = serde_yaml::from_str("{}").unwrap();
        assert_eq!(settings, AuditSettings::default());
        assert!(settings.enabled);
        assert_eq!(settings.file(), None);
        assert_eq!(settings.failure_threshold, 5);
        assert_eq!(settings.failure_window, 60);

        let settings: AuditSettings = serde_yaml::from_str(
            "enabled: false\npath: /tmp/a.jsonl\nfailure_window: 2m\ndenied_window: \"30\"\nenumeration_window: 1h\n",
        )
        .unwrap();
        assert!(!settings.enabled);
        assert_eq!(settings.file(), Some(std::path::Path::new("/tmp/a.jsonl")));
        assert_eq!(settings.failure_window, 120);
        assert_eq!(settings.denied_window, 30);
        assert_eq!(settings.enumeration_window, 3600);

        let dash: AuditSettings = serde_yaml::from_str("path: '-'").unwrap();
        assert_eq!(dash.file(), None);

        let err = serde_yaml::from_str::<AuditSettings>("pth: x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `pth`"), "{err}");
        let err = serde_yaml::from_str::<AuditSettings>("failure_window: soon")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a duration"), "{err}");

        let zero = AuditSettings {
            failure_threshold: 0,
            ..AuditSettings::default()
        };
        let err = zero.validate().unwrap_err().to_string();
        assert!(err.contains("audit.failure_threshold"), "{err}");
        assert!(AuditSettings::default().validate().is_ok());
    }

    #[test]
    fn limit_settings_yaml() {
        let limits: LimitSettings = serde_yaml::from_str("{}").unwrap();
        assert_eq!(limits, LimitSettings::default());
        assert_eq!(limits.global_per_second, 10.0);
        assert!(limits.upstream_per_minute < 300.0);
        let limits: LimitSettings =
            serde_yaml::from_str("global_per_second: 2\nper_principal_per_second: 0.5\n").unwrap();
        assert_eq!(limits.global_per_second, 2.0);
        assert_eq!(limits.per_principal_per_second, 0.5);
        assert!(serde_yaml::from_str::<LimitSettings>("global: 1").is_err());
    }
}
