//! The HTTP side: streamable HTTP at `/mcp`, the legacy transport at `/sse` (+ `/messages/`),
//! and `/healthz` / `/readyz` outside the MCP routes. One builder serves `main` and the tests,
//! over plain HTTP ([`serve`]) or TLS ([`serve_tls`]).
//!
//! The MCP routes pass, outside in: the `Host`/`Origin` guard, the client certificate (TLS),
//! client authentication, then the request limits (body size, JSON nesting) before rmcp or the
//! legacy transport sees the body.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_server::tls::TlsInfo;
use axum_server::tls_rustls::RustlsConfig;
use futures_util::StreamExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::tls::{ClientCertificate, log_handshake_failure};
use crate::app::App;
use crate::audit::{metrics_router, upstream_stats_text};
use crate::auth::{metadata_router, require_auth};
use crate::config::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_JSON_DEPTH, ServerSettings};
use crate::principal::{Principal, PrincipalKind};

/// How long open connections may take to finish once a TLS server is told to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Limits on what a client may POST to `/mcp` and `/messages/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest body (bytes); larger ones get 413 (`server.max_body_bytes`).
    pub max_body_bytes: usize,
    /// Deepest nesting of JSON arrays and objects; deeper bodies get 400 before any parser
    /// sees them (`server.max_json_depth`).
    pub max_json_depth: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
        }
    }
}

impl RequestLimits {
    /// The limits of the `server:` settings.
    pub fn from_settings(server: &ServerSettings) -> RequestLimits {
        RequestLimits {
            max_body_bytes: server.max_body_bytes,
            max_json_depth: server.max_json_depth,
        }
    }
}

/// Which requests the HTTP transports accept.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Accepted `Host` values (a name, or `name:port`); empty means loopback names only.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` values (`https://app.example.com`, `http://localhost:*`); requests
    /// without an `Origin` (non-browser clients) always pass.
    pub allowed_origins: Vec<String>,
}

const LOOPBACK: &[&str] = &["localhost", "127.0.0.1", "::1", "[::1]"];

/// Origins accepted when `server.allowed_origins` is empty: loopback pages, any port.
const LOOPBACK_ORIGINS: &[&str] = &[
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

impl HttpOptions {
    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = split_host_port(&host);
        if self.allowed_hosts.is_empty() {
            return LOOPBACK.contains(&name);
        }
        self.allowed_hosts.iter().any(|allowed| {
            let allowed = allowed.trim().to_ascii_lowercase();
            if allowed == "*" {
                return true;
            }
            let (a_name, a_port) = split_host_port(&allowed);
            a_name == name && (a_port.is_none() || a_port == port)
        })
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim().to_ascii_lowercase();
        // By default, pages served from this machine's loopback names (a local inspector or
        // web client) may call; a DNS-rebinding page keeps its own name, so it never matches.
        let defaults: Vec<String>;
        let allowed_origins = if self.allowed_origins.is_empty() {
            defaults = LOOPBACK_ORIGINS.iter().map(|o| o.to_string()).collect();
            &defaults
        } else {
            &self.allowed_origins
        };
        allowed_origins.iter().any(|allowed| {
            let allowed = allowed.trim().to_ascii_lowercase();
            match allowed.strip_suffix(":*") {
                Some(prefix) => {
                    origin == prefix
                        || origin
                            .strip_prefix(prefix)
                            .and_then(|rest| rest.strip_prefix(':'))
                            .is_some_and(|port| port.chars().all(|c| c.is_ascii_digit()))
                }
                None => origin == allowed,
            }
        })
    }
}

fn split_host_port(host: &str) -> (&str, Option<&str>) {
    if let Some(rest) = host.strip_prefix('[') {
        // [::1]:8000
        return match rest.split_once(']') {
            Some((name, tail)) => (
                if name == "::1" { "::1" } else { name },
                tail.strip_prefix(':'),
            ),
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, Some(port)),
        _ => (host, None),
    }
}

