//! Callers mapped to Wazuh identities, over real HTTP: Wazuh's own RBAC decides what each sees
//! (a `run_as` context and a user of its own, both limited to the `linux` group by the
//! simulator's roles), tokens are cached per identity, a caller mapped to an identity the
//! server does not define is refused, and the audit counts exactly the requests each call sent.

use std::collections::BTreeMap;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use wazuh_mcp_server::App;
use wazuh_mcp_server::auth::ApiKey;
use wazuh_mcp_server::config::{Config, WazuhIdentity};
use wazuh_mcp_server::transport::http::{self, HttpOptions};

use crate::auth::{IDP, IdpKey, Jwks, RESOURCE, now, oauth_settings};
use crate::common::{config, own_sim, text};

const RUN_AS_KEY: &str = "wmk_identity_run_as_linux_0123456789";
const OWN_USER_KEY: &str = "wmk_identity_linux_analyst_0123456789";
const SERVER_USER_KEY: &str = "wmk_identity_server_user_0123456789";

fn identities_config(manager_url: &str, audit: &std::path::Path, jwks_url: &str) -> Config {
    let mut config = config(manager_url);
    config.wazuh.identities = BTreeMap::from([
        (
            "linux-context".to_string(),
            WazuhIdentity {
                username: None,
                password: None,
                run_as: Some(json!({"groups": ["linux"]})),
            },
        ),
        (
            "linux-user".to_string(),
            WazuhIdentity {
                username: Some("linux-analyst".into()),
                password: Some(SecretString::from("linux-analyst")),
                run_as: None,
            },
        ),
    ]);
    let key = |name: &str, key: &str, identity: Option<&str>| {
        let mut k = ApiKey::from_plain(name, key, vec!["tools:read".into()], None).unwrap();
        k.wazuh_identity = identity.map(str::to_string);
        k
    };
    config.auth.api_keys = vec![
        key("run-as", RUN_AS_KEY, Some("linux-context")),
        key("own-user", OWN_USER_KEY, Some("linux-user")),
        key("server-user", SERVER_USER_KEY, None),
    ];
    let mut oauth = oauth_settings(jwks_url);
    oauth.identity_claim = Some("wazuh_identity".into());
    config.auth.oauth = Some(oauth);
    config.audit.enabled = true;
    config.audit.path = Some(audit.to_path_buf());
    config
}

type Client = rmcp::service::RunningService<rmcp::RoleClient, ()>;

async fn client(base: &str, credential: &str) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp"))
            .auth_header(credential),
    );
    ().serve(transport).await.unwrap()
}

async fn call(client: &Client, name: &str, arguments: Value) -> rmcp::model::CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(name.to_string())
                .with_arguments(arguments.as_object().unwrap().clone()),
        )
        .await
        .unwrap()
}

/// Every agent's groups, as `get_agents` returns them to `client`.
async fn agent_groups(client: &Client) -> Vec<(String, Vec<String>)> {
    let result = call(
        client,
        "get_agents",
        json!({"select": "id,group", "limit": 500}),
    )
    .await;
    assert_ne!(result.is_error, Some(true), "{}", text(&result));
    let items = result.structured_content.unwrap()["items"].clone();
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let groups = a["group"]
                .as_array()
                .map(|g| g.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (a["id"].as_str().unwrap().to_string(), groups)
        })
        .collect()
}

