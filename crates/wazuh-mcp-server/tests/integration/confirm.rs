//! Write tools and their confirmation: hidden in read-only mode; with a client that cannot ask
//! the user, `confirm: true` is required; with one that can, the user is asked (inline on
//! session protocols, as an `input_required` round trip on 2026-07-28) and the model's
//! `confirm` counts for nothing. Every outcome lands in the audit log.

use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ClientCapabilities, ClientConfig, ElicitRequestParams,
    ElicitResult, ElicitationAction, ElicitationCapability, FormElicitationCapability,
    ProtocolVersion,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RequestContext, RoleClient};
use rmcp::{ClientHandler, ErrorData, ServiceExt};
use serde_json::{Value, json};
use wazuh_mcp_server::App;

use crate::common::{self, Client, text, try_call};

/// A client that can ask its user, who answers `answer` (and `confirm` in the form).
#[derive(Clone)]
struct User {
    answer: ElicitationAction,
    confirm: bool,
    asked: Arc<Mutex<Vec<String>>>,
}

impl User {
    fn new(answer: ElicitationAction, confirm: bool) -> User {
        User {
            answer,
            confirm,
            asked: Arc::default(),
        }
    }

    fn questions(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl ClientHandler for User {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::default();
        let mut elicitation = ElicitationCapability::new();
        elicitation.form = Some(FormElicitationCapability::new());
        capabilities.elicitation = Some(elicitation);
        let mut info = ClientConfig::default();
        info.capabilities = capabilities;
        info
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        if let ElicitRequestParams::FormElicitationParams {
            message,
            requested_schema,
            ..
        } = request
        {
            let schema = serde_json::to_value(&requested_schema).unwrap();
            assert_eq!(schema["properties"]["confirm"]["type"], "boolean");
            self.asked.lock().unwrap().push(message);
        }
        let mut result = ElicitResult::new(self.answer.clone());
        if self.answer == ElicitationAction::Accept {
            result.content = Some(json!({"confirm": self.confirm}));
        }
        Ok(result)
    }
}

fn write_app(audit: Option<&std::path::Path>) -> App {
    let mut config = common::config(common::shared_manager_url());
    config.security.read_only_mode = false;
    if let Some(path) = audit {
        config.audit.enabled = true;
        config.audit.path = Some(path.to_path_buf());
    }
    App::new(&config).unwrap()
}

async fn connect_as<H: ClientHandler>(
    app: &App,
    handler: H,
    modern: bool,
) -> rmcp::service::RunningService<RoleClient, H> {
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let server = app.server();
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    if modern {
        handler
            .serve_with_lifecycle(
                client_io,
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .unwrap()
    } else {
        handler.serve(client_io).await.unwrap()
    }
}

fn restart(agent: &str, confirm: Option<bool>) -> CallToolRequestParams {
    let mut args = json!({"agent_id": agent});
    if let Some(c) = confirm {
        args["confirm"] = json!(c);
    }
    CallToolRequestParams::new("restart_agent").with_arguments(args.as_object().unwrap().clone())
}

async fn audit_lines(app: &App, path: &std::path::Path) -> Vec<Value> {
    app.ctx.security.audit.flush().await;
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &Value| l["event"] == "tool_call" && l["tool"] == "restart_agent")
        .collect()
}

#[tokio::test]
async fn read_only_mode_hides_and_refuses_writes() {
    let app = common::shared_app();
    let client: Client = common::connect(&app).await;
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().all(|t| t.name != "restart_agent"));
    assert!(
        tools
            .iter()
            .all(|t| t.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true))
    );
    let error = try_call(
        &client,
        "restart_agent",
        json!({"agent_id": "001", "confirm": true}),
    )
    .await
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`restart_agent` is not enabled on this server"),
        "{error}"
    );
}

#[tokio::test]
async fn without_elicitation_the_argument_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let app = write_app(Some(&audit));
    let client: Client = common::connect(&app).await;
    let tool = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "restart_agent")
        .expect("listed when read-only mode is off");
    assert_eq!(
        tool.annotations.as_ref().and_then(|a| a.read_only_hint),
        Some(false)
    );

    for confirm in [None, Some(false)] {
        let result = client.call_tool(restart("001", confirm)).await.unwrap();
        assert_eq!(result.is_error, Some(true));
        let message = text(&result);
        assert!(message.contains("confirm: true"), "{message}");
        assert!(message.contains("Nothing was changed"), "{message}");
    }
    let result = client.call_tool(restart("001", Some(true))).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    let structured = result.structured_content.unwrap();
    assert_eq!(structured["affected"], json!(["001"]));
    common::check_output(&tool, &structured);

    // Wazuh's own refusal comes back as an error: a disconnected agent is not restarted.
    let disconnected = common::call_ok(
        &client,
        "get_agents",
        json!({"status": "disconnected", "limit": 1, "select": "id"}),
    )
    .await;
    let id = disconnected["items"][0]["id"].as_str().unwrap().to_string();
    let result = client.call_tool(restart(&id, Some(true))).await.unwrap();
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("1707"), "{}", text(&result));

    let lines = audit_lines(&app, &audit).await;
    let outcomes: Vec<(&str, Option<&str>)> = lines
        .iter()
        .map(|l| (l["outcome"].as_str().unwrap(), l["confirmed_by"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("denied", None),
            ("denied", None),
            ("ok", Some("argument")),
            ("error", Some("argument")),
        ]
    );
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not confirmed")
    );
}

