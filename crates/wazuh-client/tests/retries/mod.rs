//! Retries with backoff: 5xx, 429 with Retry-After, resets and truncated bodies; never for writes.

use std::time::{Duration, Instant};

use wazuh_client::{AgentQuery, Error, ListQuery, ManagerClient, TransportKind};
use wazuh_sim::FaultSpec;

use crate::common::{manager, manager_config, sim};

fn faults() -> FaultSpec {
    FaultSpec::default()
}

/// An authenticated client, so the faults hit the calls under test and not the login.
async fn ready(sim: &wazuh_sim::RunningSim) -> ManagerClient {
    let client = manager(sim);
    client.authenticate().await.expect("login");
    client
}

fn one_agent() -> AgentQuery {
    AgentQuery {
        list: ListQuery::with_limit(1),
        ..AgentQuery::default()
    }
}

#[tokio::test]
async fn server_errors_are_retried_for_reads() {
    let sim = sim().await;
    let client = ready(&sim).await;
    let before = client.stats();
    sim.set_faults(&FaultSpec {
        server_errors: Some(2),
        ..faults()
    });
    client
        .agents(&one_agent())
        .await
        .expect("third attempt succeeds");
    let after = client.stats();
    assert_eq!(after.retries - before.retries, 2, "{after:?}");
    assert_eq!(after.requests - before.requests, 3, "{after:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn server_errors_past_the_retries_are_typed() {
    let sim = sim().await;
    let client = ready(&sim).await;
    sim.set_faults(&FaultSpec {
        server_errors: Some(3),
        ..faults()
    });
    let err = client.agents(&one_agent()).await.unwrap_err();
    let Error::Server(api) = &err else {
        panic!("expected a server error, got {err:?}");
    };
    assert_eq!((api.status, api.code), (500, Some(1000)));
    assert!(err.is_transient());
    assert_eq!(client.stats().retries, 2, "3 attempts in all");
    sim.shutdown().await;
}

#[tokio::test]
async fn writes_are_not_retried_on_server_errors() {
    let sim = sim().await;
    let client = ready(&sim).await;
    let before = client.stats();
    sim.set_faults(&FaultSpec {
        server_errors: Some(2),
        ..faults()
    });
    let err = client.restart_agent("001").await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    let after = client.stats();
    assert_eq!(after.requests - before.requests, 1, "sent once: {after:?}");
    assert_eq!(after.retries, before.retries);
    sim.shutdown().await;
}

#[tokio::test]
async fn logtest_is_a_safe_put_and_is_retried() {
    let sim = sim().await;
    let client = ready(&sim).await;
    sim.set_faults(&FaultSpec {
        server_errors: Some(1),
        ..faults()
    });
    client
        .logtest("Jul  3 21:44:07 vmi189193 sshd[26279]: Failed password for invalid user sammy from 82.202.219.155 port 51676 ssh2", "syslog", "/var/log/auth.log")
        .await
        .expect("retried");
    assert_eq!(client.stats().retries, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let sim = sim().await;
    let client = ready(&sim).await;
    sim.set_faults(&FaultSpec {
        too_many_requests: Some(1),
        retry_after_secs: Some(1),
        ..faults()
    });
    let started = Instant::now();
    client
        .agents(&one_agent())
        .await
        .expect("retried after the wait");
    let waited = started.elapsed();
    // The backoff is 10 ms in tests, so a wait of a second can only be Retry-After.
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
    assert_eq!(client.stats().retries, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_capped() {
    let sim = sim().await;
    let mut config = manager_config(&sim);
    config.retry_after_cap = Duration::from_millis(100);
    let client = ManagerClient::new(config).expect("client");
    client.authenticate().await.expect("login");
    sim.set_faults(&FaultSpec {
        too_many_requests: Some(1),
        retry_after_secs: Some(30),
        ..faults()
    });
    let started = Instant::now();
    client.agents(&one_agent()).await.expect("retried");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limits_past_the_retries_are_typed() {
    let sim = sim().await;
    let mut config = manager_config(&sim);
    config.retry_after_cap = Duration::from_millis(50);
    let client = ManagerClient::new(config).expect("client");
    client.authenticate().await.expect("login");
    sim.set_faults(&FaultSpec {
        too_many_requests: Some(3),
        retry_after_secs: Some(2),
        ..faults()
    });
    let err = client.agents(&one_agent()).await.unwrap_err();
    let Error::RateLimited { error, retry_after } = &err else {
        panic!("expected rate limited, got {err:?}");
    };
    assert_eq!((error.status, error.code), (429, Some(6001)));
    assert_eq!(*retry_after, Some(Duration::from_secs(2)));
    sim.shutdown().await;
}

#[tokio::test]
async fn connection_resets_are_retried_for_reads() {
    let sim = sim().await;
    let client = ready(&sim).await;
    sim.set_faults(&FaultSpec {
        resets: Some(1),
        ..faults()
    });
    client
        .agents(&one_agent())
        .await
        .expect("retried after the reset");
    assert_eq!(client.stats().retries, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn connection_resets_are_not_retried_for_writes() {
    let sim = sim().await;
    let client = ready(&sim).await;
    sim.set_faults(&FaultSpec {
        resets: Some(1),
        ..faults()
    });
    let err = client.restart_agent("001").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connection,
                ..
            } | Error::Decode { .. }
        ),
        "{err:?}"
    );
    assert_eq!(client.stats().retries, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn truncated_bodies_are_retried_for_reads() {
    let sim = sim().await;
    let client = ready(&sim).await;
    sim.set_faults(&FaultSpec {
        truncated: Some(1),
        ..faults()
    });
    let page = client
        .agents(&one_agent())
        .await
        .expect("retried after the cut");
    assert_eq!(page.items.len().min(1), page.items.len());
    assert_eq!(client.stats().retries, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn login_is_retried_too() {
    let sim = sim().await;
    let client = manager(&sim);
    sim.set_faults(&FaultSpec {
        server_errors: Some(1),
        resets: Some(1),
        ..faults()
    });
    client
        .agents(&one_agent())
        .await
        .expect("login and call succeed");
    let stats = client.stats();
    assert_eq!((stats.logins, stats.retries), (1, 2), "{stats:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_manager_is_a_transport_error_with_a_hint() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut config = crate::common::fast(wazuh_client::ManagerConfig::new(
        format!("http://127.0.0.1:{port}"),
        "wazuh",
        "wazuh",
    ));
    config.max_retries = 1;
    let client = ManagerClient::new(config).expect("client");
    let err = client.api_info().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("is the URL right"), "{err}");
    // Connection failures are retried (nothing was sent).
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_connection_cap_bounds_requests_in_flight() {
    let sim = sim().await;
    let mut config = manager_config(&sim);
    config.pool_max_connections = 2;
    let client = std::sync::Arc::new(ManagerClient::new(config).expect("client"));
    client.authenticate().await.expect("login");
    // Every answer takes 100 ms: 6 calls through 2 slots need 3 rounds.
    sim.set_faults(&FaultSpec {
        latency_ms: Some(100),
        ..faults()
    });
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let client = client.clone();
        tasks.spawn(async move { client.agents(&one_agent()).await.map(|_| ()) });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("no panic").expect("call succeeds");
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
    sim.shutdown().await;
}
