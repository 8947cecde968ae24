//! The HTTP machinery shared by both clients: connection pool, TLS, retries, error mapping.
//!
//! Pool: reqwest keeps at most `pool_max_idle` idle connections per host (default 10) for
//! `pool_idle_timeout` (300 s). reqwest has no cap on open connections, so the cap
//! (`pool_max_connections`, default 20) is a [`tokio::sync::Semaphore`]: every attempt holds a
//! permit from sending the request until its body has been read. With HTTP/1.1 a connection
//! carries one exchange at a time, so at most 20 connections are ever open; with HTTP/2 (chosen
//! by ALPN when the server offers it) the exchanges share one connection and the semaphore bounds
//! the streams. Waits between retries hold no permit.
//!
//! A [`Transport`] is a cheap handle: clones share the pool, the semaphore, the pacer and the
//! counters, which is how [`crate::ManagerClient::with_identity`] gives each identity its own
//! tokens over one set of connections.
//!
//! Every attempt is also counted in the [`count_requests`] scope it runs in, if any.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::auth::TokenCache;
use crate::config::TransportConfig;
use crate::error::{ApiError, Error, Result, Service, TransportKind};
use crate::query::Query;
use crate::retry::{RetryPolicy, parse_retry_after};

tokio::task_local! {
    /// The innermost [`count_requests`] scope of the current task.
    static REQUEST_SCOPE: Arc<RequestScope>;
}

/// One [`count_requests`] scope and the one it is nested in.
#[derive(Debug)]
struct RequestScope {
    count: AtomicU64,
    parent: Option<Arc<RequestScope>>,
}

/// Runs `f` and counts the HTTP attempts it makes to Wazuh: every request sent by a
/// [`crate::ManagerClient`] (any identity) or [`crate::IndexerClient`] while `f` runs, logins
/// and retries included, each attempt once. Returns `f`'s output and the count.
///
/// The count is exact under concurrency: it lives in a tokio task-local, so two futures counted
/// at the same time (on one task with `join!`, or on two tasks) each count only their own
/// attempts, whatever the clients they share. Scopes nest: an attempt counts in its scope and
/// in every enclosing one. Work that `f` hands to another task (`tokio::spawn`) is not counted,
/// and a login that another caller performs while `f` waits for it (single flight) counts for
/// that caller, not for `f`.
///
/// ```no_run
/// # async fn demo(client: &wazuh_client::ManagerClient) -> wazuh_client::Result<()> {
/// let (agents, sent) = wazuh_client::count_requests(client.agents(&Default::default())).await;
/// let agents = agents?;
/// println!("{} agents in {sent} request(s)", agents.items.len());
/// # Ok(())
/// # }
/// ```
pub async fn count_requests<F: Future>(f: F) -> (F::Output, u64) {
    let parent = REQUEST_SCOPE.try_with(Arc::clone).ok();
    let scope = Arc::new(RequestScope {
        count: AtomicU64::new(0),
        parent,
    });
    let output = REQUEST_SCOPE.scope(scope.clone(), f).await;
    (output, scope.count.load(Ordering::Acquire))
}

/// Counts one attempt in the current [`count_requests`] scopes (none: nothing to do).
fn count_attempt() {
    let _ = REQUEST_SCOPE.try_with(|scope| {
        let mut current = Some(scope);
        while let Some(s) = current {
            s.count.fetch_add(1, Ordering::AcqRel);
            current = s.parent.as_ref();
        }
    });
}

/// Counters of one client, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Attempts sent (a retried request counts once per attempt).
    pub requests: u64,
    /// Retries after a transient failure.
    pub retries: u64,
    /// Logins performed (`POST /security/user/authenticate`, or `.../run_as` for a run_as
    /// identity), successful or not, by this client and every client made from it with
    /// [`crate::ManagerClient::with_identity`].
    pub logins: u64,
    /// Logins that failed.
    pub login_failures: u64,
    /// Requests answered 401 that were repeated once with a fresh token.
    pub reauthentications: u64,
    /// Answers received over HTTP/2.
    pub http2_responses: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    pub logins: AtomicU64,
    pub login_failures: AtomicU64,
    reauthentications: AtomicU64,
    http2_responses: AtomicU64,
}

