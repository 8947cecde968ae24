//! HTTPS and request limits over real sockets on 127.0.0.1: a CA, server and client
//! certificates made with rcgen; the real router served by `serve_tls`; rmcp's streamable HTTP
//! client and a legacy SSE client over TLS; mutual TLS refusing clients without a good
//! certificate; plain HTTP refused; body size and JSON nesting limits.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use wazuh_mcp_server::config::{ClientAuth, TlsSettings};
use wazuh_mcp_server::transport::http::{self, HttpOptions, RequestLimits};
use wazuh_mcp_server::transport::tls;

use crate::common::shared_app;

/// Longest wait for any one answer.
const PATIENCE: Duration = Duration::from_secs(20);

/// A certificate and its key, PEM and DER.
struct Identity {
    cert_pem: String,
    key_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl Identity {
    fn signed(names: &[&str], common_name: &str, issuer: &Issuer<'static, KeyPair>) -> Identity {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("certificate parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let key = KeyPair::generate().expect("a key");
        let cert = params
            .signed_by(&key, issuer)
            .expect("signs the certificate");
        Identity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    fn key(&self) -> PrivateKeyDer<'static> {
        PrivatePkcs8KeyDer::from(self.key_der.clone()).into()
    }
}

/// A certificate authority that signs certificates.
struct Ca {
    pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("a CA key");
        let cert = params.self_signed(&key).expect("self-signs the CA");
        Ca {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    fn client(&self, common_name: &str) -> Identity {
        Identity::signed(&[], common_name, &self.issuer)
    }
}

/// The test PKI: our CA with the server's certificate and two analysts', and a rogue CA with a
/// client certificate of its own.
struct Pki {
    ca: Ca,
    server: Identity,
    analyst1: Identity,
    analyst2: Identity,
    mallory: Identity,
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let ca = Ca::new("wazuh-mcp test CA");
        let rogue = Ca::new("rogue CA");
        let server = Identity::signed(&["localhost", "127.0.0.1"], "wazuh-mcp", &ca.issuer);
        let analyst1 = ca.client("analyst1");
        let analyst2 = ca.client("analyst2");
        let mallory = rogue.client("analyst1");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let pki = Pki {
            ca,
            server,
            analyst1,
            analyst2,
            mallory,
            dir,
        };
        pki.write("server.pem", &pki.server.cert_pem);
        pki.write("server.key", &pki.server.key_pem);
        pki.write("ca.pem", &pki.ca.pem);
        pki
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("writes the file");
        path
    }

    fn settings(&self, client_auth: Option<ClientAuth>) -> TlsSettings {
        TlsSettings {
            cert_file: Some(self.dir.path().join("server.pem")),
            key_file: Some(self.dir.path().join("server.key")),
            client_ca_file: client_auth.map(|_| self.dir.path().join("ca.pem")),
            client_auth,
        }
    }

    /// An HTTPS client trusting our CA, presenting `identity` if given, offering `alpn`.
    fn client(
        &self,
        identity: Option<&Identity>,
        alpn: &[&[u8]],
        timeout: bool,
    ) -> reqwest::Client {
        install_crypto_provider();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca.der.clone()).expect("our CA is a root");
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots);
        let mut config = match identity {
            Some(identity) => builder
                .with_client_auth_cert(vec![identity.cert_der.clone()], identity.key())
                .expect("a client certificate"),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .tls_backend_preconfigured(config)
            .connect_timeout(PATIENCE);
        if timeout {
            builder = builder.timeout(PATIENCE);
        }
        builder.build().expect("HTTPS client")
    }
}

const BOTH: &[&[u8]] = &[b"h2", b"http/1.1"];
const HTTP1: &[&[u8]] = &[b"http/1.1"];

/// reqwest is built with `rustls-no-provider`; the clients here pass `ring` explicitly, and
/// a process-wide default covers any client built without it.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

struct Server {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// The real router over TLS, configured from the PEM files.
    async fn tls(settings: &TlsSettings, limits: RequestLimits) -> Server {
        let config = tls::server_config(settings).expect("the TLS settings load");
        Server::start(limits, Some(config)).await
    }

    async fn start(limits: RequestLimits, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
        let shutdown = CancellationToken::new();
        let app = shared_app();
        let router =
            http::router_with_limits(&app, HttpOptions::default(), limits, shutdown.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("local address");
        let task = match tls {
            Some(tls) => tokio::spawn(http::serve_tls(listener, router, tls, shutdown.clone())),
            None => tokio::spawn(http::serve(listener, router, shutdown.clone())),
        };
        Server {
            addr,
            shutdown,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
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

fn initialize(version: &str) -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": version, "capabilities": {},
                   "clientInfo": {"name": "tls-test", "version": "0"}}
    })
}

