//! The audit log: JSON lines written by a dedicated thread, and the detectors that turn
//! repeated failures and unusual patterns into alerts.
//!
//! Events (one JSON object per line, keys in this order):
//!
//! - `tool_call`: `time`, `event`, `request_id`, `principal` (`subject`, `kind`, `groups`),
//!   `source`, `transport`, `tool`, `arguments` (redacted), `outcome` (`ok`, `error` with
//!   `error`, `denied` with `reason`), `duration_ms`, `upstream_calls`, `upstream`;
//! - `auth_failure`: `time`, `event`, `source`, `reason`;
//! - `auth_failure_alert`: `time`, `event`, `source` (the IP address), `failures`, `threshold`,
//!   `window_s`, `reason` (the latest);
//! - `suspicious_activity`: `time`, `event`, `kind` (`denied`, `denied_burst`,
//!   `fleet_enumeration`, `agent_id_enumeration`), `principal`, `source`, `tool`, then `reason`
//!   (for `denied`) or `count`, `threshold`, `window_s`.
//!
//! Optional fields that are unknown (`request_id`, `source`, `groups`, `upstream`) are left out.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, oneshot};

use super::detect::{DistinctTracker, Tracker};
use super::redact::{redact, truncate};
use super::{AuditError, AuditSettings, Metrics, window};
use crate::principal::{Principal, PrincipalKind};

/// Audit lines that may wait for the writer; beyond this, events are dropped (and counted in
/// `wazuh_mcp_audit_dropped_events_total`) rather than making tool calls wait on the disk.
const QUEUE: usize = 8192;

/// Longest free text (reasons, error messages, tool names) kept in a line.
const MAX_TEXT: usize = 512;

/// Tools that list the whole fleet when called without a filter.
const FLEET_LISTING_TOOLS: &[&str] = &["get_agents"];

/// Arguments that shape a list without narrowing it (not filters).
const PRESENTATION_ARGS: &[&str] = &["limit", "offset", "sort", "select", "distinct"];

/// Arguments that name agents.
const AGENT_ID_ARGS: &[&str] = &["agent_id", "agent_ids", "agents_list", "agents"];

/// Agent ids taken from one call, at most.
const MAX_IDS_PER_CALL: usize = 1000;

/// The transport a tool call came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallTransport {
    Stdio,
    /// Streamable HTTP (`/mcp`).
    Http,
    /// The legacy HTTP+SSE transport (`/sse`).
    Sse,
}

impl CallTransport {
    pub fn as_str(self) -> &'static str {
        match self {
            CallTransport::Stdio => "stdio",
            CallTransport::Http => "http",
            CallTransport::Sse => "sse",
        }
    }
}

/// How a tool call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// The tool ran and failed (an `isError` result or a protocol error), with the message.
    Error(String),
    /// Policy refused the call, with the reason.
    Denied(String),
    /// Not run yet: the server asked the client for the user's confirmation and waits for the
    /// retry (which is audited on its own).
    Pending(String),
}

impl Outcome {
    /// `ok`, `error` or `denied`, as in the `outcome` label of `wazuh_mcp_tool_calls_total`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error(_) => "error",
            Outcome::Denied(_) => "denied",
            Outcome::Pending(_) => "pending",
        }
    }
}

/// One request sent to Wazuh, as `METHOD /path?key&key`: query values are left out (they may
/// hold search terms or WQL from the caller; the audited arguments already show those).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamCall(String);

