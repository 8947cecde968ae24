//! The manager REST API (port 55000).
//!
//! Every request goes through the same steps as on a real manager: the per-minute rate limit,
//! routing against the spec of the simulated version (404/405), authentication (Basic on the two
//! logins, a Bearer JWT everywhere else), RBAC, strict parameter validation (400), then the
//! operation.
//!
//! RBAC acts with the roles of the token (see [`crate::auth`]). A token without the
//! `administrator` role may only `GET` (403, code 4000, `Resource type: *:*`, as before). Agent
//! listings (`GET /agents`, `/agents/summary/status`, `/agents/summary/os`) show only the agents
//! the token may read, and their totals count only those; `agents_list` ids it may not read are
//! failed items with code 4000, or a 403 when none is readable. Agent-scoped operations
//! (`/syscollector/{agent_id}/*`, `/sca/{agent_id}`, `/sca/{agent_id}/checks/{policy_id}`,
//! `/syscheck/{agent_id}`, `/rootcheck/{agent_id}`, `/vulnerability/{agent_id}`,
//! `PUT /agents/{agent_id}/restart`) on an agent it may not use answer 403, code 4000,
//! `Permission denied: Resource type: agent:id`, as the framework's `expose_resources` does
//! (upstream tavern test `test_rbac_black_agent_endpoints.tavern.yaml`). `GET /groups` lists
//! only the groups the token may read. Other operations need their action on some resource
//! (`rules:read`, `manager:read`, ...) or answer 403 `Resource type: *:*`.

mod envelope;
mod handlers;
pub mod spec;
pub mod validate;
mod xmljson;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::SimState;
use crate::config::ApiVersion;
use crate::faults::{Fault, FaultSpec};
pub use envelope::Problem;
use validate::{Op, Route};

/// The operations of the spec of `version`.
pub fn ops(version: ApiVersion) -> &'static [Op] {
    match version {
        ApiVersion::V4_7_5 => spec::V4_7_5,
        ApiVersion::V4_14_7 => spec::V4_14_7,
        ApiVersion::V5_0_0 => spec::V5_0_0,
    }
}

/// The manager API router.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/__sim/faults", get(get_faults).post(set_faults))
        .fallback(handle)
        .with_state(state)
}

async fn get_faults(State(state): State<Arc<SimState>>) -> Json<FaultSpec> {
    Json(state.faults.snapshot())
}

async fn set_faults(
    State(state): State<Arc<SimState>>,
    body: Bytes,
) -> Result<Json<FaultSpec>, (StatusCode, String)> {
    let spec: FaultSpec = serde_json::from_slice(&body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("invalid fault spec: {e}")))?;
    state.apply_faults(&spec);
    Ok(Json(state.faults.snapshot()))
}

async fn handle(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if state.faults.take_expire_tokens() {
        state.authority.revoke_all();
    }
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fault = state.faults.take();
    match fault {
        Some(Fault::Reset) => return reset_response(),
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut response = Problem::too_many_requests().into_response();
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
        Some(Fault::ServerError) => {
            return Problem::wazuh(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Wazuh Error",
                1000,
                "Wazuh Internal Error",
                Some("Please, check the API and manager logs (simulated fault)".into()),
            )
            .into_response();
        }
        _ => {}
    }
    if !state.rate_limit_ok() {
        return Problem::too_many_requests().into_response();
    }
    let response = process(&state, &method, &uri, &headers, &body);
    match fault {
        Some(Fault::Truncated) => truncate(response).await,
        Some(Fault::SlowBody { total_ms }) => slow(response, total_ms).await,
        _ => response,
    }
}

fn process(
    state: &SimState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let (op, path_params) = match validate::route(state.ops, method.as_str(), uri.path()) {
        Route::Found(op, params) => (op, params),
        Route::MethodNotAllowed => return Problem::method_not_allowed().into_response(),
        Route::NotFound => return Problem::not_found().into_response(),
    };
    let key = op.key();
    let is_login = matches!(
        (op.method, op.path),
        ("GET" | "POST", "/security/user/authenticate")
            | ("POST", "/security/user/authenticate/run_as")
    );
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let principal = if is_login {
        None
    } else {
        let principal = match state.authority.check_bearer(authorization) {
            Ok(principal) => principal,
            Err(e) => return Problem::unauthorized(e.detail()).into_response(),
        };
        if principal.read_only() && op.method != "GET" {
            return Problem::permission_denied("*:*").into_response();
        }
        Some(principal)
    };
    let query: BTreeMap<String, String> = uri
        .query()
        .map(|q| {
            url_pairs(q)
                .into_iter()
                .collect::<BTreeMap<String, String>>()
        })
        .unwrap_or_default();
    if let Some(problem) = offset_overflow(&query) {
        return problem.into_response();
    }
    if let Err(detail) = validate::validate(op, &query, &path_params) {
        return Problem::bad_request(detail).into_response();
    }
    let permissions = principal
        .as_ref()
        .map(|p| state.authority.permissions(p))
        .unwrap_or_default();
    let ctx = handlers::Ctx {
        state,
        principal: principal.as_ref(),
        permissions,
        path: path_params,
        query,
        headers,
        body,
    };
    handlers::dispatch(&key, &ctx)
}

