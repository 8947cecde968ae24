//! The indexer client: search, count, indices, OpenSearch errors, outage.

use serde_json::json;
use wazuh_client::indexer::IndexerClient;
use wazuh_client::{Error, IndexerConfig, Service, TransportKind};
use wazuh_sim::FaultSpec;

use crate::common::{indexer_config, shared, sim};

#[tokio::test]
async fn search_count_and_indices() {
    let sim = shared();
    let client = IndexerClient::new(indexer_config(sim)).expect("client");
    let indices = client.cat_indices(None).await.expect("indices");
    eprintln!(
        "indices: {:?}",
        indices
            .iter()
            .map(|i| (&i.index, i.docs_count))
            .collect::<Vec<_>>()
    );
    let alerts = client
        .search(
            "wazuh-alerts-4.x-*",
            json!({
                "size": 3,
                "query": {"match_all": {}},
                "sort": [{"timestamp": {"order": "desc"}}],
                "aggs": {"levels": {"terms": {"field": "rule.level"}}}
            }),
        )
        .await
        .expect("search");
    assert!(alerts.hits.len() <= 3);
    for hit in &alerts.hits {
        assert!(hit.index.starts_with("wazuh-alerts-4.x-"), "{hit:?}");
        assert!(!hit.id.is_empty());
        assert!(hit.source.is_object());
    }
    let count = client
        .count("wazuh-alerts-4.x-*", json!({"query": {"match_all": {}}}))
        .await
        .expect("count");
    if let Some(total) = &alerts.total {
        assert!(
            total.value <= count || total.relation == "gte",
            "{total:?} vs {count}"
        );
    }
    eprintln!(
        "alerts: count {count}, page {}, aggregations {}",
        alerts.hits.len(),
        alerts.aggregations.is_some()
    );
}

#[tokio::test]
async fn opensearch_errors_are_typed() {
    let sim = shared();
    let client = IndexerClient::new(indexer_config(sim)).expect("client");
    let err = client
        .search("no-such-index", json!({"query": {"match_all": {}}}))
        .await
        .unwrap_err();
    let Error::NotFound(api) = &err else {
        panic!("expected not found, got {err:?}");
    };
    assert_eq!(api.service, Service::Indexer);
    assert_eq!(api.kind.as_deref(), Some("index_not_found_exception"));
    assert!(api.detail.contains("no-such-index"), "{api:?}");

    let err = client.search("_security", json!({})).await.unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "index", .. }),
        "{err:?}"
    );
    let err = client
        .search("wazuh-alerts-*", json!([1]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "body", .. }),
        "{err:?}"
    );
    assert_eq!(client.stats().requests, 1, "validation sends nothing");
}

#[tokio::test]
async fn bad_indexer_credentials_are_an_auth_error() {
    let sim = shared();
    let mut config = IndexerConfig::new(
        crate::common::Urls::indexer_url(sim),
        "admin",
        "not-the-password",
    );
    config.backoff_factor = std::time::Duration::from_millis(10);
    let client = IndexerClient::new(config).expect("client");
    let err = client.info().await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("not-the-password"));
}

#[tokio::test]
async fn indexer_down_is_a_transport_error() {
    let sim = sim().await;
    let client = IndexerClient::new(indexer_config(&sim)).expect("client");
    client.info().await.expect("up at first");
    sim.set_faults(&FaultSpec {
        indexer_down: Some(true),
        ..FaultSpec::default()
    });
    // The listener closes asynchronously; wait until it refuses connections.
    let addr = sim.indexer_addr();
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let err = client
        .count("wazuh-alerts-4.x-*", json!({}))
        .await
        .unwrap_err();
    let Error::Transport { service, kind, .. } = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(*service, Service::Indexer);
    assert!(
        matches!(kind, TransportKind::Connect | TransportKind::Connection),
        "{err}"
    );
    assert!(err.to_string().contains("indexer"), "{err}");
    assert!(err.is_transient());
    sim.shutdown().await;
}