impl UpstreamCall {
    /// `UpstreamCall::new("GET", "/agents?q=name=x&limit=5")` → `GET /agents?q&limit`. A full
    /// URL is cut to its path.
    pub fn new(method: &str, path_and_query: &str) -> UpstreamCall {
        let without_origin = match path_and_query.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => path_and_query,
        };
        let (path, query) = match without_origin.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (without_origin, None),
        };
        let mut text = format!("{} {}", method.to_ascii_uppercase(), truncate(path, 256));
        if let Some(query) = query {
            let keys: Vec<&str> = query
                .split('&')
                .filter_map(|pair| pair.split('=').next())
                .filter(|k| !k.is_empty())
                .collect();
            if !keys.is_empty() {
                text.push('?');
                text.push_str(&truncate(&keys.join("&"), 256));
            }
        }
        UpstreamCall(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is audited of one tool call. Build it with [`CallRecord::new`] when the call starts,
/// then set `outcome`, `duration`, `upstream_calls` and `request_id`.
#[derive(Clone)]
pub struct CallRecord {
    /// When the call started.
    pub time: DateTime<Utc>,
    pub subject: String,
    pub kind: PrincipalKind,
    /// The principal's agent-group scope (`None`: every agent).
    pub agent_groups: Option<Vec<String>>,
    pub source: Option<SocketAddr>,
    pub transport: CallTransport,
    pub tool: String,
    /// The arguments as received; redacted when the line is written.
    pub arguments: Value,
    pub outcome: Outcome,
    pub duration: Duration,
    /// Requests sent to Wazuh for this call (at least `upstream.len()`).
    pub upstream_calls: u64,
    /// Those requests, if known.
    pub upstream: Vec<UpstreamCall>,
    /// The JSON-RPC request id, as text.
    pub request_id: Option<String>,
    /// How a write call was confirmed (`elicitation`, `argument`); `None` for reads.
    pub confirmation: Option<&'static str>,
}

impl std::fmt::Debug for CallRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the raw arguments: they may hold secrets.
        f.debug_struct("CallRecord")
            .field("time", &self.time)
            .field("subject", &self.subject)
            .field("kind", &self.kind)
            .field("source", &self.source)
            .field("transport", &self.transport)
            .field("tool", &self.tool)
            .field("arguments", &redact(&self.arguments))
            .field("outcome", &self.outcome)
            .field("duration", &self.duration)
            .field("upstream_calls", &self.upstream_calls)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl CallRecord {
    /// A call by `principal` starting now, with outcome `Ok`, no duration and no upstream
    /// requests yet.
    pub fn new(
        principal: &Principal,
        transport: CallTransport,
        tool: impl Into<String>,
        arguments: Value,
    ) -> CallRecord {
        CallRecord {
            time: Utc::now(),
            subject: principal.subject.clone(),
            kind: principal.kind,
            agent_groups: principal.agent_groups.clone(),
            source: principal.source,
            transport,
            tool: tool.into(),
            arguments,
            outcome: Outcome::Ok,
            duration: Duration::ZERO,
            upstream_calls: 0,
            upstream: Vec::new(),
            request_id: None,
            confirmation: None,
        }
    }
}

enum Message {
    Line(String),
    Flush(oneshot::Sender<()>),
}

struct Detectors {
    auth: Tracker<Option<IpAddr>>,
    denied: Tracker<String>,
    listing: Tracker<String>,
    agent_ids: DistinctTracker,
}

/// The audit log. Cheap to clone (an `Arc` inside); all clones write to the same sink.
///
/// Recording never blocks: lines go through a bounded queue to a dedicated writer thread that
/// flushes after every batch. A write error is logged once at error level (again only after
/// the sink recovered and failed anew) and counted; nothing panics. Call [`AuditLog::flush`]
/// before exiting so queued lines reach the sink.
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` when `audit.enabled` is off: detectors and metrics still run.
    queue: Option<mpsc::Sender<Message>>,
    metrics: Metrics,
    settings: AuditSettings,
    detectors: Mutex<Detectors>,
    drop_reported: AtomicBool,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("enabled", &self.inner.queue.is_some())
            .field("path", &self.inner.settings.file())
            .finish()
    }
}

impl AuditLog {
    /// The audit log `settings` describe: appending to `audit.path` (created with mode 0600 on
    /// unix) or writing to stderr. Fails if the settings are out of range or the file cannot be
    /// opened.
    pub fn new(settings: &AuditSettings, metrics: Metrics) -> Result<AuditLog, AuditError> {
        settings.validate()?;
        if !settings.enabled {
            return Ok(AuditLog::build(settings, metrics, None));
        }
        match settings.file() {
            Some(path) => {
                let file = open_append(path)?;
                let name = path.display().to_string();
                AuditLog::spawn(settings, metrics, Box::new(BufWriter::new(file)), name)
            }
            None => AuditLog::spawn(
                settings,
                metrics,
                Box::new(BufWriter::new(std::io::stderr())),
                "stderr".into(),
            ),
        }
    }

    /// An audit log writing to `writer` (tests, or a sink of the caller's choice); `path` in
    /// `settings` is ignored.
    pub fn with_writer(
        settings: &AuditSettings,
        metrics: Metrics,
        writer: impl Write + Send + 'static,
    ) -> Result<AuditLog, AuditError> {
        settings.validate()?;
        if !settings.enabled {
            return Ok(AuditLog::build(settings, metrics, None));
        }
        AuditLog::spawn(settings, metrics, Box::new(writer), "custom writer".into())
    }

    /// An audit log that writes nothing, with default detectors and its own metrics.
    pub fn disabled() -> AuditLog {
        let settings = AuditSettings {
            enabled: false,
            ..AuditSettings::default()
        };
        AuditLog::build(&settings, Metrics::new(), None)
    }

    fn spawn(
        settings: &AuditSettings,
        metrics: Metrics,
        writer: Box<dyn Write + Send>,
        name: String,
    ) -> Result<AuditLog, AuditError> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread_metrics = metrics.clone();
        std::thread::Builder::new()
            .name("wazuh-mcp-audit".into())
            .spawn(move || write_loop(rx, writer, thread_metrics, name))
            .map_err(AuditError::Thread)?;
        Ok(AuditLog::build(settings, metrics, Some(tx)))
    }

    fn build(
        settings: &AuditSettings,
        metrics: Metrics,
        queue: Option<mpsc::Sender<Message>>,
    ) -> AuditLog {
        let s = settings;
        AuditLog {
            inner: Arc::new(Inner {
                queue,
                metrics,
                settings: s.clone(),
                detectors: Mutex::new(Detectors {
                    auth: Tracker::new(s.failure_threshold, window(s.failure_window)),
                    denied: Tracker::new(s.denied_threshold, window(s.denied_window)),
                    // "More than N" listings: the alert comes with the (N+1)th.
                    listing: Tracker::new(
                        s.enumeration_threshold.saturating_add(1),
                        window(s.enumeration_window),
                    ),
                    agent_ids: DistinctTracker::new(
                        s.enumeration_threshold,
                        window(s.enumeration_window),
                    ),
                }),
                drop_reported: AtomicBool::new(false),
            }),
        }
    }

    /// The metrics this log counts into.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Waits until every line recorded so far has been written and flushed.
    pub async fn flush(&self) {
        let Some(queue) = &self.inner.queue else {
            return;
        };
        let (ack, done) = oneshot::channel();
        if queue.send(Message::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Audits one tool call (`"event":"tool_call"`), counts it, and feeds the detectors: a
    /// `Denied` outcome counts towards `denied_burst` (do not also call [`record_denied`] for
    /// it); calls by a principal scoped to agent groups count towards `fleet_enumeration` and
    /// `agent_id_enumeration`.
    ///
    /// [`record_denied`]: AuditLog::record_denied
    pub fn record_call(&self, record: &CallRecord) {
        self.record_call_at(record, Instant::now());
    }

    pub(crate) fn record_call_at(&self, record: &CallRecord, now: Instant) {
        let tool = truncate(&record.tool, MAX_TEXT);
        self.inner
            .metrics
            .tool_call(&record.tool, record.outcome.as_str(), record.duration);

        let mut line = Map::new();
        line.insert("time".into(), json!(timestamp(record.time)));
        line.insert("event".into(), json!("tool_call"));
        if let Some(id) = &record.request_id {
            line.insert("request_id".into(), json!(truncate(id, MAX_TEXT)));
        }
        line.insert(
            "principal".into(),
            principal_json(&record.subject, record.kind, record.agent_groups.as_deref()),
        );
        if let Some(source) = record.source {
            line.insert("source".into(), json!(source.to_string()));
        }
        line.insert("transport".into(), json!(record.transport.as_str()));
        line.insert("tool".into(), json!(tool));
        line.insert("arguments".into(), redact(&record.arguments));
        line.insert("outcome".into(), json!(record.outcome.as_str()));
        match &record.outcome {
            Outcome::Ok => {}
            Outcome::Error(message) => {
                line.insert("error".into(), json!(truncate(message, MAX_TEXT)));
            }
            Outcome::Denied(reason) | Outcome::Pending(reason) => {
                line.insert("reason".into(), json!(truncate(reason, MAX_TEXT)));
            }
        }
        if let Some(how) = record.confirmation {
            line.insert("confirmed_by".into(), json!(how));
        }
        let millis = u64::try_from(record.duration.as_millis()).unwrap_or(u64::MAX);
        line.insert("duration_ms".into(), json!(millis));
        let upstream_count = record
            .upstream_calls
            .max(u64::try_from(record.upstream.len()).unwrap_or(u64::MAX));
        line.insert("upstream_calls".into(), json!(upstream_count));
        if !record.upstream.is_empty() {
            let calls: Vec<&str> = record.upstream.iter().map(UpstreamCall::as_str).collect();
            line.insert("upstream".into(), json!(calls));
        }
        self.emit(line);

        let who = Who {
            subject: &record.subject,
            kind: record.kind,
            groups: record.agent_groups.as_deref(),
            source: record.source,
        };
        if matches!(record.outcome, Outcome::Denied(_)) {
            self.denied_burst(&who, &tool, now);
        }
        if record.agent_groups.is_some() {
            self.enumeration(&who, &tool, &record.arguments, now);
        }
    }

    /// Audits a failed client authentication (`"event":"auth_failure"`; `reason` must never
    /// hold the credential). When one source address reaches `audit.failure_threshold` failures
    /// within `audit.failure_window`, also writes an `auth_failure_alert` line, logs a warning
    /// and counts `wazuh_mcp_auth_failure_alerts_total` — once per window per source.
    pub fn record_auth_failure(&self, source: Option<SocketAddr>, reason: &str) {
        self.record_auth_failure_at(source, reason, Instant::now());
    }

    pub(crate) fn record_auth_failure_at(
        &self,
        source: Option<SocketAddr>,
        reason: &str,
        now: Instant,
    ) {
        let reason = truncate(reason, MAX_TEXT);
        self.inner.metrics.auth_failure();
        tracing::debug!(source = ?source, reason = ?reason, "client authentication failed");
        let mut line = Map::new();
        line.insert("time".into(), json!(timestamp(Utc::now())));
        line.insert("event".into(), json!("auth_failure"));
        if let Some(source) = source {
            line.insert("source".into(), json!(source.to_string()));
        }
        line.insert("reason".into(), json!(reason));
        self.emit(line);

        let ip = source.map(|s| s.ip());
        let alert = self.detectors().auth.hit(&ip, now);
        if let Some(failures) = alert {
            let settings = &self.inner.settings;
            self.inner.metrics.auth_failure_alert();
            let shown = ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
            tracing::warn!(
                source = %shown,
                failures,
                window_s = settings.failure_window,
                reason = ?reason,
                "repeated client authentication failures from one source"
            );
            let mut line = Map::new();
            line.insert("time".into(), json!(timestamp(Utc::now())));
            line.insert("event".into(), json!("auth_failure_alert"));
            line.insert("source".into(), json!(shown));
            line.insert("failures".into(), json!(failures));
            line.insert("threshold".into(), json!(settings.failure_threshold));
            line.insert("window_s".into(), json!(settings.failure_window));
            line.insert("reason".into(), json!(reason));
            self.emit(line);
        }
    }

    /// Audits a call refused by policy outside a tool call record (a scope check at the HTTP
    /// layer, a hidden tool): a `suspicious_activity` line of kind `denied`, counted, and
    /// towards `denied_burst`.
    pub fn record_denied(&self, principal: &Principal, tool: &str, reason: &str) {
        self.record_denied_at(principal, tool, reason, Instant::now());
    }

    pub(crate) fn record_denied_at(
        &self,
        principal: &Principal,
        tool: &str,
        reason: &str,
        now: Instant,
    ) {
        let who = Who::of(principal);
        let tool = truncate(tool, MAX_TEXT);
        let reason = truncate(reason, MAX_TEXT);
        tracing::info!(subject = ?principal.subject, tool = ?tool, reason = ?reason, "call denied");
        let mut line = self.suspicious_line("denied", &who, &tool);
        line.insert("reason".into(), json!(reason));
        self.inner.metrics.suspicious("denied");
        self.emit(line);
        self.denied_burst(&who, &tool, now);
    }

    fn denied_burst(&self, who: &Who<'_>, tool: &str, now: Instant) {
        let hit = self.detectors().denied.hit(&who.subject.to_string(), now);
        if let Some(count) = hit {
            let s = &self.inner.settings;
            self.suspicious(
                "denied_burst",
                who,
                tool,
                count,
                s.denied_threshold,
                s.denied_window,
            );
        }
    }

    fn enumeration(&self, who: &Who<'_>, tool: &str, arguments: &Value, now: Instant) {
        let arguments = unwrap_args(arguments);
        let listing = FLEET_LISTING_TOOLS.contains(&tool) && !has_filter(arguments);
        let ids = agent_ids(arguments);
        let (listed, distinct) = {
            let mut detectors = self.detectors();
            let listed = listing
                .then(|| detectors.listing.hit(&who.subject.to_string(), now))
                .flatten();
            let distinct = detectors.agent_ids.hit(who.subject, &ids, now);
            (listed, distinct)
        };
        let s = &self.inner.settings;
        if let Some(count) = listed {
            self.suspicious(
                "fleet_enumeration",
                who,
                tool,
                count,
                s.enumeration_threshold,
                s.enumeration_window,
            );
        }
        if let Some(count) = distinct {
            self.suspicious(
                "agent_id_enumeration",
                who,
                tool,
                count,
                s.enumeration_threshold,
                s.enumeration_window,
            );
        }
    }

    fn suspicious(
        &self,
        kind: &str,
        who: &Who<'_>,
        tool: &str,
        count: usize,
        threshold: u32,
        window_s: u64,
    ) {
        self.inner.metrics.suspicious(kind);
        tracing::warn!(
            kind,
            subject = ?who.subject,
            source = ?who.source,
            tool = ?tool,
            count,
            window_s,
            "suspicious activity"
        );
        let mut line = self.suspicious_line(kind, who, tool);
        line.insert("count".into(), json!(count));
        line.insert("threshold".into(), json!(threshold));
        line.insert("window_s".into(), json!(window_s));
        self.emit(line);
    }

    fn suspicious_line(&self, kind: &str, who: &Who<'_>, tool: &str) -> Map<String, Value> {
        let mut line = Map::new();
        line.insert("time".into(), json!(timestamp(Utc::now())));
        line.insert("event".into(), json!("suspicious_activity"));
        line.insert("kind".into(), json!(kind));
        line.insert(
            "principal".into(),
            principal_json(who.subject, who.kind, who.groups),
        );
        if let Some(source) = who.source {
            line.insert("source".into(), json!(source.to_string()));
        }
        line.insert("tool".into(), json!(tool));
        line
    }

    fn detectors(&self) -> std::sync::MutexGuard<'_, Detectors> {
        self.inner
            .detectors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues one line without waiting; drops it (counted, reported once) if the writer is
    /// behind.
    fn emit(&self, line: Map<String, Value>) {
        let Some(queue) = &self.inner.queue else {
            return;
        };
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        if queue.try_send(Message::Line(text)).is_err() {
            self.inner.metrics.audit_dropped();
            if !self.inner.drop_reported.swap(true, Ordering::Relaxed) {
                tracing::error!(
                    "the audit writer is falling behind: audit events are being dropped \
                     (see wazuh_mcp_audit_dropped_events_total)"
                );
            }
        }
    }
}

/// Who did something, for suspicious-activity lines.
struct Who<'a> {
    subject: &'a str,
    kind: PrincipalKind,
    groups: Option<&'a [String]>,
    source: Option<SocketAddr>,
}

impl<'a> Who<'a> {
    fn of(principal: &'a Principal) -> Who<'a> {
        Who {
            subject: &principal.subject,
            kind: principal.kind,
            groups: principal.agent_groups.as_deref(),
            source: principal.source,
        }
    }
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn kind_str(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::Local => "local",
        PrincipalKind::Anonymous => "anonymous",
        PrincipalKind::ApiKey => "api_key",
        PrincipalKind::IssuedToken => "issued_token",
        PrincipalKind::OAuth => "oauth",
        PrincipalKind::ClientCertificate => "client_certificate",
    }
}

fn principal_json(subject: &str, kind: PrincipalKind, groups: Option<&[String]>) -> Value {
    let mut map = Map::new();
    map.insert("subject".into(), json!(truncate(subject, MAX_TEXT)));
    map.insert("kind".into(), json!(kind_str(kind)));
    if let Some(groups) = groups {
        map.insert("groups".into(), json!(groups));
    }
    Value::Object(map)
}

/// The arguments object, unwrapped from the reference design's `{"args": {...}}` form.
fn unwrap_args(arguments: &Value) -> &Value {
    match arguments {
        Value::Object(map) => match map.get("args") {
            Some(inner @ Value::Object(_)) if map.len() == 1 => inner,
            _ => arguments,
        },
        _ => arguments,
    }
}

/// Whether any argument narrows the list (anything but paging and projection, non-empty).
fn has_filter(arguments: &Value) -> bool {
    let Value::Object(map) = arguments else {
        return false;
    };
    map.iter().any(|(key, value)| {
        !PRESENTATION_ARGS.contains(&key.to_ascii_lowercase().as_str())
            && match value {
                Value::Null => false,
                Value::String(s) => !s.trim().is_empty(),
                Value::Array(items) => !items.is_empty(),
                Value::Object(map) => !map.is_empty(),
                Value::Bool(_) | Value::Number(_) => true,
            }
    })
}

/// Agent ids named by the arguments (`agent_id`, `agent_ids`, ...: a string, a comma-separated
/// string, a number or a list of those).
fn agent_ids(arguments: &Value) -> Vec<String> {
    let Value::Object(map) = arguments else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    let mut push = |value: &Value| match value {
        Value::String(s) => ids.extend(
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| truncate(s, 64)),
        ),
        Value::Number(n) => ids.push(n.to_string()),
        _ => {}
    };
    for (key, value) in map {
        if !AGENT_ID_ARGS.contains(&key.to_ascii_lowercase().as_str()) {
            continue;
        }
        match value {
            Value::Array(items) => items.iter().for_each(&mut push),
            other => push(other),
        }
    }
    ids.sort();
    ids.dedup();
    ids.truncate(MAX_IDS_PER_CALL);
    ids
}

/// Opens `path` for appending, creating it with mode 0600 on unix; warns if an existing file
/// is readable by others.
fn open_append(path: &Path) -> Result<File, AuditError> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(|source| AuditError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = file.metadata() {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the audit log is accessible to other users; restrict it (chmod 600)"
                );
            }
        }
    }
    Ok(file)
}

/// The writer thread: writes each batch of queued lines, flushes, then acknowledges flush
/// requests. Ends when every [`AuditLog`] clone is gone.
fn write_loop(
    mut rx: mpsc::Receiver<Message>,
    mut out: Box<dyn Write + Send>,
    metrics: Metrics,
    name: String,
) {
    let mut failing = false;
    let mut batch = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < 1024 {
            match rx.try_recv() {
                Ok(message) => batch.push(message),
                Err(_) => break,
            }
        }
        let mut acks = Vec::new();
        let mut result = Ok(());
        for message in batch.drain(..) {
            match message {
                Message::Line(line) => {
                    if let Err(error) = out.write_all(line.as_bytes()) {
                        metrics.audit_write_error();
                        result = Err(error);
                    }
                }
                Message::Flush(ack) => acks.push(ack),
            }
        }
        if let Err(error) = out.flush() {
            metrics.audit_write_error();
            result = Err(error);
        }
        match result {
            Err(error) if !failing => {
                failing = true;
                tracing::error!(sink = %name, %error, "cannot write the audit log; audit events are being lost");
            }
            Err(_) => {}
            Ok(()) if failing => {
                failing = false;
                tracing::info!(sink = %name, "the audit log is writable again");
            }
            Ok(()) => {}
        }
        for ack in acks {
            let _ = ack.send(());
        }
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
        fn lines(&self) -> Vec<Value> {
            self.text()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        }
        fn events(&self, event: &str) -> Vec<Value> {
            self.lines()
                .into_iter()
                .filter(|l| l["event"] == event)
                .collect()
        }
    }

    fn log_with(settings: AuditSettings) -> (AuditLog, Shared) {
        let sink = Shared::default();
        let log = AuditLog::with_writer(&settings, Metrics::new(), sink.clone()).unwrap();
        (log, sink)
    }

    fn scoped(subject: &str) -> Principal {
        Principal {
            subject: subject.into(),
            kind: PrincipalKind::IssuedToken,
            scopes: vec!["tools:read".into()],
            agent_groups: Some(vec!["web".into()]),
            wazuh_identity: None,
            source: Some("10.0.0.7:51000".parse().unwrap()),
        }
    }

    fn at(start: Instant, seconds: u64) -> Instant {
        start + Duration::from_secs(seconds)
    }

    #[tokio::test]
    async fn tool_call_line_shape_and_redaction() {
        let (log, sink) = log_with(AuditSettings::default());
        let mut record = CallRecord::new(
            &scoped("analyst1"),
            CallTransport::Http,
            "get_agents",
            json!({"status": "active", "auth": {"Api_Key": "s3cr3t-value", "list": [{"password": "s3cr3t-value"}]}}),
        );
        record.outcome = Outcome::Ok;
        record.duration = Duration::from_millis(42);
        record.upstream_calls = 1;
        record.upstream = vec![UpstreamCall::new("get", "/agents?q=name=s3cr3t&limit=5")];
        record.request_id = Some("7".into());
        log.record_call(&record);
        let mut denied = CallRecord::new(
            &Principal::local(),
            CallTransport::Stdio,
            "list_rules",
            json!({}),
        );
        denied.outcome = Outcome::Denied("tool not allowed".into());
        log.record_call(&denied);
        let mut failed = CallRecord::new(&Principal::local(), CallTransport::Sse, "x", Value::Null);
        failed.outcome = Outcome::Error("upstream down".into());
        log.record_call(&failed);
        log.flush().await;

        let text = sink.text();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!format!("{record:?}").contains("s3cr3t"));
        let lines = sink.lines();
        assert_eq!(lines.len(), 3, "{text}");
        let first = &lines[0];
        let keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "time",
                "event",
                "request_id",
                "principal",
                "source",
                "transport",
                "tool",
                "arguments",
                "outcome",
                "duration_ms",
                "upstream_calls",
                "upstream"
            ]
        );
        assert_eq!(first["event"], "tool_call");
        assert!(first["time"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            first["principal"],
            json!({"subject": "analyst1", "kind": "issued_token", "groups": ["web"]})
        );
        assert_eq!(first["source"], "10.0.0.7:51000");
        assert_eq!(first["transport"], "http");
        assert_eq!(first["arguments"]["status"], "active");
        assert_eq!(first["arguments"]["auth"]["Api_Key"], "[redacted]");
        assert_eq!(
            first["arguments"]["auth"]["list"][0]["password"],
            "[redacted]"
        );
        assert_eq!(first["outcome"], "ok");
        assert_eq!(first["duration_ms"], 42);
        assert_eq!(first["upstream_calls"], 1);
        assert_eq!(first["upstream"], json!(["GET /agents?q&limit"]));

        assert_eq!(lines[1]["outcome"], "denied");
        assert_eq!(lines[1]["reason"], "tool not allowed");
        assert_eq!(
            lines[1]["principal"],
            json!({"subject": "local", "kind": "local"})
        );
        assert!(lines[1].get("source").is_none());
        assert_eq!(lines[2]["outcome"], "error");
        assert_eq!(lines[2]["error"], "upstream down");
        assert_eq!(lines[2]["transport"], "sse");

        let metrics = log.metrics().encode();
        assert!(
            metrics.contains(r#"wazuh_mcp_tool_calls_total{tool="get_agents",outcome="ok"} 1"#)
        );
        assert!(
            metrics.contains(r#"wazuh_mcp_tool_calls_total{tool="list_rules",outcome="denied"} 1"#)
        );
    }

    #[tokio::test]
    async fn auth_failure_alert_once_per_window_per_source() {
        let (log, sink) = log_with(AuditSettings {
            failure_threshold: 3,
            failure_window: 60,
            ..AuditSettings::default()
        });
        let start = Instant::now();
        let a: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        // Another port of the same host is the same source.
        let a2: SocketAddr = "192.0.2.1:4001".parse().unwrap();
        let b: SocketAddr = "192.0.2.2:4000".parse().unwrap();
        log.record_auth_failure_at(Some(a), "bad token", at(start, 0));
        log.record_auth_failure_at(Some(b), "bad token", at(start, 0));
        log.record_auth_failure_at(Some(a2), "bad token", at(start, 1));
        log.flush().await;
        assert!(sink.events("auth_failure_alert").is_empty());
        log.record_auth_failure_at(Some(a), "expired token", at(start, 2));
        for s in 3..40 {
            log.record_auth_failure_at(Some(a), "bad token", at(start, s));
        }
        log.flush().await;
        let alerts = sink.events("auth_failure_alert");
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let keys: Vec<&str> = alerts[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "time",
                "event",
                "source",
                "failures",
                "threshold",
                "window_s",
                "reason"
            ]
        );
        assert_eq!(alerts[0]["source"], "192.0.2.1");
        assert_eq!(alerts[0]["failures"], 3);
        assert_eq!(alerts[0]["window_s"], 60);
        assert_eq!(alerts[0]["reason"], "expired token");

        // After the window, still failing: a second alert.
        log.record_auth_failure_at(Some(a), "bad token", at(start, 62));
        log.flush().await;
        assert_eq!(sink.events("auth_failure_alert").len(), 2);

        let failures = sink.events("auth_failure");
        assert_eq!(failures.len(), 42);
        assert_eq!(failures[0]["source"], "192.0.2.1:4000");
        assert_eq!(failures[0]["reason"], "bad token");
        let metrics = log.metrics().encode();
        assert!(
            metrics.contains("wazuh_mcp_auth_failures_total 42"),
            "{metrics}"
        );
        assert!(metrics.contains("wazuh_mcp_auth_failure_alerts_total 2"));
    }

    #[tokio::test]
    async fn denied_burst() {
        let (log, sink) = log_with(AuditSettings {
            denied_threshold: 4,
            denied_window: 60,
            ..AuditSettings::default()
        });
        let start = Instant::now();
        let p = scoped("intruder");
        let other = scoped("someone-else");
        log.record_denied_at(&p, "run_command", "tool not in scope", at(start, 0));
        log.record_denied_at(&other, "run_command", "tool not in scope", at(start, 0));
        log.record_denied_at(&p, "run_command", "tool not in scope", at(start, 1));
        // A denied tool call counts as well.
        let mut call = CallRecord::new(&p, CallTransport::Http, "delete_agent", json!({}));
        call.outcome = Outcome::Denied("read-only mode".into());
        log.record_call_at(&call, at(start, 2));
        log.flush().await;
        assert_eq!(
            sink.events("suspicious_activity")
                .iter()
                .filter(|e| e["kind"] == "denied_burst")
                .count(),
            0
        );
        log.record_denied_at(&p, "run_command", "tool not in scope", at(start, 3));
        log.record_denied_at(&p, "run_command", "tool not in scope", at(start, 4));
        log.flush().await;
        let events = sink.events("suspicious_activity");
        let denied: Vec<&Value> = events.iter().filter(|e| e["kind"] == "denied").collect();
        assert_eq!(denied.len(), 5);
        assert_eq!(denied[0]["reason"], "tool not in scope");
        assert_eq!(denied[0]["tool"], "run_command");
        let bursts: Vec<&Value> = events
            .iter()
            .filter(|e| e["kind"] == "denied_burst")
            .collect();
        assert_eq!(bursts.len(), 1, "{events:?}");
        let burst = bursts[0];
        assert_eq!(burst["principal"]["subject"], "intruder");
        assert_eq!(burst["source"], "10.0.0.7:51000");
        assert_eq!(burst["count"], 4);
        assert_eq!(burst["window_s"], 60);
        let metrics = log.metrics().encode();
        assert!(metrics.contains(r#"wazuh_mcp_suspicious_activity_total{kind="denied_burst"} 1"#));
        assert!(metrics.contains(r#"wazuh_mcp_suspicious_activity_total{kind="denied"} 5"#));
    }

    #[tokio::test]
    async fn fleet_enumeration_by_a_scoped_principal() {
        let (log, sink) = log_with(AuditSettings {
            enumeration_threshold: 3,
            enumeration_window: 300,
            ..AuditSettings::default()
        });
        let start = Instant::now();
        let call = |p: &Principal, tool: &str, args: Value, s: u64| {
            log.record_call_at(
                &CallRecord::new(p, CallTransport::Http, tool, args),
                at(start, s),
            );
        };
        let scoped_p = scoped("group-analyst");
        let admin = Principal {
            subject: "admin".into(),
            agent_groups: None,
            ..scoped("admin")
        };
        // Filtered listings and an unscoped principal's listings do not count.
        for s in 0..10 {
            call(
                &scoped_p,
                "get_agents",
                json!({"status": "active", "limit": 10}),
                s,
            );
            call(&admin, "get_agents", json!({}), s);
        }
        // Paging through everything: 3 is fine, the 4th is "more than 3".
        call(&scoped_p, "get_agents", json!({}), 20);
        call(
            &scoped_p,
            "get_agents",
            json!({"args": {"offset": 50, "limit": 50}}),
            21,
        );
        call(
            &scoped_p,
            "get_agents",
            json!({"select": "id", "q": ""}),
            22,
        );
        log.flush().await;
        assert!(sink.events("suspicious_activity").is_empty());
        call(&scoped_p, "get_agents", json!({"offset": 150}), 23);
        call(&scoped_p, "get_agents", json!({"offset": 200}), 24);
        log.flush().await;
        let events = sink.events("suspicious_activity");
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["kind"], "fleet_enumeration");
        assert_eq!(events[0]["principal"]["subject"], "group-analyst");
        assert_eq!(events[0]["principal"]["groups"], json!(["web"]));
        assert_eq!(events[0]["count"], 4);
        assert_eq!(events[0]["threshold"], 3);

        // Probing many distinct agent ids, one at a time or in lists.
        let prober = scoped("prober");
        call(&prober, "get_agent_ports", json!({"agent_id": "001"}), 30);
        call(&prober, "get_agent_ports", json!({"agent_id": "001"}), 31);
        call(
            &prober,
            "get_agent_packages",
            json!({"agent_id": "002"}),
            32,
        );
        call(&prober, "get_agents", json!({"agent_ids": ["003"]}), 33);
        log.flush().await;
        assert_eq!(sink.events("suspicious_activity").len(), 1);
        call(&prober, "get_agents", json!({"agent_ids": "004,005"}), 34);
        log.flush().await;
        let events = sink.events("suspicious_activity");
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[1]["kind"], "agent_id_enumeration");
        assert_eq!(events[1]["principal"]["subject"], "prober");
        assert_eq!(events[1]["count"], 4);
        let metrics = log.metrics().encode();
        assert!(
            metrics.contains(r#"wazuh_mcp_suspicious_activity_total{kind="fleet_enumeration"} 1"#)
        );
        assert!(
            metrics
                .contains(r#"wazuh_mcp_suspicious_activity_total{kind="agent_id_enumeration"} 1"#)
        );
    }

    #[tokio::test]
    async fn file_sink_appends_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let settings = AuditSettings {
            path: Some(path.clone()),
            ..AuditSettings::default()
        };
        for round in 0..2 {
            let log = AuditLog::new(&settings, Metrics::new()).unwrap();
            log.record_auth_failure(
                Some("127.0.0.1:9".parse().unwrap()),
                &format!("round {round}"),
            );
            log.record_call(&CallRecord::new(
                &Principal::local(),
                CallTransport::Stdio,
                "get_agents",
                json!({"token": "tok-secret"}),
            ));
            log.flush().await;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4, "appended, not truncated: {text}");
        assert_eq!(lines[2]["reason"], "round 1");
        assert!(!text.contains("tok-secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{mode:o}");
        }

        let missing = AuditSettings {
            path: Some(dir.path().join("no/such/dir/audit.jsonl")),
            ..AuditSettings::default()
        };
        let err = AuditLog::new(&missing, Metrics::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("audit.path"), "{err}");
    }

    #[tokio::test]
    async fn write_errors_are_counted_not_fatal() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let metrics = Metrics::new();
        let log =
            AuditLog::with_writer(&AuditSettings::default(), metrics.clone(), Broken).unwrap();
        log.record_auth_failure(None, "x");
        log.record_auth_failure(None, "y");
        log.flush().await;
        let text = metrics.encode();
        assert!(
            text.contains("wazuh_mcp_audit_write_errors_total 2"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn disabled_still_counts_and_alerts() {
        let log = AuditLog::new(
            &AuditSettings {
                enabled: false,
                failure_threshold: 1,
                path: Some("/nonexistent/dir/audit.jsonl".into()),
                ..AuditSettings::default()
            },
            Metrics::new(),
        )
        .unwrap();
        log.record_auth_failure(None, "x");
        log.flush().await;
        let text = log.metrics().encode();
        assert!(
            text.contains("wazuh_mcp_auth_failure_alerts_total 1"),
            "{text}"
        );
        AuditLog::disabled().record_call(&CallRecord::new(
            &Principal::local(),
            CallTransport::Stdio,
            "t",
            Value::Null,
        ));
    }

    #[test]
    fn upstream_calls_keep_query_keys_only() {
        assert_eq!(
            UpstreamCall::new("get", "/agents?q=name%3Dx&limit=5&pretty").as_str(),
            "GET /agents?q&limit&pretty"
        );
        assert_eq!(
            UpstreamCall::new("POST", "https://manager:55000/security/user/authenticate").as_str(),
            "POST /security/user/authenticate"
        );
        assert_eq!(UpstreamCall::new("GET", "/agents").as_str(), "GET /agents");
    }

    #[test]
    fn filters_and_ids() {
        assert!(!has_filter(&json!({})));
        assert!(!has_filter(
            &json!({"limit": 5, "offset": 0, "q": "", "status": []})
        ));
        assert!(has_filter(&json!({"status": ["active"]})));
        assert!(has_filter(&json!({"search": "web"})));
        assert_eq!(
            agent_ids(
                &json!({"agent_ids": ["002", 1, "003, 002"], "agent_id": "009", "name": "x"})
            ),
            vec!["002", "003", "009", "1"]
        );
    }
}
