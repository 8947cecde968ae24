use std::time::{Duration, Instant};

use wazuh_sim::FaultSpec;

use crate::common::{client, login, start_default};

#[tokio::test]
async fn too_many_requests_with_retry_after_then_recovery() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    sim.set_faults(&FaultSpec {
        too_many_requests: Some(2),
        retry_after_secs: Some(7),
        ..FaultSpec::default()
    });
    let url = format!("{}/", sim.manager_url());
    for _ in 0..2 {
        let response = client().get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
    }
    let response = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn server_errors_then_recovery() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    sim.set_faults(&FaultSpec {
        server_errors: Some(1),
        ..FaultSpec::default()
    });
    let url = format!("{}/", sim.manager_url());
    let first = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), 500);
    let second = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(second.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn resets_and_truncated_bodies_fail_the_request() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let url = format!("{}/agents", sim.manager_url());
    sim.set_faults(&FaultSpec {
        resets: Some(1),
        ..FaultSpec::default()
    });
    let reset = client().get(&url).bearer_auth(&token).send().await;
    let failed = match reset {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(failed, "a reset connection yields no answer");

    sim.set_faults(&FaultSpec {
        truncated: Some(1),
        ..FaultSpec::default()
    });
    let truncated = match client().get(&url).bearer_auth(&token).send().await {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(truncated, "the body is cut short");

    let ok = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.json::<serde_json::Value>().await.is_ok());
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_and_slow_bodies() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    sim.set_faults(&FaultSpec {
        latency_ms: Some(300),
        ..FaultSpec::default()
    });
    let url = format!("{}/", sim.manager_url());
    let started = Instant::now();
    let response = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sim.set_faults(&FaultSpec {
        latency_ms: Some(0),
        slow_body_ms: Some(400),
        slow_bodies: Some(1),
        ..FaultSpec::default()
    });
    let started = Instant::now();
    let body = client()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(350));
    assert_eq!(body["error"], 0, "a slow body is still whole");
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_over_http() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let control = format!("{}/__sim/faults", sim.manager_url());
    let response = client()
        .post(&control)
        .body(r#"{"server_errors": 1, "expire_tokens": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let state: serde_json::Value = response.json().await.unwrap();
    assert_eq!(state["server_errors"], 1);
    let bad = client()
        .post(&control)
        .body(r#"{"nope": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let url = format!("{}/", sim.manager_url());
    let first = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), 500);
    let second = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(second.status(), 401, "tokens were expired");
    sim.shutdown().await;
}

#[tokio::test]
async fn indexer_down_while_manager_up() {
    let sim = start_default().await;
    let token = login(&sim, "wazuh", "wazuh").await;
    let indexer = format!("{}/", sim.indexer_url());
    let up = client()
        .get(&indexer)
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200);

    sim.set_faults(&FaultSpec {
        indexer_down: Some(true),
        ..FaultSpec::default()
    });
    let mut refused = false;
    for _ in 0..50 {
        let fresh = reqwest::Client::new();
        if fresh.get(&indexer).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "the indexer stops accepting connections");
    let manager = client()
        .get(format!("{}/", sim.manager_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(manager.status(), 200, "the manager stays up");

    sim.set_faults(&FaultSpec {
        indexer_down: Some(false),
        ..FaultSpec::default()
    });
    let mut back = false;
    for _ in 0..50 {
        let fresh = reqwest::Client::new();
        if let Ok(r) = fresh
            .get(&indexer)
            .basic_auth("admin", Some("admin"))
            .send()
            .await
        {
            back = r.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(back, "the indexer comes back on the same port");
    sim.shutdown().await;
}
