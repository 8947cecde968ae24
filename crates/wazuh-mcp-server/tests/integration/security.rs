//! Enforcement around tool calls, over real HTTP: client authentication, scopes per caller,
//! agent-group visibility, rate limits and the audit log.

use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use wazuh_mcp_server::App;
use wazuh_mcp_server::auth::ApiKey;
use wazuh_mcp_server::config::Config;
use wazuh_mcp_server::transport::http::{self, HttpOptions};

use crate::common::{config, connect, shared_manager_url};

const PATIENCE: Duration = Duration::from_secs(20);
const WEB_KEY: &str = "wmk_webservers_only_key_0123456789";
const AGENTS_ONLY_KEY: &str = "wmk_get_agents_only_key_0123456789";

fn secured_config() -> Config {
    let mut config = config(shared_manager_url());
    config.auth.api_keys = vec![
        ApiKey::from_plain(
            "web",
            WEB_KEY,
            vec!["tools:read".into()],
            Some(vec!["webservers".into()]),
        )
        .unwrap(),
        ApiKey::from_plain(
            "agents-only",
            AGENTS_ONLY_KEY,
            vec!["tool:get_agents".into()],
            None,
        )
        .unwrap(),
    ];
    config
}

struct Served {
    base: String,
    shutdown: CancellationToken,
}

async fn serve(app: &App) -> Served {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let shutdown = CancellationToken::new();
    let router = http::router(app, HttpOptions::default(), shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(http::serve(listener, router, shutdown.clone()));
    Served { base, shutdown }
}

async fn client_with_key(
    base: &str,
    key: &str,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(key),
    );
    ().serve(transport)
        .await
        .expect("authenticated client connects")
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    name: &str,
    arguments: Value,
) -> Result<rmcp::model::CallToolResult, rmcp::ServiceError> {
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    tokio::time::timeout(
        PATIENCE,
        client.call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(arguments)),
    )
    .await
    .expect("answered in time")
}