/// POSTs a raw body to `/mcp` as a streamable HTTP client would.
async fn post_mcp(client: &reqwest::Client, server: &Server, body: Vec<u8>) -> reqwest::Response {
    client
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("POST /mcp")
}

#[tokio::test]
async fn streamable_http_over_mutual_tls() {
    let pki = Pki::new();
    let server = Server::tls(
        &pki.settings(Some(ClientAuth::Required)),
        RequestLimits::default(),
    )
    .await;

    // rmcp's client, over HTTP/2, with analyst1's certificate.
    let client = pki.client(Some(&pki.analyst1), BOTH, true);
    let transport = StreamableHttpClientTransport::with_client(
        client.clone(),
        StreamableHttpClientTransportConfig::with_uri(server.url("/mcp")),
    );
    let mcp = tokio::time::timeout(PATIENCE, ().serve(transport))
        .await
        .expect("initializes in time")
        .expect("the MCP client connects over TLS");
    let info = mcp.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().expect("serverInfo").name,
        "wazuh-mcp"
    );
    let args = json!({"status": "active", "select": "name", "limit": 2});
    let result = tokio::time::timeout(
        PATIENCE,
        mcp.call_tool(
            CallToolRequestParams::new("get_agents")
                .with_arguments(args.as_object().expect("an object").clone()),
        ),
    )
    .await
    .expect("answers in time")
    .expect("tools/call");
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let structured = result.structured_content.expect("structuredContent");
    assert_eq!(structured["items"].as_array().expect("items").len(), 2);
    mcp.cancel().await.expect("the client closes");

    // ALPN: HTTP/2 when offered, HTTP/1.1 otherwise; health and metrics are on TLS too.
    let health = client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(health.status(), 200);
    assert_eq!(health.version(), reqwest::Version::HTTP_2);
    let http1 = pki.client(Some(&pki.analyst1), HTTP1, true);
    let metrics = http1
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(metrics.status(), 200);
    assert_eq!(metrics.version(), reqwest::Version::HTTP_11);
    // The Host/Origin guard reads HTTP/2's :authority.
    let ok = post_mcp(
        &client,
        &server,
        initialize("2025-06-18").to_string().into_bytes(),
    )
    .await;
    assert_eq!(ok.status(), 200, "{:?}", ok.text().await);

    // No certificate, or one from another CA: refused at the handshake, on every route.
    for (who, refused) in [
        ("no certificate", pki.client(None, BOTH, true)),
        (
            "a rogue CA's certificate",
            pki.client(Some(&pki.mallory), BOTH, true),
        ),
        ("no certificate, HTTP/1.1", pki.client(None, HTTP1, true)),
    ] {
        for path in ["/healthz", "/mcp"] {
            let answer = refused.get(server.url(path)).send().await;
            assert!(answer.is_err(), "{who} reached {path}: {answer:?}");
        }
    }

    // Plain HTTP to the TLS port gets no HTTP answer.
    install_crypto_provider();
    let plain = reqwest::Client::builder()
        .no_proxy()
        .timeout(PATIENCE)
        .build()
        .expect("HTTP client");
    let answer = plain
        .get(format!("http://{}/healthz", server.addr))
        .send()
        .await;
    assert!(answer.is_err(), "plain HTTP was answered: {answer:?}");

    // The server still serves good clients.
    let health = client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(health.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn optional_client_certificates_and_a_bad_key_file() {
    let pki = Pki::new();
    let server = Server::tls(
        &pki.settings(Some(ClientAuth::Optional)),
        RequestLimits::default(),
    )
    .await;
    for identity in [None, Some(&pki.analyst1)] {
        let client = pki.client(identity, BOTH, true);
        let health = client
            .get(server.url("/healthz"))
            .send()
            .await
            .expect("GET /healthz");
        assert_eq!(health.status(), 200);
    }
    let rogue = pki.client(Some(&pki.mallory), BOTH, true);
    assert!(
        rogue.get(server.url("/healthz")).send().await.is_err(),
        "a certificate that is presented must be valid"
    );
    server.stop().await;

    // A key of another certificate is a start-up error naming the file.
    let other = KeyPair::generate().expect("a key");
    let wrong_key = pki.write("wrong.key", &other.serialize_pem());
    let settings = TlsSettings {
        key_file: Some(wrong_key),
        ..pki.settings(None)
    };
    let error = tls::server_config(&settings)
        .expect_err("a mismatched key is refused")
        .to_string();
    assert!(
        error.contains("wrong.key") && error.contains("does not match"),
        "{error}"
    );
}

/// A minimal client of the legacy HTTP+SSE transport.
struct SseStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl SseStream {
    async fn open(client: &reqwest::Client, url: &str) -> SseStream {
        let response = client
            .get(url)
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("GET the SSE stream");
        assert_eq!(response.status(), 200, "{url}");
        SseStream {
            response,
            buffer: Vec::new(),
        }
    }

    /// The next event with data, as (event, data).
    async fn next_event(&mut self) -> (String, String) {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
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
                if !data.is_empty() {
                    return (event, data.join("\n"));
                }
                continue;
            }
            let chunk = tokio::time::timeout(PATIENCE, self.response.chunk())
                .await
                .expect("an SSE event in time")
                .expect("the SSE stream is readable")
                .expect("the SSE stream stays open");
            self.buffer.extend_from_slice(&chunk);
        }
    }

    /// The JSON-RPC message answering request `id`.
    async fn answer(&mut self, id: u64) -> Value {
        for _ in 0..50 {
            let (_, data) = self.next_event().await;
            let message: Value = serde_json::from_str(&data).expect("a JSON-RPC message");
            if message["id"] == json!(id) {
                return message;
            }
        }
        panic!("no answer to request {id}");
    }
}

