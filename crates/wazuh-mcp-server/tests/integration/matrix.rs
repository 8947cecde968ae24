//! The authorization matrix, over real HTTP on 127.0.0.1: every transport (`/mcp`, `/sse`) ×
//! every credential (none, wrong, expired issued JWT, expired IdP JWT, API key, issued JWT, IdP
//! JWT through a local JWKS) × every kind of tool (one the caller's scopes allow, one they do
//! not, a write tool in read-only mode, the same write tool when the server allows writes and
//! the caller's scopes name it), each with the answer it must get. The whole table is compared at once, so a failure shows every
//! cell that changed.

use std::time::Duration;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use wazuh_mcp_server::App;
use wazuh_mcp_server::auth::{ApiKey, issue_token};
use wazuh_mcp_server::config::Config;
use wazuh_mcp_server::transport::http::{self, HttpOptions};

use crate::auth::{IDP, IdpKey, Jwks, RESOURCE, jwt_settings, now, oauth_settings};
use crate::common::{config, shared_manager_url};
use crate::http::SseClient;

const API_KEY: &str = "wmk_matrix_agents_toolset_key_0123456789";
/// What every valid credential grants: the agents toolset and `restart_agent`.
const SCOPES: [&str; 2] = ["toolset:agents", "tool:restart_agent"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    None,
    Wrong,
    ExpiredIssued,
    ExpiredIdp,
    ApiKey,
    Issued,
    Idp,
}

impl Credential {
    const ALL: [Credential; 7] = [
        Credential::None,
        Credential::Wrong,
        Credential::ExpiredIssued,
        Credential::ExpiredIdp,
        Credential::ApiKey,
        Credential::Issued,
        Credential::Idp,
    ];

    fn valid(self) -> bool {
        matches!(
            self,
            Credential::ApiKey | Credential::Issued | Credential::Idp
        )
    }
}

/// The tools tried, and the server they are tried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// `get_agents`: in the caller's scopes.
    Allowed,
    /// `list_rules`: outside the caller's scopes.
    Disallowed,
    /// `restart_agent` on a read-only server.
    WriteReadOnly,
    /// `restart_agent` (with `confirm: true`) on a server that allows writes.
    Write,
}

impl Probe {
    const ALL: [Probe; 4] = [
        Probe::Allowed,
        Probe::Disallowed,
        Probe::WriteReadOnly,
        Probe::Write,
    ];

    fn call(self) -> (&'static str, Value) {
        match self {
            Probe::Allowed => ("get_agents", json!({"limit": 1, "select": "id"})),
            Probe::Disallowed => ("list_rules", json!({"rule_ids": "5710"})),
            Probe::WriteReadOnly | Probe::Write => {
                ("restart_agent", json!({"agent_id": "001", "confirm": true}))
            }
        }
    }

    fn read_only_server(self) -> bool {
        !matches!(self, Probe::Write)
    }
}

/// What a cell must show.
fn expected(credential: Credential, probe: Probe) -> String {
    if !credential.valid() {
        return "401".into();
    }
    match probe {
        Probe::Allowed => "listed, ok",
        Probe::Disallowed => "unlisted, refused: not available to this caller",
        Probe::WriteReadOnly => "unlisted, refused: not enabled on this server",
        Probe::Write => "listed, ok",
    }
    .into()
}

struct Fixture {
    jwks_url: String,
    idp: IdpKey,
}

impl Fixture {
    fn config(&self, read_only: bool) -> Config {
        let mut config = config(shared_manager_url());
        config.security.read_only_mode = read_only;
        config.auth.api_keys = vec![ApiKey::from_plain("matrix", API_KEY, scopes(), None).unwrap()];
        config.auth.jwt = Some(jwt_settings());
        config.auth.oauth = Some(oauth_settings(&self.jwks_url));
        config
    }

    fn authorization(&self, credential: Credential) -> Option<String> {
        let issued = |ttl: Option<Duration>| {
            issue_token(&jwt_settings(), "analyst1", &scopes(), None, ttl).unwrap()
        };
        let idp = |exp: u64| {
            self.idp.sign(&json!({
                "iss": IDP, "aud": RESOURCE, "sub": "alice",
                "iat": now() - 7200, "exp": exp, "scope": format!("openid {}", SCOPES.join(" ")),
            }))
        };
        let token = match credential {
            Credential::None => return None,
            Credential::Wrong => "wmk_not_a_configured_key_0123456789".to_string(),
            Credential::ExpiredIssued => expired_issued_token(),
            Credential::ExpiredIdp => idp(now() - 3600),
            Credential::ApiKey => API_KEY.to_string(),
            Credential::Issued => issued(Some(Duration::from_secs(600))),
            Credential::Idp => idp(now() + 600),
        };
        Some(format!("Bearer {token}"))
    }
}

fn scopes() -> Vec<String> {
    SCOPES.iter().map(|s| s.to_string()).collect()
}

/// An issued token whose `exp` is an hour past, signed with the right secret.
fn expired_issued_token() -> String {
    let settings = jwt_settings();
    let claims = json!({
        "iss": settings.issuer, "aud": settings.audience, "sub": "analyst1",
        "iat": now() - 7200, "nbf": now() - 7200, "exp": now() - 3600, "scope": SCOPES.join(" "),
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(
            secrecy::ExposeSecret::expose_secret(&settings.secret).as_bytes(),
        ),
    )
    .unwrap()
}

async fn serve(app: &App, shutdown: &CancellationToken) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let router = http::router(app, HttpOptions::default(), shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(http::serve(listener, router, shutdown.clone()));
    base
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// One MCP session over either transport, speaking raw JSON-RPC.
enum Session {
    Streamable {
        url: String,
        session: String,
        authorization: Option<String>,
    },
    Legacy {
        sse: SseClient,
        post_url: String,
        authorization: Option<String>,
    },
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"matrix","version":"0"}}}"#;