/// DNS-rebinding protection: refuses unexpected `Host` and `Origin` headers. HTTP/2 requests
/// carry the host as the `:authority` of the URI instead of a `Host` header.
async fn guard(State(options): State<Arc<HttpOptions>>, request: Request, next: Next) -> Response {
    // The Host header, and the request target's authority when there is one (HTTP/2's
    // `:authority`, or an HTTP/1.1 absolute-form target, which RFC 9112 says wins over Host):
    // each present must be allowed, and at least one must be.
    let header_host = request
        .headers()
        .get(header::HOST)
        .map(|value| value.to_str().unwrap_or(""));
    let authority = request.uri().authority().map(|a| a.as_str());
    let mut hosts: Vec<&str> = header_host.into_iter().chain(authority).collect();
    if hosts.is_empty() {
        hosts.push("");
    }
    for host in hosts {
        if let Some(problem) = check_headers(&options, host, request.headers()) {
            return problem;
        }
    }
    next.run(request).await
}

fn check_headers(options: &HttpOptions, host: &str, headers: &HeaderMap) -> Option<Response> {
    if !options.host_allowed(host) {
        tracing::warn!(host, "refused a request with an unexpected Host header");
        return Some(
            (
                StatusCode::FORBIDDEN,
                "Forbidden: Host header is not allowed (set server.allowed_hosts)",
            )
                .into_response(),
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok())
        && !options.origin_allowed(origin)
    {
        tracing::warn!(origin, "refused a request with an unexpected Origin header");
        return Some(
            (
                StatusCode::FORBIDDEN,
                "Forbidden: Origin is not allowed (set server.allowed_origins)",
            )
                .into_response(),
        );
    }
    None
}

/// The body of an answer that refuses a request before it reaches the MCP layer: a JSON-RPC
/// error without an id, as the streamable HTTP transport allows for input it cannot accept.
fn refusal(status: StatusCode, message: String) -> Response {
    refusal_with_code(status, -32600, message)
}

fn refusal_with_code(status: StatusCode, code: i64, message: String) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message},
    });
    (status, Json(body)).into_response()
}

/// Whether `json` nests arrays and objects deeper than `limit`, found in one pass without
/// parsing (brackets inside strings do not count), so no input can exhaust the stack.
fn json_too_deep(json: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Reads a POST body up to the size limit and checks its nesting, so rmcp and the legacy
/// transport only ever see bounded input: 413 past `max_body_bytes`, 400 past
/// `max_json_depth`, both with a JSON-RPC error naming the setting.
async fn limit_requests(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let max = limits.max_body_bytes;
    let source = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.to_string());
    let caller = request
        .extensions()
        .get::<Principal>()
        .map_or_else(|| "unknown".to_string(), |p| p.subject.clone());
    let path = request.uri().path().to_string();
    let too_large = || {
        tracing::warn!(source = %source, caller = %caller, path = %path, limit = max, "refused a request body over server.max_body_bytes");
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Payload Too Large: the request body exceeds {max} bytes (server.max_body_bytes)"
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| usize::try_from(n).map_or(true, |n| n > max)) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let capacity = declared.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    let mut collected = Vec::with_capacity(capacity.min(max));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    format!("Bad Request: cannot read the request body: {e}"),
                );
            }
        };
        if chunk.len() > max - collected.len() {
            return too_large();
        }
        collected.extend_from_slice(&chunk);
    }
    if json_too_deep(&collected, limits.max_json_depth) {
        let depth = limits.max_json_depth;
        tracing::warn!(source = %source, caller = %caller, path = %path, limit = depth, "refused a request body over server.max_json_depth");
        return refusal(
            StatusCode::BAD_REQUEST,
            format!(
                "Invalid Request: the JSON nests arrays and objects deeper than {depth} levels (server.max_json_depth)"
            ),
        );
    }
    // Bounded in size and depth, so parsing is safe: answer malformed JSON and batches as
    // JSON-RPC errors (rmcp would answer 415 with plain text).
    match serde_json::from_slice::<serde::de::IgnoredAny>(&collected) {
        Err(e) => {
            return refusal_with_code(
                StatusCode::BAD_REQUEST,
                -32700,
                format!("Parse error: the request body is not valid JSON ({e})"),
            );
        }
        Ok(_)
            if path == "/mcp"
                && collected.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') =>
        {
            return refusal(
                StatusCode::BAD_REQUEST,
                "Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 removed them); send one message per request".into(),
            );
        }
        Ok(_) => {}
    }
    next.run(Request::from_parts(parts, Body::from(collected)))
        .await
}

