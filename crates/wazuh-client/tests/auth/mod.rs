//! Login, token renewal and the single-flight guarantee.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use wazuh_client::{AgentQuery, Error, ListQuery, ManagerClient, ManagerConfig};
use wazuh_sim::{FaultSpec, SimConfig};

use crate::common::{fast, manager, sim, small_sim};

/// Runs `n` concurrent agent listings; returns how many failed (with the errors).
async fn burst(client: &Arc<ManagerClient>, n: usize) -> Vec<Error> {
    let mut tasks = JoinSet::new();
    for i in 0..n {
        let client = client.clone();
        tasks.spawn(async move {
            let query = AgentQuery {
                list: ListQuery::with_limit(1 + (i as u64 % 5)),
                ..AgentQuery::default()
            };
            client.agents(&query).await.map(|_| ())
        });
    }
    let mut errors = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = joined.expect("task did not panic") {
            errors.push(e);
        }
    }
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_callers_after_revocation_cause_one_login() {
    let sim = sim().await;
    let client = Arc::new(manager(&sim));
    client.authenticate().await.expect("login");
    assert_eq!(client.stats().logins, 1);

    // Every token issued so far becomes invalid: all 32 calls get a 401 with the same token.
    sim.set_faults(&FaultSpec {
        expire_tokens: Some(true),
        ..FaultSpec::default()
    });
    let errors = burst(&client, 32).await;
    assert!(errors.is_empty(), "failed calls: {errors:?}");
    let stats = client.stats();
    assert_eq!(stats.logins, 2, "exactly one re-login: {stats:?}");
    assert_eq!(stats.login_failures, 0);
    assert!(
        stats.reauthentications >= 1 && stats.reauthentications <= 32,
        "{stats:?}"
    );
    eprintln!("revocation burst: {stats:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_callers_across_token_expiry_cause_one_login() {
    // Tokens live 2 s; the client reads `exp` and renews before using an expired one.
    let sim = small_sim(SimConfig {
        token_ttl: 2,
        ..SimConfig::for_tests()
    })
    .await;
    let client = Arc::new(manager(&sim));
    client.authenticate().await.expect("login");
    let left = client.token_expires_in().expect("a cached token");
    assert!(
        left <= Duration::from_secs(2),
        "lifetime read from exp: {left:?}"
    );
    // Waiting out the token's lifetime is the point of this test (there is no clock to inject
    // into the simulator's JWTs).
    tokio::time::sleep(left + Duration::from_millis(20)).await;

    let errors = burst(&client, 32).await;
    assert!(errors.is_empty(), "failed calls: {errors:?}");
    let stats = client.stats();
    assert_eq!(stats.logins, 2, "exactly one re-login: {stats:?}");
    eprintln!("expiry burst: {stats:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sustained_load_over_several_expiries_never_fails() {
    let sim = small_sim(SimConfig {
        token_ttl: 2,
        ..SimConfig::for_tests()
    })
    .await;
    let client = Arc::new(manager(&sim));
    let deadline = tokio::time::Instant::now() + Duration::from_millis(3500);
    let mut tasks = JoinSet::new();
    for _ in 0..16 {
        let client = client.clone();
        tasks.spawn(async move {
            let mut calls = 0u32;
            while tokio::time::Instant::now() < deadline {
                client
                    .agents(&AgentQuery {
                        list: ListQuery::with_limit(1),
                        ..AgentQuery::default()
                    })
                    .await?;
                calls += 1;
            }
            Ok::<u32, Error>(calls)
        });
    }
    let mut calls = 0;
    while let Some(joined) = tasks.join_next().await {
        calls += joined.expect("no panic").expect("no failed call");
    }
    let stats = client.stats();
    eprintln!("sustained: {calls} calls, {stats:?}");
    // One login per ~1 s of token life (2 s minus rounding and the early-renewal margin).
    assert!(stats.logins >= 2 && stats.logins <= 8, "{stats:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_credentials_are_a_typed_auth_error_without_the_password() {
    let sim = sim().await;
    let password = "Sup3r-S3cret-Pa55word";
    let client = ManagerClient::new(fast(ManagerConfig::new(
        sim.manager_url(),
        "wazuh",
        password,
    )))
    .expect("client builds");
    let err = client.agents(&AgentQuery::default()).await.unwrap_err();
    let Error::Auth(api) = &err else {
        panic!("expected an auth error, got {err:?}");
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.detail, "Invalid credentials");
    let display = err.to_string();
    let debug = format!("{err:?}");
    let client_debug = format!("{client:?}");
    for text in [&display, &debug, &client_debug] {
        assert!(!text.contains(password), "password leaked: {text}");
    }
    assert!(
        display.contains("Check the username and password"),
        "{display}"
    );
    // 401 is not transient: one login attempt, no retries.
    let stats = client.stats();
    assert_eq!(
        (stats.logins, stats.login_failures, stats.retries),
        (1, 1, 0),
        "{stats:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_login_is_shared_by_the_callers_waiting_for_it() {
    let sim = sim().await;
    // The login takes 300 ms, so every caller queues behind the first one.
    sim.set_faults(&FaultSpec {
        latency_ms: Some(300),
        ..FaultSpec::default()
    });
    let client = Arc::new(
        ManagerClient::new(fast(ManagerConfig::new(
            sim.manager_url(),
            "wazuh",
            "wrong",
        )))
        .expect("client builds"),
    );
    let errors = burst(&client, 8).await;
    assert_eq!(errors.len(), 8);
    assert!(
        errors.iter().all(|e| matches!(e, Error::Auth(_))),
        "{errors:?}"
    );
    let stats = client.stats();
    assert_eq!(stats.logins, 1, "{stats:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn authenticate_reports_user_roles_and_version() {
    let sim = sim().await;
    let client = manager(&sim);
    let session = client.authenticate().await.expect("login");
    assert_eq!(session.user, "wazuh");
    assert_eq!(session.rbac_roles, vec![1]);
    assert_eq!(session.api.api_version.as_deref(), Some("4.14.7"));
    assert!(
        session.expires_in_secs > 800 && session.expires_in_secs <= 900,
        "{session:?}"
    );
    // The token never appears in what is returned or printed.
    let printed = format!("{session:?} {client:?}");
    assert!(!printed.contains("eyJ"), "{printed}");
    // authenticate() always logs in; later calls reuse the token.
    client.authenticate().await.expect("second login");
    client.api_info().await.expect("api info");
    assert_eq!(client.stats().logins, 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn read_only_users_get_permission_denied_on_writes() {
    let sim = sim().await;
    let client = ManagerClient::new(fast(ManagerConfig::new(
        sim.manager_url(),
        "analyst",
        "analyst",
    )))
    .expect("client builds");
    client
        .agents(&AgentQuery::default())
        .await
        .expect("reads are allowed");
    let err = client.restart_agent("001").await.unwrap_err();
    let Error::PermissionDenied(api) = &err else {
        panic!("expected permission denied, got {err:?}");
    };
    assert_eq!((api.status, api.code), (403, Some(4000)));
    assert!(api.remediation.is_some());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn early_renewal_is_done_once_while_others_keep_the_valid_token() {
    // Tokens live 3 s (2 s as the client counts, after rounding); renewal starts 0.2 s before.
    let sim = small_sim(SimConfig {
        token_ttl: 3,
        ..SimConfig::for_tests()
    })
    .await;
    let client = Arc::new(manager(&sim));
    client.authenticate().await.expect("login");
    let left = client.token_expires_in().expect("a cached token");
    // Land inside the renewal window: less than 0.2 s left, still valid.
    tokio::time::sleep(left.saturating_sub(Duration::from_millis(100))).await;
    let errors = burst(&client, 32).await;
    assert!(errors.is_empty(), "failed calls: {errors:?}");
    let stats = client.stats();
    assert_eq!(stats.logins, 2, "one early renewal: {stats:?}");
    assert_eq!(stats.reauthentications, 0, "nobody hit a 401: {stats:?}");
    sim.shutdown().await;
}
