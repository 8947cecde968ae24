//! Shared helpers: the reference content, simulators, servers and an in-process MCP client.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{RoleClient, RunningService};
use rmcp::{ServiceError, ServiceExt};
use secrecy::SecretString;
use serde_json::Value;
use wazuh_mcp_server::App;
use wazuh_mcp_server::config::Config;
use wazuh_sim::{RunningSim, SimConfig};

/// Wazuh's reference content: `WAZUH_DATA_DIR`, else a `shared/wazuh` directory above the crate.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WAZUH_DATA_DIR") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("ruleset").is_dir(),
            "WAZUH_DATA_DIR={} holds no ruleset/: point it at shared/wazuh",
            dir.display()
        );
        return dir;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared").join("wazuh"))
        .find(|p| p.join("ruleset").is_dir())
        .expect(
            "Wazuh reference content not found: set WAZUH_DATA_DIR to the shared/wazuh directory \
             (the one holding ruleset/ and sca/)",
        )
}

/// Agents in every simulated fleet of these tests.
pub const AGENTS: usize = 20;

/// A simulator of its own (for tests that switch faults).
pub async fn own_sim() -> RunningSim {
    wazuh_sim::start(SimConfig {
        data_dir: Some(data_dir()),
        agents: AGENTS,
        ..SimConfig::for_tests()
    })
    .await
    .expect("simulator starts")
}

/// The manager URL of one simulator shared by the tests that only read and switch no fault
/// (building the world costs CPU seconds in a debug build). It runs on its own thread and
/// runtime for the life of the test process, since every `#[tokio::test]` has its own runtime.
pub fn shared_manager_url() -> &'static str {
    static SHARED: OnceLock<String> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime of the shared simulator");
            runtime.block_on(async move {
                let sim = own_sim().await;
                if tx.send(sim.manager_url()).is_ok() {
                    std::future::pending::<()>().await;
                }
            });
        });
        rx.recv().expect("the shared simulator starts")
    })
}

/// A configuration for the simulator at `manager_url` (the manager only: no tool here uses the
/// indexer). Built in code: tests never touch the process environment.
pub fn config(manager_url: &str) -> Config {
    let mut config = Config::default();
    config.wazuh.url = manager_url.to_string();
    config.wazuh.username = "wazuh".into();
    config.wazuh.password = Some(SecretString::from("wazuh"));
    config.wazuh.timeout = 10;
    // Tests call tools much faster than an analyst; the limits have their own tests.
    config.limits.global_per_second = 0.0;
    config.limits.per_principal_per_second = 0.0;
    config.limits.upstream_per_minute = 0.0;
    config.audit.enabled = false;
    config
}

/// The application against the shared simulator, with the default policy.
pub fn shared_app() -> App {
    App::new(&config(shared_manager_url())).expect("app builds")
}

pub type Client = RunningService<RoleClient, ()>;

/// An MCP client connected to a fresh server of `app` over an in-memory pipe.
pub async fn connect(app: &App) -> Client {
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let server = app.server();
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("the MCP client connects")
}

/// Calls `name` with `arguments` (a JSON object); protocol errors are returned as `Err`.
pub async fn try_call(
    client: &Client,
    name: &str,
    arguments: Value,
) -> Result<CallToolResult, ServiceError> {
    let arguments = match arguments {
        Value::Object(map) => map,
        Value::Null => Default::default(),
        other => panic!("arguments must be an object, got {other}"),
    };
    client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(arguments))
        .await
}

/// Calls a tool that must succeed, and returns its structured content, having checked that it
/// matches the tool's output schema and that the text starts with a summary line.
pub async fn call_ok(client: &Client, name: &str, arguments: Value) -> Value {
    let result = try_call(client, name, arguments.clone())
        .await
        .unwrap_or_else(|e| panic!("{name} {arguments}: protocol error {e}"));
    assert_ne!(
        result.is_error,
        Some(true),
        "{name} {arguments} failed: {}",
        text(&result)
    );
    let structured = result
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("{name}: no structuredContent"));
    let tool = tool(name);
    check_output(&tool, &structured);
    let text = text(&result);
    // A summary (its first line, then any "not returned" lines), then the JSON on the last line.
    let (summary, json) = text
        .rsplit_once('\n')
        .unwrap_or_else(|| panic!("{name}: text is a summary line then JSON: {text}"));
    assert!(
        !summary.trim().is_empty() && !summary.starts_with('{'),
        "{name}: the text starts with a summary line: {summary}"
    );
    let rendered: Value = serde_json::from_str(json).expect("the text's JSON block parses");
    assert_eq!(
        rendered, structured,
        "{name}: the text's JSON is the structured content"
    );
    structured
}

/// Calls a tool that must fail with an `isError` result (never a JSON-RPC error); returns the text.
pub async fn call_err(client: &Client, name: &str, arguments: Value) -> String {
    let result = try_call(client, name, arguments.clone())
        .await
        .unwrap_or_else(|e| panic!("{name} {arguments}: a JSON-RPC error instead of isError: {e}"));
    assert_eq!(
        result.is_error,
        Some(true),
        "{name} {arguments} should fail: {}",
        text(&result)
    );
    text(&result)
}

/// All text blocks of a result.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|b| b.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The definition of a tool of this build.
pub fn tool(name: &str) -> Tool {
    wazuh_mcp_server::WazuhMcp::all_tools()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool {name}"))
}

/// Validates `value` against `tool`'s output schema.
pub fn check_output(tool: &Tool, value: &Value) {
    let schema: Arc<_> = tool
        .output_schema
        .clone()
        .unwrap_or_else(|| panic!("{}: no outputSchema", tool.name));
    let schema = Value::Object((*schema).clone());
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{}: the output schema compiles: {e}", tool.name));
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{}: the answer does not match the output schema: {errors:?}",
        tool.name
    );
}

/// The `items` of a list answer.
pub fn items(value: &Value) -> &Vec<Value> {
    value["items"].as_array().expect("a list answer has items")
}