#[tokio::test]
async fn wazuh_rbac_applies_per_caller_identity() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = own_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let jwks = Jwks::default();
    let idp = IdpKey::new("identity");
    jwks.publish(&[&idp]);
    let config = identities_config(&sim.manager_url(), &audit, &jwks.start().await);
    let app = App::new(&config).unwrap();
    let shutdown = CancellationToken::new();
    let router = http::router(&app, HttpOptions::default(), shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(http::serve(listener, router, shutdown.clone()));

    let everyone = agent_groups(&client(&base, SERVER_USER_KEY).await).await;
    let linux: Vec<&String> = everyone
        .iter()
        .filter(|(_, g)| g.iter().any(|g| g == "linux"))
        .map(|(id, _)| id)
        .collect();
    let windows = everyone
        .iter()
        .find(|(_, g)| g.iter().any(|g| g == "windows"))
        .map(|(id, _)| id.clone())
        .expect("the fleet has a windows agent");
    assert!(!linux.is_empty() && linux.len() < everyone.len());

    for key in [RUN_AS_KEY, OWN_USER_KEY] {
        let client = client(&base, key).await;
        let seen = agent_groups(&client).await;
        let ids: Vec<&String> = seen.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, linux, "{key} sees exactly the linux agents");
        // Another group's agent: Wazuh itself refuses, in its words.
        let refused = call(&client, "get_agent_packages", json!({"agent_id": windows})).await;
        assert_eq!(refused.is_error, Some(true));
        let message = text(&refused);
        assert!(message.contains("4000"), "{message}");
        assert!(message.contains("runs as"), "{message}");
        let allowed = call(
            &client,
            "get_agent_packages",
            json!({"agent_id": linux[0], "limit": 1}),
        )
        .await;
        assert_ne!(allowed.is_error, Some(true), "{}", text(&allowed));
    }

    // One token per identity, never shared.
    let run_as = app.ctx.identities["linux-context"].token_claims().unwrap();
    let own = app.ctx.identities["linux-user"].token_claims().unwrap();
    let server = app.ctx.manager.token_claims().unwrap();
    assert_eq!(run_as.run_as, Some(true));
    assert_eq!(run_as.sub.as_deref(), Some("wazuh"));
    assert_eq!(own.sub.as_deref(), Some("linux-analyst"));
    assert_eq!(server.run_as, Some(false));
    assert_ne!(run_as.rbac_roles, server.rbac_roles);

    // An IdP token naming an identity the server does not define is refused, never run as the
    // server's own user; one naming a defined identity works.
    let token = |identity: &str| {
        idp.sign(&json!({
            "iss": IDP, "aud": RESOURCE, "sub": "mallory", "iat": now(), "exp": now() + 600,
            "scope": "tools:read", "wazuh_identity": identity,
        }))
    };
    let stranger = client(&base, &token("wazuh-admin")).await;
    let error = stranger
        .call_tool(CallToolRequestParams::new("get_agents"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("wazuh-admin"), "{error}");
    let mapped = client(&base, &token("linux-user")).await;
    let ids: Vec<String> = agent_groups(&mapped)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids.iter().collect::<Vec<_>>(), linux);

    // The audit counts each call's own requests to Wazuh, even when calls overlap.
    let a = client(&base, SERVER_USER_KEY).await;
    let b = client(&base, RUN_AS_KEY).await;
    let (ra, rb) = tokio::join!(
        call(&a, "get_agents", json!({"limit": 1})),
        call(&b, "get_agents", json!({"limit": 1}))
    );
    assert_ne!(ra.is_error, Some(true));
    assert_ne!(rb.is_error, Some(true));
    app.ctx.security.audit.flush().await;
    let lines: Vec<Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|l: &Value| l["event"] == "tool_call")
        .collect();
    let last_two: Vec<u64> = lines[lines.len() - 2..]
        .iter()
        .map(|l| l["upstream_calls"].as_u64().unwrap())
        .collect();
    assert_eq!(last_two, vec![1, 1], "warm tokens: one request per call");
    let denied = lines
        .iter()
        .find(|l| l["outcome"] == "denied")
        .expect("the unknown identity is audited");
    assert!(denied["reason"].as_str().unwrap().contains("wazuh-admin"));
    // The first call of all logged in first: its line counts the login too.
    assert_eq!(lines[0]["upstream_calls"], 2, "{}", lines[0]);
    shutdown.cancel();
}
