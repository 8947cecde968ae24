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

async fn search(sim: &wazuh_sim::RunningSim, index: &str, body: Value) -> (u16, Value) {
    let response = client()
        .post(format!("{}/{index}/_search", sim.indexer_url()))
        .basic_auth("admin", Some("admin"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn alert_searches_with_filters_sorting_and_aggregations() {
    let sim = start_default().await;
    let (status, body) = search(
        &sim,
        "wazuh-alerts-4.x-*",
        json!({
            "size": 5,
            "sort": [{"timestamp": {"order": "desc"}}],
            "query": {"bool": {"filter": [
                {"range": {"rule.level": {"gte": 10}}},
                {"range": {"timestamp": {"gte": "now-7d"}}}
            ]}},
            "aggs": {"by_agent": {"terms": {"field": "agent.name", "size": 3}}}
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let hits = body["hits"]["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "high-level alerts exist");
    let stamps: Vec<&str> = hits
        .iter()
        .map(|h| h["_source"]["timestamp"].as_str().unwrap())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(stamps, sorted, "newest first");
    for hit in hits {
        assert!(hit["_source"]["rule"]["level"].as_u64().unwrap() >= 10);
        assert!(
            hit["_index"]
                .as_str()
                .unwrap()
                .starts_with("wazuh-alerts-4.x-")
        );
    }
    let buckets = body["aggregations"]["by_agent"]["buckets"]
        .as_array()
        .unwrap();
    assert!(!buckets.is_empty() && buckets.len() <= 3);
    let counts: Vec<u64> = buckets
        .iter()
        .map(|b| b["doc_count"].as_u64().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "by count, descending"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn planted_threats_are_findable() {
    let sim = start_default().await;
    let (_, body) = search(
        &sim,
        "wazuh-alerts-*",
        json!({"query": {"bool": {"should": [
            {"term": {"data.srcip": "192.168.1.100"}},
            {"term": {"data.dstip": "192.168.1.100"}},
            {"term": {"data.win.eventdata.destinationIp": "192.168.1.100"}}
        ]}}, "aggs": {"agents": {"terms": {"field": "agent.id"}}}}),
    )
    .await;
    let agents: Vec<&str> = body["aggregations"]["agents"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert!(
        agents.contains(&"001") && agents.contains(&"002"),
        "{agents:?}"
    );

    let (_, body) = search(
        &sim,
        "wazuh-alerts-*",
        json!({"query": {"query_string": {"query": "data.win.eventdata.commandLine:*EncodedCommand*"}}}),
    )
    .await;
    assert!(
        body["hits"]["total"]["value"].as_u64().unwrap() >= 1,
        "{body}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn cat_indices_and_count_agree() {
    let sim = start_default().await;
    let indices: Value = client()
        .get(format!("{}/_cat/indices?format=json", sim.indexer_url()))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let alerts: u64 = indices
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["index"]
                .as_str()
                .unwrap()
                .starts_with("wazuh-alerts-4.x-")
        })
        .map(|i| i["docs.count"].as_str().unwrap().parse::<u64>().unwrap())
        .sum();
    let count: Value = client()
        .post(format!("{}/wazuh-alerts-4.x-*/_count", sim.indexer_url()))
        .basic_auth("admin", Some("admin"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count["count"].as_u64().unwrap(), alerts);
    assert!(alerts > 0);
    let names: Vec<&str> = indices
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["index"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"wazuh-states-vulnerabilities-wazuh"));
    assert!(names.contains(&"wazuh-states-inventory-packages-wazuh"));
    sim.shutdown().await;
}

#[tokio::test]
async fn inventory_and_vulnerability_states() {
    let sim = start_default().await;
    let (status, body) = search(
        &sim,
        "wazuh-states-inventory-packages-*",
        json!({"size": 3, "query": {"term": {"agent.id": "001"}}}),
    )
    .await;
    assert_eq!(status, 200);
    for hit in body["hits"]["hits"].as_array().unwrap() {
        assert_eq!(hit["_source"]["agent"]["id"], "001");
        assert!(hit["_source"]["package"]["name"].is_string());
    }
    let (status, body) = search(
        &sim,
        "wazuh-states-vulnerabilities-*",
        json!({"size": 0, "aggs": {"severity": {"terms": {"field": "vulnerability.severity"}}}}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        !body["aggregations"]["severity"]["buckets"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn state_indices_follow_the_version() {
    let sim = crate::common::start(wazuh_sim::SimConfig {
        api_version: wazuh_sim::ApiVersion::V4_7_5,
        ..wazuh_sim::SimConfig::for_tests()
    })
    .await;
    let (status, body) = search(&sim, "wazuh-states-vulnerabilities-wazuh", json!({})).await;
    assert_eq!(
        status, 404,
        "4.7 kept vulnerabilities in the manager API: {body}"
    );
    sim.shutdown().await;
}
