//! The HTTP transports over real sockets on 127.0.0.1: streamable HTTP with rmcp's client, the
//! legacy HTTP+SSE transport with a hand-rolled client, health, and the Host/Origin guard.

use std::net::SocketAddr;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use wazuh_mcp_server::transport::http::{self, HttpOptions};

use crate::common::{check_output, shared_app, tool};

/// Longest wait for any one answer.
const PATIENCE: Duration = Duration::from_secs(20);

struct Server {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(options: HttpOptions) -> Server {
        let shutdown = CancellationToken::new();
        let app = shared_app();
        let router = http::router(&app, options, shutdown.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(http::serve(listener, router, shutdown.clone()));
        Server {
            addr,
            shutdown,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the server stops in time")
            .expect("the server task")
            .expect("the server stops cleanly");
    }
}

/// reqwest is built with `rustls-no-provider` in this workspace (wazuh-client passes `ring`
/// explicitly), so a plain `reqwest::Client` (ours, and the one inside rmcp's HTTP client)
/// needs a process-wide provider. Only plain `http://` is used here.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn http_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(PATIENCE)
        .build()
        .expect("HTTP client")
}

#[tokio::test]
async fn streamable_http_lists_and_calls_tools() {
    let server = Server::start(HttpOptions::default()).await;
    install_crypto_provider();
    let transport = StreamableHttpClientTransport::from_uri(server.url("/mcp"));
    let client = ().serve(transport).await.expect("the MCP client connects");
    let info = client.peer_info().expect("server info");
    let server_info = info.server_info.as_ref().expect("serverInfo");
    assert_eq!(server_info.name, "wazuh-mcp");

    let tools = client.list_all_tools().await.expect("tools/list");
    assert_eq!(tools.len(), read_tools());

    let args = json!({"status": "active", "select": "name", "limit": 3});
    let result = client
        .call_tool(
            CallToolRequestParams::new("get_agents")
                .with_arguments(args.as_object().expect("an object").clone()),
        )
        .await
        .expect("tools/call");
    assert_ne!(result.is_error, Some(true));
    let structured = result.structured_content.expect("structuredContent");
    check_output(&tool("get_agents"), &structured);
    assert_eq!(structured["items"].as_array().expect("items").len(), 3);

    let bad = client
        .call_tool(
            CallToolRequestParams::new("get_agent_ports").with_arguments(
                json!({"agent_id": "1"})
                    .as_object()
                    .expect("object")
                    .clone(),
            ),
        )
        .await
        .expect("a bad argument is not a protocol error");
    assert_eq!(bad.is_error, Some(true));

    client.cancel().await.expect("the client closes");
    server.stop().await;
}

#[tokio::test]
async fn health_and_the_host_and_origin_guard() {
    let server = Server::start(HttpOptions::default()).await;
    let http = http_client();
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "guard-test", "version": "0"}}
    });
    let post = |host: Option<&str>, origin: Option<&str>| {
        let mut request = http
            .post(server.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(host) = host {
            request = request.header("host", host);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };

    let health = http
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("body"), "ok");
    // Health checks come from load balancers with any Host.
    let health = http
        .get(server.url("/healthz"))
        .header("host", "evil.example")
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);

    let ok = post(None, None).await.expect("POST /mcp");
    assert_eq!(ok.status(), 200, "{:?}", ok.text().await);

    let evil_host = post(Some("evil.example"), None).await.expect("POST /mcp");
    assert_eq!(evil_host.status(), 403);
    assert!(
        evil_host
            .text()
            .await
            .expect("body")
            .contains("allowed_hosts")
    );
    let evil_host_sse = http
        .get(server.url("/sse"))
        .header("host", "evil.example:8000")
        .send()
        .await
        .expect("GET /sse");
    assert_eq!(
        evil_host_sse.status(),
        403,
        "the legacy transport is guarded too"
    );

    let evil_origin = post(None, Some("https://evil.example"))
        .await
        .expect("POST /mcp");
    assert_eq!(evil_origin.status(), 403);
    assert!(
        evil_origin
            .text()
            .await
            .expect("body")
            .contains("allowed_origins")
    );
    // An HTTP/1.1 absolute-form target names the host too, and wins over Host (RFC 9112).
    for (target, host, status) in [
        ("http://evil.example/mcp", format!("{}", server.addr), "403"),
        (
            &*format!("http://{}/mcp", server.addr),
            "evil.example".to_string(),
            "403",
        ),
        (
            &*format!("http://{}/mcp", server.addr),
            format!("{}", server.addr),
            "200",
        ),
    ] {
        let body = initialize.to_string();
        let head = format!(
            "POST {target} HTTP/1.1\r\nHost: {host}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let answer = raw_http(server.addr, &head).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{target} with Host {host}: {}",
            answer.lines().next().unwrap_or("")
        );
    }

    // A page served from this machine (a local inspector) may call by default.
    let local_page = post(None, Some("http://localhost:6274"))
        .await
        .expect("POST /mcp");
    assert_eq!(local_page.status(), 200);

    // Malformed JSON and batches: 400 with a JSON-RPC error, not rmcp's plain-text 415.
    for (body, code, says) in [
        (r#"{"jsonrpc":"#, -32700, "not valid JSON"),
        (
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#,
            -32600,
            "batches are not supported",
        ),
    ] {
        let answer = http
            .post(server.url("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body)
            .send()
            .await
            .expect("POST /mcp");
        assert_eq!(answer.status(), 400, "{body}");
        let error: Value = answer.json().await.expect("a JSON-RPC error");
        assert_eq!(error["error"]["code"], code, "{error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(says),
            "{error}"
        );
    }
    server.stop().await;

    // Both lists are settings.
    let server = Server::start(HttpOptions {
        allowed_hosts: vec!["mcp.corp.example".into()],
        allowed_origins: vec!["http://localhost:*".into()],
    })
    .await;
    let http = http_client();
    let send = |host: &'static str, origin: Option<&'static str>| {
        let mut request = http
            .post(server.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("host", host)
            .json(&initialize);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(
        send("mcp.corp.example", None).await.expect("POST").status(),
        200
    );
    assert_eq!(
        send("mcp.corp.example:443", Some("http://localhost:6274"))
            .await
            .expect("POST")
            .status(),
        200
    );
    assert_eq!(
        send("mcp.corp.example", Some("http://localhost.evil.example"))
            .await
            .expect("POST")
            .status(),
        403
    );
    assert_eq!(
        send("127.0.0.1", None).await.expect("POST").status(),
        403,
        "loopback is not implied once hosts are listed"
    );
    server.stop().await;
}

/// A minimal client of the legacy HTTP+SSE transport.
pub(crate) struct SseClient {
    stream: reqwest::Response,
    buffer: Vec<u8>,
}

impl SseClient {
    async fn open(url: &str) -> SseClient {
        match SseClient::open_as(url, None).await {
            Ok(client) => client,
            Err(status) => panic!("GET {url}: {status}"),
        }
    }

    /// Opens the stream with an `Authorization` value; a refusal returns its status.
    pub(crate) async fn open_as(url: &str, authorization: Option<&str>) -> Result<SseClient, u16> {
        let mut request = http_client_streaming()
            .get(url)
            .header("accept", "text/event-stream");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let stream = request.send().await.expect("GET the SSE stream");
        if stream.status() != 200 {
            return Err(stream.status().as_u16());
        }
        let content_type = stream
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Ok(SseClient {
            stream,
            buffer: Vec::new(),
        })
    }

    /// The next event with data, as (event, data); keep-alive comments are skipped.
    pub(crate) async fn next_event(&mut self) -> (String, String) {
        for _ in 0..1000 {
            if let Some(end) = find(&self.buffer, b"\n\n") {
                let raw: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let raw = String::from_utf8(raw).expect("UTF-8 events");
                let mut event = String::from("message");
                let mut data = Vec::new();
                for line in raw.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return (event, data.join("\n"));
            }
            let chunk = tokio::time::timeout(PATIENCE, self.stream.chunk())
                .await
                .expect("an SSE event in time")
                .expect("the SSE stream is readable")
                .expect("the SSE stream stays open");
            self.buffer.extend_from_slice(&chunk);
        }
        panic!("no complete SSE event");
    }

    /// The JSON-RPC message answering request `id` (notifications before it are skipped).
    pub(crate) async fn answer(&mut self, id: u64) -> Value {
        for _ in 0..50 {
            let (event, data) = self.next_event().await;
            assert_eq!(event, "message", "{data}");
            let message: Value = serde_json::from_str(&data).expect("a JSON-RPC message");
            if message["id"] == json!(id) {
                return message;
            }
        }
        panic!("no answer to request {id}");
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// No overall timeout: the event stream stays open.
fn http_client_streaming() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
}

async fn legacy_session(server: &Server, path: &str) {
    let mut sse = SseClient::open(&server.url(path)).await;
    let (event, endpoint) = sse.next_event().await;
    assert_eq!(event, "endpoint");
    assert!(endpoint.starts_with("/messages/?session_id="), "{endpoint}");
    let post_url = server.url(&endpoint);
    let http = http_client();
    let post = |body: Value| http.post(&post_url).json(&body).send();

    let accepted = post(json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                   "clientInfo": {"name": "legacy-sse-test", "version": "0"}}
    }))
    .await
    .expect("POST initialize");
    assert_eq!(accepted.status(), 202);
    let init = sse.answer(1).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "wazuh-mcp", "{init}");
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05", "{init}");

    let accepted = post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await
        .expect("POST initialized");
    assert_eq!(accepted.status(), 202);

    post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}))
        .await
        .expect("POST tools/list");
    let list = sse.answer(2).await;
    let tools = list["result"]["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), read_tools());

    post(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "list_rules", "arguments": {"rule_ids": "5710"}}}))
    .await
    .expect("POST tools/call");
    let call = sse.answer(3).await;
    assert_eq!(call["result"]["isError"], false, "{call}");
    assert_eq!(
        call["result"]["structuredContent"]["items"][0]["level"], 5,
        "{call}"
    );

    // A malformed body never reaches the session; the session lives on.
    let garbage = http
        .post(&post_url)
        .header("content-type", "application/json")
        .body("this is not JSON")
        .send()
        .await
        .expect("POST garbage");
    assert_eq!(garbage.status(), 400);
    post(json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
        .await
        .expect("POST ping");
    assert_eq!(sse.answer(4).await["result"], json!({}));
}

#[tokio::test]
async fn legacy_sse_transport() {
    let server = Server::start(HttpOptions::default()).await;
    legacy_session(&server, "/sse").await;
    legacy_session(&server, "/sse/").await;

    let http = http_client();
    let unknown = http
        .post(server.url("/messages/?session_id=0123456789abcdef"))
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .expect("POST to an unknown session");
    assert_eq!(unknown.status(), 404);
    let no_session = http
        .post(server.url("/messages/"))
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .expect("POST without a session");
    assert_eq!(no_session.status(), 400);
    server.stop().await;
}

/// How many tools the default (read-only) policy offers.
fn read_tools() -> usize {
    wazuh_mcp_server::WazuhMcp::all_tools()
        .iter()
        .filter(|t| t.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true))
        .count()
}

/// Sends `request` as is on a new connection and returns what the server answers (bounded).
async fn raw_http(addr: SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("sends the request");
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(PATIENCE, stream.read(&mut answer))
        .await
        .expect("answers in time")
        .expect("reads the answer");
    String::from_utf8_lossy(&answer[..n]).into_owned()
}
