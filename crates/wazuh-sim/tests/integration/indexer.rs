use serde_json::{Value, json};

use crate::common::{client, start_default};

#[tokio::test]
async fn basic_auth_info_and_errors() {
    let sim = start_default().await;
    let base = sim.indexer_url();
    let anonymous = client().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let info: Value = client()
        .get(format!("{base}/"))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["version"]["distribution"], "opensearch");

    let missing = client()
        .post(format!("{base}/no-such-index/_search"))
        .basic_auth("admin", Some("admin"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["type"], "index_not_found_exception");

    let malformed = client()
        .post(format!("{base}/wazuh-alerts-*/_search"))
        .basic_auth("admin", Some("admin"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    sim.shutdown().await;
}