#[tokio::test]
async fn legacy_sse_over_mutual_tls() {
    let pki = Pki::new();
    let server = Server::tls(
        &pki.settings(Some(ClientAuth::Required)),
        RequestLimits::default(),
    )
    .await;
    let streaming = pki.client(Some(&pki.analyst1), HTTP1, false);
    let client = pki.client(Some(&pki.analyst1), BOTH, true);
    let mut sse = SseStream::open(&streaming, &server.url("/sse")).await;
    let (event, endpoint) = sse.next_event().await;
    assert_eq!(event, "endpoint");
    let post_url = server.url(&endpoint);
    let post = |body: Value| client.post(&post_url).json(&body).send();

    let accepted = post(initialize("2024-11-05"))
        .await
        .expect("POST initialize");
    assert_eq!(accepted.status(), 202);
    let init = sse.answer(1).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "wazuh-mcp", "{init}");
    post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await
        .expect("POST initialized");
    post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "list_rules", "arguments": {"rule_ids": "5710"}}}))
    .await
    .expect("POST tools/call");
    let call = sse.answer(2).await;
    assert_eq!(call["result"]["isError"], false, "{call}");

    // Without other authentication, callers are named after their certificate: another
    // analyst's certificate may not post to analyst1's session.
    let analyst2 = pki.client(Some(&pki.analyst2), BOTH, true);
    let foreign = analyst2
        .post(&post_url)
        .json(&json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}))
        .send()
        .await
        .expect("POST as analyst2");
    assert_eq!(foreign.status(), 403);
    let text = foreign.text().await.expect("body");
    assert!(text.contains("another caller"), "{text}");

    // A deeply nested message is refused before any parser; the session lives on.
    let deep = client
        .post(&post_url)
        .header("content-type", "application/json")
        .body("[".repeat(100_000))
        .send()
        .await
        .expect("POST deep JSON");
    assert_eq!(deep.status(), 400);
    let body: Value = deep.json().await.expect("a JSON-RPC error body");
    assert_eq!(body["error"]["code"], -32600, "{body}");
    post(json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
        .await
        .expect("POST ping");
    assert_eq!(sse.answer(4).await["result"], json!({}));

    // Graceful shutdown ends the open event stream and the server in time.
    server.stop().await;
    let end = tokio::time::timeout(PATIENCE, sse.response.chunk())
        .await
        .expect("the stream ends in time");
    assert!(
        !matches!(end, Ok(Some(_))),
        "the stream ended after shutdown"
    );
}