impl Counters {
    pub fn snapshot(&self) -> ClientStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ClientStats {
            requests: get(&self.requests),
            retries: get(&self.retries),
            logins: get(&self.logins),
            login_failures: get(&self.login_failures),
            reauthentications: get(&self.reauthentications),
            http2_responses: get(&self.http2_responses),
        }
    }

    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the caller expects in a successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// A JSON document.
    Json,
    /// Text (raw XML files, `_cat` output).
    Text,
}

/// One request to send.
#[derive(Debug, Clone)]
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Path under the base URL, already percent-encoded, starting with `/`.
    pub path: String,
    pub query: &'a Query,
    pub body: Option<&'a Value>,
    /// Whether sending it twice is harmless; only such requests are retried.
    pub idempotent: bool,
    pub expect: Expect,
}

impl<'a> Call<'a> {
    pub fn get(path: String, query: &'a Query) -> Call<'a> {
        Call {
            method: Method::GET,
            path,
            query,
            body: None,
            idempotent: true,
            expect: Expect::Json,
        }
    }
}

/// How to authenticate a request.
#[derive(Clone, Copy)]
pub(crate) enum Credentials<'a> {
    /// HTTP Basic (manager login, indexer).
    Basic {
        username: &'a str,
        password: &'a SecretString,
    },
    /// A cached manager JWT, renewed as needed.
    Jwt(&'a TokenCache),
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub body: AnswerBody,
    pub status: u16,
    pub url: String,
}

#[derive(Debug)]
pub(crate) enum AnswerBody {
    Json(Value),
    Text(String),
}

impl Answer {
    /// The JSON body; a text body is a decode error.
    pub fn json(self, service: Service) -> Result<Value> {
        match self.body {
            AnswerBody::Json(v) => Ok(v),
            AnswerBody::Text(_) => Err(Error::Decode {
                service,
                status: self.status,
                url: self.url,
                message: "expected JSON, got text".into(),
            }),
        }
    }
}

/// One failed attempt and whether it may be repeated.
struct Failure {
    error: Error,
    /// Safe to repeat whatever the request (nothing reached the server).
    unsent: bool,
    /// Worth repeating at all (a TLS or build error is not).
    transient: bool,
    /// A wait asked for by the server.
    retry_after: Option<Duration>,
}

/// Paces requests to a server, e.g. to stay under Wazuh's own per-minute API limit: awaited
/// before every attempt (retries and logins included).
pub trait Pacer: Send + Sync {
    /// Resolves when the next request may go.
    fn pace(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>;
}

/// The pool, TLS setup and retry policy of one service; clones share all of it.
#[derive(Clone)]
pub(crate) struct Transport {
    inner: Arc<Inner>,
    pub counters: Arc<Counters>,
}

struct Inner {
    service: Service,
    base: String,
    http: reqwest::Client,
    permits: Semaphore,
    retry: RetryPolicy,
    pacer: std::sync::OnceLock<Arc<dyn Pacer>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("service", &self.inner.service)
            .field("base", &self.inner.base)
            .field("paced", &self.inner.pacer.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(service: Service, config: &TransportConfig) -> Result<Transport> {
        config.check()?;
        let base = check_base_url(&config.url)?;
        let tls = crate::tls::client_config(service, config.verify_tls, config.ca_file.as_deref())?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(config.pool_max_idle)
            .pool_idle_timeout(config.pool_idle_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wazuh-mcp/", env!("CARGO_PKG_VERSION")));
        // Proxies only when configured: reqwest would otherwise read HTTP_PROXY & co itself.
        builder = match &config.proxy {
            Some(proxy) => builder.proxy(
                reqwest::Proxy::all(proxy)
                    .map_err(|e| Error::Config(format!("invalid proxy url: {e}")))?,
            ),
            None => builder.no_proxy(),
        };
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            inner: Arc::new(Inner {
                service,
                base,
                http,
                permits: Semaphore::new(config.pool_max_connections),
                retry: config.retry,
                pacer: std::sync::OnceLock::new(),
            }),
            counters: Arc::new(Counters::default()),
        })
    }