#[tokio::test]
async fn no_or_wrong_credentials_are_refused_on_both_transports() {
    let app = App::new(&secured_config()).unwrap();
    let served = serve(&app).await;
    let http = reqwest::Client::new();
    for path in ["/mcp", "/sse", "/sse/"] {
        for auth in [
            None,
            Some("Bearer not-a-key"),
            Some("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"),
        ] {
            let mut request = if path == "/mcp" {
                http.post(format!("{}{path}", served.base))
                    .header("content-type", "application/json")
                    .header("accept", "application/json, text/event-stream")
                    .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
            } else {
                http.get(format!("{}{path}", served.base))
            };
            if let Some(value) = auth {
                request = request.header("authorization", value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{path} with {auth:?}");
            assert!(
                response.headers()["www-authenticate"]
                    .to_str()
                    .unwrap()
                    .starts_with("Bearer"),
                "{path}"
            );
        }
    }
    // Health stays reachable without credentials.
    let health = http
        .get(format!("{}/healthz", served.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    served.shutdown.cancel();
}

#[tokio::test]
async fn scopes_decide_which_tools_are_listed_and_callable() {
    let app = App::new(&secured_config()).unwrap();
    let served = serve(&app).await;
    let client = client_with_key(&served.base, AGENTS_ONLY_KEY).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, vec!["get_agents"]);
    let listed = call(&client, "get_agents", json!({"limit": 1}))
        .await
        .unwrap();
    assert_ne!(listed.is_error, Some(true));
    let refused = call(&client, "list_rules", json!({"limit": 1})).await;
    let error = refused.expect_err("a tool outside the scopes is a protocol error");
    assert!(error.to_string().contains("not available"), "{error}");
    let _ = client.cancel().await;
    served.shutdown.cancel();
}

#[tokio::test]
async fn group_scoped_callers_only_see_their_groups_agents() {
    let app = App::new(&secured_config()).unwrap();
    let served = serve(&app).await;
    let client = client_with_key(&served.base, WEB_KEY).await;
    let agents = call(
        &client,
        "get_agents",
        json!({"select": "id,group", "limit": 1000}),
    )
    .await
    .unwrap();
    let items = agents.structured_content.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!items.is_empty(), "the webservers group has agents");
    for agent in &items {
        let groups: Vec<&str> = agent["group"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        assert!(groups.contains(&"webservers"), "{agent}");
    }
    // Even when asked by id or by WQL, another group's agent stays out of reach.
    let asked = call(
        &client,
        "get_agents",
        json!({"agent_ids": "002", "q": "id=002"}),
    )
    .await
    .unwrap();
    assert_eq!(asked.structured_content.unwrap()["total"], 0);
    let other = call(&client, "get_agent_processes", json!({"agent_id": "002"}))
        .await
        .unwrap();
    assert_eq!(other.is_error, Some(true));
    let text = other.content[0].as_text().unwrap().text.clone();
    assert!(text.contains("do not have permissions"), "{text}");
    let own = call(
        &client,
        "get_agent_processes",
        json!({"agent_id": "001", "limit": 1}),
    )
    .await
    .unwrap();
    assert_ne!(own.is_error, Some(true));
    let _ = client.cancel().await;
    served.shutdown.cancel();
}

#[tokio::test]
async fn rate_limits_answer_a_json_rpc_error_with_the_wait() {
    let mut config = config(shared_manager_url());
    config.limits.per_principal_per_second = 0.5;
    config.limits.per_principal_burst = 2;
    let app = App::new(&config).unwrap();
    let client = connect(&app).await;
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        outcomes.push(call(&client, "get_rule_files", json!({"limit": 1})).await);
    }
    assert!(outcomes[0].is_ok() && outcomes[1].is_ok());
    let error = outcomes[2]
        .as_ref()
        .expect_err("the third call is over the burst");
    let text = error.to_string();
    assert!(
        text.contains("-32029") && text.contains("retry after"),
        "{text}"
    );
    let _ = client.cancel().await;
}

#[tokio::test]
async fn the_audit_log_records_calls_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut config = secured_config();
    config.audit.enabled = true;
    config.audit.path = Some(path.clone());
    let app = App::new(&config).unwrap();
    let served = serve(&app).await;
    let client = client_with_key(&served.base, WEB_KEY).await;
    let _ = call(
        &client,
        "get_agents",
        json!({"limit": 1, "password": "hunter2-in-an-argument"}),
    )
    .await
    .unwrap();
    let _ = call(&client, "get_agent_ports", json!({"agent_id": "002"})).await;
    let _ = client.cancel().await;
    let refused = reqwest::Client::new()
        .get(format!("{}/sse", served.base))
        .header("authorization", "Bearer wrong-key-for-the-audit")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    app.ctx.security.audit.flush().await;
    served.shutdown.cancel();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains(WEB_KEY), "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &Value| l["event"] == "tool_call")
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["principal"]["subject"], "key:web");
    assert_eq!(lines[0]["tool"], "get_agents");
    assert_eq!(lines[0]["outcome"], "ok");
    assert_eq!(lines[0]["transport"], "http");
    assert_eq!(lines[1]["outcome"], "error");
    assert!(
        text.lines()
            .any(|l| l.contains("\"event\":\"auth_failure\"")),
        "authentication failures are audited: {text}"
    );
    assert!(!text.contains("wrong-key-for-the-audit"), "{text}");
}

#[tokio::test]
async fn requests_to_wazuh_are_paced() {
    let mut config = config(shared_manager_url());
    config.limits.upstream_per_minute = 120.0;
    config.limits.upstream_burst = 1;
    let app = App::new(&config).unwrap();
    let client = connect(&app).await;
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let result = call(&client, "get_rule_files", json!({"limit": 1}))
            .await
            .unwrap();
        assert_ne!(result.is_error, Some(true));
    }
    let _ = client.cancel().await;
    let requests = app.ctx.manager.stats().requests;
    assert!(requests >= 3, "{requests}");
    // 2 requests per second after a burst of 1: the requests beyond the first waited.
    let floor = Duration::from_millis(500 * (requests - 1) - 250);
    assert!(
        started.elapsed() >= floor,
        "{:?} < {floor:?}",
        started.elapsed()
    );
    let metrics = app.ctx.security.metrics.encode();
    assert!(
        metrics.lines().any(
            |l| l.starts_with("wazuh_mcp_rate_limited_total{scope=\"upstream\"}")
                && !l.ends_with(" 0")
        ),
        "{metrics}"
    );
}