/// The JSON-RPC message answering `id` in a POST answer (JSON or an SSE stream).
fn answer_in(body: &str, id: u64) -> Value {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        return value;
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|m| m["id"] == json!(id))
        .unwrap_or_else(|| panic!("no answer to {id} in {body}"))
}

impl Session {
    /// Opens a session, or the HTTP status that refused it.
    async fn open(base: &str, legacy: bool, authorization: Option<String>) -> Result<Session, u16> {
        let http = http_client();
        if legacy {
            let mut sse =
                SseClient::open_as(&format!("{base}/sse"), authorization.as_deref()).await?;
            let (event, endpoint) = sse.next_event().await;
            assert_eq!(event, "endpoint");
            let mut session = Session::Legacy {
                sse,
                post_url: format!("{base}{endpoint}"),
                authorization,
            };
            session
                .request(1, serde_json::from_str(INITIALIZE).unwrap())
                .await;
            session
                .notify(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                .await;
            return Ok(session);
        }
        let url = format!("{base}/mcp");
        let mut request = http
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(INITIALIZE);
        if let Some(value) = &authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        if response.status() != 200 {
            return Err(response.status().as_u16());
        }
        let session = response.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_string();
        let init = answer_in(&response.text().await.unwrap(), 1);
        assert_eq!(init["result"]["serverInfo"]["name"], "wazuh-mcp");
        let session = Session::Streamable {
            url,
            session,
            authorization,
        };
        session
            .notify(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        Ok(session)
    }

    async fn notify(&self, message: Value) {
        let status = self.post(&message).await.status();
        assert_eq!(status, 202, "{message}");
    }

    async fn post(&self, message: &Value) -> reqwest::Response {
        let (url, authorization, session) = match self {
            Session::Streamable {
                url,
                session,
                authorization,
            } => (url, authorization, Some(session)),
            Session::Legacy {
                post_url,
                authorization,
                ..
            } => (post_url, authorization, None),
        };
        let mut request = http_client()
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(message.to_string());
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-06-18");
        }
        request.send().await.unwrap()
    }

    async fn request(&mut self, id: u64, message: Value) -> Value {
        let response = self.post(&message).await;
        match self {
            Session::Streamable { .. } => {
                assert_eq!(response.status(), 200, "{message}");
                answer_in(&response.text().await.unwrap(), id)
            }
            Session::Legacy { sse, .. } => {
                assert_eq!(response.status(), 202, "{message}");
                sse.answer(id).await
            }
        }
    }
}

/// Runs one cell: opens a session, lists the tools, calls the probe's tool.
async fn cell(base: &str, legacy: bool, authorization: Option<String>, probe: Probe) -> String {
    let mut session = match Session::open(base, legacy, authorization).await {
        Ok(session) => session,
        Err(status) => return status.to_string(),
    };
    let (tool, arguments) = probe.call();
    let list = session
        .request(
            2,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        )
        .await;
    let listed = list["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .any(|t| t["name"] == tool);
    let call = session
        .request(
            3,
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                   "params": {"name": tool, "arguments": arguments}}),
        )
        .await;
    let outcome = if let Some(error) = call.get("error") {
        let message = error["message"].as_str().unwrap_or_default();
        let reason = ["not available to this caller", "not enabled on this server"]
            .into_iter()
            .find(|r| message.contains(r))
            .unwrap_or(message);
        format!("refused: {reason}")
    } else if call["result"]["isError"] == json!(true) {
        format!("tool error: {}", call["result"]["content"][0]["text"])
    } else {
        "ok".into()
    };
    format!("{}, {outcome}", if listed { "listed" } else { "unlisted" })
}

#[tokio::test]
async fn authorization_matrix() {
    let jwks = Jwks::default();
    let idp = IdpKey::new("matrix");
    jwks.publish(&[&idp]);
    let fixture = Fixture {
        jwks_url: jwks.start().await,
        idp,
    };
    let shutdown = CancellationToken::new();
    let read_only = serve(&App::new(&fixture.config(true)).unwrap(), &shutdown).await;
    let read_write = serve(&App::new(&fixture.config(false)).unwrap(), &shutdown).await;

    let mut got = Vec::new();
    let mut want = Vec::new();
    for legacy in [false, true] {
        let transport = if legacy { "/sse" } else { "/mcp" };
        for credential in Credential::ALL {
            for probe in Probe::ALL {
                let base = if probe.read_only_server() {
                    &read_only
                } else {
                    &read_write
                };
                let answer = cell(base, legacy, fixture.authorization(credential), probe).await;
                let key = format!("{transport:5} {credential:?} {probe:?}");
                got.push(format!("{key:40} {answer}"));
                want.push(format!("{key:40} {}", expected(credential, probe)));
            }
        }
    }
    shutdown.cancel();
    assert_eq!(got.len(), 2 * 7 * 4);
    let diff: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g != w)
        .map(|(g, w)| format!("got  {g}\nwant {w}"))
        .collect();
    assert!(
        diff.is_empty(),
        "{} cells differ:\n{}",
        diff.len(),
        diff.join("\n")
    );
}
