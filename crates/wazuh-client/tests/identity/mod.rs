//! Per-caller identities (`with_identity`: other credentials or a run_as context) and exact
//! per-call request counting (`count_requests`), against the simulator's RBAC.

use std::sync::Arc;

use serde_json::json;
use tokio::task::JoinSet;
use wazuh_client::{
    AgentQuery, Error, Identity, IndexerClient, ListQuery, ManagerClient, SyscollectorKind,
    count_requests,
};
use wazuh_sim::FaultSpec;

use crate::common::{fast, indexer_config, manager, sim};

fn all_agents() -> AgentQuery {
    AgentQuery {
        list: ListQuery::with_limit(100_000),
        ..AgentQuery::default()
    }
}

fn one_agent() -> AgentQuery {
    AgentQuery {
        list: ListQuery::with_limit(1),
        ..AgentQuery::default()
    }
}

/// Ids of every agent the client can see, and of those in group `linux` among them.
async fn visible(client: &ManagerClient) -> (Vec<String>, Vec<String>) {
    let page = client.agents(&all_agents()).await.expect("agents");
    assert_eq!(
        page.total_affected_items,
        page.items.len() as u64,
        "one page holds them all"
    );
    let ids = page.items.iter().filter_map(|a| a.id.clone()).collect();
    let linux = page
        .items
        .iter()
        .filter(|a| a.group.iter().any(|g| g == "linux"))
        .filter_map(|a| a.id.clone())
        .collect();
    (ids, linux)
}

fn manager_config_as(sim: &wazuh_sim::RunningSim, user: &str) -> wazuh_client::ManagerConfig {
    fast(wazuh_client::ManagerConfig::new(
        sim.manager_url(),
        user,
        user,
    ))
}

fn linux_context() -> Identity {
    Identity::run_as(json!({"user": "ann", "groups": ["linux"]})).expect("an object")
}

#[tokio::test]
async fn credentials_identity_sees_only_its_group() {
    let sim = sim().await;
    let base = manager(&sim);
    let linux_user = base.with_identity(Identity::credentials("linux-analyst", "linux-analyst"));

    let (all, linux) = visible(&base).await;
    let (seen, seen_linux) = visible(&linux_user).await;
    assert!(!linux.is_empty() && linux.len() < all.len(), "{all:?}");
    assert_eq!(seen, linux, "linux-analyst lists exactly the linux agents");
    assert_eq!(seen_linux, linux);

    let session = linux_user.authenticate().await.expect("login");
    assert_eq!(session.user, "linux-analyst");
    assert_eq!(session.rbac_roles, vec![100]);
    assert!(!session.run_as);
    let base_session = base.authenticate().await.expect("login");
    assert_eq!(
        (
            base_session.user.as_str(),
            base_session.rbac_roles.as_slice()
        ),
        ("wazuh", &[1][..])
    );

    // An agent outside the group: Wazuh's 403, code 4000, on the agent's resource.
    let outside = all
        .iter()
        .find(|id| !linux.contains(id) && id.as_str() != "000")
        .expect("a non-linux agent");
    let err = linux_user
        .syscollector(outside, SyscollectorKind::Os, &ListQuery::default())
        .await
        .unwrap_err();
    let Error::PermissionDenied(api) = &err else {
        panic!("expected permission denied, got {err:?}");
    };
    assert_eq!(api.code, Some(4000));
    assert_eq!(api.detail, "Permission denied: Resource type: agent:id");
    // The base client still reads it.
    base.syscollector(outside, SyscollectorKind::Os, &ListQuery::default())
        .await
        .expect("the administrator reads every agent");

    // A wrong password fails only that identity.
    let wrong = base.with_identity(Identity::credentials("linux-analyst", "nope"));
    assert!(matches!(
        wrong.agents(&one_agent()).await,
        Err(Error::Auth(_))
    ));
    assert!(base.agents(&one_agent()).await.is_ok());
    sim.shutdown().await;
}

#[tokio::test]
async fn run_as_identity_gets_the_roles_of_its_context() {
    let sim = sim().await;
    let base = manager(&sim);
    let ann = base.with_identity(linux_context());

    let (_, linux) = visible(&base).await;
    let (seen, _) = visible(&ann).await;
    assert_eq!(seen, linux);

    let claims = ann.token_claims().expect("a cached token");
    assert_eq!(claims.run_as, Some(true));
    assert_eq!(claims.rbac_roles, vec![100]);
    assert_eq!(
        claims.sub.as_deref(),
        Some("wazuh"),
        "run_as logs in as the configured user"
    );
    let base_claims = base.token_claims().expect("a cached token");
    assert_eq!(
        (base_claims.run_as, base_claims.rbac_roles),
        (Some(false), vec![1])
    );
    let session = ann.authenticate().await.expect("login");
    assert!(session.run_as);
    assert_eq!(session.rbac_roles, vec![100]);

    // A context no rule matches: a token without roles, which sees no agent.
    let nobody = base.with_identity(Identity::run_as(json!({"groups": ["nobody"]})).unwrap());
    let page = nobody
        .agents(&all_agents())
        .await
        .expect("an empty listing");
    assert_eq!((page.total_affected_items, page.items.len()), (0, 0));

    // A user without allow_run_as is refused with Wazuh's 6004.
    let analyst = ManagerClient::new(manager_config_as(&sim, "analyst"))
        .unwrap()
        .with_identity(linux_context());
    let err = analyst.agents(&one_agent()).await.unwrap_err();
    let Error::PermissionDenied(api) = &err else {
        panic!("expected permission denied, got {err:?}");
    };
    assert_eq!((api.status, api.code), (403, Some(6004)), "{api}");

    // RunAs logs in with the configured account of the client it came from, even when that
    // client acts as another identity.
    let derived = base
        .with_identity(Identity::credentials("analyst", "analyst"))
        .with_identity(linux_context());
    assert_eq!(visible(&derived).await.0, linux);
    sim.shutdown().await;
}

