//! The legacy HTTP+SSE transport (MCP 2024-11-05), which rmcp no longer ships.
//!
//! `GET /sse` (or `/sse/`) opens an event stream whose first event, `endpoint`, names the URL to
//! POST messages to (`/messages/?session_id=...`); every JSON-RPC message from the server then
//! arrives as a `message` event. Each session runs its own MCP service over an in-memory pipe,
//! so the MCP logic is exactly the one of the other transports.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::stream::Stream;
use rmcp::{ServerHandler, ServiceExt};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, WriteHalf};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::principal::Principal;

/// Largest message a client may POST (bytes).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

type Writer = Arc<Mutex<WriteHalf<tokio::io::DuplexStream>>>;

/// One open session: where its messages go, and who opened it.
#[derive(Clone)]
struct Session {
    writer: Writer,
    owner: Option<String>,
}

type SessionMap = Arc<Mutex<HashMap<String, Session>>>;

struct Sessions<F> {
    factory: F,
    sessions: SessionMap,
    shutdown: CancellationToken,
}

/// The routes of the legacy transport: `/sse`, `/sse/`, `/messages` and `/messages/`.
///
/// `factory` builds the session's server for the caller who opened it (the `Principal` the auth
/// middleware put in the request); only that caller may post to the session.
pub fn router<S, F>(factory: F, shutdown: CancellationToken) -> Router
where
    S: ServerHandler,
    F: Fn(Option<Principal>) -> S + Send + Sync + 'static,
{
    let state = Arc::new(Sessions {
        factory,
        sessions: Arc::new(Mutex::new(HashMap::new())),
        shutdown,
    });
    Router::new()
        .route("/sse", get(open::<S, F>))
        .route("/sse/", get(open::<S, F>))
        .route("/messages", post(message::<S, F>))
        .route("/messages/", post(message::<S, F>))
        .with_state(state)
}

fn new_session_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Removes the session when the client goes away.
struct SessionGuard {
    id: String,
    sessions: SessionMap,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let sessions = self.sessions.clone();
        let id = std::mem::take(&mut self.id);
        tokio::spawn(async move {
            sessions.lock().await.remove(&id);
            tracing::debug!(session = %id, "SSE session closed");
        });
    }
}

async fn open<S, F>(
    State(state): State<Arc<Sessions<F>>>,
    principal: Option<Extension<Principal>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    S: ServerHandler,
    F: Fn(Option<Principal>) -> S + Send + Sync + 'static,
{
    let id = new_session_id();
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let principal = principal.map(|Extension(p)| p);
    let owner = principal.as_ref().map(|p| p.subject.clone());
    let service = (state.factory)(Some(
        principal.unwrap_or_else(|| Principal::anonymous(None)),
    ));
    let cancel = state.shutdown.child_token();
    tokio::spawn(async move {
        match service.serve(server_io).await {
            Ok(running) => {
                let ct = running.cancellation_token();
                tokio::select! {
                    _ = running.waiting() => {}
                    _ = cancel.cancelled() => ct.cancel(),
                }
            }
            Err(e) => tracing::debug!(error = %e, "SSE session ended before initialization"),
        }
    });
    let (reader, writer) = tokio::io::split(client_io);
    state.sessions.lock().await.insert(
        id.clone(),
        Session {
            writer: Arc::new(Mutex::new(writer)),
            owner,
        },
    );
    tracing::debug!(session = %id, "SSE session opened");

    let endpoint = Event::default()
        .event("endpoint")
        .data(format!("/messages/?session_id={id}"));
    let guard = SessionGuard {
        id,
        sessions: state.sessions.clone(),
    };
    let lines = BufReader::new(reader).lines();
    let shutdown = state.shutdown.clone();
    let messages = futures_util::stream::unfold(
        (lines, guard, shutdown),
        |(mut lines, guard, shutdown)| async move {
            let next = tokio::select! {
                line = lines.next_line() => line.ok().flatten(),
                _ = shutdown.cancelled() => None,
            };
            next.map(|line| {
                let event = Event::default().event("message").data(line);
                (Ok(event), (lines, guard, shutdown))
            })
        },
    );
    let first = futures_util::stream::once(async move { Ok(endpoint) });
    Sse::new(futures_util::StreamExt::chain(first, messages))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[derive(Debug, Deserialize)]
struct SessionQuery {
    session_id: Option<String>,
}

async fn message<S, F>(
    State(state): State<Arc<Sessions<F>>>,
    Query(query): Query<SessionQuery>,
    principal: Option<Extension<Principal>>,
    body: Bytes,
) -> Response
where
    S: ServerHandler,
    F: Fn(Option<Principal>) -> S + Send + Sync + 'static,
{
    let Some(id) = query.session_id else {
        return (StatusCode::BAD_REQUEST, "session_id is required").into_response();
    };
    if body.len() > MAX_MESSAGE_BYTES {
        return (StatusCode::PAYLOAD_TOO_LARGE, "message too large").into_response();
    }
    // One JSON value per message; reject anything else before it reaches the service.
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("invalid JSON-RPC message: {e}"),
            )
                .into_response();
        }
    };
    let Some(session) = state.sessions.lock().await.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "Could not find session").into_response();
    };
    let caller = principal.map(|Extension(p)| p.subject);
    if session.owner.is_some() && session.owner != caller {
        tracing::warn!(session = %id, "refused a message to a session opened by another caller");
        return (
            StatusCode::FORBIDDEN,
            "this session belongs to another caller",
        )
            .into_response();
    }
    let writer = session.writer;
    let mut line = value.to_string();
    line.push('\n');
    let mut writer = writer.lock().await;
    if writer.write_all(line.as_bytes()).await.is_err() || writer.flush().await.is_err() {
        return (StatusCode::GONE, "session closed").into_response();
    }
    (StatusCode::ACCEPTED, "Accepted").into_response()
}
