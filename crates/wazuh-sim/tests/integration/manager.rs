use serde_json::Value;
use wazuh_sim::SimConfig;

use crate::common::{client, get, login, start, start_default};

#[tokio::test]
async fn strict_validation_like_connexion() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let cases = [
        ("/agents?foo=1", "Extra query parameter(s) foo not in spec"),
        ("/agents?limit=0", "0 is less than the minimum of 1"),
        ("/agents?limit=abc", "'abc' is not of type 'integer'"),
        ("/syscollector/1/packages", "'1' is too short"),
        ("/syscollector/0a1/packages", "'0a1' is not a 'numbers'"),
    ];
    for (path, detail) in cases {
        let (status, body) = get(&sim, &token, path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["detail"], detail, "{path}");
        assert_eq!(body["title"], "Bad Request");
    }
    let (status, body) = get(&sim, &token, "/agents?offset=9999999999999999999").await;
    assert_eq!((status, body["error"].as_u64()), (400, Some(2003)));
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    assert_eq!(get(&sim, &token, "/no/such/thing").await.0, 404);
    let response = client()
        .delete(format!("{}/agents/summary/status", sim.manager_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_agents_are_failed_items_with_http_200() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let (status, body) = get(&sim, &token, "/syscollector/999/packages").await;
    assert_eq!(status, 200);
    assert_eq!(body["error"], 1, "every item failed");
    assert_eq!(body["data"]["total_failed_items"], 1);
    assert_eq!(body["data"]["failed_items"][0]["error"]["code"], 1701);
    assert_eq!(body["data"]["failed_items"][0]["id"][0], "999");

    let (status, body) = get(&sim, &token, "/agents?agents_list=000,999").await;
    assert_eq!(status, 200);
    assert_eq!(body["error"], 2, "some items failed");
    assert_eq!(body["data"]["total_affected_items"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn pretty_printing_and_envelopes() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let response = client()
        .get(format!("{}/manager/info?pretty=true", sim.manager_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    assert!(text.contains("\n  "), "pretty output is indented");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"], 0);
    assert_eq!(body["data"]["total_affected_items"], 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_code_6001() {
    let sim = start(SimConfig {
        rate_limit: 5,
        ..SimConfig::for_tests()
    })
    .await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, body) = get(&sim, &token, "/").await;
        if status == 429 {
            assert_eq!(body["code"], 6001);
        }
        statuses.push(status);
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 429, 429]);
    sim.shutdown().await;
}