/// Puts the client certificate of a TLS connection, if any, in the request's extensions as a
/// [`ClientCertificate`], for the authentication layer and the audit.
async fn client_certificate(mut request: Request, next: Next) -> Response {
    let certificate = request
        .extensions()
        .get::<Arc<TlsInfo>>()
        .and_then(|info| info.peer_certificates.first())
        .map(|der| ClientCertificate::from_der(der));
    if let Some(certificate) = certificate {
        tracing::debug!(client_certificate = %certificate.subject(), "TLS client certificate");
        request.extensions_mut().insert(certificate);
    }
    next.run(request).await
}

/// With no other authentication, a caller with a verified client certificate is named after it
/// (`cert:<CN>`) rather than `anonymous`, in logs, audit and legacy SSE session ownership.
async fn certificate_principal(mut request: Request, next: Next) -> Response {
    let subject = request
        .extensions()
        .get::<ClientCertificate>()
        .map(ClientCertificate::subject);
    if let Some(subject) = subject
        && let Some(principal) = request.extensions_mut().get_mut::<Principal>()
        && principal.kind == PrincipalKind::Anonymous
    {
        principal.subject = format!("cert:{subject}");
        principal.kind = PrincipalKind::ClientCertificate;
    }
    next.run(request).await
}

/// The whole HTTP application with the default [`RequestLimits`]; see [`router_with_limits`].
pub fn router(app: &App, options: HttpOptions, shutdown: CancellationToken) -> Router {
    router_with_limits(app, options, RequestLimits::default(), shutdown)
}

/// The whole HTTP application: the MCP routes behind Host/Origin checks, client
/// authentication and request limits; `/healthz`, `/metrics` and the OAuth protected-resource
/// metadata beside them.
pub fn router_with_limits(
    app: &App,
    options: HttpOptions,
    limits: RequestLimits,
    shutdown: CancellationToken,
) -> Router {
    let factory = app.http_factory();
    let streamable = {
        let factory = factory.clone();
        StreamableHttpService::new(
            move || Ok(factory(None)),
            Arc::new(LocalSessionManager::default()),
            StreamableHttpServerConfig::default()
                .with_cancellation_token(shutdown.child_token())
                .with_max_request_body_bytes(limits.max_body_bytes)
                // Host and Origin are checked by `guard` for every MCP route.
                .disable_allowed_hosts(),
        )
    };
    let options = Arc::new(options);
    let auth = app.authenticator();
    // The last layer runs first: Host/Origin, the client certificate, authentication, then
    // the limits.
    let mcp = Router::new()
        .nest_service("/mcp", streamable)
        .merge(super::sse::router(factory, shutdown))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(limits, limit_requests))
        .layer(axum::middleware::from_fn(certificate_principal))
        .layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            require_auth,
        ))
        .layer(axum::middleware::from_fn(client_certificate))
        .layer(axum::middleware::from_fn_with_state(options.clone(), guard));
    let manager = app.ctx.clone();
    let metrics = metrics_router(app.ctx.security.metrics.clone(), move || {
        let mut clients = vec![("manager", manager.manager.stats())];
        if let Some(indexer) = &manager.indexer {
            clients.push(("indexer", indexer.stats()));
        }
        upstream_stats_text(&clients)
    })
    .layer(axum::middleware::from_fn_with_state(options, guard));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(metadata_router(auth))
        .merge(metrics)
        .merge(mcp)
}

