//! Policy through a real client: only the enabled tools are listed and callable.

use serde_json::json;
use wazuh_mcp_server::App;

use crate::common::{call_ok, config, connect, shared_manager_url, try_call};

async fn listed(app: &App) -> Vec<String> {
    let client = connect(app).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn allowed_tools_limit_the_list_and_the_calls() {
    let mut config = config(shared_manager_url());
    config.security.allowed_tools = vec!["get_agents".into()];
    let app = App::new(&config).expect("app builds");
    assert_eq!(listed(&app).await, vec!["get_agents"]);

    let client = connect(&app).await;
    call_ok(&client, "get_agents", json!({"limit": 1})).await;
    let err = try_call(&client, "get_agent_ports", json!({"agent_id": "001"}))
        .await
        .expect_err("a tool outside the policy cannot be called");
    assert!(
        err.to_string()
            .contains("`get_agent_ports` is not enabled on this server"),
        "{err}"
    );
}

#[tokio::test]
async fn reference_names_toolsets_and_globs() {
    let mut config = config(shared_manager_url());
    config.security.allowed_tools = vec!["GetAgentsTool".into(), "sca".into()];
    config.security.disabled_tools = vec!["GetSCAPolicyChecksTool".into()];
    let app = App::new(&config).expect("app builds");
    assert_eq!(listed(&app).await, vec!["get_agent_sca", "get_agents"]);

    let mut config = crate::common::config(shared_manager_url());
    config.security.disabled_tools = vec!["get_agent_*".into(), "rules".into()];
    let app = App::new(&config).expect("app builds");
    assert_eq!(
        listed(&app).await,
        vec!["authenticate", "get_agents", "get_sca_policy_checks"]
    );

    let mut config = crate::common::config(shared_manager_url());
    config.security.allowed_tools = vec!["GetAlertsTool".into()];
    let err = App::new(&config).expect_err("an unknown name fails fast");
    assert!(err.to_string().contains("GetAlertsTool"), "{err}");
}
