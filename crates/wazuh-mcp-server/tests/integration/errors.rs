//! Bad input, Wazuh failures and protocol faults: agents see `isError` results they can act on;
//! JSON-RPC errors are for protocol faults only.

use serde_json::json;
use wazuh_mcp_server::App;

use crate::common::{
    call_err, call_ok, config, connect, items, own_sim, shared_app, shared_manager_url, try_call,
};

fn assert_mentions(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "`{needle}` missing from: {text}");
    }
}

#[tokio::test]
async fn bad_agent_ids() {
    let client = connect(&shared_app()).await;
    for tool in [
        "get_agent_ports",
        "get_agent_packages",
        "get_agent_processes",
        "get_agent_sca",
    ] {
        let text = call_err(&client, tool, json!({"agent_id": "1"})).await;
        assert_mentions(&text, &["agent_id", "`001`"]);
        let text = call_err(&client, tool, json!({"agent_id": "abc"})).await;
        assert_mentions(&text, &["agent_id", "3 or more digits"]);
        let text = call_err(&client, tool, json!({})).await;
        assert_mentions(&text, &["agent_id"]);
        let text = call_err(&client, tool, json!({"agent_id": 1})).await;
        assert_mentions(&text, &["agent_id"]);
    }
    let text = call_err(
        &client,
        "get_sca_policy_checks",
        json!({"agent_id": "01", "policy_id": "cis_ubuntu22-04"}),
    )
    .await;
    assert_mentions(&text, &["`001`"]);
    let text = call_err(
        &client,
        "get_sca_policy_checks",
        json!({"agent_id": "001", "policy_id": "../cis"}),
    )
    .await;
    assert_mentions(&text, &["policy_id"]);
}

#[tokio::test]
async fn bad_file_names() {
    let client = connect(&shared_app()).await;
    let text = call_err(
        &client,
        "get_rule_file_content",
        json!({"filename": "../../etc/passwd"}),
    )
    .await;
    assert_mentions(&text, &["filename", "without a directory"]);
    let text = call_err(
        &client,
        "get_rule_file_content",
        json!({"filename": "/etc/passwd"}),
    )
    .await;
    assert_mentions(&text, &["filename"]);
    let text = call_err(&client, "get_rule_file_content", json!({"filename": ".."})).await;
    assert_mentions(&text, &["`..` is not allowed"]);
    // Percent-encoded traversal is sent encoded again: Wazuh refuses the name.
    let text = call_err(
        &client,
        "get_rule_file_content",
        json!({"filename": "%2e%2e%2fetc%2fpasswd"}),
    )
    .await;
    assert!(!text.contains("root:"), "{text}");
    assert_mentions(&text, &["%2e%2e%2fetc%2fpasswd"]);
    let text = call_err(&client, "get_rule_file_content", json!({})).await;
    assert_mentions(&text, &["filename", "0095-sshd_rules.xml"]);
    let text = call_err(
        &client,
        "get_rule_files",
        json!({"filename": "../0095-sshd_rules.xml"}),
    )
    .await;
    assert_mentions(&text, &["filename"]);
}

#[tokio::test]
async fn bad_limits_and_values() {
    let client = connect(&shared_app()).await;
    for limit in [json!(0), json!(5000), json!("5000")] {
        let text = call_err(&client, "get_agents", json!({"limit": limit})).await;
        assert_mentions(&text, &["limit", "1 to 1000"]);
    }
    for limit in [json!("x"), json!(-1), json!(2.5)] {
        let text = call_err(&client, "get_agents", json!({"limit": limit})).await;
        assert_mentions(&text, &["not a whole non-negative number"]);
    }
    let text = call_err(&client, "get_agents", json!({"status": "sleeping"})).await;
    assert_mentions(&text, &["status", "sleeping", "active", "disconnected"]);
    let text = call_err(
        &client,
        "get_sca_policy_checks",
        json!({"agent_id": "001", "policy_id": "cis_ubuntu22-04", "result": "maybe"}),
    )
    .await;
    assert_mentions(
        &text,
        &["result", "maybe", "passed, failed or not applicable"],
    );
    let text = call_err(&client, "list_rules", json!({"status": "on"})).await;
    assert_mentions(&text, &["status", "enabled, disabled or all"]);
    let text = call_err(&client, "list_rules", json!({"level": "20"})).await;
    assert_mentions(&text, &["level", "0 to 16"]);
    let text = call_err(&client, "list_rules", json!({"rule_ids": "5710,abc"})).await;
    assert_mentions(&text, &["rule_ids", "abc"]);
    let text = call_err(&client, "get_rule_file_content", json!({"raw": "maybe"})).await;
    assert_mentions(&text, &["maybe", "true or false"]);
}

#[tokio::test]
async fn wrapped_arguments_and_protocol_errors() {
    let client = connect(&shared_app()).await;
    // The reference design's `{"args": {...}}` form.
    let wrapped = call_ok(
        &client,
        "get_agent_packages",
        json!({"args": {"agent_id": "001", "limit": 2}}),
    )
    .await;
    assert_eq!(items(&wrapped).len(), 2);
    let wrapped = call_ok(&client, "list_rules", json!({"args": {"rule_ids": [5710]}})).await;
    assert_eq!(items(&wrapped)[0]["level"], 5);
    let wrapped_bad = call_err(
        &client,
        "get_agent_ports",
        json!({"args": {"agent_id": "7"}}),
    )
    .await;
    assert_mentions(&wrapped_bad, &["`007`"]);

    // An unknown tool is a protocol error.
    let err = try_call(&client, "get_alerts", json!({}))
        .await
        .expect_err("an unknown tool is a JSON-RPC error");
    assert!(err.to_string().contains("-32602"), "{err}");

    // The session survives all of the above.
    call_ok(&client, "get_agents", json!({"limit": 1})).await;
}

#[tokio::test]
async fn wazuh_failures_carry_a_hint() {
    let sim = own_sim().await;
    let app = App::new(&config(&sim.manager_url())).expect("app builds");
    let client = connect(&app).await;
    call_ok(&client, "get_agents", json!({"limit": 1})).await;

    // Every attempt fails with a 500: an isError with a hint, not a protocol error.
    sim.set_faults(&wazuh_sim::FaultSpec {
        server_errors: Some(10),
        ..Default::default()
    });
    let text = call_err(&client, "get_agents", json!({"limit": 1})).await;
    assert_mentions(&text, &["server error", "try again"]);
    sim.state().faults.clear();
    call_ok(&client, "get_agents", json!({"limit": 1})).await;

    sim.shutdown().await;
    // Wazuh unreachable.
    let text = call_err(&client, "get_agents", json!({"limit": 1})).await;
    assert_mentions(&text, &["try again"]);
}

#[tokio::test]
async fn refused_credentials_are_an_operator_problem() {
    let mut config = config(shared_manager_url());
    config.wazuh.password = Some("not-the-password".to_string().into());
    let app = App::new(&config).expect("app builds");
    let client = connect(&app).await;
    let text = call_err(&client, "get_agents", json!({})).await;
    assert_mentions(&text, &["authentication failed", "operator"]);
    assert!(!text.contains("not-the-password"), "{text}");
    let text = call_err(&client, "authenticate", json!({})).await;
    assert_mentions(&text, &["authentication failed"]);
}
