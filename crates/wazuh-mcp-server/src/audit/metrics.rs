//! Prometheus metrics, served as text (exposition format 0.0.4) at `GET /metrics`.
//!
//! Built on `prometheus-client`, the Prometheus project's own Rust client: it gives labelled
//! families, histograms with correct `_bucket`/`_sum`/`_count` series and label escaping, and
//! since 0.26 an encoder for the classic 0.0.4 text format that every Prometheus-compatible
//! scraper reads. Hand-rolled atomics would save one small dependency but re-implement exactly
//! that encoding, which is where home-made exporters usually go wrong. Counters from the Wazuh
//! clients are read at scrape time and rendered by [`upstream_stats_text`], so the clients stay
//! free of any metrics type.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use wazuh_client::ClientStats;

/// Upper bounds (seconds) of the tool-call duration buckets: a cached answer takes
/// milliseconds, a slow indexer query seconds.
const DURATION_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Distinct `tool` label values kept before further names are counted as `other`, so a client
/// inventing tool names cannot blow up the number of series.
const MAX_TOOL_LABELS: usize = 256;

/// `scope` values of `wazuh_mcp_rate_limited_total`.
pub(crate) const LIMIT_SCOPES: [&str; 3] = ["global", "principal", "upstream"];

/// `kind` values of `wazuh_mcp_suspicious_activity_total`.
pub(crate) const SUSPICIOUS_KINDS: [&str; 4] = [
    "denied",
    "denied_burst",
    "fleet_enumeration",
    "agent_id_enumeration",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolOutcome {
    tool: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabel {
    tool: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScopeLabel {
    scope: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

/// The server's metrics. Cheap to clone (an `Arc` inside); every clone updates the same series.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    tool_calls: Family<ToolOutcome, Counter>,
    durations: Family<ToolLabel, Histogram>,
    auth_failures: Counter,
    auth_failure_alerts: Counter,
    rate_limited: Family<ScopeLabel, Counter>,
    suspicious: Family<KindLabel, Counter>,
    audit_dropped: Counter,
    audit_write_errors: Counter,
    tools_seen: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn new_duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

impl Metrics {
    /// A fresh registry with every series of this server (counters without labels start at 0,
    /// and the known `scope` and `kind` labels are created at 0 so alert rules see them).
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let tool_calls = Family::<ToolOutcome, Counter>::default();
        let durations =
            Family::<ToolLabel, Histogram>::new_with_constructor(new_duration_histogram as _);
        let auth_failures = Counter::default();
        let auth_failure_alerts = Counter::default();
        let rate_limited = Family::<ScopeLabel, Counter>::default();
        let suspicious = Family::<KindLabel, Counter>::default();
        let audit_dropped = Counter::default();
        let audit_write_errors = Counter::default();
        // Counter names are registered without `_total`: the encoder appends it.
        registry.register(
            "wazuh_mcp_tool_calls",
            "Tool calls by tool and outcome (ok, error, denied)",
            tool_calls.clone(),
        );
        registry.register(
            "wazuh_mcp_tool_call_duration_seconds",
            "Duration of tool calls, by tool",
            durations.clone(),
        );
        registry.register(
            "wazuh_mcp_auth_failures",
            "Failed client authentications on the HTTP transports",
            auth_failures.clone(),
        );
        registry.register(
            "wazuh_mcp_auth_failure_alerts",
            "Alerts raised for repeated authentication failures from one source",
            auth_failure_alerts.clone(),
        );
        registry.register(
            "wazuh_mcp_rate_limited",
            "Calls refused (global, principal) or delayed (upstream) by a rate limit",
            rate_limited.clone(),
        );
        registry.register(
            "wazuh_mcp_suspicious_activity",
            "Suspicious activity events, by kind",
            suspicious.clone(),
        );
        registry.register(
            "wazuh_mcp_audit_dropped_events",
            "Audit events dropped because the audit writer fell behind",
            audit_dropped.clone(),
        );
        registry.register(
            "wazuh_mcp_audit_write_errors",
            "Failed writes to the audit log",
            audit_write_errors.clone(),
        );
        for scope in LIMIT_SCOPES {
            let _ = rate_limited.get_or_create_owned(&ScopeLabel {
                scope: scope.into(),
            });
        }
        for kind in SUSPICIOUS_KINDS {
            let _ = suspicious.get_or_create_owned(&KindLabel { kind: kind.into() });
        }
        Metrics {
            inner: Arc::new(Inner {
                registry,
                tool_calls,
                durations,
                auth_failures,
                auth_failure_alerts,
                rate_limited,
                suspicious,
                audit_dropped,
                audit_write_errors,
                tools_seen: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// Counts one tool call and observes its duration. `outcome` is `ok`, `error` or `denied`.
    pub fn tool_call(&self, tool: &str, outcome: &str, duration: Duration) {
        let tool = self.tool_label(tool);
        self.inner
            .tool_calls
            .get_or_create(&ToolOutcome {
                tool: tool.clone(),
                outcome: outcome.into(),
            })
            .inc();
        self.inner
            .durations
            .get_or_create(&ToolLabel { tool })
            .observe(duration.as_secs_f64());
    }

    /// Counts one failed client authentication.
    pub fn auth_failure(&self) {
        self.inner.auth_failures.inc();
    }

    /// Counts one repeated-authentication-failure alert.
    pub fn auth_failure_alert(&self) {
        self.inner.auth_failure_alerts.inc();
    }

    /// Counts one call refused (or, for `upstream`, delayed) by the limit of `scope`.
    pub fn rate_limited(&self, scope: &str) {
        self.inner
            .rate_limited
            .get_or_create(&ScopeLabel {
                scope: scope.into(),
            })
            .inc();
    }

    /// Counts one suspicious-activity event of `kind`.
    pub fn suspicious(&self, kind: &str) {
        self.inner
            .suspicious
            .get_or_create(&KindLabel { kind: kind.into() })
            .inc();
    }

    pub(crate) fn audit_dropped(&self) {
        self.inner.audit_dropped.inc();
    }

    pub(crate) fn audit_write_error(&self) {
        self.inner.audit_write_errors.inc();
    }

    /// Every series, in the Prometheus text format 0.0.4.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(error) = prometheus_text::encode(&mut text, &self.inner.registry) {
            tracing::error!(%error, "cannot encode the metrics");
        }
        text
    }

    /// The `tool` label for `tool`: the name itself if it looks like a tool name and the label
    /// budget allows, else `other`.
    fn tool_label(&self, tool: &str) -> String {
        let plausible = !tool.is_empty()
            && tool.len() <= 64
            && tool
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !plausible {
            return "other".into();
        }
        let mut seen = self
            .inner
            .tools_seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.contains(tool) {
            return tool.into();
        }
        if seen.len() >= MAX_TOOL_LABELS {
            return "other".into();
        }
        seen.insert(tool.into());
        tool.into()
    }
}

/// `GET /metrics`: `metrics` followed by `extra()` (text in the same format, computed at scrape
/// time, e.g. [`upstream_stats_text`] over the Wazuh clients' counters). Mount it outside the
/// authentication middleware.
pub fn metrics_router(
    metrics: Metrics,
    extra: impl Fn() -> String + Clone + Send + Sync + 'static,
) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            let extra = extra.clone();
            async move {
                let mut body = metrics.encode();
                body.push_str(&extra());
                (
                    [(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
                    body,
                )
            }
        }),
    )
}

/// The Wazuh clients' counters as Prometheus text, one `service` label per client
/// (`[("manager", manager.stats()), ("indexer", indexer.stats())]`):
/// `wazuh_mcp_upstream_requests_total`, `_retries_total`, `_logins_total`,
/// `_login_failures_total` and `_reauthentications_total`.
pub fn upstream_stats_text(clients: &[(&str, ClientStats)]) -> String {
    type Field = fn(&ClientStats) -> u64;
    let series: [(&str, &str, Field); 5] = [
        (
            "wazuh_mcp_upstream_requests_total",
            "Requests sent to Wazuh (each attempt of a retried request counts)",
            |s| s.requests,
        ),
        (
            "wazuh_mcp_upstream_retries_total",
            "Requests to Wazuh retried after a transient failure",
            |s| s.retries,
        ),
        (
            "wazuh_mcp_upstream_logins_total",
            "Logins to Wazuh, successful or not",
            |s| s.logins,
        ),
        (
            "wazuh_mcp_upstream_login_failures_total",
            "Failed logins to Wazuh",
            |s| s.login_failures,
        ),
        (
            "wazuh_mcp_upstream_reauthentications_total",
            "Requests to Wazuh repeated with a fresh token after a 401",
            |s| s.reauthentications,
        ),
    ];
    let mut text = String::new();
    if clients.is_empty() {
        return text;
    }
    for (name, help, field) in series {
        let _ = writeln!(text, "# HELP {name} {help}.");
        let _ = writeln!(text, "# TYPE {name} counter");
        for (service, stats) in clients {
            let _ = writeln!(
                text,
                "{name}{{service=\"{}\"}} {}",
                escape_label(service),
                field(stats)
            );
        }
    }
    text
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line that starts with `series` (name and labels).
    pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn series_and_counts() {
        let metrics = Metrics::new();
        metrics.tool_call("get_agents", "ok", Duration::from_millis(20));
        metrics.tool_call("get_agents", "ok", Duration::from_millis(700));
        metrics.tool_call("get_agents", "error", Duration::from_millis(5));
        metrics.tool_call("list_rules", "denied", Duration::ZERO);
        metrics.auth_failure();
        metrics.auth_failure();
        metrics.auth_failure_alert();
        metrics.rate_limited("principal");
        metrics.suspicious("denied_burst");
        let text = metrics.encode();
        let get = |series: &str| sample(&text, series);
        assert_eq!(
            get(r#"wazuh_mcp_tool_calls_total{tool="get_agents",outcome="ok"}"#),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            get(r#"wazuh_mcp_tool_calls_total{tool="get_agents",outcome="error"}"#),
            Some(1.0)
        );
        assert_eq!(
            get(r#"wazuh_mcp_tool_calls_total{tool="list_rules",outcome="denied"}"#),
            Some(1.0)
        );
        assert_eq!(
            get(r#"wazuh_mcp_tool_call_duration_seconds_count{tool="get_agents"}"#),
            Some(3.0)
        );
        assert_eq!(
            get(r#"wazuh_mcp_tool_call_duration_seconds_bucket{le="0.025",tool="get_agents"}"#)
                .or_else(|| get(
                    r#"wazuh_mcp_tool_call_duration_seconds_bucket{tool="get_agents",le="0.025"}"#
                )),
            Some(2.0),
            "{text}"
        );
        assert_eq!(get("wazuh_mcp_auth_failures_total"), Some(2.0));
        assert_eq!(get("wazuh_mcp_auth_failure_alerts_total"), Some(1.0));
        assert_eq!(
            get(r#"wazuh_mcp_rate_limited_total{scope="principal"}"#),
            Some(1.0)
        );
        assert_eq!(
            get(r#"wazuh_mcp_rate_limited_total{scope="global"}"#),
            Some(0.0)
        );
        assert_eq!(
            get(r#"wazuh_mcp_suspicious_activity_total{kind="denied_burst"}"#),
            Some(1.0)
        );
        assert_eq!(
            get(r#"wazuh_mcp_suspicious_activity_total{kind="fleet_enumeration"}"#),
            Some(0.0)
        );
        assert!(text.contains("# TYPE wazuh_mcp_tool_call_duration_seconds histogram"));
        assert!(!text.contains("# EOF"), "0.0.4, not OpenMetrics");
    }

    #[test]
    fn tool_label_cardinality_is_capped() {
        let metrics = Metrics::new();
        metrics.tool_call("bad name\"{}", "error", Duration::ZERO);
        for i in 0..MAX_TOOL_LABELS + 10 {
            metrics.tool_call(&format!("t{i}"), "error", Duration::ZERO);
        }
        let text = metrics.encode();
        assert_eq!(
            sample(
                &text,
                r#"wazuh_mcp_tool_calls_total{tool="other",outcome="error"}"#
            ),
            Some(11.0),
            "{text}"
        );
    }

    #[test]
    fn upstream_text() {
        let stats = ClientStats {
            requests: 7,
            retries: 1,
            logins: 2,
            ..ClientStats::default()
        };
        let text = upstream_stats_text(&[("manager", stats)]);
        assert_eq!(
            sample(
                &text,
                r#"wazuh_mcp_upstream_requests_total{service="manager"}"#
            ),
            Some(7.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"wazuh_mcp_upstream_logins_total{service="manager"}"#
            ),
            Some(2.0)
        );
        assert!(text.contains("# TYPE wazuh_mcp_upstream_requests_total counter"));
        assert_eq!(upstream_stats_text(&[]), "");
    }

    #[tokio::test]
    async fn router_serves_text() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let metrics = Metrics::new();
        metrics.auth_failure();
        let app = metrics_router(metrics, || "extra_metric 1\n".to_string());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        // A plain HTTP/1.1 exchange: no client library (or TLS provider) needed.
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let head = head.to_ascii_lowercase();
        assert!(
            head.contains("content-type: text/plain; version=0.0.4"),
            "{head}"
        );
        assert_eq!(sample(body, "wazuh_mcp_auth_failures_total"), Some(1.0));
        assert!(body.contains("extra_metric 1\n"), "{body}");
        server.abort();
    }
}
