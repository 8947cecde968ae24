//! Settings of the manager and indexer clients.
//!
//! Both configs have the same knobs; only their defaults differ (URL and user). They
//! deserialize from any serde format, reject unknown keys, and read no environment variable:
//! the binary merges files, env and flags and hands the result over. Durations are seconds (a
//! number, fractions allowed) or a string with a unit: `"30s"`, `"500ms"`, `"5m"`.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::error::{Error, Result};

/// Default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of retries after the first attempt (3 attempts in all).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default first backoff delay; it doubles on every retry.
pub const DEFAULT_BACKOFF_FACTOR: Duration = Duration::from_millis(500);
/// Default upper bound of one backoff delay.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(8);
/// Default upper bound of a delay asked for by `Retry-After`.
pub const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(30);
/// Default bound on connections (requests in flight) to one service.
pub const DEFAULT_POOL_MAX_CONNECTIONS: usize = 20;
/// Default number of idle connections kept per host.
pub const DEFAULT_POOL_MAX_IDLE: usize = 10;
/// Default time an idle connection is kept.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

macro_rules! connection_config {
    (
        $(#[$meta:meta])*
        $name:ident, default_url: $url:expr, default_user: $user:expr
    ) => {
        $(#[$meta])*
        #[derive(Clone, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// Base URL, e.g. `https://wazuh.example:55000`; a path prefix (behind a reverse
            /// proxy) is kept.
            pub url: String,
            /// User name.
            pub username: String,
            /// Password; never printed by `Debug` nor put in errors.
            pub password: SecretString,
            /// Verify the server's certificate (default `true`). Turning it off logs a warning.
            pub verify_tls: bool,
            /// PEM file with the CA certificate(s) to trust instead of the built-in web roots
            /// (e.g. Wazuh's `root-ca.pem`). The binary fills it from `SSL_CERT_FILE` if asked to.
            pub ca_file: Option<PathBuf>,
            /// Whole-request timeout (default 30 s).
            #[serde(deserialize_with = "duration::deserialize")]
            pub timeout: Duration,
            /// Connect timeout (default 10 s).
            #[serde(deserialize_with = "duration::deserialize")]
            pub connect_timeout: Duration,
            /// Retries after the first attempt for retryable requests (default 2: 3 attempts).
            pub max_retries: u32,
            /// First backoff delay, doubled on each retry, with jitter (default 0.5 s).
            #[serde(deserialize_with = "duration::deserialize")]
            pub backoff_factor: Duration,
            /// Upper bound of one backoff delay (default 8 s).
            #[serde(deserialize_with = "duration::deserialize")]
            pub backoff_max: Duration,
            /// Upper bound of a wait asked for by a 429's `Retry-After` (default 30 s).
            #[serde(deserialize_with = "duration::deserialize")]
            pub retry_after_cap: Duration,
            /// Most requests in flight, hence connections, to this service (default 20).
            pub pool_max_connections: usize,
            /// Idle connections kept (default 10).
            pub pool_max_idle: usize,
            /// How long an idle connection is kept (default 300 s).
            #[serde(deserialize_with = "duration::deserialize")]
            pub pool_idle_timeout: Duration,
            /// HTTP(S) proxy URL for every request; none by default (the `HTTP_PROXY`-style
            /// variables are not read here: the binary may pass one in).
            pub proxy: Option<String>,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    url: $url.into(),
                    username: $user.into(),
                    password: SecretString::from(""),
                    verify_tls: true,
                    ca_file: None,
                    timeout: DEFAULT_TIMEOUT,
                    connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                    max_retries: DEFAULT_MAX_RETRIES,
                    backoff_factor: DEFAULT_BACKOFF_FACTOR,
                    backoff_max: DEFAULT_BACKOFF_MAX,
                    retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
                    pool_max_connections: DEFAULT_POOL_MAX_CONNECTIONS,
                    pool_max_idle: DEFAULT_POOL_MAX_IDLE,
                    pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
                    proxy: None,
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("url", &self.url)
                    .field("username", &self.username)
                    .field("password", &"[redacted]")
                    .field("verify_tls", &self.verify_tls)
                    .field("ca_file", &self.ca_file)
                    .field("timeout", &self.timeout)
                    .field("connect_timeout", &self.connect_timeout)
                    .field("max_retries", &self.max_retries)
                    .field("backoff_factor", &self.backoff_factor)
                    .field("backoff_max", &self.backoff_max)
                    .field("retry_after_cap", &self.retry_after_cap)
                    .field("pool_max_connections", &self.pool_max_connections)
                    .field("pool_max_idle", &self.pool_max_idle)
                    .field("pool_idle_timeout", &self.pool_idle_timeout)
                    .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
                    .finish()
            }
        }

        impl $name {
            /// A config for `url` with user and password, everything else default.
            pub fn new(
                url: impl Into<String>,
                username: impl Into<String>,
                password: impl Into<String>,
            ) -> Self {
                $name {
                    url: url.into(),
                    username: username.into(),
                    password: SecretString::from(password.into()),
                    ..Self::default()
                }
            }

            pub(crate) fn transport(&self) -> TransportConfig {
                TransportConfig {
                    url: self.url.clone(),
                    verify_tls: self.verify_tls,
                    ca_file: self.ca_file.clone(),
                    timeout: self.timeout,
                    connect_timeout: self.connect_timeout,
                    retry: crate::retry::RetryPolicy {
                        max_retries: self.max_retries,
                        backoff_factor: self.backoff_factor,
                        backoff_max: self.backoff_max,
                        retry_after_cap: self.retry_after_cap,
                    },
                    pool_max_connections: self.pool_max_connections,
                    pool_max_idle: self.pool_max_idle,
                    pool_idle_timeout: self.pool_idle_timeout,
                    proxy: self.proxy.clone(),
                }
            }
        }
    };
}