    /// Installs `pacer` (once; later calls are ignored and return false).
    pub fn set_pacer(&self, pacer: Arc<dyn Pacer>) -> bool {
        self.inner.pacer.set(pacer).is_ok()
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// Sends `call`, renewing the token once on 401 and retrying transient failures.
    pub async fn execute(&self, call: &Call<'_>, credentials: Credentials<'_>) -> Result<Answer> {
        let url = self.url(&call.path, call.query)?;
        let mut retries = 0u32;
        let mut reauthenticated = false;
        loop {
            let (header, generation) = match credentials {
                Credentials::Basic { username, password } => {
                    (basic_header(username, password)?, None)
                }
                Credentials::Jwt(cache) => {
                    let token = cache.token(self).await?;
                    (bearer_header(&token.secret)?, Some(token.generation))
                }
            };
            let failure = match self.attempt(call, &url, header).await {
                Ok(answer) => return Ok(answer),
                Err(f) => f,
            };
            if let (Credentials::Jwt(cache), Some(generation), Error::Auth(_)) =
                (credentials, generation, &failure.error)
                && !reauthenticated
            {
                reauthenticated = true;
                Counters::bump(&self.counters.reauthentications);
                tracing::debug!(service = %self.inner.service, "token refused (401): logging in again");
                cache.refresh(self, Some(generation)).await?;
                continue;
            }
            let may_repeat = failure.transient && (call.idempotent || failure.unsent);
            if !may_repeat || retries >= self.inner.retry.max_retries {
                return Err(failure.error);
            }
            retries += 1;
            Counters::bump(&self.counters.retries);
            let wait = match failure.retry_after {
                Some(_) => self
                    .inner
                    .retry
                    .after_rate_limit(retries, failure.retry_after),
                None => self.inner.retry.backoff(retries),
            };
            tracing::debug!(
                service = %self.inner.service,
                retry = retries,
                wait_ms = wait.as_millis() as u64,
                error = %failure.error,
                "retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One exchange: send, read the whole body, sort the outcome.
    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &Url,
        authorization: HeaderValue,
    ) -> std::result::Result<Answer, Failure> {
        let shown = shown_url(url);
        if let Some(pacer) = self.inner.pacer.get() {
            pacer.pace().await;
        }
        let _permit = self.inner.permits.acquire().await.map_err(|_| Failure {
            error: self.transport_error(
                TransportKind::Request,
                &shown,
                "client is shut down",
                None,
            ),
            unsent: false,
            transient: false,
            retry_after: None,
        })?;
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url.clone())
            .header(AUTHORIZATION, authorization);
        request = match call.expect {
            Expect::Json => request.header(ACCEPT, "application/json"),
            Expect::Text => request.header(ACCEPT, "text/plain, application/xml, */*"),
        };
        if let Some(body) = call.body {
            request = request.json(body);
        }
        Counters::bump(&self.counters.requests);
        count_attempt();
        let response = request.send().await.map_err(|e| self.classify(e, &shown))?;
        let status = response.status();
        if response.version() == reqwest::Version::HTTP_2 {
            Counters::bump(&self.counters.http2_responses);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let body = response
            .bytes()
            .await
            .map_err(|e| self.classify(e, &shown))?;
        drop(_permit);

        if !status.is_success() {
            let error = Error::from_api(api_error(self.inner.service, status, &body), retry_after);
            // 501 and 505 would answer the same again; other 5xx and 429 may not.
            let transient = status == StatusCode::TOO_MANY_REQUESTS
                || (status.is_server_error()
                    && status != StatusCode::NOT_IMPLEMENTED
                    && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED);
            return Err(Failure {
                error,
                unsent: false,
                transient,
                retry_after: if status == StatusCode::TOO_MANY_REQUESTS {
                    retry_after
                } else {
                    None
                },
            });
        }
        let body = match call.expect {
            Expect::Text => AnswerBody::Text(String::from_utf8_lossy(&body).into_owned()),
            Expect::Json => match serde_json::from_slice::<Value>(&body) {
                Ok(v) => AnswerBody::Json(v),
                Err(e) => {
                    // A truncated or garbled body: worth another try for idempotent requests.
                    return Err(Failure {
                        error: Error::Decode {
                            service: self.inner.service,
                            status: status.as_u16(),
                            url: shown,
                            message: format!(
                                "the body is not valid JSON ({e}): {}",
                                preview(&body)
                            ),
                        },
                        unsent: false,
                        transient: true,
                        retry_after: None,
                    });
                }
            },
        };
        Ok(Answer {
            body,
            status: status.as_u16(),
            url: shown,
        })
    }

    /// `base + path + ?query`, parsed.
    fn url(&self, path: &str, query: &Query) -> Result<Url> {
        let mut text = format!("{}{}", self.inner.base, path);
        let encoded = query.encode();
        if !encoded.is_empty() {
            text.push('?');
            text.push_str(&encoded);
        }
        Url::parse(&text).map_err(|e| Error::Validation {
            field: "path",
            value: path.to_string(),
            reason: format!("does not make a valid URL: {e}"),
        })
    }

    fn classify(&self, error: reqwest::Error, url: &str) -> Failure {
        let message = error_chain(&error);
        let tls = is_tls_error(&error);
        let (kind, unsent, transient) = if error.is_builder() {
            (TransportKind::Request, true, false)
        } else if tls {
            (TransportKind::Tls, true, false)
        } else if error.is_connect() {
            (TransportKind::Connect, true, true)
        } else if error.is_timeout() {
            (TransportKind::Timeout, false, true)
        } else {
            (TransportKind::Connection, false, true)
        };
        Failure {
            error: self.transport_error(kind, url, &message, Some(Arc::new(error))),
            unsent,
            transient,
            retry_after: None,
        }
    }

    fn transport_error(
        &self,
        kind: TransportKind,
        url: &str,
        message: &str,
        source: Option<crate::error::Source>,
    ) -> Error {
        Error::Transport {
            service: self.inner.service,
            kind,
            url: url.to_string(),
            message: message.to_string(),
            source,
        }
    }
}

/// Checks the base URL and returns it without a trailing `/`.
fn check_base_url(url: &str) -> Result<String> {
    let parsed =
        Url::parse(url.trim()).map_err(|e| Error::Config(format!("invalid url `{url}`: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "invalid url `{url}`: the scheme must be https (or http)"
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config(format!("invalid url `{url}`: no host")));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::Config(
            "the url must not hold credentials: set username and password instead".into(),
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "invalid url `{url}`: no query string or fragment allowed"
        )));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// The URL as shown in errors: no query string.
fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.to_string()
}

fn basic_header(username: &str, password: &SecretString) -> Result<HeaderValue> {
    use base64::Engine;
    let raw = format!("{username}:{}", password.expose_secret());
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| Error::Config("the username cannot be sent in a header".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

fn bearer_header(token: &SecretString) -> Result<HeaderValue> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::Decode {
                service: Service::Manager,
                status: 200,
                url: "/security/user/authenticate".into(),
                message: "the token holds characters not allowed in a header".into(),
            }
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Reads what a refusing server said (Wazuh problem+json or an OpenSearch error).
pub(crate) fn api_error(service: Service, status: StatusCode, body: &[u8]) -> ApiError {
    let mut error = ApiError {
        service,
        status: status.as_u16(),
        code: None,
        kind: None,
        detail: String::new(),
        remediation: None,
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let text = |v: Option<&Value>| match v {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Null) | None => None,
                Some(other) => Some(other.to_string()),
            };
            match map.get("error") {
                // OpenSearch: {"error": {"type", "reason", ...}, "status": 404}
                Some(Value::Object(inner)) => {
                    error.kind = text(inner.get("type"));
                    error.detail = text(inner.get("reason")).unwrap_or_default();
                }
                // Wazuh: {"title", "detail", "error": 4000, "remediation"}
                Some(Value::Number(n)) => error.code = n.as_i64(),
                Some(Value::String(s)) => match s.parse::<i64>() {
                    Ok(code) => error.code = Some(code),
                    Err(_) => error.detail = s.clone(),
                },
                _ => {}
            }
            if error.code.is_none() {
                error.code = map.get("code").and_then(|c| match c {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                });
            }
            if error.kind.is_none() {
                error.kind = text(map.get("title"));
            }
            if error.detail.is_empty() {
                error.detail = text(map.get("detail"))
                    .or_else(|| text(map.get("message")))
                    .unwrap_or_default();
            }
            error.remediation = text(map.get("remediation"));
        }
        Ok(other) => error.detail = preview(other.to_string().as_bytes()),
        Err(_) => error.detail = preview(body),
    }
    if error.detail.is_empty() {
        error.detail = status.canonical_reason().unwrap_or("no detail").to_string();
    }
    error
}

/// The start of a body, for error messages.
pub(crate) fn preview(body: &[u8]) -> String {
    const MAX: usize = 300;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// `outer: inner: innermost`, without repeats.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Whether a rustls error is somewhere in the chain (io::Error hides its inner error from
/// `source()`, so look inside those too).
fn is_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && (inner.downcast_ref::<rustls::Error>().is_some()
                || inner.to_string().contains("certificate"))
        {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn wazuh_problems_are_read() {
        let body = br#"{"title": "Permission Denied", "detail": "Permission denied: Resource type: *:*", "remediation": "Please, make sure you have permissions", "error": 4000, "dapi_errors": {"x": {}}}"#;
        let e = api_error(Service::Manager, StatusCode::FORBIDDEN, body);
        assert_eq!(e.code, Some(4000));
        assert_eq!(e.kind.as_deref(), Some("Permission Denied"));
        assert_eq!(e.detail, "Permission denied: Resource type: *:*");
        assert!(e.remediation.is_some());

        let limited = br#"{"title": "Wazuh Error", "detail": "Maximum number of requests per minute reached", "code": 6001}"#;
        let e = api_error(Service::Manager, StatusCode::TOO_MANY_REQUESTS, limited);
        assert_eq!(e.code, Some(6001));

        let unauthorized = br#"{"title": "Unauthorized", "detail": "Invalid credentials"}"#;
        let e = api_error(Service::Manager, StatusCode::UNAUTHORIZED, unauthorized);
        assert_eq!(e.detail, "Invalid credentials");
        assert_eq!(e.code, None);
    }

    #[test]
    fn opensearch_errors_are_read() {
        let body = br#"{"error": {"root_cause": [], "type": "index_not_found_exception", "reason": "no such index [x]"}, "status": 404}"#;
        let e = api_error(Service::Indexer, StatusCode::NOT_FOUND, body);
        assert_eq!(e.kind.as_deref(), Some("index_not_found_exception"));
        assert_eq!(e.detail, "no such index [x]");
    }

    #[test]
    fn odd_bodies_do_not_fail() {
        let e = api_error(
            Service::Manager,
            StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
        );
        assert_eq!(e.detail, "<html>bad gateway</html>");
        let e = api_error(Service::Manager, StatusCode::BAD_GATEWAY, b"");
        assert_eq!(e.detail, "Bad Gateway");
        let e = api_error(Service::Manager, StatusCode::BAD_REQUEST, b"[1,2]");
        assert_eq!(e.detail, "[1,2]");
        let e = api_error(
            Service::Manager,
            StatusCode::BAD_REQUEST,
            br#"{"error": "1234", "detail": null}"#,
        );
        assert_eq!(e.code, Some(1234));
        assert_eq!(e.detail, "Bad Request");
        let long = "é".repeat(400);
        assert!(preview(long.as_bytes()).chars().count() <= 301);
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            check_base_url("https://wazuh:55000/").ok().as_deref(),
            Some("https://wazuh:55000")
        );
        assert_eq!(
            check_base_url("https://proxy/wazuh-api/").ok().as_deref(),
            Some("https://proxy/wazuh-api")
        );
        assert!(check_base_url("ftp://wazuh").is_err());
        assert!(check_base_url("wazuh:55000").is_err());
        assert!(check_base_url("https://user:pw@wazuh:55000").is_err());
        assert!(check_base_url("https://wazuh:55000/?pretty=true").is_err());
    }
}