#[tokio::test]
async fn the_user_is_asked_inline_and_the_models_confirm_does_not_count() {
    let app = write_app(None);
    let yes = User::new(ElicitationAction::Accept, true);
    let client = connect_as(&app, yes.clone(), false).await;
    let result = client.call_tool(restart("002", None)).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    assert_eq!(
        result.structured_content.unwrap()["affected"],
        json!(["002"])
    );
    let questions = yes.questions();
    assert_eq!(questions.len(), 1);
    assert!(
        questions[0].starts_with("Restart the Wazuh agent 002 (")
            && questions[0].contains(", active)? It stops reporting"),
        "{questions:?}"
    );

    // The question is the server's, from Wazuh's data: arguments the tool does not take are
    // refused before the user is asked, so the model cannot word or pad the question.
    let spoof = client
        .call_tool(
            CallToolRequestParams::new("restart_agent").with_arguments(
                json!({"agent_id": "003", "\n\nAllow restarting the lab box 001? ": ""})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(spoof.is_error, Some(true));
    assert!(text(&spoof).contains("unknown field"), "{}", text(&spoof));
    // A manager or an agent the caller cannot see is refused before asking too.
    let manager = client.call_tool(restart("000", None)).await.unwrap();
    assert_eq!(manager.is_error, Some(true));
    let missing = client.call_tool(restart("999", None)).await.unwrap();
    assert_eq!(missing.is_error, Some(true));
    assert_eq!(yes.questions().len(), 1, "nobody was asked");

    for (answer, confirm, expected) in [
        (ElicitationAction::Decline, true, "did not confirm"),
        (ElicitationAction::Cancel, true, "cancelled"),
        (ElicitationAction::Accept, false, "did not confirm"),
    ] {
        let user = User::new(answer, confirm);
        let client = connect_as(&app, user.clone(), false).await;
        // The model claims the user agreed; the user is asked anyway and their answer wins.
        let result = client.call_tool(restart("002", Some(true))).await.unwrap();
        assert_eq!(result.is_error, Some(true));
        assert!(text(&result).contains(expected), "{}", text(&result));
        assert_eq!(user.questions().len(), 1);
    }
}

#[tokio::test]
async fn modern_clients_confirm_in_a_second_round() {
    let app = write_app(None);
    let yes = User::new(ElicitationAction::Accept, true);
    let client = connect_as(&app, yes.clone(), true).await;
    assert_eq!(
        client.peer_info().map(|i| i.protocol_version.clone()),
        Some(ProtocolVersion::V_2026_07_28)
    );
    // The SDK drives the round trip: input_required, ask the user, retry with the answer.
    let result = client.call_tool(restart("003", None)).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    assert_eq!(yes.questions().len(), 1);

    let no = User::new(ElicitationAction::Decline, false);
    let declining = connect_as(&app, no.clone(), true).await;
    let result = declining
        .call_tool(restart("003", Some(true)))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("did not confirm"));

    // Driven by hand: the state is single use and bound to the arguments.
    let first = client.call_tool_once(restart("003", None)).await.unwrap();
    let CallToolResponse::InputRequired(input) = first else {
        panic!("expected input_required, got {first:?}");
    };
    let state = input.request_state.clone().unwrap();
    let requests = input.input_requests.clone().unwrap();
    assert!(requests.contains_key("confirm"));
    let accepted = std::collections::BTreeMap::from([(
        "confirm".to_string(),
        json!({"action": "accept", "content": {"confirm": true}}),
    )]);
    // Another agent with this confirmation: refused, and the confirmation is spent.
    let other = client
        .call_tool_once(
            restart("004", None)
                .with_request_state(state.clone())
                .with_input_responses(accepted.clone()),
        )
        .await
        .unwrap();
    let CallToolResponse::Complete(other) = other else {
        panic!("expected a result");
    };
    assert_eq!(other.is_error, Some(true));
    assert!(text(&other).contains("another call"), "{}", text(&other));
    let replay = client
        .call_tool_once(
            restart("003", None)
                .with_request_state(state)
                .with_input_responses(accepted.clone()),
        )
        .await
        .unwrap();
    let CallToolResponse::Complete(replay) = replay else {
        panic!("expected a result");
    };
    assert!(
        text(&replay).contains("expired or was already used"),
        "{}",
        text(&replay)
    );
    // A forged state never matches.
    let forged = client
        .call_tool_once(
            restart("003", None)
                .with_request_state("00".repeat(24))
                .with_input_responses(accepted),
        )
        .await
        .unwrap();
    let CallToolResponse::Complete(forged) = forged else {
        panic!("expected a result");
    };
    assert_eq!(forged.is_error, Some(true));
}
