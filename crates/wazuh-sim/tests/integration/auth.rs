use serde_json::Value;
use wazuh_sim::{FaultSpec, SimConfig};

use crate::common::{client, get, login, start, start_default};

#[tokio::test]
async fn login_json_raw_and_bad_credentials() {
    let sim = start_default().await;
    let url = format!("{}/security/user/authenticate", sim.manager_url());
    let response = client()
        .post(&url)
        .basic_auth("wazuh", Some("wazuh"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let token = body["data"]["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");

    let bad = client()
        .post(&url)
        .basic_auth("wazuh", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert_eq!(
        bad.headers()["content-type"],
        "application/problem+json; charset=utf-8"
    );
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["detail"], "Invalid credentials");
    sim.shutdown().await;
}

#[tokio::test]
async fn tokens_are_required_checked_and_revocable() {
    let sim = start_default().await;
    let (status, body) = get(&sim, "", "/agents").await;
    assert_eq!(status, 401);
    assert_eq!(body["title"], "Unauthorized");

    let (status, body) = get(&sim, "not.a.token", "/agents").await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (401, Some("Invalid token"))
    );

    let token = login(&sim, "wazuh", "wazuh").await;
    assert_eq!(get(&sim, &token, "/agents").await.0, 200);
    sim.set_faults(&FaultSpec {
        expire_tokens: Some(true),
        ..FaultSpec::default()
    });
    let (status, body) = get(&sim, &token, "/agents").await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (401, Some("Invalid token"))
    );
    let fresh = login(&sim, "wazuh", "wazuh").await;
    assert_eq!(get(&sim, &fresh, "/agents").await.0, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn tokens_expire_after_their_ttl() {
    let sim = start(SimConfig {
        token_ttl: 1,
        ..SimConfig::for_tests()
    })
    .await;
    let token = login(&sim, "wazuh", "wazuh").await;
    assert_eq!(get(&sim, &token, "/").await.0, 200);
    // Expiry is checked against the clock with one-second resolution; poll with a bound.
    let mut expired = false;
    for _ in 0..40 {
        if get(&sim, &token, "/").await.0 == 401 {
            expired = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(expired, "a 1 s token must expire within 4 s");
    sim.shutdown().await;
}

#[tokio::test]
async fn read_only_users_cannot_write() {
    let sim = start_default().await;
    let token = login(&sim, "analyst", "analyst").await;
    assert_eq!(get(&sim, &token, "/agents?limit=1").await.0, 200);
    let response = client()
        .put(format!("{}/agents/001/restart", sim.manager_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], 4000);
    assert_eq!(body["title"], "Permission Denied");
    sim.shutdown().await;
}

#[tokio::test]
async fn revoke_endpoint_invalidates_tokens() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let response = client()
        .put(format!("{}/security/user/revoke", sim.manager_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(get(&sim, &token, "/").await.0, 401);
    sim.shutdown().await;
}