/// An `offset` beyond what the database takes fails there (error 2003), not in validation.
fn offset_overflow(query: &BTreeMap<String, String>) -> Option<Problem> {
    let offset = query.get("offset")?;
    if offset.chars().all(|c| c.is_ascii_digit()) && offset.parse::<i64>().is_err() {
        return Some(Problem::wazuh(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            2003,
            "Error in wazuhdb request",
            Some("Make sure the request is correct".into()),
        ));
    }
    None
}

/// Decodes an `application/x-www-form-urlencoded` query string.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    validate::percent_decode(&s.replace('+', " "))
}

/// A response whose body fails at once: the connection closes without an answer.
fn reset_response() -> Response {
    let stream = futures_stream(vec![Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "simulated connection reset",
    ))]);
    Response::new(Body::from_stream(stream))
}

async fn collect(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

/// Sends half the body with the full `Content-Length`, then drops the connection.
async fn truncate(response: Response) -> Response {
    let (mut parts, bytes) = collect(response).await;
    let half = bytes.slice(..bytes.len() / 2);
    if let Ok(v) = HeaderValue::from_str(&bytes.len().to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, v);
    }
    let stream = futures_stream(vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "simulated truncated body",
        )),
    ]);
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Sends the body in ten pieces spread over `total_ms`.
async fn slow(response: Response, total_ms: u64) -> Response {
    let (parts, bytes) = collect(response).await;
    let pieces = 10usize;
    let step = bytes.len().div_ceil(pieces).max(1);
    let delay = Duration::from_millis(total_ms / pieces as u64);
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(step)
        .map(|start| bytes.slice(start..(start + step).min(bytes.len())))
        .collect();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tokio::spawn(async move {
        for chunk in chunks {
            tokio::time::sleep(delay).await;
            if tx.send(Ok(chunk)).await.is_err() {
                break;
            }
        }
    });
    let stream = ReceiverStream(rx);
    Response::from_parts(parts, Body::from_stream(stream))
}

/// A stream over a fixed list of items.
fn futures_stream(
    items: Vec<Result<Bytes, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    IterStream(items.into_iter())
}

struct IterStream<I>(I);

impl<I: Iterator + Unpin> futures_core::Stream for IterStream<I> {
    type Item = I::Item;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

struct ReceiverStream<T>(tokio::sync::mpsc::Receiver<T>);

impl<T> futures_core::Stream for ReceiverStream<T> {
    type Item = T;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

/// A fixed-window limiter like the API's `max_request_per_minute`.
#[derive(Debug)]
pub struct RateWindow {
    started: Instant,
    count: u32,
}

impl Default for RateWindow {
    fn default() -> Self {
        RateWindow {
            started: Instant::now(),
            count: 0,
        }
    }
}

impl RateWindow {
    /// Counts one request; false when it is over `limit` in the current minute.
    pub fn admit(&mut self, limit: u32, now: Instant) -> bool {
        if limit == 0 {
            return true;
        }
        if now.duration_since(self.started) >= Duration::from_secs(60) {
            self.started = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.count <= limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_window_resets_every_minute() {
        let start = Instant::now();
        let mut window = RateWindow {
            started: start,
            count: 0,
        };
        assert!(window.admit(2, start));
        assert!(window.admit(2, start));
        assert!(!window.admit(2, start));
        assert!(window.admit(2, start + Duration::from_secs(61)));
        assert!(window.admit(0, start));
    }

    #[test]
    fn query_strings_decode_like_forms() {
        let pairs = url_pairs("q=name%3Dweb-01%3Bstatus%3Dactive&search=a+b&pretty");
        assert_eq!(pairs[0], ("q".into(), "name=web-01;status=active".into()));
        assert_eq!(pairs[1], ("search".into(), "a b".into()));
        assert_eq!(pairs[2], ("pretty".into(), "".into()));
    }
}