/// Serves `app` on `listener` until `shutdown` is cancelled.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled_owned().await })
    .await
}

/// Serves `app` over TLS with `tls` (see [`super::tls::server_config`]) on `listener` until
/// `shutdown` is cancelled; open connections then have [`SHUTDOWN_GRACE`] to finish. Every
/// route, `/healthz` and `/metrics` included, is served over TLS only.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Arc<rustls::ServerConfig>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::<SocketAddr>::new();
    let stopper = {
        let handle = handle.clone();
        tokio::spawn(async move {
            shutdown.cancelled_owned().await;
            handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
        })
    };
    let server =
        axum_server::from_tcp_rustls(listener.into_std()?, RustlsConfig::from_config(tls))?
            .handle(handle)
            .accept_error_handler(log_handshake_failure);
    let result = server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await;
    stopper.abort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth() {
        assert!(!json_too_deep(br#"{"a":[1,{"b":[]}]}"#, 4));
        assert!(json_too_deep(br#"{"a":[1,{"b":[]}]}"#, 3));
        // Brackets in strings, escaped quotes included, do not count.
        assert!(!json_too_deep(br#"{"a":"[[[[\"{{{{"}"#, 1));
        assert!(json_too_deep(br#"{"a":"\\",[[]]}"#, 2));
        let deep = "[".repeat(100_000);
        assert!(json_too_deep(deep.as_bytes(), 64));
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(!json_too_deep(ok.as_bytes(), 64));
        assert!(json_too_deep(format!("[{ok}]").as_bytes(), 64));
        // Unbalanced closers never underflow.
        assert!(!json_too_deep(b"]]]]}}}[", 1));
    }

    #[test]
    fn loopback_hosts_by_default() {
        let options = HttpOptions::default();
        assert!(options.host_allowed("127.0.0.1:8000"));
        assert!(options.host_allowed("localhost"));
        assert!(options.host_allowed("[::1]:8000"));
        assert!(!options.host_allowed("evil.example:8000"));
        assert!(!options.host_allowed(""));
    }

    #[test]
    fn configured_hosts_and_ports() {
        let options = HttpOptions {
            allowed_hosts: vec!["mcp.corp.example".into(), "10.0.0.5:8000".into()],
            allowed_origins: vec![],
        };
        assert!(options.host_allowed("mcp.corp.example:443"));
        assert!(options.host_allowed("10.0.0.5:8000"));
        assert!(!options.host_allowed("10.0.0.5:9000"));
        assert!(!options.host_allowed("localhost:8000"));
    }

    #[test]
    fn origins() {
        let options = HttpOptions {
            allowed_hosts: vec![],
            allowed_origins: vec![
                "https://app.example.com".into(),
                "http://localhost:*".into(),
            ],
        };
        assert!(options.origin_allowed("https://app.example.com"));
        assert!(options.origin_allowed("http://localhost:6274"));
        assert!(!options.origin_allowed("http://localhost.evil.com"));
        assert!(!options.origin_allowed("https://evil.example"));
        // Defaults: loopback pages only, any port; never a look-alike name.
        let defaults = HttpOptions::default();
        assert!(defaults.origin_allowed("http://localhost:6274"));
        assert!(defaults.origin_allowed("http://127.0.0.1:8000"));
        assert!(defaults.origin_allowed("https://[::1]:8443"));
        assert!(defaults.origin_allowed("http://localhost"));
        assert!(!defaults.origin_allowed("http://localhost.evil.com"));
        assert!(!defaults.origin_allowed("http://127.0.0.1.nip.io:8000"));
        assert!(!defaults.origin_allowed("http://evil.example"));
        assert!(!defaults.origin_allowed("null"));
        // Once origins are listed, loopback is not implied.
        assert!(!options.origin_allowed("http://127.0.0.1:3000"));
    }
}
