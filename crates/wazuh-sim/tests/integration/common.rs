//! Shared test helpers.

use std::path::PathBuf;

use serde_json::Value;
use wazuh_sim::{RunningSim, SimConfig};

/// Wazuh's stock content: `WAZUH_DATA_DIR`, else a `shared/wazuh` directory above the crate.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WAZUH_DATA_DIR") {
        return PathBuf::from(dir);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared").join("wazuh"))
        .find(|p| p.join("ruleset").is_dir())
        .expect("Wazuh reference content not found: set WAZUH_DATA_DIR to a directory holding ruleset/ and sca/")
}

/// A simulator on ephemeral ports with the full stock content.
pub async fn start(config: SimConfig) -> RunningSim {
    wazuh_sim::start(SimConfig {
        data_dir: Some(data_dir()),
        agents: config.agents.min(50),
        ..config
    })
    .await
    .expect("simulator starts")
}

pub async fn start_default() -> RunningSim {
    start(SimConfig::for_tests()).await
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("client")
}

pub async fn login(sim: &RunningSim, user: &str, password: &str) -> String {
    let response = client()
        .post(format!(
            "{}/security/user/authenticate?raw=true",
            sim.manager_url()
        ))
        .basic_auth(user, Some(password))
        .send()
        .await
        .expect("login request");
    assert_eq!(response.status(), 200, "login as {user}");
    response.text().await.expect("token")
}

/// GET with a token; returns status and JSON body.
pub async fn get(sim: &RunningSim, token: &str, path_and_query: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{}{}", sim.manager_url(), path_and_query))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}
