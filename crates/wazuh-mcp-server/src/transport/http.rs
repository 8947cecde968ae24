//! The HTTP side: streamable HTTP at `/mcp`, the legacy transport at `/sse` (+ `/messages/`),
//! and `/healthz` / `/readyz` outside the MCP routes. One builder serves `main` and the tests.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::audit::{metrics_router, upstream_stats_text};
use crate::auth::{metadata_router, require_auth};

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
        self.allowed_origins.iter().any(|allowed| {
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

/// DNS-rebinding protection: refuses unexpected `Host` and `Origin` headers.
async fn guard(State(options): State<Arc<HttpOptions>>, request: Request, next: Next) -> Response {
    if let Some(problem) = check_headers(&options, request.headers()) {
        return problem;
    }
    next.run(request).await
}

fn check_headers(options: &HttpOptions, headers: &HeaderMap) -> Option<Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
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

/// The whole HTTP application: the MCP routes behind Host/Origin checks and client
/// authentication; `/healthz`, `/metrics` and the OAuth protected-resource metadata beside them.
pub fn router(app: &App, options: HttpOptions, shutdown: CancellationToken) -> Router {
    let factory = app.http_factory();
    let streamable = {
        let factory = factory.clone();
        StreamableHttpService::new(
            move || Ok(factory(None)),
            Arc::new(LocalSessionManager::default()),
            StreamableHttpServerConfig::default()
                .with_cancellation_token(shutdown.child_token())
                // Host and Origin are checked by `guard` for every MCP route.
                .disable_allowed_hosts(),
        )
    };
    let options = Arc::new(options);
    let auth = app.authenticator();
    // Layers run outside-in: Host/Origin first, then authentication.
    let mcp = Router::new()
        .nest_service("/mcp", streamable)
        .merge(super::sse::router(factory, shutdown))
        .layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            require_auth,
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(!HttpOptions::default().origin_allowed("http://localhost:3000"));
    }
}