connection_config! {
    /// Settings of the manager API client ([`crate::ManagerClient`]).
    ///
    /// Defaults: `https://localhost:55000`, user `wazuh`, TLS verified, 30 s timeout, 3 attempts,
    /// 20 connections / 10 idle kept for 300 s.
    ManagerConfig, default_url: "https://localhost:55000", default_user: "wazuh"
}

connection_config! {
    /// Settings of the indexer client ([`crate::indexer::IndexerClient`]).
    ///
    /// Defaults: `https://localhost:9200`, user `admin`, and the same transport defaults as
    /// [`ManagerConfig`].
    IndexerConfig, default_url: "https://localhost:9200", default_user: "admin"
}

/// The transport knobs shared by both clients.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub url: String,
    pub verify_tls: bool,
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: crate::retry::RetryPolicy,
    pub pool_max_connections: usize,
    pub pool_max_idle: usize,
    pub pool_idle_timeout: Duration,
    pub proxy: Option<String>,
}

impl TransportConfig {
    /// Checks values that would make the client misbehave.
    pub fn check(&self) -> Result<()> {
        if self.timeout.is_zero() {
            return Err(Error::Config("timeout must be more than 0".into()));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::Config("connect_timeout must be more than 0".into()));
        }
        if self.pool_max_connections == 0 {
            return Err(Error::Config(
                "pool_max_connections must be at least 1".into(),
            ));
        }
        if self.retry.max_retries > 10 {
            return Err(Error::Config(format!(
                "max_retries {} is too high: use 0 to 10",
                self.retry.max_retries
            )));
        }
        Ok(())
    }
}

/// Durations as seconds or as strings with a unit.
mod duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, de};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(u64),
        Float(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Int(secs) => Ok(Duration::from_secs(secs)),
            Raw::Float(secs) => Duration::try_from_secs_f64(secs)
                .map_err(|_| de::Error::custom(format!("invalid duration {secs}"))),
            Raw::Text(text) => parse(&text).map_err(de::Error::custom),
        }
    }

    /// `"30"`, `"30s"`, `"1.5s"`, `"500ms"`, `"5m"`.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
            (n, 0.001)
        } else if let Some(n) = text.strip_suffix('s') {
            (n, 1.0)
        } else if let Some(n) = text.strip_suffix('m') {
            (n, 60.0)
        } else {
            (text, 1.0)
        };
        number
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|n| Duration::try_from_secs_f64(n * scale).ok())
            .ok_or_else(|| {
                format!("invalid duration `{text}`: use seconds (30, 1.5) or 30s, 500ms, 5m")
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn defaults_match_the_reference_design() {
        let c = ManagerConfig::default();
        assert_eq!(c.url, "https://localhost:55000");
        assert!(c.verify_tls);
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.max_retries, 2);
        assert_eq!(c.pool_max_connections, 20);
        assert_eq!(c.pool_max_idle, 10);
        assert_eq!(c.pool_idle_timeout, Duration::from_secs(300));
        assert_eq!(IndexerConfig::default().url, "https://localhost:9200");
    }

    #[test]
    fn deserializes_with_units_and_rejects_unknown_keys() {
        let c: ManagerConfig = serde_json::from_value(serde_json::json!({
            "url": "https://wazuh:55000",
            "password": "s3cret",
            "timeout": "1.5s",
            "backoff_factor": 0.25,
            "retry_after_cap": "500ms",
            "pool_idle_timeout": 60,
        }))
        .expect("valid config");
        assert_eq!(c.timeout, Duration::from_millis(1500));
        assert_eq!(c.backoff_factor, Duration::from_millis(250));
        assert_eq!(c.retry_after_cap, Duration::from_millis(500));
        assert_eq!(c.pool_idle_timeout, Duration::from_secs(60));
        assert_eq!(c.password.expose_secret(), "s3cret");
        assert_eq!(c.username, "wazuh");

        let bad = serde_json::from_value::<ManagerConfig>(serde_json::json!({"pasword": "x"}));
        assert!(bad.is_err());
        let bad = serde_json::from_value::<ManagerConfig>(serde_json::json!({"timeout": "soon"}));
        assert!(bad.is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let c = ManagerConfig::new("https://w:55000", "wazuh", "hunter2-secret");
        let text = format!("{c:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("redacted"));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(duration::parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(duration::parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration::parse("2"), Ok(Duration::from_secs(2)));
        assert!(duration::parse("-1s").is_err());
    }

    #[test]
    fn checks_reject_nonsense() {
        let c = ManagerConfig {
            pool_max_connections: 0,
            ..ManagerConfig::default()
        };
        assert!(c.transport().check().is_err());
        let c = ManagerConfig {
            timeout: Duration::ZERO,
            ..ManagerConfig::default()
        };
        assert!(c.transport().check().is_err());
    }
}