#[tokio::test]
async fn identities_keep_separate_tokens() {
    let sim = sim().await;
    let base = manager(&sim);
    base.authenticate().await.expect("login");
    let ann = base.with_identity(linux_context());
    let bob = base.with_identity(Identity::credentials("linux-analyst", "linux-analyst"));
    assert!(
        ann.token_claims().is_none(),
        "a new identity starts without a token"
    );

    // Its first call logs in (2 requests), the next reuses its own token (1); the base client's
    // token is untouched.
    let before = base.token_claims();
    let (result, sent) = count_requests(ann.agents(&one_agent())).await;
    result.expect("agents");
    assert_eq!(sent, 2, "login + GET");
    let (result, sent) = count_requests(ann.agents(&one_agent())).await;
    result.expect("agents");
    assert_eq!(sent, 1);
    assert_eq!(base.token_claims(), before);
    let (result, sent) = count_requests(base.agents(&one_agent())).await;
    result.expect("agents");
    assert_eq!(sent, 1, "the base client still has its token");
    let (result, sent) = count_requests(bob.agents(&one_agent())).await;
    result.expect("agents");
    assert_eq!(sent, 2, "bob logs in for himself");
    assert_eq!(
        base.stats().logins,
        3,
        "counters are shared: wazuh, ann, bob"
    );

    // After a revocation each identity logs in again once, on its own, single-flight.
    sim.set_faults(&FaultSpec {
        expire_tokens: Some(true),
        ..FaultSpec::default()
    });
    let ann = Arc::new(ann);
    let logins = base.stats().logins;
    let mut tasks = JoinSet::new();
    for _ in 0..16 {
        let ann = ann.clone();
        tasks.spawn(async move { ann.agents(&one_agent()).await.map(|_| ()) });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("no panic").expect("no failed call");
    }
    assert_eq!(
        base.stats().logins - logins,
        1,
        "one re-login for ann's 16 calls"
    );
    assert_eq!(ann.token_claims().map(|c| c.rbac_roles), Some(vec![100]));
    let (result, sent) = count_requests(base.agents(&one_agent())).await;
    result.expect("agents");
    assert_eq!(sent, 3, "the base token was revoked too: 401, login, GET");
    sim.shutdown().await;
}

#[tokio::test]
async fn count_requests_is_exact_under_concurrency() {
    let sim = sim().await;
    let base = manager(&sim);
    base.authenticate().await.expect("login");
    let ann = base.with_identity(linux_context());
    let indexer = IndexerClient::new(indexer_config(&sim)).expect("indexer client");

    // Nothing counted outside a scope, nothing sent by an empty future.
    let ((), sent) = count_requests(async {}).await;
    assert_eq!(sent, 0);

    // One injected 500: whichever request meets it is retried, and only the future that sent
    // it counts the retry.
    let before = base.stats().requests;
    sim.set_faults(&FaultSpec {
        server_errors: Some(1),
        ..FaultSpec::default()
    });
    let one = one_agent();
    let ((a, sent_a), (b, sent_b)) = tokio::join!(
        count_requests(base.agents(&one)),
        count_requests(async {
            ann.agents(&one_agent()).await?;
            ann.agents(&one_agent()).await
        }),
    );
    a.expect("base call");
    b.expect("ann's calls");
    let total = base.stats().requests - before;
    assert_eq!(sent_a + sent_b, total, "every attempt counted once");
    assert_eq!(total, 5, "1 (base) + login + 2 (ann) + 1 retry");
    assert!(
        (sent_a, sent_b) == (2, 3) || (sent_a, sent_b) == (1, 4),
        "a={sent_a} b={sent_b}"
    );
    assert_eq!(base.stats().retries, 1);

    // On separate tasks as well, and across both clients; scopes nest.
    let mut tasks = JoinSet::new();
    for i in 0..8u64 {
        let client = if i % 2 == 0 {
            base.with_identity(linux_context())
        } else {
            base.with_identity(Identity::credentials("wazuh", "wazuh"))
        };
        let client = Arc::new(client);
        tasks.spawn(async move {
            let (inner, outer) = count_requests(async {
                let (r, inner) = count_requests(client.agents(&one_agent())).await;
                r.map(|_| inner)
            })
            .await;
            (inner.expect("agents"), outer)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (inner, outer) = joined.expect("no panic");
        assert_eq!(
            (inner, outer),
            (2, 2),
            "login + GET, counted in both scopes"
        );
    }
    let (result, sent) = count_requests(async {
        let hits = indexer
            .count("wazuh-alerts-4.x-*", json!({"query": {"match_all": {}}}))
            .await?;
        base.agents(&one_agent()).await?;
        Ok::<u64, Error>(hits)
    })
    .await;
    assert!(result.expect("count and agents") > 0);
    assert_eq!(sent, 2, "one indexer and one manager request");
    sim.shutdown().await;
}