#[tokio::test]
async fn request_limits_over_tls() {
    let pki = Pki::new();
    let server = Server::tls(
        &pki.settings(None),
        RequestLimits {
            max_body_bytes: 64 * 1024,
            max_json_depth: 64,
        },
    )
    .await;
    for alpn in [BOTH, HTTP1] {
        let client = pki.client(None, alpn, true);

        // A body over the limit: 413 with the setting's name.
        let mut large = initialize("2025-06-18");
        large["params"]["clientInfo"]["name"] = json!("x".repeat(100 * 1024));
        let answer = post_mcp(&client, &server, large.to_string().into_bytes()).await;
        assert_eq!(answer.status(), 413);
        let body: Value = answer.json().await.expect("a JSON-RPC error body");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("server.max_body_bytes"), "{body}");

        // Deep nesting under the size limit: 400 with the setting's name.
        let answer = post_mcp(&client, &server, "[".repeat(50_000).into_bytes()).await;
        assert_eq!(answer.status(), 400);
        let body: Value = answer.json().await.expect("a JSON-RPC error body");
        assert_eq!(body["jsonrpc"], "2.0");
        assert_eq!(body["id"], Value::Null);
        assert_eq!(body["error"]["code"], -32600);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("server.max_json_depth"), "{body}");

        // Nesting at the limit is accepted: 5 objects and 59 arrays.
        let mut nested = json!(1);
        for _ in 0..59 {
            nested = json!([nested]);
        }
        let mut request = initialize("2025-06-18");
        request["params"]["capabilities"]["experimental"] = json!({"x": {"deep": nested}});
        let answer = post_mcp(&client, &server, request.to_string().into_bytes()).await;
        assert_eq!(answer.status(), 200, "{:?}", answer.text().await);
    }
    server.stop().await;
}

/// Sends one raw HTTP/1.1 request and returns the status line of the answer.
async fn raw_status(addr: SocketAddr, head: &str, chunks: &[Vec<u8>]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    stream
        .write_all(head.as_bytes())
        .await
        .expect("writes the head");
    for chunk in chunks {
        let frame = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buffer[..n]);
                if answer.windows(2).any(|w| w == b"\r\n") {
                    break;
                }
            }
            Err(_) => panic!("no answer in time"),
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn request_limits_without_content_length() {
    // Plain HTTP with a chunked body: the limit holds while the body streams in.
    let server = Server::start(
        RequestLimits {
            max_body_bytes: 8 * 1024,
            max_json_depth: 16,
        },
        None,
    )
    .await;
    let head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    let status = raw_status(server.addr, head, &vec![vec![b' '; 4096]; 3]).await;
    assert!(status.contains(" 413 "), "{status}");
    let status = raw_status(server.addr, head, &[b"[".repeat(17)]).await;
    assert!(status.contains(" 400 "), "{status}");
    let status = raw_status(
        server.addr,
        head,
        &[initialize("2025-06-18").to_string().into_bytes()],
    )
    .await;
    assert!(status.contains(" 200 "), "{status}");
    server.stop().await;
}

#[tokio::test]
async fn client_certificates_name_the_caller_in_the_audit() {
    let pki = Pki::new();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let audit = dir.path().join("audit.jsonl");
    let mut config = crate::common::config(crate::common::shared_manager_url());
    config.audit.enabled = true;
    config.audit.path = Some(audit.clone());
    let app = wazuh_mcp_server::App::new(&config).expect("app builds");
    let shutdown = CancellationToken::new();
    let router = http::router(&app, HttpOptions::default(), shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("local address");
    let tls = tls::server_config(&pki.settings(Some(ClientAuth::Required))).expect("TLS loads");
    let task = tokio::spawn(http::serve_tls(listener, router, tls, shutdown.clone()));

    let client = pki.client(Some(&pki.analyst2), BOTH, true);
    let transport = StreamableHttpClientTransport::with_client(
        client,
        StreamableHttpClientTransportConfig::with_uri(format!("https://{addr}/mcp")),
    );
    let mcp = tokio::time::timeout(PATIENCE, ().serve(transport))
        .await
        .expect("initializes in time")
        .expect("connects");
    let result = mcp
        .call_tool(
            CallToolRequestParams::new("get_agents")
                .with_arguments(json!({"limit": 1}).as_object().expect("object").clone()),
        )
        .await
        .expect("tools/call");
    assert_ne!(result.is_error, Some(true));
    mcp.cancel().await.expect("closes");
    app.ctx.security.audit.flush().await;
    let line: Value = std::fs::read_to_string(&audit)
        .expect("the audit file")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON lines"))
        .find(|l| l["event"] == "tool_call")
        .expect("the call is audited");
    assert_eq!(
        line["principal"],
        json!({"subject": "cert:analyst2", "kind": "client_certificate"})
    );
    shutdown.cancel();
    let _ = tokio::time::timeout(PATIENCE, task).await;
}
